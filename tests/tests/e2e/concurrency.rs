//! Many customers racing for overlapping seats: never a seat in two live bookings.

use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{Answer, answer};
use reqwest::StatusCode;
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_bookings_never_share_a_seat_and_losers_get_409() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 12).await.expect("show");
    // 50 customers each want 2-3 adjacent seats among only 12: heavy overlap.
    let wants: Vec<Vec<String>> = (0..50)
        .map(|i| {
            let start = 1 + (i * 7) % 11;
            let len = 2 + i % 2;
            (start..start + len)
                .filter(|n| *n <= 12)
                .map(|n| format!("A{n}"))
                .collect()
        })
        .collect();
    let racers = wants.iter().map(|seats| {
        let api = app.api.clone();
        let seats = seats.clone();
        async move {
            let labels: Vec<&str> = seats.iter().map(String::as_str).collect();
            let resp = api.hold(show.show_id, &labels, None).await.expect("hold");
            let status = resp.status();
            let body = answer::<Booking>(resp).await.expect("json");
            (seats, status, body)
        }
    });
    let results = futures::future::join_all(racers).await;

    let mut owner: HashMap<String, String> = HashMap::new();
    let (mut won, mut lost) = (0, 0);
    for (seats, status, body) in &results {
        match (*status, body) {
            (StatusCode::CREATED, Answer::Ok(_, booking)) => {
                won += 1;
                let id = booking.booking_id.to_string();
                for s in seats {
                    let previous = owner.insert(s.clone(), id.clone());
                    assert!(previous.is_none(), "seat {s} was given to two bookings");
                }
            }
            (StatusCode::CONFLICT, Answer::Refused(_, error)) => {
                lost += 1;
                assert_eq!(error.code, ErrorCode::SeatsUnavailable);
                let taken = error
                    .details
                    .as_ref()
                    .and_then(|d| d["seats"].as_array())
                    .expect("seats");
                assert!(!taken.is_empty());
            }
            (other, body) => panic!("unexpected {other}: {body:?}"),
        }
    }
    assert!(
        won >= 4,
        "at least four disjoint pairs fit in 12 seats, got {won}"
    );
    assert!(lost > 0);
    assert_eq!(won + lost, 50);

    // The database agrees: every held seat belongs to exactly one of the winners.
    let held: Vec<(String, uuid::Uuid)> = sqlx::query_as(
        "select seat_label, booking_id from show_seats where show_id = $1 and status = 'held'",
    )
    .bind(show.show_id)
    .fetch_all(&app.db)
    .await
    .expect("seats");
    assert_eq!(held.len(), owner.len());
    for (seat, booking) in held {
        assert_eq!(owner.get(&seat), Some(&booking.to_string()));
    }
    let doubled: i64 = sqlx::query_scalar(
        "select count(*) from (
             select bs.seat_label from booking_seats bs join bookings b using (booking_id)
              where b.show_id = $1 and b.status in ('PreBooking', 'PaymentInitiated',
                    'PaymentCompleted', 'BookingCompleted', 'Invoiced')
              group by bs.seat_label having count(*) > 1) d",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("check");
    assert_eq!(doubled, 0, "no seat in two live bookings");
}

/// Customers asking for the best seats all at once each get a different block, chosen and held
/// in one step: no 409 until no block of that size is left, and then a clear one.
#[tokio::test]
async fn racing_best_seat_holds_get_disjoint_blocks_without_conflicts() {
    let app = TestApp::spawn().await;
    let show = app.create_show(4, 6).await.expect("show");
    let holds = (0..12).map(|_| {
        let api = app.api.anonymous();
        let show_id = show.show_id;
        tokio::spawn(async move {
            let resp = api.hold_best(show_id, 2, None).await.expect("send");
            let status = resp.status();
            (status, answer::<Booking>(resp).await.expect("json"))
        })
    });
    let mut taken: HashMap<String, String> = HashMap::new();
    for hold in holds {
        let (status, body) = hold.await.expect("join");
        assert_eq!(status, StatusCode::CREATED, "{body:?}");
        let body = body.ok().expect("a booking");
        let seats: Vec<String> = body.seats.iter().map(|s| s.label.clone()).collect();
        assert_eq!(seats.len(), 2, "{body:?}");
        let (a, b) = (&seats[0], &seats[1]);
        assert_eq!(a[..1], b[..1], "one row: {seats:?}");
        for seat in &seats {
            let booking = body.booking_id.to_string();
            assert!(
                taken.insert(seat.clone(), booking).is_none(),
                "{seat} held twice"
            );
        }
    }
    // 24 seats, 12 pairs: the show is full, and the next best-seats hold says why.
    let resp = app
        .api
        .hold_best(show.show_id, 1, None)
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::NotEnoughSeatsTogether);
    let held: i64 = sqlx::query_scalar(
        "select count(*) from show_seats where show_id = $1 and status = 'held'",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(held, 24);
}

/// A best-seats request is checked like any other: both forms at once, a count out of range,
/// an empty category or an unknown show get a clear 4xx and hold nothing.
#[tokio::test]
async fn best_seat_holds_refuse_bad_requests_and_hold_nothing() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 4).await.expect("show");
    let contact = serde_json::json!({"name": "Test Customer", "email": "customer@example.com"});
    let cases = [
        (
            serde_json::json!({"show_id": show.show_id, "seats": ["A1"], "best": {"count": 1}, "contact": contact}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "best",
        ),
        (
            serde_json::json!({"show_id": show.show_id, "best": {"count": 0}, "contact": contact}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "best.count",
        ),
        (
            serde_json::json!({"show_id": show.show_id, "best": {"count": 11}, "contact": contact}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "best.count",
        ),
        (
            serde_json::json!({"show_id": show.show_id, "best": {"count": 2, "category": " "}, "contact": contact}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "best.category",
        ),
    ];
    for (body, want, field) in cases {
        let resp = app.api.post("/bookings", &body).await.expect("send");
        assert_eq!(resp.status(), want, "{body:?}");
        let err: ErrorEnvelope = resp.json().await.expect("json");
        let problems = err.error.fields.as_deref().unwrap_or_default();
        assert_eq!(problems[0].field, field, "{err:?}");
    }
    let resp = app
        .api
        .hold_best(uuid::Uuid::new_v4(), 2, None)
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // A category with no seat: nothing that long together, 409.
    let resp = app
        .api
        .post(
            "/bookings",
            &serde_json::json!({"show_id": show.show_id, "best": {"count": 2, "category": "NOPE"}, "contact": contact}),
        )
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let held: i64 = sqlx::query_scalar(
        "select count(*) from show_seats where show_id = $1 and status <> 'free'",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(held, 0);
}

/// The availability a customer polls in a rush matches the seat map: held seats drop out, an
/// unknown show is a 404.
#[tokio::test]
async fn seat_availability_lists_exactly_the_bookable_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 4).await.expect("show");
    app.api
        .hold_ok(show.show_id, &["A2", "B1", "B2", "B3", "B4"])
        .await
        .expect("hold");
    let free = app
        .api
        .get_json(&format!("/shows/{}/seats/availability", show.show_id))
        .await
        .expect("availability");
    assert_eq!(free["available"], 3, "{free}");
    assert_eq!(
        free["rows"],
        serde_json::json!([{"row": "A", "seats": [1, 3, 4]}])
    );
    let map = app
        .api
        .get_json(&format!("/shows/{}/seats", show.show_id))
        .await
        .expect("map");
    assert_eq!(map["available"], free["available"]);
    let missing = app
        .api
        .get(&format!(
            "/shows/{}/seats/availability",
            uuid::Uuid::new_v4()
        ))
        .await
        .expect("send");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
