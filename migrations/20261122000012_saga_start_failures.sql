-- The relay no longer locks `saga_starts` rows while it calls Temporal: it claims a row by
-- moving its `not_before` past the call (a lease: if the relay dies, the row is due again when
-- it lapses), deletes it once started, and backs a row off after a transient failure
-- (Temporal unavailable), recording why. A row that can never start (its input does not parse,
-- or Temporal refuses the request as invalid) is moved to `saga_starts_failed` with its error,
-- so it is not retried in a loop and does not hold newer rows back; `/health` counts them.
alter table saga_starts
    add column not_before timestamptz not null default now(),
    add column attempts   integer     not null default 0,
    add column last_error text;

create table saga_starts_failed (
    booking_id uuid primary key references bookings (booking_id),
    input      jsonb       not null,
    created_at timestamptz not null,
    attempts   integer     not null,
    error      text        not null,
    failed_at  timestamptz not null default now()
);
