//! Properties over random baskets, customers and offers: never negative, never above list
//! price, every total the sum of its lines to the unit, and the same quote in any order.

use super::*;
use crate::pricing::offer::Membership;
use proptest::prelude::*;

fn benefit() -> impl Strategy<Value = Benefit> {
    prop_oneof![
        (0u32..=10_000, proptest::option::of(0i64..50_000)).prop_map(
            |(percent_bp, max_off_minor)| Benefit::PercentOff {
                percent_bp,
                max_off_minor
            }
        ),
        (0i64..200_000).prop_map(|amount_minor| Benefit::FlatOff { amount_minor }),
        (2u32..5, 0u32..=10_000)
            .prop_map(|(every, percent_bp)| Benefit::NthTicket { every, percent_bp }),
        (
            proptest::option::of(Just("POP".to_owned())),
            0u32..=10_000,
            1u32..4
        )
            .prop_map(|(addon_code, percent_bp, max_units)| Benefit::MealVoucher {
                addon_code,
                percent_bp,
                max_units
            }),
    ]
}

fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
    proptest::collection::vec(
        (benefit(), any::<bool>(), any::<bool>(), any::<bool>()),
        0..5,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (b, exclusive, platform, entered))| {
                let mut o = offer(i as u128, b);
                o.stacking = if exclusive {
                    Stacking::Exclusive
                } else {
                    Stacking::Stackable
                };
                o.funded_by = if platform {
                    Funder::Platform
                } else {
                    Funder::Partner
                };
                Candidate {
                    entered,
                    ..candidate(o)
                }
            })
            .collect()
    })
}

fn basket_strategy() -> impl Strategy<Value = Basket> {
    let seat = (prop_oneof![Just("GOLD"), Just("SILVER")], 0i64..60_000);
    (
        proptest::collection::vec(seat, 1..10),
        proptest::collection::vec((0i64..40_000, 1u32..4), 0..3),
    )
        .prop_map(|(seats, addons)| {
            let labels: Vec<(String, &str, i64)> = seats
                .iter()
                .enumerate()
                .map(|(i, (c, p))| (format!("A{i}"), *c, *p))
                .collect();
            let refs: Vec<(&str, &str, i64)> = labels
                .iter()
                .map(|(l, c, p)| (l.as_str(), *c, *p))
                .collect();
            addons
                .into_iter()
                .enumerate()
                .fold(basket(&refs), |b, (i, (unit, qty))| {
                    with_addon(b, if i == 0 { "POP" } else { "NACHOS" }, unit, qty)
                })
        })
}

fn customer() -> impl Strategy<Value = CustomerFacts> {
    (
        any::<bool>(),
        proptest::option::of((0u32..=10_000, any::<bool>())),
    )
        .prop_map(|(first, m)| CustomerFacts {
            signed_in: true,
            first_booking: first,
            membership: m.map(|(bp, fee_waived)| Membership {
                plan: "Plan".into(),
                ticket_discount_bp: bp,
                fee_waived,
                early_access_hours: 0,
            }),
        })
}

fn sum(values: impl Iterator<Item = i64>) -> i64 {
    values.sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn quotes_hold_together(b in basket_strategy(), c in customer(), offers in candidates(), demo in any::<bool>()) {
        let rules = if demo { PricingRules::demo() } else { PricingRules::plain() };
        let q = quote_with(&b, &c, &offers, &rules);
        for l in &q.lines {
            let cuts = sum(l.discounts.iter().map(|d| d.amount.amount_minor));
            prop_assert!(l.discounts.iter().all(|d| d.amount.amount_minor > 0));
            prop_assert!(l.net.amount_minor >= 0, "never negative");
            prop_assert!(l.net.amount_minor <= l.list.amount_minor, "never above list price");
            prop_assert_eq!(l.list.amount_minor - cuts, l.net.amount_minor);
            prop_assert_eq!(l.net.amount_minor + sum(l.taxes.iter().map(|t| t.amount.amount_minor)), l.total.amount_minor);
            prop_assert!(l.taxes.iter().all(|t| t.amount.amount_minor >= 0));
        }
        let t = &q.totals;
        prop_assert_eq!(sum(q.lines.iter().map(|l| l.total.amount_minor)), t.total.amount_minor);
        prop_assert_eq!(t.list.amount_minor - t.discount.amount_minor, t.net.amount_minor);
        prop_assert_eq!(t.net.amount_minor + t.tax.amount_minor, t.total.amount_minor);
        prop_assert_eq!(sum(q.taxes.iter().map(|x| x.amount.amount_minor)), t.tax.amount_minor);
        prop_assert_eq!(t.partner_funded.amount_minor + t.platform_funded.amount_minor, t.discount.amount_minor);
        prop_assert_eq!(t.tickets.amount_minor + t.addons.amount_minor + t.fees.amount_minor, t.total.amount_minor);
        let seat_list = sum(b.seats.iter().map(|s| s.list_minor));
        prop_assert!(sum(nets(&q, LineKind::Seat).into_iter()) <= seat_list);
        for applied in &q.offers {
            let on_lines = sum(q.lines.iter().flat_map(|l| &l.discounts)
                .filter(|d| d.source == DiscountSource::Offer { offer_id: applied.offer_id })
                .map(|d| d.amount.amount_minor));
            prop_assert_eq!(on_lines, applied.discount.amount_minor);
            prop_assert!(applied.discount.amount_minor > 0);
        }
        let seen = q.offers.len() + q.declined.len();
        prop_assert_eq!(seen, offers.len(), "every candidate is applied or declined");
        let mut reversed = offers.clone();
        reversed.reverse();
        let mut again = quote_with(&b, &c, &reversed, &rules);
        let mut first = q.clone();
        first.declined.sort_by_key(|d| d.offer_id);
        again.declined.sort_by_key(|d| d.offer_id);
        prop_assert_eq!(first, again, "the order of candidates does not matter");
    }
}
