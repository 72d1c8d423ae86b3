//! Many customers racing for overlapping seats: never a seat in two live bookings.

use mtbp_tests::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
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
            let body: Value = resp.json().await.expect("json");
            (seats, status, body)
        }
    });
    let results = futures::future::join_all(racers).await;

    let mut owner: HashMap<String, String> = HashMap::new();
    let (mut won, mut lost) = (0, 0);
    for (seats, status, body) in &results {
        match *status {
            StatusCode::CREATED => {
                won += 1;
                let id = body["booking_id"].as_str().expect("id").to_owned();
                for s in seats {
                    let previous = owner.insert(s.clone(), id.clone());
                    assert!(previous.is_none(), "seat {s} was given to two bookings");
                }
            }
            StatusCode::CONFLICT => {
                lost += 1;
                assert_eq!(body["error"]["code"], "seats_unavailable");
                let taken = body["error"]["details"]["seats"].as_array().expect("seats");
                assert!(!taken.is_empty());
            }
            other => panic!("unexpected {other}: {body}"),
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
                    'PaymentCompleted', 'BookingCompleted')
              group by bs.seat_label having count(*) > 1) d",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("check");
    assert_eq!(doubled, 0, "no seat in two live bookings");
}
