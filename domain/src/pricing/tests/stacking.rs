//! The stacking rules: one exclusive offer or every stackable one, whichever saves most.

use super::*;
use crate::pricing::offer::{Ineligible, Membership};

fn two_gold() -> Basket {
    basket(&[("A1", "GOLD", 20_000), ("A2", "GOLD", 20_000)])
}

fn exclusive(mut o: Offer) -> Offer {
    o.stacking = Stacking::Exclusive;
    o
}

#[test]
fn stackable_offers_combine_percentages_before_flat_amounts() {
    let pct = percent(2, 1_000);
    let flat = offer(
        1,
        Benefit::FlatOff {
            amount_minor: 1_000,
        },
    );
    let q = plain(
        &two_gold(),
        &[candidate(flat.clone()), candidate(pct.clone())],
    );
    let applied: Vec<OfferId> = q.offers.iter().map(|o| o.offer_id).collect();
    assert_eq!(applied, vec![pct.id, flat.id]);
    assert_eq!(off_by(&q, LineKind::Seat, pct.id), vec![2_000, 2_000]);
    assert_eq!(off_by(&q, LineKind::Seat, flat.id), vec![500, 500]);
    assert_eq!(q.totals.total.amount_minor, 40_000 - 5_000);
}

#[test]
fn an_exclusive_offer_that_saves_more_applies_alone() {
    let big = exclusive(percent(1, 3_000));
    let small = percent(2, 1_000);
    let q = plain(
        &two_gold(),
        &[candidate(small.clone()), candidate(big.clone())],
    );
    assert!(q.applied(big.id) && !q.applied(small.id));
    assert_eq!(reason(&q, small.id), Some(Ineligible::NotCombinable));
    assert_eq!(q.totals.discount.amount_minor, 12_000);
}

#[test]
fn the_stackable_set_wins_when_it_saves_more_than_any_exclusive_offer() {
    let ex = exclusive(percent(1, 2_000));
    let a = percent(2, 1_500);
    let b = offer(
        3,
        Benefit::FlatOff {
            amount_minor: 2_000,
        },
    );
    let q = plain(
        &two_gold(),
        &[
            candidate(ex.clone()),
            candidate(a.clone()),
            candidate(b.clone()),
        ],
    );
    assert!(q.applied(a.id) && q.applied(b.id) && !q.applied(ex.id));
    assert_eq!(reason(&q, ex.id), Some(Ineligible::NotCombinable));
    assert_eq!(q.totals.discount.amount_minor, 6_000 + 2_000);
}

#[test]
fn on_equal_savings_the_code_the_customer_entered_wins() {
    let auto = exclusive(percent(1, 1_000));
    let mut code = exclusive(percent(2, 1_000));
    code.code = Some("SAVE10".into());
    let entered = Candidate {
        entered: true,
        ..candidate(code.clone())
    };
    let q = plain(&two_gold(), &[candidate(auto.clone()), entered]);
    assert!(q.applied(code.id));
    let refused = q
        .declined
        .iter()
        .find(|d| d.offer_id == auto.id)
        .expect("auto declined");
    assert!(!refused.entered && refused.reason == Ineligible::NotCombinable);
}

#[test]
fn an_offer_found_twice_counts_once() {
    let o = percent(1, 1_000);
    let q = plain(
        &two_gold(),
        &[
            candidate(o.clone()),
            Candidate {
                entered: true,
                ..candidate(o.clone())
            },
        ],
    );
    assert_eq!(q.offers.len(), 1);
    assert_eq!(q.totals.discount.amount_minor, 4_000);
}

#[test]
fn the_order_candidates_come_in_does_not_change_the_quote() {
    let offers = [
        candidate(percent(1, 1_000)),
        candidate(offer(2, Benefit::FlatOff { amount_minor: 777 })),
        candidate(offer(
            3,
            Benefit::NthTicket {
                every: 2,
                percent_bp: 5_000,
            },
        )),
        candidate(exclusive(percent(4, 2_500))),
    ];
    let mut reversed = offers.to_vec();
    reversed.reverse();
    let b = basket(&[
        ("A1", "GOLD", 20_000),
        ("A2", "SILVER", 15_000),
        ("A3", "GOLD", 20_000),
    ]);
    let mut one = plain(&b, &offers);
    let mut two = plain(&b, &reversed);
    one.declined.sort_by_key(|d| d.offer_id);
    two.declined.sort_by_key(|d| d.offer_id);
    assert_eq!(one, two);
}

#[test]
fn the_member_discount_stacks_with_an_exclusive_offer() {
    let member = CustomerFacts {
        membership: Some(Membership {
            plan: "Plus".into(),
            ticket_discount_bp: 500,
            fee_waived: false,
            early_access_hours: 0,
        }),
        ..signed_in()
    };
    let ex = exclusive(percent(1, 1_000));
    let q = quote_with(
        &two_gold(),
        &member,
        &[candidate(ex.clone())],
        &PricingRules::plain(),
    );
    assert!(q.applied(ex.id));
    // 5 % member, then 10 % of the 19,000 left.
    assert_eq!(nets(&q, LineKind::Seat), vec![17_100, 17_100]);
    assert_eq!(q.totals.platform_funded.amount_minor, 2_000);
    assert_eq!(q.totals.partner_funded.amount_minor, 3_800);
}
