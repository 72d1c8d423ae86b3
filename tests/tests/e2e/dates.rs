//! Dates a client sends are range-checked before any arithmetic: years like 9999, 100000 or
//! -5000 are a 422 on their field on every route that takes a date, and change nothing; shows
//! are scheduled within the horizon.

use chrono::{Duration, Utc};
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::shows::json::Show;
use mtbp_tests::api_client::{field_names, refusal};
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Far-future and nonsense instants: the first made `POST /shows` panic on date arithmetic,
/// the others were accepted or failed in PostgreSQL.
const BAD_INSTANTS: [&str; 4] = [
    "+262142-12-31T23:00:00Z",
    "+100000-01-01T00:00:00Z",
    "9999-12-31T20:00:00Z",
    "-5000-01-01T00:00:00Z",
];

async fn expect_422(resp: reqwest::Response, field: &str, what: &str) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {text}");
    let body: ErrorEnvelope = serde_json::from_str(&text).expect("a JSON envelope");
    assert_eq!(
        body.error.code,
        ErrorCode::ValidationFailed,
        "{what}: {text}"
    );
    assert!(field_names(&body.error).contains(&field), "{what}: {text}");
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn absurd_dates_are_a_422_on_every_route_and_change_nothing() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let current: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let movie_id = current.movie_id;
    let (shows, movies) = (count(&app, "shows").await, count(&app, "movies").await);
    let good_start = Utc::now() + Duration::days(3);

    for bad in BAD_INSTANTS {
        let new = |start: Value, end: Option<&str>| {
            let mut show = json!({"movie_id": movie_id, "screen_id": show.screen_id,
                                  "starts_at": start, "language": "English"});
            if let Some(end) = end {
                show["ends_at"] = json!(end);
            }
            show
        };
        let resp = app.admin.post("/shows", &new(json!(bad), None)).await;
        expect_422(resp.expect("post"), "starts_at", bad).await;
        let resp = app
            .admin
            .post("/shows", &new(json!(good_start), Some(bad)))
            .await;
        expect_422(resp.expect("post"), "ends_at", bad).await;
        let bulk = json!({"shows": [new(json!(good_start), None), new(json!(bad), None)]});
        let resp = app.admin.post("/shows/bulk", &bulk).await;
        expect_422(resp.expect("bulk"), "shows[1].starts_at", bad).await;
        let path = format!("/shows/{}", show.show_id);
        let resp = app.admin.put(&path, &json!({"starts_at": bad})).await;
        expect_422(resp.expect("put"), "starts_at", bad).await;
        let resp = app.admin.put(&path, &json!({"ends_at": bad})).await;
        expect_422(resp.expect("put"), "ends_at", bad).await;
        let before = format!("/bookings?before={}", bad.replace('+', "%2B"));
        expect_422(app.admin.get(&before).await.expect("list"), "before", bad).await;

        let date = bad.split('T').next().expect("a date part");
        let movie = json!({"title": "Far Future", "duration_minutes": 90, "release_date": date});
        let resp = app.admin.post("/movies", &movie).await;
        expect_422(resp.expect("movie"), "release_date", date).await;
        let date = date.replace('+', "%2B");
        let resp = app.api.get(&format!("/shows?date={date}")).await;
        expect_422(resp.expect("search"), "date", bad).await;
        let showtimes = format!("/movies/{movie_id}/showtimes?city=Bengaluru&date={date}");
        expect_422(
            app.api.get(&showtimes).await.expect("showtimes"),
            "date",
            bad,
        )
        .await;
    }

    assert_eq!(count(&app, "shows").await, shows, "no show was created");
    assert_eq!(count(&app, "movies").await, movies, "no movie was created");
    let after: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    assert_eq!(after.starts_at, current.starts_at, "the show did not move");
    assert_eq!(after.ends_at, current.ends_at);
}

#[tokio::test]
async fn shows_are_scheduled_within_the_horizon() {
    let mut options = TestOptions::default();
    options.limits.show_horizon_days = 30;
    let app = TestApp::spawn_with(options).await;
    let show = app.create_show(1, 4).await.expect("show");
    let current: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let new = |days: i64| {
        json!({"movie_id": current.movie_id, "screen_id": show.screen_id,
               "starts_at": Utc::now() + Duration::days(days), "language": "English"})
    };
    let resp = app.admin.post("/shows", &new(31)).await.expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    let first = err
        .fields
        .as_deref()
        .and_then(<[_]>::first)
        .expect("a field");
    assert_eq!(first.field, "starts_at");
    assert_eq!(first.message, "shows are scheduled at most 30 days ahead");
    let path = format!("/shows/{}", show.show_id);
    let moved = json!({"starts_at": Utc::now() + Duration::days(45)});
    let resp = app.admin.put(&path, &moved).await.expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "shows").await, 1);

    let resp = app.admin.post("/shows", &new(29)).await.expect("post");
    assert_eq!(resp.status(), StatusCode::CREATED, "within the horizon");
}
