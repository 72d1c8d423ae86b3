//! The email outbox: messages written in the transaction that decided to send them, and sent
//! later by a job, so an email goes out if and only if its transaction committed.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Queues an email.
pub async fn queue_email(
    db: impl PgExecutor<'_>,
    to: &str,
    subject: &str,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into outbox_emails (email_id, to_address, subject, body) values ($1, $2, $3, $4)",
        Uuid::new_v4(),
        to,
        subject,
        body,
    )
    .execute(db)
    .await?;
    Ok(())
}
