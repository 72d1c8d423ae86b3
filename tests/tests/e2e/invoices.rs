//! Invoices on the real stack: numbers without gaps, the PDF in moto's S3, presigned links,
//! credit notes, who may read them, and SMS through moto's SNS.

use futures::future::join_all;
use mtbp_activities::invoices::{CreditNoteInput, InvoiceError};
use mtbp_domain::BookingId;
use mtbp_domain::invoice::{CreditScope, FinancialYear};
use mtbp_infra::objects::ObjectStore;
use mtbp_infra::pdf::money;
use mtbp_infra::sms::{SmsError, SmsSender};
use mtbp_tests::invoices::{
    completed_booking, invoice_activities, invoice_activities_with, pdf_text, sent_sms,
    set_partner_billing,
};
use mtbp_tests::{Principal, ShowFixture, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use uuid::Uuid;

/// An app whose worker leaves the invoice and notification steps alone: these tests call the
/// activities themselves, and the saga's own attempts wait in the queue instead of racing them
/// (the saga's path is tested in `after_payment`).
async fn activity_app() -> TestApp {
    TestApp::spawn_with(mtbp_tests::TestOptions {
        after_payment_worker: false,
        ..mtbp_tests::TestOptions::default()
    })
    .await
}

const GSTIN: &str = "27AAACP1234F1Z5";

/// A partner "Galaxy" (GSTIN, prefix `GLX`) with a show of `rows` × 10 seats.
async fn partner_show(app: &TestApp, rows: usize) -> (Principal, ShowFixture) {
    let partner = app.partner("Galaxy Cinemas").await.expect("partner");
    let partner_id = partner.partner_id.expect("partner staff");
    set_partner_billing(app, partner_id, GSTIN, "GLX")
        .await
        .expect("billing");
    let show = partner
        .api
        .create_show_with(&app.admin, rows, 10)
        .await
        .expect("show");
    (partner, show)
}

fn year() -> String {
    // The test theaters are in Asia/Kolkata, 5:30 ahead of UTC.
    let local = (chrono::Utc::now() + chrono::Duration::minutes(330)).date_naive();
    FinancialYear::of(local).to_string()
}

async fn invoice_json(client: &mtbp_tests::ApiClient, booking: Uuid) -> (StatusCode, Value) {
    let resp = client
        .get(&format!("/bookings/{booking}/invoice"))
        .await
        .expect("GET invoice");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_paid_booking_gets_the_partners_and_the_platforms_invoice_with_pdfs_holding_the_totals() {
    let app = activity_app().await;
    let (_, show) = partner_show(&app, 2).await;
    let name = "प्रिया சுந்தர் Rao";
    let booking = completed_booking(&app, &app.api, show.show_id, &["A1", "B2"], name)
        .await
        .expect("booking");
    let total = app.api.booking(booking).await.expect("booking").total;

    let step = invoice_activities(&app);
    let issued = step
        .issue_invoices(BookingId::from_uuid(booking))
        .await
        .expect("issued");
    let fy = year();
    let numbers: Vec<&str> = issued.documents.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(
        numbers,
        [format!("GLX-{fy}/000001"), format!("MTBP-{fy}/000001")]
    );
    assert_eq!((issued.numbered, issued.uploaded), (2, 2));
    let sum: i64 = issued.documents.iter().map(|d| d.total.amount_minor).sum();
    assert_eq!(
        sum, total.amount_minor,
        "the two invoices add up to what was charged"
    );

    let (status, body) = invoice_json(&app.api, booking).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let invoices = body["invoices"].as_array().expect("invoices");
    assert_eq!(invoices.len(), 2);
    assert_eq!(invoices[0]["issuer"]["tax_id"], GSTIN);
    assert_eq!(invoices[0]["sale"]["customer_name"], name);
    assert!(body["credit_notes"].as_array().is_some_and(Vec::is_empty));
    for (invoice, doc) in invoices.iter().zip(&issued.documents) {
        let url = invoice["pdf_url"].as_str().expect("a link");
        let resp = reqwest::get(url).await.expect("download");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"].to_str().ok(),
            Some("application/pdf")
        );
        let pdf = resp.bytes().await.expect("bytes");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf).await.expect("text");
        assert!(text.contains(&doc.number), "{text}");
        let printed = money(doc.total.amount_minor, "INR");
        assert!(text.contains(&printed), "total {printed} in:\n{text}");
        assert_eq!(
            invoice["body"]["totals"]["total_minor"], doc.total.amount_minor,
            "the JSON's total is the PDF's"
        );
    }
    let partner_pdf = reqwest::get(invoices[0]["pdf_url"].as_str().expect("link"))
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let text = pdf_text(&partner_pdf).await.expect("text");
    assert!(text.contains(GSTIN), "{text}");
    assert!(
        text.contains("प्रिया") && text.contains("சுந்தர்"),
        "names in Indian scripts read back:\n{text}"
    );
}

#[tokio::test]
async fn a_retry_after_a_crash_between_numbering_and_upload_keeps_the_numbers_and_stores_the_pdfs()
{
    let app = activity_app().await;
    let (_, show) = partner_show(&app, 1).await;
    let booking = completed_booking(&app, &app.api, show.show_id, &["A1"], "Asha")
        .await
        .expect("booking");
    let id = BookingId::from_uuid(booking);
    // An object store nobody listens on: numbering commits, the upload fails, as when the
    // worker dies between the two.
    let mut dead = app.settings.aws.clone();
    dead.s3_endpoint = Some("http://127.0.0.1:9".into());
    let err = invoice_activities_with(&app, &dead)
        .issue_invoices(id)
        .await
        .expect_err("the upload fails");
    assert!(matches!(err, InvoiceError::Transient(_)), "{err}");
    let (rows, stored): (i64, i64) =
        sqlx::query_as("select count(*), count(uploaded_at) from invoices where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("rows");
    assert_eq!((rows, stored), (2, 0), "numbered, not stored");

    let retried = invoice_activities(&app)
        .issue_invoices(id)
        .await
        .expect("retry");
    assert_eq!((retried.numbered, retried.uploaded), (0, 2));
    let fy = year();
    assert_eq!(retried.documents[0].number, format!("GLX-{fy}/000001"));
    let again = invoice_activities(&app)
        .issue_invoices(id)
        .await
        .expect("again");
    assert_eq!(
        (again.numbered, again.uploaded),
        (0, 0),
        "nothing left to do"
    );
    assert_eq!(again.documents, retried.documents);
}

#[tokio::test]
async fn fifty_concurrent_bookings_are_numbered_without_gaps_and_retries_number_nothing() {
    let app = activity_app().await;
    let (_, show) = partner_show(&app, 5).await;
    let seats = show.seats.clone();
    let bookings: Vec<Uuid> = join_all(seats.chunks(10).map(|row| {
        let app = &app;
        let show_id = show.show_id;
        async move {
            let mut out = Vec::new();
            for seat in row {
                out.push(
                    completed_booking(app, &app.api, show_id, &[seat], "Crowd")
                        .await
                        .expect("booking"),
                );
            }
            out
        }
    }))
    .await
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(bookings.len(), 50);

    let step = invoice_activities(&app);
    let issue_all = || {
        join_all(
            bookings
                .iter()
                .map(|b| step.issue_invoices(BookingId::from_uuid(*b))),
        )
    };
    let first: Vec<_> = issue_all()
        .await
        .into_iter()
        .map(|r| r.expect("issued"))
        .collect();
    let fy = year();
    for prefix in ["GLX", "MTBP"] {
        let numbers: BTreeSet<String> = first
            .iter()
            .flat_map(|o| o.documents.iter())
            .map(|d| d.number.clone())
            .filter(|n| n.starts_with(&format!("{prefix}-")))
            .collect();
        let expected: BTreeSet<String> =
            (1..=50).map(|n| format!("{prefix}-{fy}/{n:06}")).collect();
        assert_eq!(numbers, expected, "{prefix}: 1 to 50, each once");
    }
    let retried: Vec<_> = issue_all()
        .await
        .into_iter()
        .map(|r| r.expect("issued"))
        .collect();
    for (a, b) in first.iter().zip(&retried) {
        assert_eq!(a.documents, b.documents, "a retry answers the same numbers");
        assert_eq!(b.numbered, 0);
    }
    let counters: Vec<(String, i64)> = sqlx::query_as(
        "select issuer, last_seq from invoice_counters where kind = 'invoice' order by issuer",
    )
    .fetch_all(&app.db)
    .await
    .expect("counters");
    assert!(counters.iter().all(|(_, last)| *last == 50), "{counters:?}");
}

#[tokio::test]
async fn presigned_links_download_until_they_expire() {
    let app = activity_app().await;
    let objects = ObjectStore::new(&app.settings.aws);
    objects.ensure_bucket().await.expect("bucket");
    objects.ensure_bucket().await.expect("bucket again");
    let key = format!("tests/{}.txt", Uuid::new_v4());
    objects
        .put(&key, b"hello".to_vec(), "text/plain")
        .await
        .expect("put");
    let got = objects.get(&key).await.expect("get");
    assert_eq!(got.bytes, b"hello");
    assert_eq!(got.content_type.as_deref(), Some("text/plain"));
    let missing = objects.get("tests/none").await.expect_err("missing");
    assert!(matches!(
        missing,
        mtbp_infra::objects::ObjectError::NotFound(_)
    ));

    let url = objects
        .presigned_get(&key, Duration::from_secs(2))
        .await
        .expect("link");
    let resp = reqwest::get(&url).await.expect("download");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), b"hello");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let late = reqwest::get(&url).await.expect("download");
    assert_eq!(
        late.status(),
        StatusCode::FORBIDDEN,
        "an expired link is refused"
    );
}

#[tokio::test]
async fn a_refund_issues_credit_notes_that_refer_to_the_invoices_once_per_refund() {
    let app = activity_app().await;
    let (_, show) = partner_show(&app, 1).await;
    let booking = completed_booking(&app, &app.api, show.show_id, &["A1", "A2"], "Ravi")
        .await
        .expect("booking");
    let id = BookingId::from_uuid(booking);
    let step = invoice_activities(&app);
    let invoices = step.issue_invoices(id).await.expect("invoices").documents;

    let partial = CreditNoteInput {
        booking_id: id,
        refund_key: "refund-a2".into(),
        scope: CreditScope::Items(vec!["A2".into()]),
    };
    let notes = step
        .issue_credit_notes(&partial)
        .await
        .expect("credit notes");
    let fy = year();
    let numbers: Vec<&str> = notes.documents.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            format!("GLX-CN-{fy}/000001"),
            format!("MTBP-CN-{fy}/000001")
        ]
    );
    for (note, invoice) in notes.documents.iter().zip(&invoices) {
        assert!(
            note.total.amount_minor > 0 && note.total.amount_minor < invoice.total.amount_minor
        );
    }
    let again = step.issue_credit_notes(&partial).await.expect("retry");
    assert_eq!(
        again.documents, notes.documents,
        "one credit note per refund"
    );
    assert_eq!(again.numbered, 0);

    let full = CreditNoteInput {
        refund_key: "refund-rest".into(),
        scope: CreditScope::Full,
        ..partial.clone()
    };
    let rest = step.issue_credit_notes(&full).await.expect("full");
    assert_eq!(rest.documents[0].number, format!("GLX-CN-{fy}/000002"));

    let (status, body) = invoice_json(&app.api, booking).await;
    assert_eq!(status, StatusCode::OK);
    let credit = body["credit_notes"].as_array().expect("credit notes");
    assert_eq!(credit.len(), 4);
    assert_eq!(credit[0]["kind"], "credit_note");
    assert_eq!(credit[0]["refers_to"], invoices[0].number.as_str());
    let url = credit[0]["pdf_url"].as_str().expect("link");
    let pdf = reqwest::get(url)
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    let text = pdf_text(&pdf).await.expect("text");
    assert!(
        text.contains("Credit Note") && text.contains(&invoices[0].number),
        "{text}"
    );

    let bad = CreditNoteInput {
        refund_key: " ".into(),
        ..partial
    };
    let err = step.issue_credit_notes(&bad).await.expect_err("no key");
    assert!(matches!(err, InvoiceError::Refused(_)));
    // Credit notes are invoice events too, and fit the same schemas.
    let types = mtbp_tests::events::assert_outbox_matches_schemas(&app.db).await;
    assert!(types.contains_key("invoice.issued"), "{types:?}");
}

#[tokio::test]
async fn the_invoice_is_for_the_customer_the_theaters_partner_and_operators_only() {
    let app = activity_app().await;
    let (partner, show) = partner_show(&app, 2).await;
    let customer = app
        .customer("invoice-owner@example.com")
        .await
        .expect("customer");
    let booking = completed_booking(&app, &customer.api, show.show_id, &["A1"], "Owner")
        .await
        .expect("booking");
    let unpaid = customer
        .api
        .hold_ok(show.show_id, &["B1"])
        .await
        .expect("hold");
    let path = format!("/bookings/{booking}/invoice");
    // Not invoiced yet.
    assert_eq!(
        customer.api.get(&path).await.expect("get").status(),
        StatusCode::NOT_FOUND
    );
    invoice_activities(&app)
        .issue_invoices(BookingId::from_uuid(booking))
        .await
        .expect("issued");
    let other = app
        .customer("someone-else@example.com")
        .await
        .expect("other");
    let stranger = app.partner("Another Partner").await.expect("partner");
    for (who, client, want) in [
        ("owner", &customer.api, StatusCode::OK),
        ("the theater's partner", &partner.api, StatusCode::OK),
        ("an operator", &app.admin, StatusCode::OK),
        ("another customer", &other.api, StatusCode::FORBIDDEN),
        ("another partner", &stranger.api, StatusCode::FORBIDDEN),
        ("nobody", &app.api, StatusCode::UNAUTHORIZED),
    ] {
        let got = client.get(&path).await.expect("get").status();
        assert_eq!(got, want, "{who}");
    }
    let unpaid_path = format!("/bookings/{unpaid}/invoice");
    let status = customer.api.get(&unpaid_path).await.expect("get").status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let unknown = format!("/bookings/{}/invoice", Uuid::new_v4());
    assert_eq!(
        app.admin.get(&unknown).await.expect("get").status(),
        StatusCode::NOT_FOUND
    );
    let bad = customer
        .api
        .get(&format!("{path}?format=docx"))
        .await
        .expect("get");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = customer
        .api
        .get(&format!("{path}?colour=red"))
        .await
        .expect("get");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // `format=pdf`: a 303 to the link, which downloads the PDF without credentials.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let req = customer
        .api
        .request(reqwest::Method::GET, &format!("{path}?format=pdf"));
    let (client, request) = req.build_split();
    drop(client);
    let resp = no_redirects
        .execute(request.expect("request"))
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let pdf = reqwest::get(&location).await.expect("download");
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF-"));
}

#[tokio::test]
async fn a_text_message_through_sns_is_recorded_by_moto() {
    let app = activity_app().await;
    let sms = SmsSender::new(&app.settings.aws);
    let text = format!("Your ticket {} is confirmed", Uuid::new_v4().simple());
    let id = sms.send("+919800000001", &text).await.expect("sent");
    let endpoint = app
        .settings
        .aws
        .sns_endpoint
        .clone()
        .expect("the stack's SNS");
    let sent = sent_sms(&endpoint).await.expect("moto's record");
    let ours = sent.iter().find(|m| m.message_id == id).expect("recorded");
    assert_eq!(ours.phone_number, "+919800000001");
    assert_eq!(ours.message, text);
    let refused = sms
        .send("not-a-number", "hello")
        .await
        .expect_err("not E.164");
    assert!(matches!(refused, SmsError::Refused(_)), "{refused}");
}
