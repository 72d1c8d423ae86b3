-- Accounts and authentication: customers, partners, brokers and operators; rotating refresh
-- tokens, stored hashed, grouped in families so that reuse of an old one revokes the family.

create table accounts (
    account_id    uuid primary key,
    role          text not null check (role in ('customer', 'partner', 'broker', 'admin')),
    email         text not null,
    password_hash text,
    name          text not null,
    erased_at     timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
select manage_updated_at('accounts');
create unique index accounts_email_key on accounts (lower(email)) where erased_at is null;

create table refresh_tokens (
    token_hash text primary key,
    account_id uuid not null references accounts (account_id),
    family_id  uuid not null,
    expires_at timestamptz not null,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now()
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_account on refresh_tokens (account_id);
