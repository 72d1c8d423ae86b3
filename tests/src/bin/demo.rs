//! `mtbp-demo`: with the platform up, walks through a booking over the REST API, printing each
//! step and the booking's Temporal UI link. `mtbp-demo seed` loads a small demo catalog.

use anyhow::Context;
use chrono::{Duration, Timelike, Utc};
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

    let resp = api
        .hold(
            show.show_id,
            &["C5", "C6"],
            Some(&format!("demo-{}", uuid::Uuid::new_v4())),
        )
        .await?;
    let held: Value = resp.json().await?;
    step(
        2,
        "POST /bookings held C5 and C6 as a guest (Update-with-Start, one round trip); \
         the guest_token reaches the booking as X-Booking-Token",
        &held,
    );
    let booking_id = id(&held, "booking_id")?;

    let stripe = StripeClient::from_env();
    let card = stripe.card(CARD_OK).await?;
    step(
        3,
        "The client app tokenised a test card at the gateway",
        &json!({"payment_method": card}),
    );

    let resp = api.pay(booking_id, &card).await?;
    let status = resp.status();
    let paid: Value = resp.json().await?;
    step(
        4,
        &format!("POST /bookings/{booking_id}/pay answered {status}"),
        &paid,
    );

    let workflow_id = held["workflow_id"].as_str().unwrap_or_default();
    println!(
        "\n\x1b[1m5. The saga in the Temporal UI\x1b[0m\n{ui}/namespaces/default/workflows/{workflow_id}"
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

/// A small catalog: two cities, three theaters with two screens each, four movies, and shows
/// over the next three days.
async fn seed(api: &ApiClient) -> anyhow::Result<()> {
    let movies = [
        ("Dune: Part Three", 165, "English", "Sci-Fi"),
        ("Kalki 2898 AD: Part 2", 175, "Telugu", "Action"),
        ("The Quiet Monsoon", 118, "Hindi", "Drama"),
        ("Paper Boats", 96, "Tamil", "Family"),
    ];
    let mut movie_ids = Vec::new();
    for (title, minutes, language, genre) in movies {
        let m = api
            .create("/movies", &json!({"title": title, "duration_minutes": minutes,
                                       "languages": [language], "genres": [genre], "certification": "UA"}))
            .await?;
        movie_ids.push((id(&m, "movie_id")?, language));
    }
    let theaters = [
        ("PVR Forum Mall", "Bengaluru", "560095", 12.9346, 77.6113),
        ("INOX Garuda", "Bengaluru", "560025", 12.9702, 77.6096),
        ("Cinepolis Viviana", "Mumbai", "400601", 19.2087, 72.9716),
    ];
    let today = Utc::now().date_naive();
    let mut shows = 0;
    for (t, (name, city, pin, lat, lng)) in theaters.into_iter().enumerate() {
        let theater = api
            .create(
                "/theaters",
                &json!({"name": name, "city": city, "pincode": pin,
                                         "latitude": lat, "longitude": lng}),
            )
            .await?;
        let tid = id(&theater, "theater_id")?;
        for s in 0..2 {
            let screen = api
                .create(&format!("/theaters/{tid}/screens"), &json!({"name": format!("Audi {}", s + 1), "layout": {
                    "categories": [
                        {"code": "REGULAR", "name": "Regular", "price_minor": 18000},
                        {"code": "PREMIUM", "name": "Premium", "price_minor": 32000},
                        {"code": "RECLINER", "name": "Recliner", "price_minor": 65000}],
                    "rows": (0..12).map(|r| json!({
                        "label": mtbp_tests::api_client::row_label(r),
                        "category": if r < 7 { "REGULAR" } else if r < 11 { "PREMIUM" } else { "RECLINER" },
                        "seats": if r < 11 { 16 } else { 8 },
                        "gaps_after": if r < 11 { vec![4, 12] } else { vec![4] }})).collect::<Vec<_>>()}}))
                .await?;
            let sid = id(&screen, "screen_id")?;
            for day in 1..=3 {
                for (slot, hour) in [9, 13, 17, 21].into_iter().enumerate() {
                    let (movie_id, language) = movie_ids[(t + s + slot) % movie_ids.len()];
                    let starts = today.and_hms_opt(hour, 30, 0).context("time")?.and_utc()
                        + Duration::days(day);
                    api.create("/shows", &json!({"movie_id": movie_id, "screen_id": sid,
                                                 "starts_at": starts.with_nanosecond(0), "language": language}))
                        .await?;
                    shows += 1;
                }
            }
        }
    }
    println!("seeded 4 movies, 3 theaters, 6 screens and {shows} shows");
    Ok(())
}
