//! What a booking's message says: the template context (ticket, show, seats, vouchers,
//! invoice), the language, and for a confirmation email the ticket's QR code and the invoice.

use super::{InvoiceDoc, NotifyActivities};
use chrono::{DateTime, FixedOffset, Offset, Utc};
use mtbp_domain::notification::pick_language;
use mtbp_domain::{BookingId, Channel, NotificationKind};
use mtbp_infra::mail::{Attachment, OutgoingEmail};
use mtbp_store::bookings;
use mtbp_store::notifications::recipients::{Recipient, ticket_facts};
use serde_json::{Value, json};

/// The inline image's content id, as the confirmation's HTML names it.
pub(super) const QR_CID: &str = "ticket-qr";

/// A message ready for its channel.
pub(super) enum Composed {
    /// An email and the template it came from.
    Email(OutgoingEmail, String),
    /// A text message: the number, the text, the template.
    Text(String, String, String),
}

/// Shows are listed in India's time: the platform's theaters are there (IST, no DST).
pub(super) fn local_time(at: DateTime<Utc>) -> String {
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&ist)
        .format("%a %-d %b %Y, %H:%M IST")
        .to_string()
}

/// An amount as a reader expects it: `₹1234.50`, or `USD 12.00`.
pub(super) fn amount(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (major, cents) = (minor.unsigned_abs() / 100, minor.unsigned_abs() % 100);
    match currency {
        "INR" => format!("{sign}₹{major}.{cents:02}"),
        other => format!("{sign}{other} {major}.{cents:02}"),
    }
}

/// Composes `kind`'s message for `channel`, or `None` when there is no address for it.
pub(super) async fn booking_message(
    acts: &NotifyActivities,
    booking_id: BookingId,
    kind: NotificationKind,
    recipient: &Recipient,
    channel: Channel,
) -> anyhow::Result<Composed> {
    let facts = ticket_facts(&acts.db, booking_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("booking {booking_id} has no show"))?;
    let record = bookings::find(&acts.db, booking_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("booking {booking_id} vanished"))?;
    let invoice = match (&acts.invoices, kind) {
        (Some(source), NotificationKind::Confirmation) => source.invoice(booking_id).await?,
        _ => None,
    };
    let seats: Vec<&str> = record.seats.iter().map(|s| s.label.as_str()).collect();
    let vouchers: Vec<Value> = record
        .addons
        .iter()
        .filter_map(|a| {
            let code = a.voucher_code.as_ref()?;
            Some(json!({"name": a.name, "quantity": a.quantity, "code": code}))
        })
        .collect();
    let ctx = json!({
        "name": recipient.name,
        "ticket_code": facts.ticket_code,
        "booking_ref": booking_id.to_string(),
        "movie": facts.movie_title,
        "theater": facts.theater_name,
        "address": facts.theater_address,
        "city": facts.city,
        "screen": facts.screen_name,
        "starts_at": local_time(facts.starts_at),
        "language": facts.language,
        "seats": seats,
        "vouchers": vouchers,
        // A refund notice says what went back (some seats of a booking, say), not what was paid.
        "total": amount(
            if kind == NotificationKind::Refund && facts.refunded_minor > 0 {
                facts.refunded_minor
            } else {
                facts.amount_minor
            },
            &facts.currency
        ),
        "invoice": invoice.as_ref().map(|i| json!({"number": i.number, "url": i.url})),
        "qr_cid": QR_CID,
    });
    let langs = acts.templates.languages(kind, channel);
    let available: Vec<&str> = langs.iter().map(String::as_str).collect();
    let lang = pick_language(&recipient.languages, &available).to_ascii_lowercase();
    let key = format!("{}.{booking_id}", kind.as_str());
    match channel {
        Channel::Email => {
            let to = recipient.email.clone().unwrap_or_default();
            let mail = acts.templates.email(kind, &lang, &ctx)?;
            let mut attachments = Vec::new();
            if let (NotificationKind::Confirmation, Some(code)) = (kind, &facts.ticket_code) {
                attachments.push(Attachment {
                    filename: "ticket-qr.png".into(),
                    content_type: "image/png".into(),
                    bytes: mtbp_infra::qr::png(code)?,
                    inline_cid: Some(QR_CID.into()),
                });
            }
            attachments.extend(invoice_pdf(invoice));
            let email = OutgoingEmail {
                to,
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
                message_key: key,
                attachments,
            };
            Ok(Composed::Email(email, mail.template))
        }
        Channel::Sms => {
            let text = acts.templates.text(kind, &lang, &ctx)?;
            let phone = recipient.phone.clone().unwrap_or_default();
            Ok(Composed::Text(phone, text.text, text.template))
        }
    }
}

/// The invoice's PDF as an attachment, when the source gave one.
fn invoice_pdf(invoice: Option<InvoiceDoc>) -> Option<Attachment> {
    let doc = invoice?;
    let bytes = doc.pdf?;
    Some(Attachment {
        filename: format!("invoice-{}.pdf", doc.number.replace('/', "-")),
        content_type: "application/pdf".into(),
        bytes,
        inline_cid: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_money() {
        assert_eq!(amount(123_450, "INR"), "₹1234.50");
        assert_eq!(amount(5, "USD"), "USD 0.05");
    }

    #[test]
    fn show_times_read_in_india_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T13:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(local_time(at), "Sat 5 Dec 2026, 18:30 IST");
    }
}
