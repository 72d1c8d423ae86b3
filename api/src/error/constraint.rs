//! Turning a named constraint violation into the answer it means, so handlers never match on
//! database error internals.

use super::ApiError;

/// Maps a named constraint violation of a database result to an [`ApiError`].
pub trait OnConstraint<T> {
    /// If the error is a violation of `constraint`, answers `map()` instead; any other error
    /// converts as usual (unavailable, bad text, internal).
    fn on_constraint(self, constraint: &str, map: impl FnOnce() -> ApiError)
    -> Result<T, ApiError>;
}

impl<T> OnConstraint<T> for Result<T, mtbp_store::Error> {
    fn on_constraint(
        self,
        constraint: &str,
        map: impl FnOnce() -> ApiError,
    ) -> Result<T, ApiError> {
        self.map_err(|err| match &err {
            mtbp_store::Error::Database(db) if db.constraint() == Some(constraint) => map(),
            _ => ApiError::from(err),
        })
    }
}

impl<T> OnConstraint<T> for Result<T, ApiError> {
    fn on_constraint(
        self,
        _constraint: &str,
        _map: impl FnOnce() -> ApiError,
    ) -> Result<T, ApiError> {
        self
    }
}
