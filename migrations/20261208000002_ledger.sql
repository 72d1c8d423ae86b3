-- The ledger: every money movement as double-entry lines, written by triggers in the transaction
-- that records the movement, so no code path can move money without its lines. Amounts are in
-- minor units, debits positive and credits negative; the lines of one movement (`txn_id`) add
-- up to zero, checked when its transaction commits.
--
-- Accounts:
--   gateway           money at the payment gateway (an asset): charges in, refunds and payouts out
--   unsettled         customers' money not yet split by a settlement, per partner
--   partner_payable   owed to a partner by settlements, until paid out
--   platform_revenue  commission, fees and subscriptions, less discounts the platform funded
--   tax_payable       taxes collected, until remitted
-- Charges and refunds are written here; settlements and payouts add their lines (docs/SETTLEMENT.md).
-- For any partner and period: charges − refunds = payouts + platform revenue + taxes + what is
-- still unsettled or owed, to the unit.
create table ledger_entries (
    entry_id     bigint generated always as identity primary key,
    txn_id       uuid not null,
    movement     text not null
        check (movement in ('charge', 'refund', 'subscription', 'settlement', 'payout')),
    account      text not null check (account in (
        'gateway', 'unsettled', 'partner_payable', 'platform_revenue', 'tax_payable')),
    partner_id   uuid references partners (partner_id),
    booking_id   uuid references bookings (booking_id),
    amount_minor bigint not null check (amount_minor <> 0),
    currency     text not null check (currency ~ '^[A-Z]{3}$'),
    -- What the movement is: the payment, the refund, the subscription charge, the settlement.
    source       text not null,
    created_at   timestamptz not null default now(),
    -- A movement is written once, whoever records it again.
    constraint ledger_entries_once unique (movement, source, account)
);
create index ledger_entries_txn on ledger_entries (txn_id);
create index ledger_entries_partner on ledger_entries (partner_id, created_at);
create index ledger_entries_booking on ledger_entries (booking_id);

-- The lines of one movement balance.
create function mtbp_ledger_balanced() returns trigger language plpgsql as $$
declare
    total bigint;
begin
    select coalesce(sum(amount_minor), 0) into total from ledger_entries where txn_id = new.txn_id;
    if total <> 0 then
        raise exception 'ledger movement % does not balance (%)', new.txn_id, total;
    end if;
    return null;
end $$;
create constraint trigger ledger_entries_balanced after insert on ledger_entries
    deferrable initially deferred for each row execute function mtbp_ledger_balanced();

-- Ledger lines are never changed or removed: corrections are new movements.
create function mtbp_ledger_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'ledger entries are never changed or removed';
end $$;
create trigger ledger_entries_immutable before update or delete on ledger_entries
    for each row execute function mtbp_ledger_immutable();

-- Two lines of one movement: `debit` gets +amount, `credit` −amount.
create function mtbp_ledger_move(p_movement text, p_source text, p_debit text, p_credit text,
                                 p_partner uuid, p_booking uuid, p_amount bigint,
                                 p_currency text) returns void language plpgsql as $$
declare
    txn uuid := gen_random_uuid();
begin
    if p_amount = 0 then
        return;
    end if;
    insert into ledger_entries (txn_id, movement, account, partner_id, booking_id,
                                amount_minor, currency, source)
    values (txn, p_movement, p_debit, p_partner, p_booking, p_amount, p_currency, p_source),
           (txn, p_movement, p_credit, p_partner, p_booking, -p_amount, p_currency, p_source)
    on conflict on constraint ledger_entries_once do nothing;
end $$;

-- The partner a booking's money belongs to (its show's theater's), or null for a venue the
-- platform runs itself.
create function mtbp_booking_partner(p_booking uuid) returns uuid language sql stable as $$
    select t.partner_id from bookings b join shows s using (show_id)
      join theaters t using (theater_id) where b.booking_id = p_booking
$$;

create function mtbp_ledger_payment() returns trigger language plpgsql as $$
begin
    if new.status = 'succeeded' and (tg_op = 'INSERT' or old.status <> 'succeeded') then
        perform mtbp_ledger_move('charge', new.payment_id::text, 'gateway', 'unsettled',
            mtbp_booking_partner(new.booking_id), new.booking_id, new.amount_minor,
            new.currency);
    end if;
    return new;
end $$;
create trigger payments_ledger after insert or update of status on payments
    for each row execute function mtbp_ledger_payment();

create function mtbp_ledger_refund() returns trigger language plpgsql as $$
begin
    perform mtbp_ledger_move('refund', new.refund_id::text, 'unsettled', 'gateway',
        mtbp_booking_partner(new.booking_id), new.booking_id, new.amount_minor,
        (select currency from payments where payment_id = new.payment_id));
    return new;
end $$;
create trigger refunds_ledger after insert on refunds
    for each row execute function mtbp_ledger_refund();

create function mtbp_ledger_subscription() returns trigger language plpgsql as $$
begin
    if new.status = 'succeeded' and (tg_op = 'INSERT' or old.status <> 'succeeded') then
        perform mtbp_ledger_move('subscription',
            new.subscription_id::text || ':' || new.period_index, 'gateway', 'platform_revenue',
            null, null, new.amount_minor, new.currency);
    end if;
    return new;
end $$;
create trigger subscription_charges_ledger after insert or update of status on subscription_charges
    for each row execute function mtbp_ledger_subscription();

-- The movements recorded before the ledger existed.
select mtbp_ledger_move('charge', p.payment_id::text, 'gateway', 'unsettled',
                        mtbp_booking_partner(p.booking_id), p.booking_id, p.amount_minor, p.currency)
  from payments p where p.status = 'succeeded';
select mtbp_ledger_move('refund', r.refund_id::text, 'unsettled', 'gateway',
                        mtbp_booking_partner(r.booking_id), r.booking_id, r.amount_minor, p.currency)
  from refunds r join payments p using (payment_id);
select mtbp_ledger_move('subscription', c.subscription_id::text || ':' || c.period_index,
                        'gateway', 'platform_revenue', null, null, c.amount_minor, c.currency)
  from subscription_charges c where c.status = 'succeeded';
