//! The financial year, numbers, the split of a quote and credit notes.

use super::*;
use crate::ids::{MovieId, PartnerId, ScreenId, ShowId, TheaterId};
use crate::pricing::tax::FOOD;
use crate::pricing::{
    AddonItem, Basket, CustomerFacts, PricingInput, PricingRules, Quote, SeatItem, ShowFacts, price,
};
use chrono::{TimeZone, Utc};
use uuid::Uuid;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn quote(seats: &[(&str, i64)], addon: Option<(i64, u32)>, rules: &PricingRules) -> Quote {
    let inr = Currency::parse("INR").expect("INR");
    let mut basket = Basket {
        currency: inr,
        seats: seats
            .iter()
            .map(|(label, list)| SeatItem {
                label: (*label).to_owned(),
                category: "GOLD".to_owned(),
                list_minor: *list,
            })
            .collect(),
        addons: Vec::new(),
    };
    if let Some((unit, quantity)) = addon {
        basket.addons.push(AddonItem {
            code: "COMBO1".into(),
            name: "Popcorn combo".into(),
            unit_minor: unit,
            quantity,
            tax_class: FOOD.into(),
        });
    }
    let show = ShowFacts {
        show_id: ShowId::from_uuid(Uuid::from_u128(1)),
        movie_id: MovieId::from_uuid(Uuid::from_u128(2)),
        screen_id: ScreenId::from_uuid(Uuid::from_u128(3)),
        theater_id: TheaterId::from_uuid(Uuid::from_u128(4)),
        partner_id: Some(PartnerId::from_uuid(Uuid::from_u128(5))),
        city: "Pune".into(),
        local_start: date(2026, 6, 3).and_hms_opt(18, 0, 0).expect("a time"),
    };
    let input = PricingInput {
        basket: &basket,
        show: &show,
        customer: &CustomerFacts::default(),
        candidates: &[],
        now: Utc
            .with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
            .single()
            .expect("a time"),
    };
    price(&input, rules).expect("the basket prices")
}

fn document(body: DocumentBody) -> InvoiceDocument {
    InvoiceDocument {
        kind: DocumentKind::Invoice,
        number: "PVR-2026-27/000001".into(),
        refers_to: None,
        financial_year: FinancialYear::of(date(2026, 6, 1)),
        issued_on: date(2026, 6, 1),
        issuer: Issuer {
            name: "PVR".into(),
            tax_id: None,
        },
        sale: SaleFacts {
            booking_id: BookingId::from_uuid(Uuid::from_u128(9)),
            ticket_code: None,
            customer_name: None,
            theater: "T".into(),
            city: "Pune".into(),
            movie: "M".into(),
            show_starts_local: date(2026, 6, 3).and_hms_opt(18, 0, 0).expect("a time"),
        },
        body,
    }
}

#[test]
fn the_financial_year_runs_from_april_to_march() {
    assert_eq!(FinancialYear::of(date(2026, 4, 1)).to_string(), "2026-27");
    assert_eq!(FinancialYear::of(date(2027, 3, 31)).to_string(), "2026-27");
    assert_eq!(FinancialYear::of(date(2026, 3, 31)).to_string(), "2025-26");
    assert_eq!(FinancialYear::of(date(2099, 12, 1)).to_string(), "2099-00");
}

#[test]
fn financial_years_parse_back_and_refuse_nonsense() {
    let fy = FinancialYear::parse("2026-27").expect("valid");
    assert_eq!(fy.start_year(), 2026);
    assert_eq!(
        FinancialYear::parse("2099-00").map(|f| f.start_year()),
        Ok(2099)
    );
    for bad in ["2026-28", "2026", "26-27", "2026-2027", "abcd-ef", ""] {
        assert!(FinancialYear::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn numbers_carry_the_prefix_the_year_and_six_digits() {
    let fy = FinancialYear::of(date(2026, 12, 3));
    assert_eq!(invoice_number("PVR", fy, 123), "PVR-2026-27/000123");
    assert_eq!(invoice_number("PVR", fy, 1_234_567), "PVR-2026-27/1234567");
    assert_eq!(
        DocumentKind::CreditNote.series_prefix("PVR"),
        "PVR-CN".to_owned()
    );
}

#[test]
fn prefixes_are_short_upper_case_ascii() {
    assert!(valid_prefix("PVR") && valid_prefix("MTBP-CN") && valid_prefix("INOX2"));
    for bad in ["", "pvr", "-PVR", "PVR-", "PV R", "ABCDEFGHIJKLM", "पीवीआर"] {
        assert!(!valid_prefix(bad), "{bad}");
    }
    assert_eq!(derived_prefix("Galaxy Cinemas"), "GALA");
    assert_eq!(derived_prefix("सिनेमा"), "INV");
}

#[test]
fn a_quote_splits_into_the_partners_and_the_platforms_invoices_summing_to_it() {
    let q = quote(
        &[("A1", 15_000), ("A2", 9_000)],
        Some((25_000, 2)),
        &PricingRules::demo(),
    );
    let bodies = split_quote(&q, true);
    assert_eq!(bodies.len(), 2);
    let (partner, platform) = (&bodies[0], &bodies[1]);
    assert_eq!(partner.role, IssuerRole::Partner);
    assert_eq!(platform.role, IssuerRole::Platform);
    assert_eq!(partner.lines.len(), 3, "two seats and the add-on");
    assert!(platform.lines.iter().all(|l| l.kind == LineKind::Fee));
    assert_eq!(
        partner.totals.total_minor,
        q.totals.tickets.amount_minor + q.totals.addons.amount_minor
    );
    assert_eq!(platform.totals.total_minor, q.totals.fees.amount_minor);
    let sum = |f: fn(&DocumentTotals) -> i64| bodies.iter().map(|b| f(&b.totals)).sum::<i64>();
    assert_eq!(sum(|t| t.total_minor), q.totals.total.amount_minor);
    assert_eq!(sum(|t| t.tax_minor), q.totals.tax.amount_minor);
    assert_eq!(sum(|t| t.net_minor), q.totals.net.amount_minor);
    assert_eq!(sum(|t| t.discount_minor), q.totals.discount.amount_minor);
    for b in &bodies {
        assert_eq!(
            b.totals.net_minor + b.totals.tax_minor,
            b.totals.total_minor
        );
        let taxable: i64 = b
            .taxes
            .iter()
            .filter(|t| t.name == "CGST")
            .map(|t| t.taxable_minor)
            .sum();
        assert_eq!(taxable, b.totals.net_minor, "every line pays CGST once");
    }
    // The ₹150 ticket is above the ₹100 slab (9 %), the ₹90 one below it (6 %).
    let cgst: Vec<u32> = partner
        .taxes
        .iter()
        .filter(|t| t.name == "CGST")
        .map(|t| t.rate_bp)
        .collect();
    assert_eq!(cgst, vec![900, 600, 250]);
}

#[test]
fn no_platform_invoice_when_there_is_no_fee() {
    let bodies = split_quote(
        &quote(&[("A1", 15_000)], None, &PricingRules::plain()),
        true,
    );
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].role, IssuerRole::Partner);
    assert_eq!(bodies[0].totals.total_minor, 15_000);
    assert!(bodies[0].taxes.is_empty());
}

#[test]
fn a_venue_the_platform_runs_gets_one_platform_invoice_for_everything() {
    let q = quote(&[("A1", 15_000)], Some((25_000, 1)), &PricingRules::demo());
    let bodies = split_quote(&q, false);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].role, IssuerRole::Platform);
    assert_eq!(bodies[0].lines.len(), q.lines.len());
    assert_eq!(bodies[0].totals.total_minor, q.totals.total.amount_minor);
}

#[test]
fn a_full_credit_note_gives_back_the_whole_invoice() {
    let q = quote(
        &[("A1", 15_000), ("A2", 9_000)],
        None,
        &PricingRules::demo(),
    );
    for body in split_quote(&q, true) {
        let invoice = document(body);
        let credit = credit_note(&invoice, &CreditScope::Full).expect("something to credit");
        assert_eq!(credit.totals, invoice.body.totals);
        assert_eq!(credit.taxes, invoice.body.taxes);
    }
}

#[test]
fn a_credit_note_for_one_seat_takes_its_ticket_and_its_fee_only() {
    let q = quote(
        &[("A1", 15_000), ("A2", 9_000)],
        Some((25_000, 1)),
        &PricingRules::demo(),
    );
    let bodies = split_quote(&q, true);
    let scope = CreditScope::Items(vec!["a2".into()]);
    let tickets = credit_note(&document(bodies[0].clone()), &scope).expect("the seat");
    assert_eq!(tickets.lines.len(), 1);
    assert_eq!(tickets.lines[0].item, "A2");
    let a2 = q
        .lines
        .iter()
        .find(|l| l.item == "A2" && l.kind == LineKind::Seat)
        .expect("A2");
    assert_eq!(tickets.totals.total_minor, a2.total.amount_minor);
    let fee = credit_note(&document(bodies[1].clone()), &scope).expect("its fee");
    assert_eq!(fee.lines.len(), 1);
    assert_eq!(fee.lines[0].kind, LineKind::Fee);
    let nothing = CreditScope::Items(vec!["Z9".into()]);
    assert!(credit_note(&document(bodies[0].clone()), &nothing).is_none());
}

#[test]
fn documents_round_trip_through_json() {
    let q = quote(&[("A1", 15_000)], None, &PricingRules::demo());
    let doc = document(split_quote(&q, true).remove(0));
    let json = serde_json::to_string(&doc).expect("serialises");
    assert!(json.contains("\"financial_year\":\"2026-27\""));
    let back: InvoiceDocument = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, doc);
}
