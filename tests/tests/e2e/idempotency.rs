//! `Idempotency-Key`: a retried POST names the same booking; a reused key with another body is
//! refused.

use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_tests::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn the_same_idempotency_key_twice_returns_the_same_booking() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 6).await.expect("show");
    let key = format!("retry-{}", uuid::Uuid::new_v4());

    let first = app
        .api
        .hold(show.show_id, &["A1", "A2"], Some(&key))
        .await
        .expect("first");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Booking = first.json().await.expect("json");
    let second = app
        .api
        .hold(show.show_id, &["A2", "A1"], Some(&key))
        .await
        .expect("second");
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let second: Booking = second.json().await.expect("json");
    assert_eq!(first.booking_id, second.booking_id);

    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(bookings, 1);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_make_one_booking() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 6).await.expect("show");
    let key = format!("burst-{}", uuid::Uuid::new_v4());
    let tries = (0..8).map(|_| {
        let api = app.api.clone();
        let key = key.clone();
        async move { api.hold(show.show_id, &["A3"], Some(&key)).await }
    });
    let mut ids = Vec::new();
    for resp in futures::future::join_all(tries).await {
        let resp = resp.expect("hold");
        let status = resp.status();
        assert_eq!(status, StatusCode::CREATED);
        let body: Booking = resp.json().await.expect("json");
        ids.push(body.booking_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every retry named the same booking");
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(bookings, 1);
}

#[tokio::test]
async fn a_reused_key_with_a_different_request_is_refused() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 6).await.expect("show");
    let key = format!("reuse-{}", uuid::Uuid::new_v4());
    let first = app
        .api
        .hold(show.show_id, &["A1"], Some(&key))
        .await
        .expect("first");
    assert_eq!(first.status(), StatusCode::CREATED);
    let other = app
        .api
        .hold(show.show_id, &["A4"], Some(&key))
        .await
        .expect("other");
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorEnvelope = other.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::IdempotencyKeyReused);
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A4"])
            .await
            .expect("map"),
        ["available"]
    );
}

#[tokio::test]
async fn a_retry_after_the_show_started_still_gets_its_booking() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let key = format!("late-{}", uuid::Uuid::new_v4());
    let first = app
        .api
        .hold(show.show_id, &["A2"], Some(&key))
        .await
        .expect("first");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Booking = first.json().await.expect("json");
    sqlx::query("update shows set starts_at = now() - interval '1 minute' where show_id = $1")
        .bind(show.show_id)
        .execute(&app.db)
        .await
        .expect("move the show");
    let retry = app
        .api
        .hold(show.show_id, &["A2"], Some(&key))
        .await
        .expect("retry");
    assert_eq!(retry.status(), StatusCode::CREATED);
    let retry: Booking = retry.json().await.expect("json");
    assert_eq!(retry.booking_id, first.booking_id);
    // A new request for that show is refused, as the show has started.
    let fresh = app
        .api
        .hold(show.show_id, &["A3"], None)
        .await
        .expect("fresh");
    assert_eq!(fresh.status(), StatusCode::CONFLICT);
}
