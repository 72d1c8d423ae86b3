//! The steps behind the activities, as plain methods so tests can run them without Temporal.

use super::{CreditNoteInput, InvoiceActivities, IssuedInvoice};
use crate::millis;
use mtbp_domain::invoice::{
    DocumentBody, DocumentKind, FinancialYear, InvoiceDocument, Issuer, IssuerRole, SaleFacts,
    credit_note, derived_prefix, split_quote,
};
use mtbp_domain::{BookingStatus, Money};
use mtbp_infra::pdf;
use mtbp_store::invoices::{
    self, NewDocument, PLATFORM_ISSUER, SaleContext, StoredDocument, UploadTiming, partner_issuer,
};
use std::time::Instant;

/// Why the step failed.
#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] mtbp_store::Error),
    /// Nothing to issue, and no retry will change that.
    #[error("{0}")]
    Refused(String),
    /// Rendering or storing failed; a retry may succeed.
    #[error("{0}")]
    Transient(String),
}

/// What a run of the step came to.
#[derive(Clone, Debug)]
pub struct IssueOutcome {
    /// The documents, in the order issued.
    pub documents: Vec<IssuedInvoice>,
    /// How many of them this run numbered (0 on a retry that found them all).
    pub numbered: usize,
    /// How many PDFs this run uploaded.
    pub uploaded: usize,
}

const MAX_REFUND_KEY: usize = 200;

fn issued(d: &StoredDocument) -> IssuedInvoice {
    IssuedInvoice {
        invoice_id: d.invoice_id,
        number: d.number.clone(),
        issuer: d.document.body.role,
        total: Money {
            amount_minor: d.document.body.totals.total_minor,
            currency: d.document.body.currency.clone(),
        },
    }
}

fn sale(ctx: &SaleContext) -> SaleFacts {
    SaleFacts {
        booking_id: ctx.booking_id,
        ticket_code: ctx.ticket_code.clone(),
        customer_name: ctx.customer_name.clone(),
        theater: ctx.theater.clone(),
        city: ctx.city.clone(),
        movie: ctx.movie.clone(),
        show_starts_local: ctx.show_starts_local,
    }
}

impl InvoiceActivities {
    async fn context(
        &self,
        booking_id: mtbp_domain::BookingId,
    ) -> Result<SaleContext, InvoiceError> {
        invoices::sale_context(&self.db, booking_id)
            .await?
            .ok_or_else(|| InvoiceError::Refused(format!("no booking {booking_id}")))
    }

    /// The issuer key, number prefix and printed issuer of a body.
    fn issuer_of(&self, ctx: &SaleContext, role: IssuerRole) -> (String, String, Issuer) {
        let platform = || {
            (
                PLATFORM_ISSUER.to_owned(),
                self.platform.invoice_prefix.clone(),
                Issuer {
                    name: self.platform.name.clone(),
                    tax_id: Some(self.platform.tax_id.clone()),
                },
            )
        };
        match (role, ctx.partner_id) {
            (IssuerRole::Partner, Some(partner_id)) => {
                let name = ctx.partner_name.clone().unwrap_or_default();
                let prefix = ctx
                    .partner_prefix
                    .clone()
                    .unwrap_or_else(|| derived_prefix(&name));
                let issuer = Issuer {
                    name,
                    tax_id: ctx.partner_gstin.clone(),
                };
                (partner_issuer(partner_id), prefix, issuer)
            }
            _ => platform(),
        }
    }

    /// Numbers the booking's invoices (those it has not got yet), then renders and stores
    /// every PDF not stored yet.
    pub async fn issue_invoices(
        &self,
        booking_id: mtbp_domain::BookingId,
    ) -> Result<IssueOutcome, InvoiceError> {
        let ctx = self.context(booking_id).await?;
        let booked = matches!(
            ctx.status,
            BookingStatus::BookingCompleted
                | BookingStatus::Invoiced
                | BookingStatus::SettlementDone
                | BookingStatus::Refunded
        ) && ctx.ticket_code.is_some();
        if !booked {
            return Err(InvoiceError::Refused(format!(
                "booking {booking_id} is not booked ({})",
                ctx.status.as_str()
            )));
        }
        let quote = ctx.quote.as_ref().ok_or_else(|| {
            InvoiceError::Refused(format!("booking {booking_id} has no quote to invoice"))
        })?;
        let mut docs = Vec::new();
        let mut numbered = 0;
        for body in split_quote(quote, ctx.partner_id.is_some()) {
            let (issuer_key, prefix, issuer) = self.issuer_of(&ctx, body.role);
            let new = NewDocument {
                booking_id,
                issuer: issuer_key,
                prefix,
                credit_for: None,
                document: document(&ctx, DocumentKind::Invoice, None, issuer, sale(&ctx), body),
            };
            let done = invoices::issue(&self.db, new).await?;
            numbered += usize::from(done.new);
            docs.push(done.stored);
        }
        if !self.pause_after_numbering.is_zero() {
            // Fault injection for crash tests: a crash here leaves numbers without their PDFs.
            tokio::time::sleep(self.pause_after_numbering).await;
        }
        let uploaded = self.store_pdfs(&docs).await?;
        invoices::mark_booking_invoiced(&self.db, booking_id).await?;
        tracing::info!(booking.id = %booking_id, numbered, uploaded, "invoices issued");
        Ok(IssueOutcome {
            documents: docs.iter().map(issued).collect(),
            numbered,
            uploaded,
        })
    }

    /// Issues one credit note per invoice of the booking that the refund's scope covers.
    pub async fn issue_credit_notes(
        &self,
        input: &CreditNoteInput,
    ) -> Result<IssueOutcome, InvoiceError> {
        let key = input.refund_key.trim();
        if key.is_empty() || key.len() > MAX_REFUND_KEY {
            return Err(InvoiceError::Refused(format!(
                "a refund key is 1 to {MAX_REFUND_KEY} characters"
            )));
        }
        let ctx = self.context(input.booking_id).await?;
        let all = invoices::documents(&self.db, input.booking_id).await?;
        let bills: Vec<&StoredDocument> = all
            .iter()
            .filter(|d| d.kind == DocumentKind::Invoice)
            .collect();
        if bills.is_empty() {
            return Err(InvoiceError::Refused(format!(
                "booking {} has no invoice to credit",
                input.booking_id
            )));
        }
        let mut docs = Vec::new();
        let mut numbered = 0;
        for bill in bills {
            let Some(body) = credit_note(&bill.document, &input.scope) else {
                continue;
            };
            let inv = &bill.document;
            let doc = document(
                &ctx,
                DocumentKind::CreditNote,
                Some(bill.number.clone()),
                inv.issuer.clone(),
                inv.sale.clone(),
                body,
            );
            let new = NewDocument {
                booking_id: input.booking_id,
                issuer: bill.issuer.clone(),
                prefix: prefix_of(inv),
                credit_for: Some((bill.invoice_id, key.to_owned())),
                document: doc,
            };
            let done = invoices::issue(&self.db, new).await?;
            numbered += usize::from(done.new);
            docs.push(done.stored);
        }
        let uploaded = self.store_pdfs(&docs).await?;
        tracing::info!(booking.id = %input.booking_id, numbered, uploaded, "credit notes issued");
        Ok(IssueOutcome {
            documents: docs.iter().map(issued).collect(),
            numbered,
            uploaded,
        })
    }

    /// Renders and stores the PDFs of `docs` that are not stored yet; answers how many.
    async fn store_pdfs(&self, docs: &[StoredDocument]) -> Result<usize, InvoiceError> {
        let mut uploaded = 0;
        for doc in docs.iter().filter(|d| d.uploaded_at.is_none()) {
            let document = doc.document.clone();
            let rendering = Instant::now();
            // Rendering is CPU work (a few milliseconds): off the async threads.
            let bytes = tokio::task::spawn_blocking(move || pdf::render(&document))
                .await
                .map_err(|e| InvoiceError::Transient(format!("rendering panicked: {e}")))?
                .map_err(|e| InvoiceError::Transient(e.to_string()))?;
            let render_ms = millis(rendering);
            let uploading = Instant::now();
            self.objects
                .put(&doc.object_key, bytes, pdf::CONTENT_TYPE)
                .await
                .map_err(|e| InvoiceError::Transient(e.to_string()))?;
            let timing = UploadTiming {
                render_ms,
                upload_ms: millis(uploading),
            };
            invoices::mark_uploaded(&self.db, doc.invoice_id, timing).await?;
            uploaded += 1;
        }
        Ok(uploaded)
    }
}

/// The issuer's prefix of an invoice, read back from its number (`PVR-2026-27/000001` →
/// `PVR`), so its credit notes run in the same issuer's series.
fn prefix_of(invoice: &InvoiceDocument) -> String {
    let year = format!("-{}/", invoice.financial_year);
    invoice
        .number
        .rsplit_once(&year)
        .map(|(prefix, _)| prefix.to_owned())
        .unwrap_or_else(|| derived_prefix(&invoice.issuer.name))
}

fn document(
    ctx: &SaleContext,
    kind: DocumentKind,
    refers_to: Option<String>,
    issuer: Issuer,
    sale: SaleFacts,
    body: DocumentBody,
) -> InvoiceDocument {
    InvoiceDocument {
        kind,
        // Filled in by the store when it numbers the document.
        number: String::new(),
        refers_to,
        financial_year: FinancialYear::of(ctx.today_local),
        issued_on: ctx.today_local,
        issuer,
        sale,
        body,
    }
}
