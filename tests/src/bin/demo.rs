//! `mtbp-demo`: with the platform up, walks through a booking over the REST API, printing each
//! step and the booking's Temporal UI link. `mtbp-demo seed` loads the demo catalog.

use anyhow::Context;
use mtbp_tests::catalog::CatalogSpec;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{ApiClient, StripeClient, api_client::id};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = std::env::var("MTBP_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let ui = std::env::var("TEMPORAL_UI_URL").unwrap_or_else(|_| "http://127.0.0.1:8233".into());
    let api = ApiClient::new(base.clone());
    api.get("/health")
        .await
        .with_context(|| format!("the API at {base} does not answer; start it with `./mtbp up`"))?;
    let operator = mtbp_tests::api_client::operator_from_env(&api).await?;
    match std::env::args().nth(1).as_deref() {
        Some("seed") => seed(&operator).await,
        None | Some("book") => book(&operator, &api, &ui).await,
        Some(other) => anyhow::bail!("unknown command {other:?}; use `seed` or `book`"),
    }
}

fn step(n: u32, text: &str, body: &Value) {
    println!("\n\x1b[1m{n}. {text}\x1b[0m");
    println!("{}", serde_json::to_string_pretty(body).unwrap_or_default());
}

async fn book(operator: &ApiClient, api: &ApiClient, ui: &str) -> anyhow::Result<()> {
    let show = operator.create_show(4, 12).await?;
    let map: Value = api
        .get(&format!("/shows/{}/seats", show.show_id))
        .await?
        .json()
        .await?;
    step(
        1,
        "Created a theater, a 48-seat screen, a movie and a show for tomorrow; its seat map has",
        &json!({
        "show_id": show.show_id, "available": map["available"], "currency": map["currency"]}),
    );

    let code = format!("DEMO-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]).to_uppercase();
    let offer: Value = operator
        .post(
            "/offers",
            &json!({"name": "Demo: 20 % off, and a free popcorn", "code": code,
                    "benefit": {"type": "percent_off", "percent_bp": 2000},
                    "conditions": {}, "scope": {}, "funded_by": "platform",
                    "limit_total": 100}),
        )
        .await?
        .json()
        .await?;
    let addon: Value = operator
        .post(
            &format!("/theaters/{}/addons", show.theater_id),
            &json!({"code": "POPCORN", "name": "Popcorn combo", "amount_minor": 25000,
                    "currency": "INR", "tax_class": "food"}),
        )
        .await?
        .json()
        .await?;
    step(
        2,
        "An operator made a platform offer with a code (POST /offers) and the theater sells a \
         popcorn combo (POST /theaters/{id}/addons)",
        &json!({"offer": {"code": offer["code"], "benefit": offer["benefit"]},
                "addon": {"code": addon["code"], "amount_minor": addon["amount_minor"]}}),
    );

    let resp = api
        .post(
            "/bookings",
            &json!({"show_id": show.show_id, "seats": ["C5", "C6"], "offer_code": code,
                    "addons": [{"code": "POPCORN", "quantity": 1}],
                    "contact": {"name": "Demo Customer", "email": "demo@example.com"}}),
        )
        .await?;
    let held: Value = resp.json().await?;
    step(
        3,
        "POST /bookings held C5 and C6 with the code and a popcorn as a guest, in one \
         transaction, priced at once: the quote has each seat, add-on and fee with its \
         discount and GST (CGST + SGST); the guest_token reaches the booking as X-Booking-Token",
        &json!({"booking_id": held["booking_id"], "amount_minor": held["amount_minor"],
                "currency": held["currency"], "hold_expires_at": held["hold_expires_at"],
                "quote": {"totals": held["quote"]["totals"], "taxes": held["quote"]["taxes"],
                          "offers": held["quote"]["offers"]}}),
    );
    let booking_id = id(&held, "booking_id")?;

    let stripe = StripeClient::from_env();
    let card = stripe.card(CARD_OK).await?;
    step(
        4,
        "The client app tokenised a test card at the gateway",
        &json!({"payment_method": card}),
    );

    let resp = api.pay(booking_id, &card).await?;
    let status = resp.status();
    let paid: Value = resp.json().await?;
    step(
        5,
        &format!(
            "POST /bookings/{booking_id}/pay answered {status}: the saga redeemed the \
                  offer, charged the quote's total and confirmed the seats"
        ),
        &paid,
    );

    let workflow_id = held["workflow_id"].as_str().unwrap_or_default();
    println!(
        "\n\x1b[1m6. The saga in the Temporal UI\x1b[0m\n{ui}/namespaces/default/workflows/{workflow_id}"
    );
    println!(
        "   Find bookings by status: {ui}/namespaces/default/workflows?query=BookingStatus%3D%22BookingCompleted%22"
    );
    anyhow::ensure!(
        paid["status"] == "BookingCompleted",
        "the booking did not complete"
    );
    Ok(())
}

/// The demo catalog (see `mtbp_tests::catalog`): eight cities, 48 theaters, a week of shows.
async fn seed(api: &ApiClient) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report = mtbp_tests::catalog::seed(api, &CatalogSpec::demo()).await?;
    println!(
        "seeded {} movies, {} theaters, {} screens ({} seats) and {} shows in {:.0?}",
        report.movies,
        report.theaters,
        report.screens,
        report.seats,
        report.shows,
        started.elapsed()
    );
    connect_theaters(api).await
}

/// Connects the first two theaters of the catalog to the reference box office
/// (`MTBP_BOXOFFICE_URL`): the first live, the second by designated rows.
async fn connect_theaters(api: &ApiClient) -> anyhow::Result<()> {
    let url =
        std::env::var("MTBP_BOXOFFICE_URL").unwrap_or_else(|_| "http://127.0.0.1:8431".into());
    let page = api.get_json("/theaters?limit=2").await?;
    let theaters = page["theaters"].as_array().cloned().unwrap_or_default();
    for (theater, model) in theaters.iter().zip(["live", "designated"]) {
        let theater_id = theater["theater_id"].as_str().context("theater id")?;
        let resp = api
            .put(
                &format!("/theaters/{theater_id}/connection"),
                &json!({"model": model, "base_url": url}),
            )
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "connecting {theater_id}: {}",
            resp.status()
        );
        println!(
            "theater {} ({}) is connected to the box office at {url} ({model})",
            theater["name"].as_str().unwrap_or_default(),
            theater_id
        );
    }
    Ok(())
}
