-- Partners and their staff, brokers, customer profiles and consents, payment methods held at
-- the gateway, email verification (for claiming guest bookings), external identities (OIDC),
-- theater ownership, and an outbox of emails to send.

create table partners (
    partner_id          uuid primary key,
    name                text not null check (length(name) between 1 and 120),
    contact_email       text not null,
    -- pending until an operator activates it; only active partners publish theaters and shows.
    status              text not null default 'pending'
        check (status in ('pending', 'active', 'suspended')),
    -- Billing for payouts. Sensitive values are AES-256-GCM sealed by the API (nonce ‖ ciphertext);
    -- the hints (last four characters) are what screens show.
    tax_id_sealed       bytea,
    tax_id_hint         text,
    payout_account_sealed bytea,
    payout_account_hint text,
    settlement_period   text not null default 'weekly'
        check (settlement_period in ('daily', 'weekly', 'monthly')),
    deleted_at          timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);
select manage_updated_at('partners');

alter table accounts
    add column partner_id          uuid references partners (partner_id),
    add column phone               text,
    add column preferred_city      text,
    add column languages           text[] not null default '{}',
    add column genres              text[] not null default '{}',
    add column consent_email       boolean not null default false,
    add column consent_sms         boolean not null default false,
    add column consent_push        boolean not null default false,
    add column email_verified_at   timestamptz,
    add column gateway_customer_id text,
    -- `issuer|subject` of an external identity provider's user (OIDC), when linked.
    add column external_subject    text,
    add constraint accounts_partner_staff check ((role = 'partner') = (partner_id is not null));
create unique index accounts_external_subject on accounts (external_subject)
    where external_subject is not null;
create index accounts_partner on accounts (partner_id) where partner_id is not null;

-- Null: a venue run by the platform itself (operators only).
alter table theaters add column partner_id uuid references partners (partner_id);
create index theaters_partner on theaters (partner_id);

create index bookings_customer on bookings (customer_id, created_at desc)
    where customer_id is not null;
create index bookings_guest_email on bookings (lower(contact_email))
    where customer_id is null;

-- Saved cards live at the gateway; this is the list of their ids per account.
create table payment_methods (
    gateway_payment_method_id text primary key,
    account_id  uuid not null references accounts (account_id),
    brand       text,
    last4       text,
    exp_month   int,
    exp_year    int,
    created_at  timestamptz not null default now()
);
create index payment_methods_account on payment_methods (account_id, created_at);

-- One-time codes sent to prove an account owns its email.
create table email_verifications (
    verification_id uuid primary key,
    account_id uuid not null references accounts (account_id),
    email      text not null,
    code_hash  text not null,
    attempts   int not null default 0,
    expires_at timestamptz not null,
    used_at    timestamptz,
    created_at timestamptz not null default now()
);
create index email_verifications_account on email_verifications (account_id, created_at desc);

-- Emails written in the same transaction as the change that causes them, sent by the notifier.
create table outbox_emails (
    email_id   uuid primary key,
    to_address text not null,
    subject    text not null,
    body       text not null,
    created_at timestamptz not null default now(),
    sent_at    timestamptz
);
create index outbox_emails_unsent on outbox_emails (created_at) where sent_at is null;
