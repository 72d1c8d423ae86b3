//! A customer taking over a guest booking made with their (verified) email.

use mtbp_domain::{AccountId, BookingId};
use sqlx::PgPool;

/// Whether the account's email is verified; `None` for no such (or an erased) account.
pub async fn claimant_verified(db: &PgPool, account: AccountId) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar!(
        r#"select email_verified_at is not null as "verified!" from accounts
            where account_id = $1 and erased_at is null"#,
        account.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// Links the guest booking to the account if its contact email is the account's; `false` if
/// it is no guest booking (any more) or the emails differ.
pub async fn claim(db: &PgPool, booking_id: BookingId, account: AccountId) -> sqlx::Result<bool> {
    let claimed = sqlx::query!(
        "update bookings b set customer_id = a.account_id
           from accounts a
          where b.booking_id = $1 and b.customer_id is null
            and a.account_id = $2 and lower(a.email) = lower(b.contact_email)",
        booking_id.as_uuid(),
        account.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() > 0)
}
