-- Pricing: offers and their redemptions, food and beverage add-ons, and the quote a booking
-- was priced at. The rules themselves live in `domain::pricing`; these tables keep the offers,
-- the usage counts the limits are enforced on, and what each booking was quoted.

-- Offers look at the show's local start (afternoon shows, weekends), so a theater knows its
-- time zone. Every theater so far is in India.
create function valid_time_zone(tz text) returns boolean language plpgsql stable as $$
begin
    perform now() at time zone tz;
    return true;
exception when others then
    return false;
end $$;
alter table theaters add column time_zone text not null default 'Asia/Kolkata'
    check (valid_time_zone(time_zone));

create table offers (
    offer_id           uuid primary key,
    -- The partner whose shows it covers; null for the platform's own offers.
    partner_id         uuid references partners (partner_id),
    name               text not null check (length(name) between 1 and 120),
    description        text not null default '' check (length(description) <= 1000),
    -- Upper case; null for automatic offers.
    code               text check (code ~ '^[A-Z0-9][A-Z0-9-]{3,31}$'),
    -- The benefit, conditions and scope as `domain::pricing` serialises them.
    benefit            jsonb not null,
    conditions         jsonb not null,
    scope              jsonb not null,
    valid_from         timestamptz not null,
    valid_until        timestamptz check (valid_until > valid_from),
    funded_by          text not null check (funded_by in ('partner', 'platform')),
    stacking           text not null check (stacking in ('exclusive', 'stackable')),
    -- Listed to customers (`GET /offers?customerId=`); private codes are not.
    listed             boolean not null default true,
    limit_total        int check (limit_total > 0),
    limit_per_customer int check (limit_per_customer > 0),
    -- Live redemptions. The limit is enforced here, by the row lock of the increment.
    redeemed           int not null default 0
        check (redeemed >= 0 and (limit_total is null or redeemed <= limit_total)),
    created_by         uuid references accounts (account_id),
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    deleted_at         timestamptz,
    -- A partner's offer funded by the platform is the platform's decision, not the partner's.
    check (partner_id is not null or funded_by = 'platform')
);
select manage_updated_at('offers');
create unique index offers_code on offers (code) where deleted_at is null;
create index offers_partner on offers (partner_id, created_at desc) where deleted_at is null;
create index offers_automatic on offers (valid_from) where deleted_at is null and code is null;

create table offer_redemptions (
    offer_id       uuid not null references offers (offer_id),
    booking_id     uuid not null references bookings (booking_id),
    customer_id    uuid references accounts (account_id),
    discount_minor bigint not null check (discount_minor > 0),
    funded_by      text not null check (funded_by in ('partner', 'platform')),
    status         text not null check (status in ('redeemed', 'released')),
    redeemed_at    timestamptz not null default now(),
    released_at    timestamptz,
    primary key (offer_id, booking_id)
);
create index offer_redemptions_customer on offer_redemptions (offer_id, customer_id)
    where status = 'redeemed';
create index offer_redemptions_booking on offer_redemptions (booking_id);

create table addons (
    addon_id    uuid primary key,
    theater_id  uuid not null references theaters (theater_id),
    code        text not null check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,19}$'),
    name        text not null check (length(name) between 1 and 80),
    description text not null default '' check (length(description) <= 500),
    price_minor bigint not null check (price_minor between 0 and 1000000000),
    currency    text not null check (currency ~ '^[A-Z]{3}$'),
    tax_class   text not null check (length(tax_class) between 1 and 40),
    available   boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    deleted_at  timestamptz
);
select manage_updated_at('addons');
create unique index addons_code on addons (theater_id, code) where deleted_at is null;

create table booking_addons (
    booking_id          uuid not null references bookings (booking_id),
    addon_id            uuid not null references addons (addon_id),
    quantity            int not null check (quantity between 1 and 20),
    unit_price_minor    bigint not null check (unit_price_minor >= 0),
    -- Set when a meal voucher covers the add-on: the theater redeems it once at the counter.
    voucher_code        text unique,
    voucher_offer_id    uuid references offers (offer_id),
    voucher_redeemed_at timestamptz,
    voucher_redeemed_by uuid references accounts (account_id),
    primary key (booking_id, addon_id)
);

-- The latest quote (a `domain::pricing::Quote`), the code the customer entered, if any, and
-- how many times the booking was re-quoted (a payment is for one quote: the API names the
-- saga's `pay` update after it, so paying again after a re-pricing is a new payment).
alter table bookings add column quote jsonb;
alter table bookings add column offer_code text;
alter table bookings add column quote_seq int not null default 0;
