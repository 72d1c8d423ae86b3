//! `Idempotency-Key`: the header a client sends so that a retried request names the same
//! booking (`POST /bookings`) or the same update (`…/extend`), parsed once into a valid key,
//! and the check that a key is not reused for another request.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::{HeaderMap, StatusCode};

/// Header a client sends so that a retried POST names the same booking.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A valid key: 1 to 255 visible ASCII characters, surrounding spaces trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request's key, if it sent one; 400 if the header is not a valid key.
    pub fn from_headers(headers: &HeaderMap) -> ApiResult<Option<Self>> {
        let Some(raw) = headers.get(IDEMPOTENCY_KEY) else {
            return Ok(None);
        };
        let key = raw.to_str().unwrap_or_default().trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::BadRequest(
                "Idempotency-Key must be 1-255 visible ASCII characters".into(),
            ));
        }
        Ok(Some(Self(key.to_owned())))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string, for the row that binds it.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The fingerprint of the request `key` was first used with, if it was.
pub async fn stored_fingerprint(state: &AppState, key: &str) -> ApiResult<Option<String>> {
    Ok(mtbp_store::bookings::stored_fingerprint(&state.db, key).await?)
}

/// 422 `idempotency_key_reused` unless the retried request is the one the key was first used
/// with.
pub fn same_request(stored: &str, fingerprint: &str) -> ApiResult<()> {
    if stored == fingerprint {
        return Ok(());
    }
    Err(ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: ErrorCode::IdempotencyKeyReused,
        message: "this Idempotency-Key was used with a different request".into(),
        details: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    #[test]
    fn keys_are_visible_ascii_of_at_most_255_characters() {
        assert_eq!(
            IdempotencyKey::from_headers(&HeaderMap::new()).ok(),
            Some(None)
        );
        let key = IdempotencyKey::from_headers(&with("  order-42 ")).expect("valid");
        assert_eq!(key.as_ref().map(IdempotencyKey::as_str), Some("order-42"));
        assert!(IdempotencyKey::from_headers(&with("   ")).is_err());
        assert!(IdempotencyKey::from_headers(&with("two words")).is_err());
        assert!(IdempotencyKey::from_headers(&with(&"k".repeat(256))).is_err());
        assert!(IdempotencyKey::from_headers(&with(&"k".repeat(255))).is_ok());
    }
}
