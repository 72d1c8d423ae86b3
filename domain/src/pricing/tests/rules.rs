//! Taxes, fees, every benefit type, the member's benefits and refused baskets.

use super::*;
use crate::pricing::offer::{Ineligible, Membership};
use crate::pricing::tax::TaxRules;
use crate::pricing::{FeeRule, PricingError};

fn gst_only() -> PricingRules {
    PricingRules {
        fee: FeeRule::default(),
        taxes: TaxRules::india_gst(),
    }
}

#[test]
fn without_offers_fees_or_taxes_the_total_is_the_list_price() {
    let q = plain(
        &basket(&[("A1", "GOLD", 25_000), ("A2", "SILVER", 18_000)]),
        &[],
    );
    assert_eq!(q.totals.total.amount_minor, 43_000);
    assert_eq!(q.totals.discount.amount_minor, 0);
    assert!(q.offers.is_empty() && q.declined.is_empty() && q.taxes.is_empty());
}

#[test]
fn demo_rules_add_a_fee_per_ticket_and_gst_on_both() {
    let b = basket(&[("A1", "GOLD", 25_000), ("A2", "GOLD", 25_000)]);
    let q = quote_with(&b, &signed_in(), &[], &PricingRules::demo());
    // Fee: ₹20 + 5 % of ₹250 = ₹32.50 a ticket. Tickets above ₹100: 18 %; the fee: 18 %.
    assert_eq!(nets(&q, LineKind::Fee), vec![3_250, 3_250]);
    let seat = lines(&q, LineKind::Seat).next().expect("a seat");
    assert_eq!(seat.total.amount_minor, 25_000 + 2_250 + 2_250);
    let fee = lines(&q, LineKind::Fee).next().expect("a fee");
    assert_eq!(fee.total.amount_minor, 3_250 + 293 + 293); // 292.5 rounds up
    assert_eq!(q.totals.total.amount_minor, 2 * (29_500 + 3_836));
    assert_eq!(q.totals.fees.amount_minor, 2 * 3_836);
    let cgst = q.taxes.iter().find(|t| t.name == "CGST").expect("CGST");
    assert_eq!((cgst.rate_bp, cgst.taxable.amount_minor), (900, 56_500));
    assert_eq!(cgst.amount.amount_minor, 2 * 2_250 + 2 * 293);
}

#[test]
fn the_gst_slab_turns_at_100_rupees_a_ticket() {
    let q = quote_with(
        &basket(&[("A1", "STD", 10_000), ("A2", "STD", 10_001)]),
        &signed_in(),
        &[],
        &gst_only(),
    );
    let totals: Vec<i64> = lines(&q, LineKind::Seat)
        .map(|l| l.total.amount_minor)
        .collect();
    assert_eq!(totals, vec![11_200, 10_001 + 900 + 900]);
    let rates: Vec<u32> = q.taxes.iter().map(|t| t.rate_bp).collect();
    assert_eq!(rates, vec![600, 600, 900, 900]);
}

#[test]
fn a_discount_can_bring_a_ticket_into_the_lower_slab() {
    let b = basket(&[("A1", "GOLD", 12_000)]);
    let q = quote_with(
        &b,
        &signed_in(),
        &[candidate(percent(1, 2_000))],
        &gst_only(),
    );
    assert_eq!(nets(&q, LineKind::Seat), vec![9_600]);
    assert_eq!(q.totals.total.amount_minor, 9_600 + 576 + 576);
}

#[test]
fn percent_off_each_ticket_and_its_cap_shared_out() {
    let b = basket(&[
        ("A1", "GOLD", 30_000),
        ("A2", "GOLD", 30_000),
        ("A3", "GOLD", 30_000),
    ]);
    let plain_pct = percent(1, 5_000);
    let q = plain(&b, &[candidate(plain_pct.clone())]);
    assert_eq!(off_by(&q, LineKind::Seat, plain_pct.id), vec![15_000; 3]);
    let capped = offer(
        2,
        Benefit::PercentOff {
            percent_bp: 5_000,
            max_off_minor: Some(10_000),
        },
    );
    let q = plain(&b, &[candidate(capped.clone())]);
    assert_eq!(
        off_by(&q, LineKind::Seat, capped.id),
        vec![3_334, 3_333, 3_333]
    );
    assert_eq!(q.offers[0].discount.amount_minor, 10_000);
}

#[test]
fn flat_off_follows_the_prices_and_never_goes_below_zero() {
    let b = basket(&[("A1", "GOLD", 20_000), ("A2", "SILVER", 10_000)]);
    let flat = offer(
        1,
        Benefit::FlatOff {
            amount_minor: 3_000,
        },
    );
    let q = plain(&b, &[candidate(flat.clone())]);
    assert_eq!(off_by(&q, LineKind::Seat, flat.id), vec![2_000, 1_000]);
    let huge = offer(
        2,
        Benefit::FlatOff {
            amount_minor: 1_000_000,
        },
    );
    let q = plain(&b, &[candidate(huge)]);
    assert_eq!(nets(&q, LineKind::Seat), vec![0, 0]);
    assert_eq!(q.totals.total.amount_minor, 0);
}

#[test]
fn nth_ticket_goes_to_the_cheapest_of_each_full_group() {
    let third = offer(
        1,
        Benefit::NthTicket {
            every: 3,
            percent_bp: 5_000,
        },
    );
    let three = basket(&[
        ("A1", "GOLD", 30_000),
        ("A2", "SILVER", 20_000),
        ("A3", "GOLD", 25_000),
    ]);
    let q = plain(&three, &[candidate(third.clone())]);
    assert_eq!(off_by(&q, LineKind::Seat, third.id), vec![0, 10_000, 0]);
    let two = basket(&[("A1", "GOLD", 30_000), ("A2", "GOLD", 30_000)]);
    assert_eq!(
        reason(&plain(&two, &[candidate(third.clone())]), third.id),
        Some(Ineligible::NothingCovered)
    );
    let six: Vec<(String, i64)> = (1..=6)
        .map(|i| (format!("B{i}"), 10_000 + i * 100))
        .collect();
    let six: Vec<(&str, &str, i64)> = six.iter().map(|(l, p)| (l.as_str(), "GOLD", *p)).collect();
    let q = plain(&basket(&six), &[candidate(third.clone())]);
    assert_eq!(
        off_by(&q, LineKind::Seat, third.id),
        vec![5_050, 5_100, 0, 0, 0, 0]
    );
}

#[test]
fn meal_vouchers_take_off_add_ons_only_up_to_their_units() {
    let b = with_addon(basket(&[("A1", "GOLD", 20_000)]), "POP", 25_000, 2);
    let free_one = offer(
        1,
        Benefit::MealVoucher {
            addon_code: Some("pop".into()),
            percent_bp: 10_000,
            max_units: 1,
        },
    );
    let q = quote_with(
        &b,
        &signed_in(),
        &[candidate(free_one.clone())],
        &gst_only(),
    );
    assert_eq!(off_by(&q, LineKind::Addon, free_one.id), vec![25_000]);
    assert_eq!(off_by(&q, LineKind::Seat, free_one.id), vec![0]);
    let addon = lines(&q, LineKind::Addon).next().expect("the add-on");
    assert_eq!(addon.total.amount_minor, 25_000 + 625 + 625); // food at 5 %
    let other = offer(
        2,
        Benefit::MealVoucher {
            addon_code: Some("NACHOS".into()),
            percent_bp: 5_000,
            max_units: 4,
        },
    );
    assert_eq!(
        reason(&plain(&b, &[candidate(other.clone())]), other.id),
        Some(Ineligible::NothingCovered)
    );
}

#[test]
fn members_get_their_discount_and_fee_waiver_paid_by_the_platform() {
    let b = basket(&[("A1", "GOLD", 20_000)]);
    let member = CustomerFacts {
        membership: Some(Membership {
            plan: "Plus".into(),
            ticket_discount_bp: 1_000,
            fee_waived: true,
            early_access_hours: 0,
        }),
        ..signed_in()
    };
    let q = quote_with(
        &b,
        &member,
        &[candidate(percent(1, 1_000))],
        &PricingRules::demo(),
    );
    // 10 % member price first, then the partner's 10 % on what is left.
    assert_eq!(nets(&q, LineKind::Seat), vec![16_200]);
    assert_eq!(nets(&q, LineKind::Fee), vec![0]);
    let fee = lines(&q, LineKind::Fee)
        .next()
        .expect("the waived fee is shown");
    assert_eq!(fee.list.amount_minor, 2_000 + 810);
    assert_eq!(q.totals.partner_funded.amount_minor, 1_800);
    assert_eq!(q.totals.platform_funded.amount_minor, 2_000 + 2_810);
}

#[test]
fn bad_baskets_are_refused() {
    let show = show();
    let customer = signed_in();
    let run = |b: &Basket| {
        let input = PricingInput {
            basket: b,
            show: &show,
            customer: &customer,
            candidates: &[],
            now: now(),
        };
        price(&input, &PricingRules::demo()).err()
    };
    assert_eq!(run(&basket(&[])), Some(PricingError::NoSeats));
    assert_eq!(
        run(&basket(&[("A1", "GOLD", -1)])),
        Some(PricingError::AmountOutOfRange)
    );
    let zero = with_addon(basket(&[("A1", "GOLD", 100)]), "POP", 100, 0);
    assert_eq!(run(&zero), Some(PricingError::BadQuantity("POP".into())));
    let mut odd = with_addon(basket(&[("A1", "GOLD", 100)]), "WINE", 100, 1);
    odd.addons[0].tax_class = "alcohol".into();
    assert_eq!(
        run(&odd),
        Some(PricingError::UnknownTaxClass("alcohol".into()))
    );
}
