//! What tests expect a booking to cost: the same pricing function the platform uses, with the
//! test app's rules, so a test states its seats and the total follows (fee and taxes included).

use crate::TestApp;
use mtbp_domain::pricing::tax::TaxRules;
use mtbp_domain::pricing::{
    Basket, CustomerFacts, PricingInput, PricingRules, Quote, SeatItem, ShowFacts, price,
};
use mtbp_domain::{Currency, MovieId, ScreenId, ShowId, TheaterId};
use uuid::Uuid;

/// The environment a worker process needs to price as `rules` do.
pub fn env_of(rules: &PricingRules) -> Vec<(&'static str, String)> {
    let taxes = if rules.taxes == TaxRules::none() {
        "none"
    } else {
        "india_gst"
    };
    vec![
        (
            "MTBP_FEE_PER_TICKET_MINOR",
            rules.fee.per_ticket_minor.to_string(),
        ),
        ("MTBP_FEE_PERCENT_BP", rules.fee.percent_bp.to_string()),
        ("MTBP_TAXES", taxes.to_owned()),
    ]
}

/// The quote of seats (label, category, list price in paise) in INR without offers, for a
/// customer without a subscription.
pub fn quote_of(rules: &PricingRules, seats: &[(&str, &str, i64)]) -> Quote {
    let basket = Basket {
        currency: Currency::parse("INR").unwrap_or_else(|e| panic!("{e}")),
        seats: seats
            .iter()
            .map(|(label, category, list)| SeatItem {
                label: (*label).to_owned(),
                category: (*category).to_owned(),
                list_minor: *list,
            })
            .collect(),
        addons: Vec::new(),
    };
    let nil = Uuid::nil();
    let show = ShowFacts {
        show_id: ShowId::from_uuid(nil),
        movie_id: MovieId::from_uuid(nil),
        screen_id: ScreenId::from_uuid(nil),
        theater_id: TheaterId::from_uuid(nil),
        partner_id: None,
        city: String::new(),
        local_start: chrono::NaiveDateTime::default(),
    };
    let input = PricingInput {
        basket: &basket,
        show: &show,
        customer: &CustomerFacts::default(),
        candidates: &[],
        now: chrono::Utc::now(),
    };
    price(&input, rules).unwrap_or_else(|e| panic!("the seats do not price: {e}"))
}

impl TestApp {
    /// What these seats cost with this app's rules, in paise.
    pub fn total_of(&self, seats: &[(&str, &str, i64)]) -> i64 {
        quote_of(&self.settings.pricing, seats)
            .totals
            .total
            .amount_minor
    }
}
