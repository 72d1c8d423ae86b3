-- Invoices and credit notes: numbered without gaps per issuer, kind and financial year,
-- immutable once numbered (a correction is a credit note that refers to the invoice).

-- What partners print on their invoices. The GSTIN is printed on every invoice, so it is kept
-- in clear beside the sealed tax id used for payouts; the prefix starts the partner's numbers.
alter table partners
    add column gstin          text check (gstin ~ '^[0-9A-Z]{15}$'),
    add column invoice_prefix text check (invoice_prefix ~ '^[A-Z0-9]([A-Z0-9-]{0,10}[A-Z0-9])?$');

-- The last number handed out per series. Incremented under its row lock in the transaction
-- that inserts the document, so a rolled-back issue gives its number back: no gaps.
create table invoice_counters (
    issuer         text not null,
    kind           text not null check (kind in ('invoice', 'credit_note')),
    financial_year text not null check (financial_year ~ '^[0-9]{4}-[0-9]{2}$'),
    last_seq       bigint not null default 0 check (last_seq >= 0),
    primary key (issuer, kind, financial_year)
);

create table invoices (
    invoice_id     uuid primary key,
    booking_id     uuid not null references bookings (booking_id),
    -- `platform`, or `partner:<partner_id>`; a venue the platform runs itself bills as the
    -- platform.
    issuer         text not null,
    issuer_role    text not null check (issuer_role in ('partner', 'platform')),
    kind           text not null check (kind in ('invoice', 'credit_note')),
    -- A credit note's invoice, and the refund it is for (its idempotency key).
    refers_to      uuid references invoices (invoice_id),
    refund_key     text,
    financial_year text not null,
    seq            bigint not null check (seq > 0),
    number         text not null,
    document       jsonb not null,
    total_minor    bigint not null check (total_minor >= 0),
    currency       text not null,
    -- Where the PDF goes; uploaded_at is set once it is there (a retry uploads what is not).
    object_key     text not null unique,
    uploaded_at    timestamptz,
    issued_at      timestamptz not null default now(),
    constraint invoices_series_key unique (issuer, kind, financial_year, seq),
    constraint invoices_number_key unique (issuer, number),
    -- One invoice per booking and issuer, one credit note per invoice and refund: a retry
    -- finds the document instead of numbering a new one.
    constraint invoices_once_key unique nulls not distinct (booking_id, issuer, kind, refund_key),
    constraint invoices_credit_shape check (
        (kind = 'invoice' and refers_to is null and refund_key is null)
        or (kind = 'credit_note' and refers_to is not null and refund_key is not null))
);
create index invoices_booking on invoices (booking_id, issued_at);
create index invoices_refers_to on invoices (refers_to) where refers_to is not null;
create index invoices_not_uploaded on invoices (issued_at) where uploaded_at is null;
