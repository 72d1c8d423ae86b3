//! `GET /bookings/{id}/invoice`: a booking's invoices and credit notes, with short-lived
//! download links to their PDFs; `?format=pdf` redirects (303) to one PDF.

use super::access::{Action, authorize};
use super::read::load_or_404;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use mtbp_domain::BookingId;
use mtbp_domain::invoice::{DocumentKind, InvoiceDocument};
use mtbp_store::invoices::{self, StoredDocument};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What to answer.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// `json` (the default) or `pdf`: a 303 to the PDF's download link.
    pub format: Option<String>,
    /// With `format=pdf`: which document (its number); the first invoice by default.
    pub number: Option<String>,
}

/// One invoice or credit note.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceEntry {
    /// The document: number, issuer, lines, taxes and totals.
    #[serde(flatten)]
    pub document: InvoiceDocument,
    /// A link that downloads its PDF without signing in, until `pdf_url_expires_at`; `None`
    /// while the PDF is still being stored.
    pub pdf_url: Option<String>,
    /// When the link stops working.
    pub pdf_url_expires_at: Option<DateTime<Utc>>,
}

/// A booking's invoices and the credit notes against them.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingInvoices {
    /// The booking.
    #[schema(value_type = Uuid)]
    pub booking_id: BookingId,
    /// Invoices: the partner's (tickets, add-ons), then the platform's (convenience fee).
    pub invoices: Vec<InvoiceEntry>,
    /// Credit notes, in the order issued; each names its invoice in `refers_to`.
    pub credit_notes: Vec<InvoiceEntry>,
}

async fn entry(state: &AppState, d: StoredDocument) -> ApiResult<InvoiceEntry> {
    let (pdf_url, pdf_url_expires_at) = match d.uploaded_at {
        None => (None, None),
        Some(_) => {
            let ttl = state.objects.presign_ttl();
            // Presigning signs locally; it fails only on a broken configuration.
            let url = state
                .objects
                .presigned_get(&d.object_key, ttl)
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
            let expires = Utc::now() + Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(0));
            (Some(url), Some(expires))
        }
    };
    Ok(InvoiceEntry {
        document: d.document,
        pdf_url,
        pdf_url_expires_at,
    })
}

/// The booking's invoices and credit notes with links to their PDFs; `?format=pdf` redirects
/// to one PDF. For the booking's customer (or a guest with its `X-Booking-Token`), the
/// theater's partner staff, and operators. 404 until the booking is invoiced.
#[utoipa::path(get, path = "/bookings/{booking_id}/invoice", tag = "bookings",
    params(("booking_id" = Uuid, Path), InvoiceQuery,
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses((status = 200, body = BookingInvoices),
              (status = 303, description = "`format=pdf`: the PDF's download link in Location"),
              (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn get_invoice(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
    q: Result<Query<InvoiceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let pdf = match q.format.as_deref() {
        None | Some("json") => false,
        Some("pdf") => true,
        Some(_) => return Err(ApiError::field("format", "format is json or pdf")),
    };
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Read).await?;
    let docs = invoices::documents(&state.db, booking_id).await?;
    if docs.is_empty() {
        return Err(ApiError::NotFound("invoice"));
    }
    if pdf {
        return redirect(&state, docs, q.number.as_deref()).await;
    }
    let mut answer = BookingInvoices {
        booking_id,
        invoices: Vec::new(),
        credit_notes: Vec::new(),
    };
    for d in docs {
        let kind = d.kind;
        let e = entry(&state, d).await?;
        match kind {
            DocumentKind::Invoice => answer.invoices.push(e),
            DocumentKind::CreditNote => answer.credit_notes.push(e),
        }
    }
    Ok(ApiJson(answer).into_response())
}

async fn redirect(
    state: &AppState,
    docs: Vec<StoredDocument>,
    number: Option<&str>,
) -> ApiResult<Response> {
    let doc = match number {
        Some(n) => docs.into_iter().find(|d| d.number == n),
        None => docs.into_iter().find(|d| d.kind == DocumentKind::Invoice),
    }
    .ok_or(ApiError::NotFound("invoice"))?;
    let Some(url) = entry(state, doc).await?.pdf_url else {
        return Err(ApiError::Unavailable(
            "the PDF is still being stored".into(),
        ));
    };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response())
}
