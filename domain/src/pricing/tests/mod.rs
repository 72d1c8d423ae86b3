//! Tests of the pricing function: every rule type, the stacking rules, and properties over
//! random baskets and offers.

mod conditions;
mod properties;
mod rules;
mod stacking;

use super::offer::{Benefit, Candidate, Conditions, CustomerFacts, Funder, Offer, OfferScope};
use super::offer::{ShowFacts, Stacking};
use super::quote::{DiscountSource, LineKind, Quote, QuoteLine};
use super::{AddonItem, Basket, PricingInput, PricingRules, SeatItem, price};
use crate::ids::{MovieId, OfferId, PartnerId, ScreenId, ShowId, TheaterId};
use crate::money::Currency;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

pub(super) fn partner() -> PartnerId {
    PartnerId::from_uuid(Uuid::from_u128(0xAA))
}

/// A show on Tuesday 3 March 2026 at 14:30 local time, in Pune.
pub(super) fn show() -> ShowFacts {
    ShowFacts {
        show_id: ShowId::from_uuid(Uuid::from_u128(1)),
        movie_id: MovieId::from_uuid(Uuid::from_u128(2)),
        screen_id: ScreenId::from_uuid(Uuid::from_u128(3)),
        theater_id: TheaterId::from_uuid(Uuid::from_u128(4)),
        partner_id: Some(partner()),
        city: "Pune".to_owned(),
        local_start: NaiveDate::from_ymd_opt(2026, 3, 3)
            .and_then(|d| d.and_hms_opt(14, 30, 0))
            .expect("a valid date"),
    }
}

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("a valid time")
}

pub(super) fn inr() -> Currency {
    Currency::parse("INR").expect("INR")
}

/// Seats as (label, category, list price in paise).
pub(super) fn basket(seats: &[(&str, &str, i64)]) -> Basket {
    Basket {
        currency: inr(),
        seats: seats
            .iter()
            .map(|(label, category, list)| SeatItem {
                label: (*label).to_owned(),
                category: (*category).to_owned(),
                list_minor: *list,
            })
            .collect(),
        addons: Vec::new(),
    }
}

pub(super) fn with_addon(mut basket: Basket, code: &str, unit: i64, quantity: u32) -> Basket {
    basket.addons.push(AddonItem {
        code: code.to_owned(),
        name: format!("{code} combo"),
        unit_minor: unit,
        quantity,
        tax_class: super::tax::FOOD.to_owned(),
    });
    basket
}

/// A stackable, partner-funded offer of the show's partner, valid since January, no limits.
pub(super) fn offer(n: u128, benefit: Benefit) -> Offer {
    Offer {
        id: OfferId::from_uuid(Uuid::from_u128(0x1000 + n)),
        name: format!("offer {n}"),
        code: None,
        benefit,
        conditions: Conditions::default(),
        scope: OfferScope {
            partner_id: Some(partner()),
            ..OfferScope::default()
        },
        valid_from: Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("a time"),
        valid_until: None,
        funded_by: Funder::Partner,
        stacking: Stacking::Stackable,
        limit_total: None,
        limit_per_customer: None,
    }
}

pub(super) fn candidate(offer: Offer) -> Candidate {
    Candidate {
        offer,
        used_total: 0,
        used_by_customer: 0,
        entered: false,
    }
}

pub(super) fn percent(n: u128, bp: u32) -> Offer {
    offer(
        n,
        Benefit::PercentOff {
            percent_bp: bp,
            max_off_minor: None,
        },
    )
}

pub(super) fn signed_in() -> CustomerFacts {
    CustomerFacts {
        signed_in: true,
        membership: None,
        first_booking: false,
    }
}

pub(super) fn quote_with(
    basket: &Basket,
    customer: &CustomerFacts,
    candidates: &[Candidate],
    rules: &PricingRules,
) -> Quote {
    let show = show();
    let input = PricingInput {
        basket,
        show: &show,
        customer,
        candidates,
        now: now(),
    };
    price(&input, rules).expect("the basket prices")
}

/// Prices with no fee and no tax, for a signed-in customer without a subscription.
pub(super) fn plain(basket: &Basket, candidates: &[Candidate]) -> Quote {
    quote_with(basket, &signed_in(), candidates, &PricingRules::plain())
}

/// Net of each line of `kind`, in order.
pub(super) fn nets(q: &Quote, kind: LineKind) -> Vec<i64> {
    lines(q, kind).map(|l| l.net.amount_minor).collect()
}

pub(super) fn lines(q: &Quote, kind: LineKind) -> impl Iterator<Item = &QuoteLine> {
    q.lines.iter().filter(move |l| l.kind == kind)
}

/// What `offer_id` took off each line of `kind`.
pub(super) fn off_by(q: &Quote, kind: LineKind, offer_id: OfferId) -> Vec<i64> {
    lines(q, kind)
        .map(|l| {
            l.discounts
                .iter()
                .filter(|d| d.source == DiscountSource::Offer { offer_id })
                .map(|d| d.amount.amount_minor)
                .sum()
        })
        .collect()
}

/// Why `offer_id` was declined, if it was.
pub(super) fn reason(q: &Quote, offer_id: OfferId) -> Option<super::Ineligible> {
    q.declined
        .iter()
        .find(|d| d.offer_id == offer_id)
        .map(|d| d.reason)
}
