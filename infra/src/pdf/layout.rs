//! Where everything goes on the page: a document laid out as pages of drawing operations, so
//! the layout is testable without a PDF and the renderer only draws.

use super::text::{amount, date, money, rate};
use mtbp_domain::invoice::{DocumentKind, InvoiceDocument, InvoiceLine};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
/// A4 in points.
pub const PAGE_HEIGHT: f32 = 842.0;
const LEFT: f32 = 40.0;
const RIGHT: f32 = PAGE_WIDTH - 40.0;
const BOTTOM: f32 = PAGE_HEIGHT - 60.0;
const ROW: f32 = 15.0;
const BODY: f32 = 9.0;

/// How a text sits on its x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Starts at x.
    Left,
    /// Ends at x.
    Right,
}

/// One drawing operation; y is the baseline, from the top of the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A line of text.
    Text {
        /// Where.
        x: f32,
        /// Baseline.
        y: f32,
        /// Points.
        size: f32,
        /// Bold.
        bold: bool,
        /// Alignment on x.
        align: Align,
        /// What.
        text: String,
    },
    /// A horizontal rule.
    Rule {
        /// From.
        x1: f32,
        /// To.
        x2: f32,
        /// At.
        y: f32,
    },
}

/// The table's columns: (header, right edge or left start, alignment).
const COLUMNS: [(&str, f32, Align); 8] = [
    ("Item", LEFT, Align::Left),
    ("Description", LEFT + 48.0, Align::Left),
    ("Qty", 300.0, Align::Right),
    ("Unit price", 355.0, Align::Right),
    ("Discount", 405.0, Align::Right),
    ("Taxable", 455.0, Align::Right),
    ("Tax", 505.0, Align::Right),
    ("Total", RIGHT, Align::Right),
];

struct Pages {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Pages {
    fn text(&mut self, x: f32, size: f32, bold: bool, align: Align, text: impl Into<String>) {
        let y = self.y;
        self.current().push(Op::Text {
            x,
            y,
            size,
            bold,
            align,
            text: text.into(),
        });
    }

    fn rule(&mut self) {
        let y = self.y;
        self.current().push(Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y,
        });
    }

    fn current(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Moves down a row, onto a new page (with the table header again) when this one is full.
    fn next_row(&mut self, in_table: bool) {
        self.y += ROW;
        if self.y > BOTTOM {
            self.pages.push(Vec::new());
            self.y = 60.0;
            if in_table {
                self.table_header();
                self.y += ROW;
            }
        }
    }

    fn table_header(&mut self) {
        for (name, x, align) in COLUMNS {
            self.text(x, BODY, true, align, name);
        }
        self.y += 5.0;
        self.rule();
    }
}

/// Lays `doc` out as pages of operations.
pub fn layout(doc: &InvoiceDocument) -> Vec<Vec<Op>> {
    let mut p = Pages {
        pages: Vec::new(),
        y: 60.0,
    };
    header(&mut p, doc);
    p.y += 2.0 * ROW;
    p.table_header();
    p.next_row(true);
    let currency = doc.body.currency.as_str();
    for line in &doc.body.lines {
        row(&mut p, line, currency);
        p.next_row(true);
    }
    p.y -= ROW - 5.0;
    p.rule();
    p.y += ROW;
    summary(&mut p, doc);
    p.pages
}

fn header(p: &mut Pages, doc: &InvoiceDocument) {
    let currency = doc.body.currency.as_str();
    p.text(LEFT, 18.0, true, Align::Left, doc.kind.title());
    p.text(RIGHT, 12.0, true, Align::Right, doc.number.clone());
    p.y += 2.0 * ROW;
    p.text(LEFT, 12.0, true, Align::Left, doc.issuer.name.clone());
    p.text(
        RIGHT,
        BODY,
        false,
        Align::Right,
        format!("Date: {}", date(doc.issued_on)),
    );
    p.next_row(false);
    let gstin = doc.issuer.tax_id.as_deref().unwrap_or("not registered");
    p.text(LEFT, BODY, false, Align::Left, format!("GSTIN: {gstin}"));
    p.text(
        RIGHT,
        BODY,
        false,
        Align::Right,
        format!("Financial year: {}", doc.financial_year),
    );
    p.next_row(false);
    if let (DocumentKind::CreditNote, Some(invoice)) = (doc.kind, &doc.refers_to) {
        p.text(
            RIGHT,
            BODY,
            true,
            Align::Right,
            format!("Against invoice {invoice}"),
        );
    }
    p.y += ROW;
    let sale = &doc.sale;
    if let Some(name) = &sale.customer_name {
        p.text(LEFT, BODY, false, Align::Left, format!("Billed to: {name}"));
        p.next_row(false);
    }
    p.text(
        LEFT,
        BODY,
        false,
        Align::Left,
        format!("Booking: {}", sale.booking_id),
    );
    if let Some(code) = &sale.ticket_code {
        p.text(RIGHT, BODY, false, Align::Right, format!("Ticket: {code}"));
    }
    p.next_row(false);
    let place = format!("Place of supply: {}, {}", sale.theater, sale.city);
    p.text(LEFT, BODY, false, Align::Left, place);
    p.next_row(false);
    let show = sale.show_starts_local.format("%d %b %Y %H:%M");
    p.text(
        LEFT,
        BODY,
        false,
        Align::Left,
        format!("Show: {}, {show}", sale.movie),
    );
    p.text(
        RIGHT,
        BODY,
        false,
        Align::Right,
        format!("Amounts in {currency}"),
    );
}

fn row(p: &mut Pages, line: &InvoiceLine, currency: &str) {
    let tax: i64 = line.taxes.iter().map(|t| t.amount.amount_minor).sum();
    let cells = [
        line.item.clone(),
        line.description.clone(),
        line.quantity.to_string(),
        amount(line.unit_minor, currency),
        amount(line.discount_minor, currency),
        amount(line.net_minor, currency),
        amount(tax, currency),
        amount(line.total_minor, currency),
    ];
    for ((_, x, align), cell) in COLUMNS.iter().zip(cells) {
        p.text(*x, BODY, false, *align, cell);
    }
}

fn summary(p: &mut Pages, doc: &InvoiceDocument) {
    let currency = doc.body.currency.as_str();
    let label_x = 420.0;
    for tax in &doc.body.taxes {
        let label = format!(
            "{} @ {} on {}",
            tax.name,
            rate(tax.rate_bp),
            amount(tax.taxable_minor, currency)
        );
        p.text(label_x, BODY, false, Align::Right, label);
        p.text(
            RIGHT,
            BODY,
            false,
            Align::Right,
            amount(tax.amount_minor, currency),
        );
        p.next_row(false);
    }
    p.y += 5.0;
    let t = &doc.body.totals;
    let rows = [
        ("Total at list price", t.list_minor),
        ("Discounts", t.discount_minor),
        ("Taxable value", t.net_minor),
        ("Tax", t.tax_minor),
    ];
    for (label, value) in rows {
        p.text(label_x, BODY, false, Align::Right, label);
        p.text(RIGHT, BODY, false, Align::Right, amount(value, currency));
        p.next_row(false);
    }
    let total_label = match doc.kind {
        DocumentKind::Invoice => "Total",
        DocumentKind::CreditNote => "Total credited",
    };
    p.text(label_x, 11.0, true, Align::Right, total_label);
    p.text(
        RIGHT,
        11.0,
        true,
        Align::Right,
        money(t.total_minor, currency),
    );
    p.y += 3.0 * ROW;
    p.text(
        LEFT,
        7.5,
        false,
        Align::Left,
        "Computer-generated document; no signature required.",
    );
}
