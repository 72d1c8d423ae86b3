-- Theater connectivity, partner policies and cancellations after payment.
--
-- A theater is connected to the platform in one of two ways (`theater_connections`): the
-- platform sells the seats it set aside for the platform and sends each sale's allocation
-- after the payment (`designated`), or the theater's own box office is the authority on every
-- seat and the platform locks seats there at hold time and confirms the lock after payment
-- (`live`). A theater without a row is not connected: nothing is shared.

create table theater_connections (
    theater_id   uuid primary key references theaters (theater_id),
    model        text not null check (model in ('designated', 'live')),
    -- The box office's HTTP API, e.g. http://127.0.0.1:8431 (no path, no trailing slash).
    base_url     text not null check (base_url ~ '^https?://[^/]+$'),
    -- How long the box office keeps a lock (a live theater's own limit caps the hold).
    lock_seconds int not null default 600 check (lock_seconds between 60 and 3600),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);
select manage_updated_at('theater_connections');

-- What a partner's customers may do, set by operators, read by partners. One row per partner;
-- a partner without a row has the defaults below.
create table partner_policies (
    partner_id           uuid primary key references partners (partner_id),
    -- How long seats stay held before payment.
    hold_seconds         int not null default 600 check (hold_seconds between 60 and 1800),
    -- Whether a customer may cancel some of a booking's seats and keep the rest.
    partial_cancellation boolean not null default true,
    -- Refund windows: `[{"hours_before": 24, "fee_bp": 0}, {"hours_before": 2, "fee_bp": 2500}]`
    -- reads "24 h or more before the show: no fee; 2 h or more: 25 % kept; later: no
    -- cancellation". Validated by the API (domain::cancellation).
    refund_windows       jsonb not null default
        '[{"hours_before": 24, "fee_bp": 0}, {"hours_before": 2, "fee_bp": 2500}]',
    updated_by           uuid,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);
select manage_updated_at('partner_policies');

-- The booking's *share with theater* step and, for a live theater, the lock made at hold time.
create table theater_shares (
    booking_id  uuid primary key references bookings (booking_id),
    theater_id  uuid not null references theaters (theater_id),
    model       text not null check (model in ('designated', 'live')),
    lock_id     text,
    status      text not null check (status in (
        'locked', 'shared', 'rejected', 'released', 'cancelled', 'partially_cancelled')),
    -- The box office's sale id once shared.
    sale_id     text,
    attempts    int not null default 0,
    last_error  text,
    shared_at   timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
select manage_updated_at('theater_shares');

-- A booking's seats may be cancelled one by one; the row stays, for the invoice and the record.
alter table booking_seats add column cancelled_at timestamptz;
alter table booking_seats add column cancellation_id uuid;

-- Refunds are no longer one per payment: each has a key (`full` for the saga's compensation,
-- the cancellation's id otherwise), and a key refunds once.
alter table refunds add column refund_key text not null default 'full';
alter table refunds alter column refund_key drop default;
alter table refunds drop constraint refunds_payment_key;
alter table refunds add constraint refunds_payment_refund_key unique (payment_id, refund_key);

-- A cancellation of a paid booking (some seats or all), by whom and why, and what it gives back.
-- Carried out by `CancellationWorkflow` (workflow id `cancellation-{cancellation_id}`).
create table cancellations (
    cancellation_id uuid primary key,
    booking_id      uuid not null references bookings (booking_id),
    seats           text[] not null check (cardinality(seats) > 0),
    whole           boolean not null,
    actor_role      text not null check (actor_role in ('customer', 'partner', 'admin', 'theater')),
    actor_id        uuid,
    -- Ids and facts only: the operator's note or the policy's words, never a customer's details.
    reason          text not null check (length(reason) between 1 and 500),
    paid_minor      bigint not null check (paid_minor >= 0),
    -- What the remaining seats cost, priced again by the pricing function (0 when whole).
    rest_minor      bigint not null check (rest_minor >= 0),
    fee_minor       bigint not null check (fee_minor >= 0),
    refund_minor    bigint not null check (refund_minor >= 0),
    currency        text not null,
    -- The policy's fee in basis points, or null when an operator waived the policy.
    fee_bp          int,
    status          text not null default 'applied'
        check (status in ('applied', 'refunded', 'done')),
    refund_id       uuid references refunds (refund_id),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
select manage_updated_at('cancellations');
create index cancellations_booking on cancellations (booking_id, created_at);

-- A show cancelled with bookings: `ShowCancellationWorkflow` (`show-cancellation-{show_id}`)
-- cancels and refunds every booking of it.
create table show_cancellations (
    show_id        uuid primary key references shows (show_id),
    actor_role     text not null check (actor_role in ('partner', 'admin')),
    actor_id       uuid,
    reason         text not null check (length(reason) between 1 and 500),
    status         text not null default 'running' check (status in ('running', 'done')),
    bookings_total int not null default 0,
    bookings_done  int not null default 0,
    refunded_minor bigint not null default 0,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz,
    updated_at     timestamptz not null default now()
);
select manage_updated_at('show_cancellations');

-- Events of the new state changes, in the transaction that makes them (docs/EVENTS.md).
create function mtbp_share_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        perform mtbp_emit('booking', new.booking_id, 'booking', 'booking.theater_share_changed',
            jsonb_build_object(
                'booking_id', new.booking_id, 'theater_id', new.theater_id,
                'model', new.model, 'status', new.status, 'attempts', new.attempts));
    end if;
    return new;
end $$;
create trigger theater_shares_events after insert or update of status on theater_shares
    for each row execute function mtbp_share_events();

create function mtbp_cancellation_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        perform mtbp_emit('booking', new.booking_id, 'booking', 'booking.cancellation_changed',
            jsonb_build_object(
                'cancellation_id', new.cancellation_id, 'booking_id', new.booking_id,
                'seats', to_jsonb(new.seats), 'whole', new.whole, 'actor_role', new.actor_role,
                'status', new.status, 'paid_minor', new.paid_minor, 'rest_minor', new.rest_minor,
                'fee_minor', new.fee_minor, 'refund_minor', new.refund_minor,
                'currency', new.currency));
    end if;
    return new;
end $$;
create trigger cancellations_events after insert or update of status on cancellations
    for each row execute function mtbp_cancellation_events();

create function mtbp_show_cancellation_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        perform mtbp_emit('show', new.show_id, 'show', 'show.cancellation_changed',
            jsonb_build_object(
                'show_id', new.show_id, 'actor_role', new.actor_role, 'status', new.status,
                'bookings_total', new.bookings_total, 'bookings_done', new.bookings_done,
                'refunded_minor', new.refunded_minor));
    end if;
    return new;
end $$;
create trigger show_cancellations_events after insert or update of status on show_cancellations
    for each row execute function mtbp_show_cancellation_events();
