//! What a customer's account does to their bookings: erasure forgets the contact details on
//! them, while the bookings themselves stay for accounting.

use mtbp_domain::AccountId;
use sqlx::PgExecutor;

/// Forgets the contact details (name, email, phone) on every booking of `customer`.
pub async fn forget_contacts(db: impl PgExecutor<'_>, customer: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "update bookings set contact_name = null, contact_email = null, contact_phone = null
          where customer_id = $1",
        customer as AccountId,
    )
    .execute(db)
    .await?;
    Ok(())
}
