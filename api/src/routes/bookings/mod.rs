//! Booking endpoints: they start the booking saga and talk to it; reads go to the database.

mod create;
pub mod json;
mod pay;
pub mod read;
mod temporal_error;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use create::IDEMPOTENCY_KEY;

/// The booking routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_booking))
        .routes(routes!(read::get_booking))
        .routes(routes!(pay::pay_booking))
        .routes(routes!(pay::cancel_booking))
        .routes(routes!(pay::extend_hold))
}
