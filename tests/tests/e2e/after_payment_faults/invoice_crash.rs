//! A worker process SIGKILLed between numbering a booking's invoices and storing their PDFs:
//! its replacement keeps the numbers, stores the PDFs (they open and hold the totals) and the
//! booking reaches `Invoiced`; the next booking goes on with the next numbers, so the series
//! have no gap and no number twice.

use super::*;
use mtbp_domain::PartnerId;
use mtbp_domain::invoice::FinancialYear;
use mtbp_infra::pdf::money;
use mtbp_store::invoices::{PLATFORM_ISSUER, partner_issuer};
use mtbp_tests::invoices::{pdf_text, set_partner_billing};

/// One of the booking's documents as its row says: issuer, number, sequence, total, whether
/// its PDF is stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
struct Document {
    issuer: String,
    number: String,
    seq: i64,
    total_minor: i64,
    stored: bool,
}

async fn documents(app: &TestApp, booking: Uuid) -> Vec<Document> {
    sqlx::query_as(
        "select issuer, number, seq, total_minor, uploaded_at is not null as stored
           from invoices where booking_id = $1 and kind = 'invoice' order by issuer",
    )
    .bind(booking)
    .fetch_all(&app.db)
    .await
    .expect("invoices")
}

/// Every invoice number the app's database holds, per issuer, in order; and the counters.
async fn series(app: &TestApp) -> (Vec<(String, i64)>, Vec<(String, i64)>) {
    let issued = sqlx::query_as(
        "select issuer, seq from invoices where kind = 'invoice' order by issuer, seq",
    )
    .fetch_all(&app.db)
    .await
    .expect("invoices");
    let counters = sqlx::query_as(
        "select issuer, last_seq from invoice_counters where kind = 'invoice' order by issuer",
    )
    .fetch_all(&app.db)
    .await
    .expect("counters");
    (issued, counters)
}

#[tokio::test]
async fn a_worker_killed_between_numbering_and_upload_is_replaced_and_the_numbers_hold() {
    let app = &process_app().await;
    let partner = app.partner("Galaxy Cinemas").await.expect("partner");
    let partner_id = partner.partner_id.expect("partner staff");
    set_partner_billing(app, partner_id, "27AAACP1234F1Z5", "GLX")
        .await
        .expect("billing");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 10)
        .await
        .expect("show");
    // This worker stops for a minute once it has numbered a booking's invoices.
    let mut doomed = WorkerProcess::start(app, &[("MTBP_FAULT_PAUSE_AFTER_NUMBERING_MS", "60000")]);
    let (booking, _, _) = paid_by_guest(app, show.show_id, &["A1"]).await;

    let numbered = eventually(30, "both invoices are numbered", || async move {
        let docs = documents(app, booking).await;
        (docs.len() == 2).then_some(docs)
    })
    .await;
    doomed.kill();
    assert!(
        numbered.iter().all(|d| !d.stored),
        "killed after numbering, before any upload: {numbered:?}"
    );
    assert_eq!(
        documents(app, booking).await,
        numbered,
        "the dead worker stored nothing"
    );
    assert_eq!(row_status(app, booking).await, "BookingCompleted");

    // The killed attempt times out after its minute; the replacement's retry finishes it.
    let _replacement = WorkerProcess::start(app, &[]);
    wait_for_status(app, booking, BookingStatus::Invoiced, 150).await;
    let stored = documents(app, booking).await;
    let number_of = |docs: &[Document]| docs.iter().map(|d| d.number.clone()).collect::<Vec<_>>();
    assert_eq!(
        number_of(&stored),
        number_of(&numbered),
        "the retry keeps the numbers"
    );
    assert!(stored.iter().all(|d| d.stored), "{stored:?}");
    let local = (chrono::Utc::now() + chrono::Duration::minutes(330)).date_naive();
    let fy = FinancialYear::of(local);
    let mut expected = vec![format!("GLX-{fy}/000001"), format!("MTBP-{fy}/000001")];
    let mut got = number_of(&stored);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    // The PDFs are in the bucket, open, and hold their numbers and totals.
    let resp = app
        .admin
        .get(&format!("/bookings/{booking}/invoice"))
        .await
        .expect("GET invoice");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    let invoices = body["invoices"].as_array().expect("invoices");
    assert_eq!(invoices.len(), 2, "{body}");
    for invoice in invoices {
        let number = invoice["number"].as_str().expect("number");
        let doc = stored
            .iter()
            .find(|d| d.number == number)
            .expect("the document");
        let url = invoice["pdf_url"].as_str().expect("a link");
        let pdf = reqwest::get(url)
            .await
            .expect("download")
            .error_for_status()
            .expect("the PDF is stored")
            .bytes()
            .await
            .expect("bytes");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf).await.expect("the PDF opens");
        assert!(text.contains(number), "{number} in:\n{text}");
        let total = money(doc.total_minor, "INR");
        assert!(text.contains(&total), "total {total} in:\n{text}");
    }

    // The next booking is numbered next: no number skipped, none twice, in either series.
    let (next, _, _) = paid_by_guest(app, show.show_id, &["A2"]).await;
    wait_for_status(app, next, BookingStatus::Invoiced, 60).await;
    let (issued, counters) = series(app).await;
    let mut issuers = [
        partner_issuer(PartnerId::from_uuid(partner_id)),
        PLATFORM_ISSUER.to_owned(),
    ];
    issuers.sort();
    let want_issued: Vec<(String, i64)> = issuers
        .iter()
        .flat_map(|i| [(i.clone(), 1), (i.clone(), 2)])
        .collect();
    assert_eq!(issued, want_issued, "each series is 1, 2");
    let want_counters: Vec<(String, i64)> = issuers.iter().map(|i| (i.clone(), 2)).collect();
    assert_eq!(counters, want_counters);
}
