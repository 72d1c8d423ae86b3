-- The W3C traceparent of the request that held the seats, so that a saga the relay starts later
-- joins the hold's trace (ids only: a version, a trace id, a span id and flags).
alter table saga_starts
    add column trace_parent text check (trace_parent is null or length(trace_parent) <= 64);
