//! Invoices and credit notes as data: who issues what for a booking, numbered how, in which
//! financial year, with which lines, taxes and totals.
//!
//! A booking's [`Quote`](crate::pricing::Quote) splits into at most two invoices
//! ([`split_quote`]): the **partner's** for the tickets and add-ons (with the discounts on them
//! and their CGST/SGST), and the **platform's** for the convenience fees (none when the fees
//! come to zero). The two add up to the quote, line for line and to the unit. A bill is never
//! changed once numbered: a refund or a correction issues a **credit note** ([`credit_note`])
//! that names the invoice it reduces.
//!
//! Numbers run per issuer, per kind of document and per [`FinancialYear`], without gaps:
//! `PVR-2026-27/000123` for invoices, `PVR-CN-2026-27/000004` for credit notes. Handing them
//! out is the store's job (a counter row locked in the transaction that records the document).
//! Nothing here does I/O or reads a clock: the issue date comes from the caller.

mod build;
mod credit;
#[cfg(test)]
mod tests;
mod year;

pub use build::split_quote;
pub use credit::{CreditScope, credit_note};
pub use year::{
    FinancialYear, InvalidFinancialYear, MAX_PREFIX_LEN, derived_prefix, invoice_number,
    valid_prefix,
};

use crate::ids::BookingId;
use crate::money::Currency;
use crate::pricing::LineKind;
use crate::pricing::quote::LineTax;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// An invoice, or a credit note against one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentKind {
    /// A tax invoice.
    Invoice,
    /// A credit note: reduces an earlier invoice.
    CreditNote,
}

impl DocumentKind {
    /// The name stored in the database.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
        }
    }

    /// The title printed on the document.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Invoice => "Tax Invoice",
            Self::CreditNote => "Credit Note",
        }
    }

    /// What comes between the issuer's prefix and the year: credit notes have a series of
    /// their own.
    pub fn series_prefix(&self, issuer_prefix: &str) -> String {
        match self {
            Self::Invoice => issuer_prefix.to_owned(),
            Self::CreditNote => format!("{issuer_prefix}-CN"),
        }
    }
}

/// Who issues a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IssuerRole {
    /// The theater's partner (or the platform running its own venue): tickets and add-ons.
    Partner,
    /// The platform: its convenience fee.
    Platform,
}

/// The issuer as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Issuer {
    /// Legal name.
    pub name: String,
    /// GSTIN; `None` for an issuer that has not given one.
    pub tax_id: Option<String>,
}

/// One line of an invoice: a quote line with its discounts summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    /// Seat, add-on or fee.
    pub kind: LineKind,
    /// Seat label or add-on code (for a fee: the seat it is charged on).
    pub item: String,
    /// What it is.
    pub description: String,
    /// Units.
    pub quantity: u32,
    /// One unit's list price, minor units.
    pub unit_minor: i64,
    /// `unit × quantity`.
    pub list_minor: i64,
    /// Every discount on the line.
    pub discount_minor: i64,
    /// Taxable value: `list − discount`.
    pub net_minor: i64,
    /// Taxes on `net`.
    pub taxes: Vec<LineTax>,
    /// `net` plus taxes.
    pub total_minor: i64,
}

/// One tax over the whole document, by component and rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxLine {
    /// Component, e.g. `CGST`.
    pub name: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// Taxable value it is charged on.
    pub taxable_minor: i64,
    /// Amount.
    pub amount_minor: i64,
}

/// The sums of a document: each is the sum of its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentTotals {
    /// At list price.
    pub list_minor: i64,
    /// Discounts.
    pub discount_minor: i64,
    /// Taxable value.
    pub net_minor: i64,
    /// Taxes.
    pub tax_minor: i64,
    /// What the document bills (or, for a credit note, gives back).
    pub total_minor: i64,
}

/// What one issuer bills: lines, tax summary and totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentBody {
    /// Who issues it.
    pub role: IssuerRole,
    /// Currency of every amount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    /// Lines, in the quote's order.
    pub lines: Vec<InvoiceLine>,
    /// Taxes by component and rate.
    pub taxes: Vec<TaxLine>,
    /// Sums.
    pub totals: DocumentTotals,
}

/// What the document says about the sale, besides the lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleFacts {
    /// The booking.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub booking_id: BookingId,
    /// The ticket code, once booked.
    pub ticket_code: Option<String>,
    /// The customer's name as they gave it, if any.
    pub customer_name: Option<String>,
    /// The theater (place of supply).
    pub theater: String,
    /// Its city.
    pub city: String,
    /// The movie.
    pub movie: String,
    /// The show's start, in the theater's time zone.
    pub show_starts_local: NaiveDateTime,
}

/// An invoice or credit note as issued: what is stored, shown by the API and rendered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceDocument {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Its number, e.g. `PVR-2026-27/000123`.
    pub number: String,
    /// For a credit note: the invoice it reduces.
    pub refers_to: Option<String>,
    /// The financial year it is numbered in.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-27"))]
    pub financial_year: FinancialYear,
    /// Issue date, in the theater's time zone.
    pub issued_on: NaiveDate,
    /// The issuer.
    pub issuer: Issuer,
    /// The sale.
    pub sale: SaleFacts,
    /// Lines, taxes and totals.
    pub body: DocumentBody,
}
