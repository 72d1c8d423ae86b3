//! Customers' accounts: the profile, the gateway customer behind saved cards, verification of
//! the email, and erasure.

use super::{payment_methods, sessions, verification};
use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, Role};
use sqlx::{PgConnection, PgExecutor};

/// A live customer's profile as stored.
#[derive(Clone, Debug)]
pub struct CustomerRow {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// When the customer proved they own the email.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Phone for SMS.
    pub phone: Option<String>,
    /// City to show first.
    pub preferred_city: Option<String>,
    /// Preferred languages.
    pub languages: Vec<String>,
    /// Favourite genres.
    pub genres: Vec<String>,
    /// Consents to be contacted by email, SMS and push.
    pub consent_email: bool,
    /// By SMS.
    pub consent_sms: bool,
    /// By push notification.
    pub consent_push: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A live customer's profile; `None` if there is no such customer (or it was erased).
pub async fn load(
    db: impl PgExecutor<'_>,
    customer: AccountId,
) -> sqlx::Result<Option<CustomerRow>> {
    sqlx::query_as!(
        CustomerRow,
        "select name, email, email_verified_at, phone, preferred_city, languages, genres,
                consent_email, consent_sms, consent_push, created_at
           from accounts
          where account_id = $1 and role = $2 and erased_at is null",
        customer as AccountId,
        Role::Customer as Role,
    )
    .fetch_optional(db)
    .await
}

/// Changes to a profile: `None` leaves a field as it is; for phone and city `Some(None)`
/// clears it.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    /// Display name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<Option<String>>,
    /// City to show first.
    pub preferred_city: Option<Option<String>>,
    /// Preferred languages.
    pub languages: Option<Vec<String>>,
    /// Favourite genres.
    pub genres: Option<Vec<String>>,
    /// Consent by email.
    pub consent_email: Option<bool>,
    /// Consent by SMS.
    pub consent_sms: Option<bool>,
    /// Consent by push.
    pub consent_push: Option<bool>,
}

/// Applies `changes` to a live customer's profile; false if there is no such customer.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    customer: AccountId,
    changes: ProfileChanges,
) -> sqlx::Result<bool> {
    let ProfileChanges {
        name,
        phone,
        preferred_city,
        languages,
        genres,
        consent_email,
        consent_sms,
        consent_push,
    } = changes;
    let updated = sqlx::query!(
        "update accounts set
            name = coalesce($2, name),
            phone = case when $3 then $4 else phone end,
            preferred_city = case when $5 then $6 else preferred_city end,
            languages = coalesce($7, languages),
            genres = coalesce($8, genres),
            consent_email = coalesce($9, consent_email),
            consent_sms = coalesce($10, consent_sms),
            consent_push = coalesce($11, consent_push)
          where account_id = $1 and role = $12 and erased_at is null",
        customer as AccountId,
        name,
        phone.is_some(),
        phone.flatten(),
        preferred_city.is_some(),
        preferred_city.flatten(),
        languages.as_deref(),
        genres.as_deref(),
        consent_email,
        consent_sms,
        consent_push,
        Role::Customer as Role,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() > 0)
}

/// Erases a live customer's personal data in one transaction (`conn`): the account keeps only
/// its id, its sessions end, its bookings lose their contact details, pending verification
/// codes and saved cards are forgotten, and its subscriptions end with their paid periods
/// (nothing is charged again). Answers the gateway ids of the forgotten cards, to
/// detach them there, or `None` if there is no such customer.
pub async fn erase(
    conn: &mut PgConnection,
    customer: AccountId,
) -> sqlx::Result<Option<Vec<String>>> {
    let erased = sqlx::query!(
        "update accounts set name = '', email = '', password_hash = null, phone = null,
                preferred_city = null, languages = '{}', genres = '{}', consent_email = false,
                consent_sms = false, consent_push = false, external_subject = null,
                erased_at = now()
          where account_id = $1 and role = $2 and erased_at is null",
        customer as AccountId,
        Role::Customer as Role,
    )
    .execute(&mut *conn)
    .await?;
    if erased.rows_affected() == 0 {
        return Ok(None);
    }
    sessions::revoke_account(&mut *conn, customer).await?;
    crate::bookings::customers::forget_contacts(&mut *conn, customer).await?;
    verification::delete_all(&mut *conn, customer).await?;
    crate::subscriptions::lifecycle::cancel_all_of(&mut *conn, customer).await?;
    let cards = payment_methods::delete_all(&mut *conn, customer).await?;
    Ok(Some(cards))
}

/// The gateway customer of a live customer: `None` if there is no such customer,
/// `Some(None)` if it has none yet.
pub async fn gateway_customer(
    db: impl PgExecutor<'_>,
    customer: AccountId,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar!(
        "select gateway_customer_id from accounts
          where account_id = $1 and role = $2 and erased_at is null",
        customer as AccountId,
        Role::Customer as Role,
    )
    .fetch_optional(db)
    .await
}

/// Stores `created` as the account's gateway customer unless it has one already; answers the
/// one stored (of two first saves racing, the first wins).
pub async fn set_gateway_customer(
    db: impl PgExecutor<'_>,
    customer: AccountId,
    created: &str,
) -> sqlx::Result<String> {
    sqlx::query_scalar!(
        r#"update accounts set gateway_customer_id = coalesce(gateway_customer_id, $2)
            where account_id = $1 returning gateway_customer_id as "gateway_customer_id!""#,
        customer as AccountId,
        created,
    )
    .fetch_one(db)
    .await
}

/// Locks the account's row for the rest of the transaction, so that concurrent requests of
/// one account take turns.
pub async fn lock(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "select 1 as one from accounts where account_id = $1 for update",
        account as AccountId,
    )
    .fetch_optional(db)
    .await?;
    Ok(())
}

/// Records that the account proved it owns its email.
pub async fn mark_email_verified(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set email_verified_at = now() where account_id = $1",
        account as AccountId,
    )
    .execute(db)
    .await?;
    Ok(())
}
