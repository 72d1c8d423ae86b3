-- Settlement contracts: how each theater partner is paid. Operators set them; the partner's
-- staff read them. The period itself stays in `partners.settlement_period` (one place); the
-- rest is here. Amounts are in the partner's currency's minor units, rates in basis points.
-- Validated by the API (domain::settlement::Contract::validate); the checks below are the
-- last line.
create table partner_contracts (
    partner_id                  uuid primary key references partners (partner_id),
    -- IANA zone the periods are cut in, and the local hour a period ends at.
    time_zone                   text not null default 'Asia/Kolkata'
        check (length(time_zone) between 1 and 64),
    cutoff_hour                 smallint not null default 0 check (cutoff_hour between 0 and 23),
    -- The platform's commission on tickets (after partner-funded discounts) and add-ons.
    commission_bp               int not null default 1000 check (commission_bp between 0 and 5000),
    addon_commission_bp         int not null default 1000
        check (addon_commission_bp between 0 and 5000),
    -- The partner's share of convenience fees and of cancellation fees kept by the policy.
    partner_fee_share_bp        int not null default 0
        check (partner_fee_share_bp between 0 and 10000),
    partner_cancellation_fee_bp int not null default 10000
        check (partner_cancellation_fee_bp between 0 and 10000),
    -- A period owing less than this is carried into the next.
    minimum_payout_minor        bigint not null default 0 check (minimum_payout_minor >= 0),
    -- Bumped on every change, so schedules and runs can tell which terms they followed.
    version                     int not null default 1,
    updated_by                  uuid,
    created_at                  timestamptz not null default now(),
    updated_at                  timestamptz not null default now()
);
select manage_updated_at('partner_contracts');
