//! The minimal catalog: theaters, screens with layouts, movies, shows and the seat map.

use mtbp_api::error::ErrorCode;
use mtbp_api::routes::movies::json::Movie;
use mtbp_api::routes::screens::json::Screen;
use mtbp_api::routes::shows::json::{BestSeats, SeatMap, Show};
use mtbp_api::routes::theaters::json::Theater;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{error_code, field_names, refusal};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn layout() -> Value {
    json!({"categories": [{"code": "REGULAR", "name": "Regular", "price_minor": 15000},
                          {"code": "RECLINER", "name": "Recliner", "price_minor": 60000}],
           "rows": [{"label": "A", "category": "REGULAR", "seats": 6, "gaps_after": [3]},
                    {"label": "B", "category": "RECLINER", "seats": 4}]})
}

/// The seats a refusal's details name (the details are free-form JSON in the API too).
fn seats_named(details: &Option<Value>) -> Value {
    details.as_ref().map_or(Value::Null, |d| d["seats"].clone())
}

#[tokio::test]
async fn a_show_gets_one_priced_seat_per_seat_of_its_screen() {
    let app = TestApp::spawn().await;
    let theater: Theater = app
        .admin
        .create_as("/theaters", &json!({"name": "Lido", "city": "Pune"}))
        .await
        .expect("theater");
    let tid = theater.theater_id;
    let screen: Screen = app
        .admin
        .create_as(
            &format!("/theaters/{tid}/screens"),
            &json!({"name": "Screen 2", "layout": layout()}),
        )
        .await
        .expect("screen");
    assert_eq!(screen.seat_count, 10);
    let movie: Movie = app
        .admin
        .create_as(
            "/movies",
            &json!({"title": "Monsoon", "duration_minutes": 130}),
        )
        .await
        .expect("movie");
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let show: Show = app
        .admin
        .create_as(
            "/shows",
            &json!({"movie_id": movie.movie_id, "screen_id": screen.screen_id,
                                  "starts_at": starts, "language": "Marathi",
                                  "prices": {"RECLINER": 75000}}),
        )
        .await
        .expect("show");
    let prices: Vec<(&str, i64)> = show
        .prices
        .iter()
        .map(|(code, price)| (code.as_str(), price.amount_minor))
        .collect();
    assert_eq!(prices, [("RECLINER", 75000), ("REGULAR", 15000)]);
    assert_eq!(show.theater_id, theater.theater_id);

    let sid = show.show_id;
    let map: SeatMap = app
        .admin
        .read(&format!("/shows/{sid}/seats"))
        .await
        .expect("seat map");
    assert_eq!(map.available, 10);
    assert_eq!(map.rows[0].label, "A");
    let a = &map.rows[0].seats;
    assert_eq!(a[3].label, "A4");
    assert_eq!(a[3].column, 4, "the aisle after A3 is a column");
    assert_eq!(map.rows[1].seats[0].price.amount_minor, 75000);

    let again: Show = app
        .admin
        .read(&format!("/shows/{sid}"))
        .await
        .expect("show");
    assert_eq!(again.language, "Marathi");
}

#[tokio::test]
async fn overlapping_shows_on_one_screen_are_refused() {
    let app = TestApp::spawn().await;
    let fixture = app.create_show(1, 2).await.expect("show");
    let show: Show = app
        .admin
        .read(&format!("/shows/{}", fixture.show_id))
        .await
        .expect("show");
    let starts = show.starts_at;
    // Starts 10 minutes after the first one ends: inside the 15-minute cleaning buffer.
    let overlapping = starts + chrono::Duration::minutes(130);
    let resp = app
        .admin
        .post(
            "/shows",
            &json!({"movie_id": show.movie_id, "screen_id": fixture.screen_id,
                                "starts_at": overlapping, "language": "English"}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        error_code(resp).await.expect("error"),
        ErrorCode::ShowOverlaps
    );
    let later = starts + chrono::Duration::minutes(140);
    let ok = app
        .admin
        .post(
            "/shows",
            &json!({"movie_id": show.movie_id, "screen_id": fixture.screen_id,
                                "starts_at": later, "language": "English"}),
        )
        .await
        .expect("post");
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn invalid_catalog_input_is_refused_with_every_problem_listed() {
    let app = TestApp::spawn().await;
    let theater: Theater = app
        .admin
        .create_as("/theaters", &json!({"name": "Lido", "city": "Pune"}))
        .await
        .expect("theater");
    let tid = theater.theater_id;
    let bad_layout = json!({"categories": [{"code": "regular", "name": "", "price_minor": -5}],
                            "rows": [{"label": "A1", "category": "VIP", "seats": 0}]});
    let resp = app
        .admin
        .post(
            &format!("/theaters/{tid}/screens"),
            &json!({"name": "S", "layout": bad_layout}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    let fields = field_names(&err);
    assert!(fields.contains(&"layout.categories[0].code"));
    assert!(fields.contains(&"layout.categories[0].price_minor"));
    assert!(fields.contains(&"layout.rows[0].label"));

    let dup = app
        .admin
        .post(
            &format!("/theaters/{tid}/screens"),
            &json!({"name": "S", "layout": layout()}),
        )
        .await
        .expect("post");
    assert_eq!(dup.status(), StatusCode::CREATED);
    let dup = app
        .admin
        .post(
            &format!("/theaters/{tid}/screens"),
            &json!({"name": "S", "layout": layout()}),
        )
        .await
        .expect("post");
    assert_eq!(dup.status(), StatusCode::CONFLICT);

    let past = app
        .admin
        .post(
            "/shows",
            &json!({"movie_id": uuid::Uuid::new_v4(), "screen_id": uuid::Uuid::new_v4(),
                                "starts_at": "2001-01-01T10:00:00Z", "language": "English"}),
        )
        .await
        .expect("post");
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(shows, 0);
    let missing = app
        .admin
        .get(&format!("/theaters/{}", uuid::Uuid::new_v4()))
        .await
        .expect("get");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_best_seats_are_together_central_two_thirds_back_and_bookable() {
    let app = TestApp::spawn().await;
    // Rows A-B REGULAR, C-D PREMIUM, 10 seats each.
    let show = app.create_show(4, 10).await.expect("show");
    let best = |query: &'static str| {
        let api = app.api.clone();
        let path = format!("/shows/{}/seats/best?{query}", show.show_id);
        async move { api.get(&path).await.expect("best") }
    };
    let pick: BestSeats = best("count=2").await.json().await.expect("json");
    assert_eq!(pick.seats, ["C5", "C6"]);
    assert_eq!(pick.amount.amount_minor, 70000);

    // Someone takes C4-C7: the best pair moves without stranding a seat or crossing a gap.
    app.api
        .hold_ok(show.show_id, &["C4", "C5", "C6", "C7"])
        .await
        .expect("hold");
    let pick: BestSeats = best("count=2").await.json().await.expect("json");
    let seats: Vec<&str> = pick.seats.iter().map(String::as_str).collect();
    assert!(
        seats == ["C2", "C3"]
            || seats == ["C8", "C9"]
            || seats[0].starts_with('B')
            || seats[0].starts_with('D'),
        "{seats:?}"
    );
    assert_ne!(seats, ["C1", "C2"], "would strand C3");
    let regular: BestSeats = best("count=3&category=regular")
        .await
        .json()
        .await
        .expect("json");
    assert!(regular.seats[0].starts_with('B'));
    // The suggestion books.
    let suggested: Vec<&str> = regular.seats.iter().map(String::as_str).collect();
    app.api
        .hold_ok(show.show_id, &suggested)
        .await
        .expect("the suggestion can be held");

    assert_eq!(
        best("count=11").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(best("count=x").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(best("").await.status(), StatusCode::BAD_REQUEST);
    let small = app.create_show(1, 3).await.expect("show");
    let resp = app
        .api
        .get(&format!("/shows/{}/seats/best?count=4", small.show_id))
        .await
        .expect("best");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn partners_block_seats_and_set_rows_aside_and_nothing_held_or_booked_changes() {
    let app = TestApp::spawn().await;
    let partner = app.partner("Inventory Cinemas").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 3, 4)
        .await
        .expect("show");
    let path = format!("/shows/{}/inventory", show.show_id);
    app.api.hold_ok(show.show_id, &["A2"]).await.expect("hold");

    // Row C for the platform and a broken seat blocked.
    let resp = partner
        .api
        .put(
            &path,
            &json!({"rows": ["c"], "seats": ["b4"], "status": "platform_reserved"}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let map: SeatMap = resp.json().await.expect("json");
    assert_eq!(map.available, 12 - 1 - 5, "A2 held, C1-C4 and B4 set aside");
    let statuses = app
        .api
        .seat_statuses(show.show_id, &["C1", "C4", "B4", "B3"])
        .await
        .expect("map");
    assert_eq!(
        statuses,
        [
            "platform_reserved",
            "platform_reserved",
            "platform_reserved",
            "available"
        ]
    );
    // Not for sale to customers or guests: a 409 naming the seat.
    let customer = app.customer("walk-in@example.com").await.expect("customer");
    for client in [&app.api, &customer.api] {
        let resp = client
            .hold(show.show_id, &["C2"], None)
            .await
            .expect("hold");
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        let err = refusal(resp).await.expect("error");
        assert_eq!(seats_named(&err.details), json!(["C2"]), "{err:?}");
    }
    // The platform sells them through its brokers; released, they go back to the platform.
    let broker = app.broker("agency@example.com").await.expect("broker");
    let booked = broker
        .api
        .hold_ok(show.show_id, &["C2", "C3"])
        .await
        .expect("a broker holds platform seats");
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["C2"])
            .await
            .expect("map"),
        ["held"]
    );
    assert_eq!(
        broker
            .api
            .post(&format!("/bookings/{booked}/cancel"), &json!({}))
            .await
            .expect("cancel")
            .status(),
        StatusCode::OK
    );
    let statuses = app
        .api
        .seat_statuses(show.show_id, &["C2", "C3"])
        .await
        .expect("map");
    assert_eq!(statuses, ["platform_reserved", "platform_reserved"]);
    assert_eq!(
        customer
            .api
            .hold(show.show_id, &["C3"], None)
            .await
            .expect("hold")
            .status(),
        StatusCode::CONFLICT
    );

    // A held seat cannot be blocked; the whole change is refused.
    let resp = partner
        .api
        .put(&path, &json!({"seats": ["A1", "A2"], "status": "blocked"}))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let err = refusal(resp).await.expect("error");
    assert_eq!(seats_named(&err.details), json!(["A2"]));
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1"])
            .await
            .expect("map"),
        ["available"]
    );
    // Unknown seats and rows are named; another partner may not touch the show.
    let resp = partner
        .api
        .put(
            &path,
            &json!({"seats": ["Z9"], "rows": ["Q"], "status": "blocked"}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let other = app.partner("Other").await.expect("partner");
    assert_eq!(
        other
            .api
            .put(&path, &json!({"seats": ["A1"], "status": "blocked"}))
            .await
            .expect("put")
            .status(),
        StatusCode::FORBIDDEN
    );
    // Back on sale, and bookable.
    let resp = partner
        .api
        .put(&path, &json!({"rows": ["C"], "status": "available"}))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    app.api
        .hold_ok(show.show_id, &["C2", "C3"])
        .await
        .expect("released seats can be held");
}
