-- The API holds seats in its own transaction and records, in that same transaction, that the
-- booking's saga must be started. The API starts the workflow right after the commit and
-- deletes the row; a relay starts whatever is left (an API that died in between), so no
-- booking is ever without its saga. The row carries the workflow's input as JSON.
create table saga_starts (
    booking_id uuid primary key references bookings (booking_id),
    input      jsonb not null,
    created_at timestamptz not null default now()
);
create index saga_starts_age on saga_starts (created_at);
