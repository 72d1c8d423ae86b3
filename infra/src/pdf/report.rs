//! A tabular report (a settlement's), laid out as pages of [`Op`]s like the invoices: a title,
//! facts, totals, then a table whose header repeats on every page.

use super::layout::{Align, Op, PAGE_HEIGHT, PAGE_WIDTH};

const LEFT: f32 = 40.0;
const RIGHT: f32 = PAGE_WIDTH - 40.0;
const TOP: f32 = 60.0;
const BOTTOM: f32 = PAGE_HEIGHT - 50.0;
const ROW: f32 = 12.0;
const BODY: f32 = 7.5;

/// A report: everything in it is already text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableReport {
    /// The title (also the PDF's metadata title).
    pub title: String,
    /// Label and value pairs under the title.
    pub facts: Vec<(String, String)>,
    /// Label and amount pairs, in bold at the end of the facts.
    pub totals: Vec<(String, String)>,
    /// Column headers; the first column is left-aligned, the others right-aligned.
    pub columns: Vec<String>,
    /// Rows of cells, as many as `columns`.
    pub rows: Vec<Vec<String>>,
}

struct Cursor {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Cursor {
    fn text(&mut self, x: f32, size: f32, bold: bool, align: Align, text: &str) {
        let y = self.y;
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Text {
                x,
                y,
                size,
                bold,
                align,
                text: text.to_owned(),
            });
        }
    }

    fn rule(&mut self) {
        let y = self.y;
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y,
            });
        }
    }
}

/// The x of each column: the first starts at the left margin, the rest end at even steps to
/// the right margin.
fn column_x(count: usize) -> Vec<(f32, Align)> {
    let first = 150.0_f32.min(RIGHT - LEFT);
    let rest = count.saturating_sub(1).max(1) as f32;
    let step = (RIGHT - LEFT - first) / rest;
    (0..count)
        .map(|i| {
            if i == 0 {
                (LEFT, Align::Left)
            } else {
                (LEFT + first + step * i as f32, Align::Right)
            }
        })
        .collect()
}

/// Lays the report out as pages.
pub fn layout_report(report: &TableReport) -> Vec<Vec<Op>> {
    let mut c = Cursor {
        pages: vec![Vec::new()],
        y: TOP,
    };
    c.text(LEFT, 16.0, true, Align::Left, &report.title);
    c.y += 24.0;
    for (label, value) in &report.facts {
        c.text(LEFT, 9.0, false, Align::Left, label);
        c.text(LEFT + 160.0, 9.0, false, Align::Left, value);
        c.y += 13.0;
    }
    c.y += 6.0;
    for (label, value) in &report.totals {
        c.text(LEFT, 9.0, true, Align::Left, label);
        c.text(LEFT + 300.0, 9.0, true, Align::Right, value);
        c.y += 13.0;
    }
    c.y += 12.0;
    let xs = column_x(report.columns.len());
    let header = |c: &mut Cursor| {
        for ((x, align), name) in xs.iter().zip(&report.columns) {
            c.text(*x, BODY, true, *align, name);
        }
        c.y += 4.0;
        c.rule();
        c.y += ROW;
    };
    header(&mut c);
    for row in &report.rows {
        if c.y > BOTTOM {
            c.pages.push(Vec::new());
            c.y = TOP;
            header(&mut c);
        }
        for ((x, align), cell) in xs.iter().zip(row) {
            c.text(*x, BODY, false, *align, cell);
        }
        c.y += ROW;
    }
    c.pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_table_goes_on_over_pages_with_its_header_on_each() {
        let report = TableReport {
            title: "Settlement".into(),
            facts: vec![("Period".into(), "2026-W49".into())],
            totals: vec![("Payout".into(), "₹1,000.00".into())],
            columns: vec!["Booking".into(), "Kept".into(), "Partner".into()],
            rows: (0..200)
                .map(|i| vec![format!("b{i}"), "1.00".into(), "0.90".into()])
                .collect(),
        };
        let pages = layout_report(&report);
        assert!(pages.len() > 2, "{} pages", pages.len());
        for page in &pages {
            let headers = page
                .iter()
                .filter(|op| matches!(op, Op::Text { text, bold: true, .. } if text == "Booking"))
                .count();
            assert_eq!(headers, 1);
        }
        let cells = pages
            .iter()
            .flatten()
            .filter(|op| matches!(op, Op::Text { text, .. } if text.starts_with('b') && text != "Booking"))
            .count();
        assert_eq!(cells, 200);
    }
}
