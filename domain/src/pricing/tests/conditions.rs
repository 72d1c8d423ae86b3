//! The conditions and checks of offers: time of day, day of week, group size, the customer,
//! seat categories, scope, validity and usage.

use super::*;
use crate::pricing::offer::{Ineligible, Membership, TimeWindow};
use chrono::{NaiveTime, Weekday};

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}

#[test]
fn time_of_day_windows_cover_their_start_times_only() {
    let mut afternoon = percent(1, 2_000);
    afternoon.conditions.starts_between = Some(TimeWindow {
        from: at(12, 0),
        until: at(17, 0),
    });
    let b = basket(&[("A1", "GOLD", 20_000)]);
    assert!(plain(&b, &[candidate(afternoon.clone())]).applied(afternoon.id));
    afternoon.conditions.starts_between = Some(TimeWindow {
        from: at(18, 0),
        until: at(23, 0),
    });
    assert_eq!(
        reason(&plain(&b, &[candidate(afternoon.clone())]), afternoon.id),
        Some(Ineligible::WrongTime)
    );
    let late = TimeWindow {
        from: at(22, 0),
        until: at(3, 0),
    };
    assert!(late.covers(at(23, 30)) && late.covers(at(1, 0)) && !late.covers(at(14, 30)));
    assert!(
        !TimeWindow {
            from: at(12, 0),
            until: at(14, 30)
        }
        .covers(at(14, 30))
    );
}

#[test]
fn day_of_week_goes_by_the_shows_local_day() {
    let mut weekend = percent(1, 2_000);
    weekend.conditions.days_of_week = vec![Weekday::Sat, Weekday::Sun];
    let b = basket(&[("A1", "GOLD", 20_000)]);
    assert_eq!(
        reason(&plain(&b, &[candidate(weekend.clone())]), weekend.id),
        Some(Ineligible::WrongDay)
    );
    weekend.conditions.days_of_week = vec![Weekday::Tue];
    assert!(plain(&b, &[candidate(weekend.clone())]).applied(weekend.id));
}

#[test]
fn group_offers_need_their_group_size() {
    let mut group = percent(1, 1_000);
    group.conditions.min_seats = Some(5);
    let four: Vec<(&str, &str, i64)> = ["A1", "A2", "A3", "A4"]
        .iter()
        .map(|l| (*l, "GOLD", 20_000))
        .collect();
    assert_eq!(
        reason(
            &plain(&basket(&four), &[candidate(group.clone())]),
            group.id
        ),
        Some(Ineligible::TooFewSeats)
    );
    let mut five = four.clone();
    five.push(("A5", "GOLD", 20_000));
    let q = plain(&basket(&five), &[candidate(group.clone())]);
    assert_eq!(q.offers[0].discount.amount_minor, 10_000);
}

#[test]
fn subscriber_and_first_booking_offers_check_the_customer() {
    let b = basket(&[("A1", "GOLD", 20_000)]);
    let mut members = percent(1, 1_000);
    members.conditions.subscribers_only = true;
    assert_eq!(
        reason(&plain(&b, &[candidate(members.clone())]), members.id),
        Some(Ineligible::SubscribersOnly)
    );
    let member = CustomerFacts {
        membership: Some(Membership {
            plan: "Gold".into(),
            ticket_discount_bp: 0,
            fee_waived: false,
            early_access_hours: 0,
        }),
        ..signed_in()
    };
    let q = quote_with(
        &b,
        &member,
        &[candidate(members.clone())],
        &PricingRules::plain(),
    );
    assert!(q.applied(members.id));

    let mut first = percent(2, 1_000);
    first.conditions.first_booking_only = true;
    let guest = CustomerFacts::default();
    let check = |c: &CustomerFacts| {
        reason(
            &quote_with(&b, c, &[candidate(first.clone())], &PricingRules::plain()),
            first.id,
        )
    };
    assert_eq!(check(&guest), Some(Ineligible::SignInRequired));
    assert_eq!(check(&signed_in()), Some(Ineligible::FirstBookingOnly));
    assert_eq!(
        check(&CustomerFacts {
            first_booking: true,
            ..signed_in()
        }),
        None
    );
}

#[test]
fn seat_categories_limit_what_an_offer_covers() {
    let mut gold = percent(1, 5_000);
    gold.conditions.seat_categories = vec!["gold".into()];
    let q = plain(
        &basket(&[("A1", "GOLD", 20_000), ("B1", "SILVER", 10_000)]),
        &[candidate(gold.clone())],
    );
    assert_eq!(off_by(&q, LineKind::Seat, gold.id), vec![10_000, 0]);
    let q = plain(
        &basket(&[("B1", "SILVER", 10_000)]),
        &[candidate(gold.clone())],
    );
    assert_eq!(reason(&q, gold.id), Some(Ineligible::NothingCovered));
}

#[test]
fn scope_validity_and_usage_are_checked() {
    let b = basket(&[("A1", "GOLD", 20_000)]);
    let declined = |o: &Offer, used: (u32, u32), c: &CustomerFacts| {
        let cand = Candidate {
            used_total: used.0,
            used_by_customer: used.1,
            ..candidate(o.clone())
        };
        reason(&quote_with(&b, c, &[cand], &PricingRules::plain()), o.id)
    };
    let me = signed_in();
    let mut o = percent(1, 1_000);
    o.scope.partner_id = Some(PartnerId::from_uuid(Uuid::from_u128(0xBB)));
    assert_eq!(declined(&o, (0, 0), &me), Some(Ineligible::OutOfScope));
    o.scope = OfferScope {
        city: Some(" pune ".into()),
        ..OfferScope::default()
    };
    assert_eq!(declined(&o, (0, 0), &me), None);
    o.scope.theater_id = Some(TheaterId::from_uuid(Uuid::from_u128(99)));
    assert_eq!(declined(&o, (0, 0), &me), Some(Ineligible::OutOfScope));
    let mut o = percent(2, 1_000);
    o.valid_from = now() + chrono::Duration::seconds(1);
    assert_eq!(declined(&o, (0, 0), &me), Some(Ineligible::NotYetValid));
    o.valid_from = now() - chrono::Duration::days(1);
    o.valid_until = Some(now());
    assert_eq!(declined(&o, (0, 0), &me), Some(Ineligible::Expired));
    let mut o = percent(3, 1_000);
    o.limit_total = Some(100);
    assert_eq!(declined(&o, (99, 0), &me), None);
    assert_eq!(declined(&o, (100, 0), &me), Some(Ineligible::UsedUp));
    o.limit_per_customer = Some(1);
    assert_eq!(declined(&o, (5, 1), &me), Some(Ineligible::UsedByCustomer));
    assert_eq!(
        declined(&o, (5, 0), &CustomerFacts::default()),
        Some(Ineligible::SignInRequired)
    );
}
