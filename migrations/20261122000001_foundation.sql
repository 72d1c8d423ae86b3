-- Foundation schema: catalog (theaters, screens, movies, shows), seat inventory, bookings,
-- payments and refunds, idempotency keys.

create extension if not exists btree_gist;

create or replace function set_updated_at() returns trigger as $$
begin
    new.updated_at = now();
    return new;
end;
$$ language plpgsql;

-- Adds the trigger that keeps `updated_at` current on a table.
create or replace function manage_updated_at(_tbl regclass) returns void as $$
begin
    execute format('create trigger set_updated_at before update on %s
                    for each row execute procedure set_updated_at()', _tbl);
end;
$$ language plpgsql;

create table theaters (
    theater_id uuid primary key,
    name       text not null check (length(name) between 1 and 120),
    city       text not null check (length(city) between 1 and 80),
    address    text not null default '',
    pincode    text,
    latitude   double precision check (latitude between -90 and 90),
    longitude  double precision check (longitude between -180 and 180),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
select manage_updated_at('theaters');
create index theaters_city on theaters (lower(city));

create table screens (
    screen_id  uuid primary key,
    theater_id uuid not null references theaters (theater_id),
    name       text not null check (length(name) between 1 and 60),
    -- The layout as submitted (categories and rows), kept for display and re-validation.
    layout     jsonb not null,
    seat_count int not null check (seat_count > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint screens_theater_name_key unique (theater_id, name)
);
select manage_updated_at('screens');

create table seat_categories (
    screen_id   uuid not null references screens (screen_id) on delete cascade,
    code        text not null,
    name        text not null,
    price_minor bigint not null check (price_minor >= 0),
    primary key (screen_id, code)
);

create table screen_seats (
    screen_id     uuid not null references screens (screen_id) on delete cascade,
    seat_label    text not null,
    row_label     text not null,
    seat_number   int not null,
    category_code text not null,
    row_index     int not null,
    col_index     int not null,
    primary key (screen_id, seat_label),
    foreign key (screen_id, category_code) references seat_categories (screen_id, code)
);

create table movies (
    movie_id         uuid primary key,
    title            text not null check (length(title) between 1 and 200),
    duration_minutes int not null check (duration_minutes between 1 and 600),
    certification    text,
    languages        text[] not null default '{}',
    genres           text[] not null default '{}',
    release_date     date,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
select manage_updated_at('movies');

create table shows (
    show_id    uuid primary key,
    movie_id   uuid not null references movies (movie_id),
    screen_id  uuid not null references screens (screen_id),
    theater_id uuid not null references theaters (theater_id),
    starts_at  timestamptz not null,
    ends_at    timestamptz not null,
    -- End of the show plus the cleaning buffer: the screen is busy until then.
    busy_until timestamptz not null,
    language   text not null,
    format     text not null default '2D',
    currency   text not null check (currency ~ '^[A-Z]{3}$'),
    status     text not null default 'scheduled' check (status in ('scheduled', 'cancelled')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (ends_at > starts_at),
    check (busy_until >= ends_at),
    -- No two scheduled shows on one screen overlap, buffer included.
    constraint shows_no_overlap exclude using gist (
        screen_id with =, tstzrange(starts_at, busy_until) with &&
    ) where (status = 'scheduled')
);
select manage_updated_at('shows');
create index shows_movie_time on shows (movie_id, starts_at);
create index shows_theater_time on shows (theater_id, starts_at);

create table show_prices (
    show_id       uuid not null references shows (show_id) on delete cascade,
    category_code text not null,
    price_minor   bigint not null check (price_minor >= 0),
    primary key (show_id, category_code)
);

-- One row per seat per show: the unit of inventory. A seat belongs to at most one live booking
-- because a hold is a conditional update of these rows (see activities/src/seats.rs).
create table show_seats (
    show_id       uuid not null references shows (show_id) on delete cascade,
    seat_label    text not null,
    category_code text not null,
    price_minor   bigint not null check (price_minor >= 0),
    status        text not null default 'free'
        check (status in ('free', 'held', 'booked', 'blocked', 'platform_reserved')),
    booking_id    uuid,
    held_until    timestamptz,
    updated_at    timestamptz not null default now(),
    primary key (show_id, seat_label),
    check ((status in ('held', 'booked')) = (booking_id is not null)),
    check ((status = 'held') = (held_until is not null))
);
create index show_seats_booking on show_seats (booking_id) where booking_id is not null;

create table bookings (
    booking_id      uuid primary key,
    show_id         uuid not null references shows (show_id),
    customer_id     uuid,
    contact_name    text,
    contact_email   text,
    contact_phone   text,
    status          text not null check (status in (
        'PreBooking', 'PaymentInitiated', 'PaymentCompleted', 'BookingCompleted', 'Invoiced',
        'SettlementDone', 'Expired', 'Cancelled', 'PaymentFailed', 'Refunded')),
    amount_minor    bigint not null check (amount_minor >= 0),
    currency        text not null,
    hold_expires_at timestamptz not null,
    ticket_code     text unique,
    status_reason   text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
select manage_updated_at('bookings');
create index bookings_show on bookings (show_id);
create index bookings_status on bookings (status, updated_at);

create table booking_seats (
    booking_id    uuid not null references bookings (booking_id),
    seat_label    text not null,
    category_code text not null,
    price_minor   bigint not null,
    primary key (booking_id, seat_label)
);

-- Gateway references only: never card data.
create table payments (
    payment_id         uuid primary key default gen_random_uuid(),
    booking_id         uuid not null references bookings (booking_id),
    gateway            text not null,
    gateway_payment_id text not null,
    amount_minor       bigint not null,
    currency           text not null,
    status             text not null check (status in ('created', 'succeeded', 'failed', 'cancelled')),
    failure_code       text,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    constraint payments_booking_key unique (booking_id),
    constraint payments_gateway_payment_key unique (gateway, gateway_payment_id)
);
select manage_updated_at('payments');

create table refunds (
    refund_id         uuid primary key default gen_random_uuid(),
    payment_id        uuid not null references payments (payment_id),
    booking_id        uuid not null references bookings (booking_id),
    gateway_refund_id text not null,
    amount_minor      bigint not null,
    reason            text not null,
    created_at        timestamptz not null default now(),
    constraint refunds_payment_key unique (payment_id)
);

-- A client's Idempotency-Key, bound to the request it first came with.
create table idempotency_keys (
    idempotency_key text primary key,
    request_fingerprint text not null,
    booking_id      uuid not null,
    created_at      timestamptz not null default now()
);
