//! Account endpoints: customers (profile, consents, saved cards, email verification), theater
//! partners and their staff, brokers; sign-in, refresh and sign-out.

mod contract;
mod customers;
pub mod json;
mod new_account;
mod partners;
pub(crate) mod payment_methods;
mod policy;
mod sessions;
mod staff;
mod verification;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The account routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customers::sign_up))
        .routes(routes!(
            customers::get_customer,
            customers::update_customer,
            customers::erase_customer
        ))
        .routes(routes!(verification::send_code))
        .routes(routes!(verification::confirm_code))
        .routes(routes!(payment_methods::save, payment_methods::list))
        .routes(routes!(payment_methods::delete))
        .routes(routes!(partners::sign_up_partner))
        .routes(routes!(policy::get_policy, policy::put_policy))
        .routes(routes!(contract::get_contract, contract::put_contract))
        .routes(routes!(
            partners::get_partner,
            partners::update_partner,
            partners::delete_partner
        ))
        .routes(routes!(staff::add_staff, staff::list_staff))
        .routes(routes!(staff::remove_staff))
        .routes(routes!(staff::create_broker))
        .routes(routes!(sessions::login))
        .routes(routes!(sessions::refresh))
        .routes(routes!(sessions::logout))
        .routes(routes!(sessions::me))
}
