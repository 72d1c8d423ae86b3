-- Settlements with theater partners (docs/SETTLEMENT.md): one per partner and period, run by
-- `SettlementWorkflow` (workflow id `settlement-{partner_id}-{period}`), with a line per booking
-- whose position changed since the partner's earlier settlements, and a payout when the
-- period's net (with what earlier periods carried) reaches the contract's minimum.

-- A partial cancellation keeps the priced lines of the seats that stay, for the settlement.
alter table cancellations add column rest_quote jsonb;

-- Short periods (seconds) for trials and tests; the API accepts them only where the platform
-- allows them (`MTBP_SETTLEMENT_SHORT_PERIODS`).
alter table partner_contracts add column period_seconds int
    check (period_seconds is null or period_seconds between 1 and 86400);

create table settlements (
    settlement_id     uuid primary key,
    partner_id        uuid not null references partners (partner_id),
    -- `2026-12-03`, `2026-W49`, `2026-12`, or a short period's start (`2026-12-03T10:15:20Z`).
    period            text not null check (length(period) between 7 and 32),
    period_start      timestamptz not null,
    period_end        timestamptz not null check (period_end > period_start),
    -- The contract version it followed.
    contract_version  int not null,
    -- running → computed (lines and ledger written) → reported → paid → done; failed is
    -- terminal only until a run for the same period is started again.
    status            text not null default 'running'
        check (status in ('running', 'computed', 'reported', 'paid', 'done', 'failed')),
    currency          text check (currency ~ '^[A-Z]{3}$'),
    bookings          int not null default 0,
    -- Sums of the lines (minor units).
    kept_minor        bigint not null default 0,
    tickets_minor     bigint not null default 0,
    addons_minor      bigint not null default 0,
    commission_minor  bigint not null default 0,
    fees_minor        bigint not null default 0,
    partner_funded_minor  bigint not null default 0,
    platform_funded_minor bigint not null default 0,
    cancellation_fees_minor bigint not null default 0,
    tax_minor         bigint not null default 0,
    partner_minor     bigint not null default 0,
    platform_minor    bigint not null default 0,
    -- The payout: what earlier periods carried in, what is paid now, what is carried on.
    carried_in_minor  bigint not null default 0,
    payout_minor      bigint not null default 0,
    carried_out_minor bigint not null default 0,
    report_csv_key    text,
    report_pdf_key    text,
    -- How far the bookings have been told (`SettlementDone`), in booking id order.
    signalled         int not null default 0,
    error             text,
    started_at        timestamptz not null default now(),
    computed_at       timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz not null default now(),
    constraint settlements_partner_period unique (partner_id, period)
);
select manage_updated_at('settlements');
create index settlements_partner_end on settlements (partner_id, period_end desc);
create index settlements_status on settlements (status, period_end);

-- What a settlement counted for one booking: its position now less what earlier settlements
-- counted (negative after a refund). Every column is a field of `domain::settlement::Split`.
create table settlement_lines (
    settlement_id     uuid not null references settlements (settlement_id),
    booking_id        uuid not null references bookings (booking_id),
    kept_minor        bigint not null,
    tickets_minor     bigint not null,
    addons_minor      bigint not null,
    commission_minor  bigint not null,
    fees_minor        bigint not null,
    partner_fees_minor bigint not null,
    cancellation_fees_minor bigint not null,
    partner_cancellation_fees_minor bigint not null,
    platform_funded_minor bigint not null,
    partner_funded_minor  bigint not null,
    tax_minor         bigint not null,
    adjustment_minor  bigint not null,
    partner_minor     bigint not null,
    platform_minor    bigint not null,
    check (kept_minor = partner_minor + platform_minor + tax_minor),
    primary key (settlement_id, booking_id)
);
create index settlement_lines_booking on settlement_lines (booking_id);

-- A payout to the partner's sealed account: recorded once per settlement. Locally the payout
-- adapter records the instruction (the reference gateway has no transfers); a production
-- adapter would add the bank's reference.
create table payouts (
    settlement_id  uuid primary key references settlements (settlement_id),
    partner_id     uuid not null references partners (partner_id),
    amount_minor   bigint not null check (amount_minor > 0),
    currency       text not null check (currency ~ '^[A-Z]{3}$'),
    method         text not null check (method in ('instruction', 'transfer')),
    -- The account's last characters, never the account.
    account_hint   text,
    reference      text not null,
    created_at     timestamptz not null default now()
);

-- Ledger lines of a settlement, once its lines are written (status leaves `running`): the
-- customers' money it splits leaves `unsettled` for what the partner is owed, the platform's
-- revenue and the taxes.
create function mtbp_ledger_settlement() returns trigger language plpgsql as $$
declare
    txn uuid := gen_random_uuid();
begin
    if old.status = 'running' and new.status = 'computed' and new.currency is not null then
        insert into ledger_entries (txn_id, movement, account, partner_id, amount_minor, currency,
                                    source)
        select txn, 'settlement', a.account, new.partner_id, a.amount, new.currency,
               new.settlement_id::text
          from (values ('unsettled', new.kept_minor),
                       ('partner_payable', -new.partner_minor),
                       ('platform_revenue', -new.platform_minor),
                       ('tax_payable', -new.tax_minor)) as a (account, amount)
         where a.amount <> 0
        on conflict on constraint ledger_entries_once do nothing;
    end if;
    return new;
end $$;
create trigger settlements_ledger after update of status on settlements
    for each row execute function mtbp_ledger_settlement();

create function mtbp_ledger_payout() returns trigger language plpgsql as $$
begin
    perform mtbp_ledger_move('payout', new.settlement_id::text, 'partner_payable', 'gateway',
        new.partner_id, null, new.amount_minor, new.currency);
    return new;
end $$;
create trigger payouts_ledger after insert on payouts
    for each row execute function mtbp_ledger_payout();

-- Events: a settlement's every status change, and each payout.
alter table events drop constraint events_topic_check;
alter table events add constraint events_topic_check
    check (topic in ('booking', 'payment', 'invoice', 'show', 'analytics', 'settlement'));
alter table events drop constraint events_aggregate_type_check;
alter table events add constraint events_aggregate_type_check
    check (aggregate_type in ('booking', 'show', 'settlement'));

create function mtbp_settlement_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or old.status <> new.status then
        perform mtbp_emit('settlement', new.settlement_id, 'settlement',
            'settlement.status_changed', jsonb_build_object(
                'settlement_id', new.settlement_id, 'partner_id', new.partner_id,
                'period', new.period, 'period_start', new.period_start,
                'period_end', new.period_end, 'status', new.status,
                'bookings', new.bookings, 'currency', new.currency,
                'kept_minor', new.kept_minor, 'partner_minor', new.partner_minor,
                'platform_minor', new.platform_minor, 'tax_minor', new.tax_minor,
                'payout_minor', new.payout_minor, 'carried_out_minor', new.carried_out_minor));
    end if;
    return new;
end $$;
create trigger settlements_events after insert or update of status on settlements
    for each row execute function mtbp_settlement_events();

create function mtbp_payout_events() returns trigger language plpgsql as $$
begin
    perform mtbp_emit('settlement', new.settlement_id, 'settlement', 'settlement.paid_out',
        jsonb_build_object('settlement_id', new.settlement_id, 'partner_id', new.partner_id,
            'amount_minor', new.amount_minor, 'currency', new.currency, 'method', new.method,
            'reference', new.reference));
    return new;
end $$;
create trigger payouts_events after insert on payouts
    for each row execute function mtbp_payout_events();
