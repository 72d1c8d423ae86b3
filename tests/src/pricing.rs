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

/// An offer written straight into the database (the offers API has tests of its own): the
/// platform's, valid from an hour ago, stackable and platform-funded unless `tune` says else.
pub async fn insert_offer(
    db: &mtbp_store::PgPool,
    code: Option<&str>,
    benefit: &mtbp_domain::pricing::Benefit,
    tune: impl FnOnce(&mut OfferLimits),
) -> anyhow::Result<Uuid> {
    let mut limits = OfferLimits::default();
    tune(&mut limits);
    let offer_id = Uuid::new_v4();
    sqlx::query(
        "insert into offers (offer_id, name, code, benefit, conditions, scope, valid_from,
                             valid_until, funded_by, stacking, limit_total, limit_per_customer)
         values ($1, $2, $3, $4, '{}', '{}', now() - interval '1 hour', $5, 'platform', $6,
                 $7, $8)",
    )
    .bind(offer_id)
    .bind(format!("Test offer {}", code.unwrap_or("auto")))
    .bind(code)
    .bind(serde_json::to_value(benefit)?)
    .bind(limits.valid_until)
    .bind(if limits.exclusive {
        "exclusive"
    } else {
        "stackable"
    })
    .bind(limits.total)
    .bind(limits.per_customer)
    .execute(db)
    .await?;
    Ok(offer_id)
}

/// What [`insert_offer`] may change.
#[derive(Clone, Debug, Default)]
pub struct OfferLimits {
    /// Redemptions in all.
    pub total: Option<i32>,
    /// Redemptions per customer.
    pub per_customer: Option<i32>,
    /// End of validity.
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Exclusive rather than stackable.
    pub exclusive: bool,
}
