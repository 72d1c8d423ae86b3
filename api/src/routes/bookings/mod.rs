//! Booking endpoints: they start the booking saga and talk to it; reads go to the database.

pub mod access;
mod admin;
mod cancel;
mod claim;
mod create;
mod fair_use;
mod held;
mod invoice;
pub use create::request_fingerprint;
pub mod json;
mod list;
mod offer;
mod pay;
mod pricing;
pub mod read;
mod resolve;
mod temporal_error;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::idempotency::IDEMPOTENCY_KEY;

/// The booking routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_booking, list::list_bookings))
        .routes(routes!(read::get_booking, cancel::delete_booking))
        .routes(routes!(invoice::get_invoice))
        .routes(routes!(claim::claim_booking))
        .routes(routes!(pay::pay_booking))
        .routes(routes!(cancel::cancel_booking))
        .routes(routes!(cancel::list_cancellations))
        .routes(routes!(cancel::delete_reservation))
        .routes(routes!(pay::extend_hold))
        .routes(routes!(resolve::resolve_booking))
        .routes(routes!(admin::get_booking_report))
        .routes(routes!(admin::act_on_booking))
        .routes(routes!(offer::get_quote))
        .routes(routes!(offer::apply_offer, offer::remove_offer))
}
