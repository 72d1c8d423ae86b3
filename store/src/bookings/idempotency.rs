//! Idempotency-Keys (`idempotency_keys`): a client's key bound to the booking its first request
//! made, with that request's fingerprint, so a retry names the same booking.

use mtbp_domain::BookingId;
use sqlx::PgPool;

/// Binds `key` to the booking, unless it is bound already; `true` if bound now. Inside the
/// hold's transaction, a concurrent request with the same key waits here for this one.
pub async fn bind_idempotency_key<'e>(
    db: impl sqlx::PgExecutor<'e>,
    key: &str,
    fingerprint: &str,
    booking_id: BookingId,
) -> sqlx::Result<bool> {
    let bound = sqlx::query_scalar!(
        r#"insert into idempotency_keys (idempotency_key, request_fingerprint, booking_id)
           values ($1, $2, $3) on conflict (idempotency_key) do nothing
        returning 1 as "bound!""#,
        key,
        fingerprint,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(bound.is_some())
}

/// The fingerprint of the request `key` was first used with, if it was.
pub async fn stored_fingerprint(db: &PgPool, key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select request_fingerprint from idempotency_keys where idempotency_key = $1",
        key,
    )
    .fetch_optional(db)
    .await
}
