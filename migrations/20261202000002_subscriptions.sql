-- Subscriptions: plans operators define, customers' subscriptions to them, one charge row per
-- period (the idempotency of a period's charge), and what announcements a subscriber wants.
-- The period loop itself is `SubscriptionWorkflow` (one per subscription); these rows are what
-- it has done, read by the API and by the booking quote (`store::subscriptions::membership`).

create table subscription_plans (
    plan_id            uuid primary key,
    name               text not null check (length(name) between 1 and 120),
    amount_minor       bigint not null check (amount_minor > 0),
    currency           text not null check (currency ~ '^[A-Z]{3}$'),
    -- `count` units per period. `second` exists for tests only: the API refuses periods shorter
    -- than `MTBP_MIN_PLAN_PERIOD_SECONDS` (a day unless configured otherwise).
    period_unit        text not null check (period_unit in ('second', 'day', 'week', 'month', 'year')),
    period_count       int not null check (period_count between 1 and 1000),
    -- Benefits. Subscriber-only offers apply to any live subscription, so they need no column.
    ticket_discount_bp int not null default 0 check (ticket_discount_bp between 0 and 10000),
    fee_waived         boolean not null default false,
    early_access_hours int not null default 0 check (early_access_hours between 0 and 720),
    active             boolean not null default true,
    created_by         uuid references accounts (account_id),
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
select manage_updated_at('subscription_plans');

-- The length of one period of a plan, as PostgreSQL adds it to a timestamp (a month from
-- 31 January ends on the last day of February).
create function plan_period(unit text, count int) returns interval language sql immutable as $$
    select make_interval(
        years  => case when unit = 'year' then count else 0 end,
        months => case when unit = 'month' then count else 0 end,
        weeks  => case when unit = 'week' then count else 0 end,
        days   => case when unit = 'day' then count else 0 end,
        secs   => case when unit = 'second' then count else 0 end)
$$;

create table subscriptions (
    subscription_id         uuid primary key,
    customer_id             uuid not null references accounts (account_id),
    plan_id                 uuid not null references subscription_plans (plan_id),
    status                  text not null
        check (status in ('pending', 'active', 'past_due', 'cancelling', 'ended')),
    -- The saved card charged each period: gateway ids only, the card stays at the gateway.
    gateway_payment_method_id text not null,
    gateway_customer_id     text not null,
    -- The paid period (null until the first one is paid).
    period_index            int not null default 0 check (period_index >= 0),
    current_period_start    timestamptz,
    current_period_end      timestamptz check (current_period_end > current_period_start),
    cancel_at_period_end    boolean not null default false,
    ended_reason            text check (ended_reason in ('cancelled', 'payment_failed')),
    ended_at                timestamptz,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    check ((status = 'ended') = (ended_reason is not null))
);
select manage_updated_at('subscriptions');
-- One live subscription per customer and plan.
create unique index subscriptions_live on subscriptions (customer_id, plan_id)
    where status <> 'ended';
create index subscriptions_customer on subscriptions (customer_id, created_at desc);

create table subscription_charges (
    subscription_id    uuid not null references subscriptions (subscription_id),
    period_index       int not null check (period_index >= 0),
    amount_minor       bigint not null check (amount_minor > 0),
    currency           text not null check (currency ~ '^[A-Z]{3}$'),
    status             text not null check (status in ('created', 'succeeded', 'failed')),
    -- The payment intent of the latest attempt, recorded before it is confirmed.
    gateway_payment_id text,
    attempts           int not null default 0 check (attempts >= 0),
    failure_code       text,
    -- The period this charge paid for, once it succeeded.
    period_start       timestamptz,
    period_end         timestamptz check (period_end > period_start),
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    -- A period is charged at most once: every attempt of it works on this one row.
    primary key (subscription_id, period_index)
);
select manage_updated_at('subscription_charges');

-- What new movies a subscriber wants to hear about (read by the notifications issue).
create table subscription_announcements (
    subscription_id uuid primary key references subscriptions (subscription_id),
    cities          text[] not null default '{}',
    genres          text[] not null default '{}',
    languages       text[] not null default '{}',
    updated_at      timestamptz not null default now()
);
select manage_updated_at('subscription_announcements');
