//! External identities: accounts linked to an identity provider's user by
//! `accounts.external_subject` (`issuer|subject`).

use super::{AccountRef, sessions};
use mtbp_domain::{AccountId, PartnerId, Role};
use sqlx::{PgConnection, PgExecutor};

struct RefRow {
    account_id: AccountId,
    role: Role,
    partner_id: Option<PartnerId>,
}

impl From<RefRow> for AccountRef {
    fn from(r: RefRow) -> Self {
        Self {
            account_id: r.account_id,
            role: r.role,
            partner_id: r.partner_id,
        }
    }
}

/// The live account linked to `subject`.
pub async fn linked(db: impl PgExecutor<'_>, subject: &str) -> sqlx::Result<Option<AccountRef>> {
    let row = sqlx::query_as!(
        RefRow,
        r#"select account_id as "account_id: AccountId", role as "role: Role",
                  partner_id as "partner_id: PartnerId"
             from accounts where external_subject = $1 and erased_at is null"#,
        subject,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(AccountRef::from))
}

/// An existing account that was linked to an identity.
#[derive(Clone, Copy, Debug)]
pub struct Linked {
    /// The account.
    pub account: AccountRef,
    /// Whether it had never verified its email, so its password, sessions, phone and
    /// consents were taken away.
    pub taken_over: bool,
}

struct Candidate {
    account_id: AccountId,
    verified: bool,
}

/// Links the live, unlinked customer account with `email` (lower case) to `subject`, in one
/// transaction (`conn`). If that account never proved it owns the email, whoever made it may
/// not be the person the provider vouches for: its password, every session, its phone and its
/// consents (given by someone else, they are no consent) are taken away first.
pub async fn link_existing(
    conn: &mut PgConnection,
    email: &str,
    subject: &str,
) -> sqlx::Result<Option<Linked>> {
    // For update: a sign-in or refresh of this account in flight commits its tokens first, and
    // they are revoked below; one that comes later finds the password gone.
    let found = sqlx::query_as!(
        Candidate,
        r#"select account_id as "account_id: AccountId",
                  email_verified_at is not null as "verified!"
             from accounts
            where lower(email) = $1 and erased_at is null and role = $2
              and external_subject is null
              for update"#,
        email,
        Role::Customer as Role,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(Candidate {
        account_id,
        verified,
    }) = found
    else {
        return Ok(None);
    };
    if !verified {
        sqlx::query!(
            "update accounts set password_hash = null, phone = null, consent_email = false,
                    consent_sms = false, consent_push = false
              where account_id = $1",
            account_id as AccountId,
        )
        .execute(&mut *conn)
        .await?;
        sessions::end_sessions(conn, account_id).await?;
    }
    let row = sqlx::query_as!(
        RefRow,
        r#"update accounts set external_subject = $2,
                  email_verified_at = coalesce(email_verified_at, now())
            where account_id = $1
        returning account_id as "account_id: AccountId", role as "role: Role",
                  partner_id as "partner_id: PartnerId""#,
        account_id as AccountId,
        subject,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(Linked {
        account: row.into(),
        taken_over: !verified,
    }))
}

/// Creates a customer linked to `subject`, its email verified by the provider. `None` if an
/// account with that email or subject exists (a concurrent first request made it, or the email
/// belongs to another role).
pub async fn create_customer(
    db: impl PgExecutor<'_>,
    email: &str,
    name: &str,
    subject: &str,
) -> sqlx::Result<Option<AccountRef>> {
    let row = sqlx::query_as!(
        RefRow,
        r#"insert into accounts (account_id, role, email, name, external_subject, email_verified_at)
           values ($1, $2, $3, $4, $5, now())
           on conflict do nothing
        returning account_id as "account_id: AccountId", role as "role: Role",
                  partner_id as "partner_id: PartnerId""#,
        AccountId::from_uuid(uuid::Uuid::new_v4()) as AccountId,
        Role::Customer as Role,
        email,
        name,
        subject,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(AccountRef::from))
}
