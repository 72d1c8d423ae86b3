-- A compensation that cannot finish on its own (a refund the gateway refuses) flags its
-- booking for an operator instead of failing the saga: the seats are released anyway, and the
-- workflow stays open on an update that retries the step or marks the booking resolved.
alter table bookings
    add column needs_operator       text,
    add column needs_operator_since timestamptz,
    add column operator_note        text,
    -- Set once a compensation has started: a confirm never books the seats of a booking being
    -- closed (its conditional transition requires this to be null), while the status still
    -- says where the money is until the refund has settled.
    add column closed_at            timestamptz;
create index bookings_needs_operator on bookings (needs_operator_since)
    where needs_operator is not null;
