//! The renderer on a document with names in three scripts.

use super::fonts::{self, Face};
use super::*;
use chrono::NaiveDate;
use mtbp_domain::invoice::{
    DocumentBody, DocumentKind, DocumentTotals, FinancialYear, InvoiceLine, Issuer, IssuerRole,
    SaleFacts,
};
use mtbp_domain::pricing::LineKind;
use mtbp_domain::{BookingId, Currency};

fn doc(lines: usize) -> InvoiceDocument {
    let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date");
    let line = InvoiceLine {
        kind: LineKind::Seat,
        item: "A1".into(),
        description: "GOLD".into(),
        quantity: 1,
        unit_minor: 15_000,
        list_minor: 15_000,
        discount_minor: 0,
        net_minor: 15_000,
        taxes: Vec::new(),
        total_minor: 15_000,
    };
    InvoiceDocument {
        kind: DocumentKind::Invoice,
        number: "PVR-2026-27/000123".into(),
        refers_to: None,
        financial_year: FinancialYear::of(day),
        issued_on: day,
        issuer: Issuer {
            name: "PVR Cinemas".into(),
            tax_id: Some("27AAACP1234F1Z5".into()),
        },
        sale: SaleFacts {
            booking_id: BookingId::from_uuid(uuid_of(7)),
            ticket_code: Some("TKT-1".into()),
            customer_name: Some("प्रिया சுந்தர் Rao".into()),
            theater: "सिनेमा घर".into(),
            city: "Pune".into(),
            movie: "Film".into(),
            show_starts_local: day.and_hms_opt(18, 30, 0).expect("a time"),
        },
        body: DocumentBody {
            role: IssuerRole::Partner,
            currency: Currency::parse("INR").expect("INR"),
            lines: vec![line; lines],
            taxes: Vec::new(),
            totals: DocumentTotals {
                total_minor: 15_000 * lines as i64,
                ..Default::default()
            },
        },
    }
}

fn uuid_of(n: u8) -> uuid::Uuid {
    uuid::Uuid::from_bytes([n; 16])
}

#[test]
fn the_fonts_cover_the_rupee_sign_and_indian_scripts() {
    assert!(fonts::covers(Face::Latin, '₹'));
    assert!(fonts::covers(Face::LatinBold, '₹'));
    assert!(fonts::covers(Face::Devanagari, 'क'));
    assert!(fonts::covers(Face::Tamil, 'த'));
}

#[test]
fn mixed_scripts_are_cut_into_runs_and_shaped() {
    let runs = fonts::shape("प्रिया Rao", false);
    assert_eq!(runs.len(), 2, "Devanagari (with the space), then Latin");
    assert_eq!(runs[0].text, "प्रिया ");
    // प्र is one conjunct: shaping joins consonant, virama and ra into fewer glyphs than
    // characters, which a font without shaping would not.
    let chars = "प्रिया".chars().count();
    assert!(
        runs[0].glyphs.len() < chars + 1,
        "{} glyphs",
        runs[0].glyphs.len()
    );
    let rupees = fonts::shape("₹1,200.00", true);
    assert_eq!(rupees.len(), 1, "one bold Latin run");
    assert!(rupees[0].width_em > 0.0);
}

#[test]
fn a_document_renders_to_a_pdf() {
    let pdf = render(&doc(3)).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000, "fonts are subset: {} bytes", pdf.len());
}

#[test]
fn long_documents_flow_onto_more_pages() {
    assert_eq!(layout(&doc(3)).len(), 1);
    let pages = layout(&doc(80));
    assert!(pages.len() >= 2);
    let has = |ops: &Vec<Op>, want: &str| {
        ops.iter()
            .any(|o| matches!(o, Op::Text { text, .. } if text == want))
    };
    let with_rows: Vec<bool> = pages.iter().map(|ops| has(ops, "A1")).collect();
    let with_header: Vec<bool> = pages.iter().map(|ops| has(ops, "Unit price")).collect();
    assert!(with_rows.iter().filter(|r| **r).count() >= 2);
    assert_eq!(
        with_header, with_rows,
        "each page of rows repeats the table header"
    );
    let last = pages.last().expect("pages");
    assert!(has(last, "Total"), "the totals come after the last row");
}
