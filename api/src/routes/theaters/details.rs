//! Checking a theater body: the rules are the domain's, whether the time zone exists is the
//! database's.

use super::json::NewTheater;
use crate::error::{ApiError, ApiResult};
use mtbp_domain::theater::{TheaterDetails, timezone_plausible};
use mtbp_store::PgPool;
use mtbp_store::catalog::theaters;

/// The checked details of a theater body; a 422 listing every problem.
pub(super) async fn parse(db: &PgPool, body: &NewTheater) -> ApiResult<TheaterDetails> {
    let raw = body.raw();
    let timezone = raw.timezone();
    let known = timezone_plausible(&timezone) && theaters::timezone_exists(db, &timezone).await?;
    TheaterDetails::parse(&raw, known).map_err(ApiError::Validation)
}
