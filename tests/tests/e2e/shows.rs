//! Partners manage shows: a day's shows in bulk (all or nothing), changes, removal; a show with
//! seats held or booked is neither moved nor removed.

use chrono::{Duration, Utc};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::shows::json::{SeatMap, Show};
use mtbp_domain::ShowStatus;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{error_code, field_names, refusal};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_partner_schedules_a_day_in_bulk_and_changes_or_removes_shows_without_bookings() {
    let app = TestApp::spawn().await;
    let partner = app.partner("Bulk Cinemas").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let movie: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let movie_id = movie.movie_id;
    let day = Utc::now() + Duration::days(5);
    let slot = |h: i64| {
        json!({"movie_id": movie_id, "screen_id": show.screen_id,
                              "starts_at": day + Duration::hours(h), "language": "Tamil"})
    };

    // One bad show refuses the whole day, naming it.
    let resp = partner
        .api
        .post(
            "/shows/bulk",
            &json!({"shows": [slot(0), slot(3), {"movie_id": movie_id,
            "screen_id": show.screen_id, "starts_at": day + Duration::hours(6), "language": ""}]}),
        )
        .await
        .expect("bulk");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    assert_eq!(field_names(&err).first(), Some(&"shows[2].language"));
    let resp = partner
        .api
        .post("/shows/bulk", &json!({"shows": [slot(0), slot(1)]}))
        .await
        .expect("bulk");
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "the second overlaps the first"
    );
    let err = refusal(resp).await.expect("error");
    // Details are free-form JSON in the API's error type too.
    assert_eq!(
        err.details.as_ref().map(|d| d["index"].clone()),
        Some(json!(1))
    );
    let count = |app: &TestApp| {
        let db = app.db.clone();
        let screen = show.screen_id;
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from shows where screen_id = $1")
                .bind(screen)
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };
    assert_eq!(count(&app).await, 1, "nothing of a refused day was kept");
    let resp = partner
        .api
        .post(
            "/shows/bulk",
            &json!({"shows": [slot(0), slot(3), slot(6), slot(9)]}),
        )
        .await
        .expect("bulk");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let day_shows: Vec<Show> = resp.json().await.expect("json");
    assert_eq!(count(&app).await, 5);

    // Another partner cannot touch them.
    let other = app.partner("Other").await.expect("partner");
    let first = format!("/shows/{}", day_shows[0].show_id);
    assert_eq!(
        other
            .api
            .put(&first, &json!({"format": "3D"}))
            .await
            .expect("put")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other.api.delete(&first).await.expect("delete").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other
            .api
            .post("/shows/bulk", &json!({"shows": [slot(12)]}))
            .await
            .expect("bulk")
            .status(),
        StatusCode::FORBIDDEN
    );

    // Moved, reformatted, repriced; a move onto another show is a 409 and changes nothing.
    let resp = partner
        .api
        .put(
            &first,
            &json!({"starts_at": day + Duration::hours(1), "format": "IMAX",
                             "prices": {"REGULAR": 25000}}),
        )
        .await
        .expect("put");
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "1h later runs into the 3h show"
    );
    let resp = partner
        .api
        .put(
            &first,
            &json!({"starts_at": day - Duration::hours(3), "format": "IMAX",
                             "prices": {"REGULAR": 25000}}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let moved: Show = resp.json().await.expect("json");
    assert_eq!(moved.format, "IMAX");
    assert_eq!(
        moved.prices.get("REGULAR").map(|m| m.amount_minor),
        Some(25000)
    );
    let map: SeatMap = app
        .api
        .read(&format!("{first}/seats"))
        .await
        .expect("seat map");
    assert_eq!(map.rows[0].seats[0].price.amount_minor, 25000);

    // Removed: cancelled, not bookable, its time free again.
    assert_eq!(
        partner.api.delete(&first).await.expect("delete").status(),
        StatusCode::NO_CONTENT
    );
    let gone: Show = app.api.read(&first).await.expect("show");
    assert_eq!(gone.status, ShowStatus::Cancelled);
    let show_id = gone.show_id.as_uuid();
    assert_eq!(
        app.api
            .hold(show_id, &["A1"], None)
            .await
            .expect("hold")
            .status(),
        StatusCode::CONFLICT
    );
    partner
        .api
        .create_as::<Show>("/shows", &slot(-3))
        .await
        .expect("the cancelled show's time can be used again");
}

#[tokio::test]
async fn a_show_with_seats_held_or_booked_is_not_moved_and_its_removal_cancels_them() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let path = format!("/shows/{}", show.show_id);
    app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let later = Utc::now() + Duration::days(9);
    for resp in [
        app.admin
            .put(&path, &json!({"starts_at": later}))
            .await
            .expect("put"),
        app.admin
            .put(&path, &json!({"language": "Hindi"}))
            .await
            .expect("put"),
    ] {
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(
            error_code(resp).await.expect("error"),
            ErrorCode::ShowHasBookings
        );
    }
    // Prices of the free seats may still change; the held seat keeps its price.
    let resp = app
        .admin
        .put(&path, &json!({"prices": {"REGULAR": 9900}}))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let map: SeatMap = app
        .api
        .read(&format!("{path}/seats"))
        .await
        .expect("seat map");
    let seats = &map.rows[0].seats;
    assert_eq!(
        seats[0].price.amount_minor, 20000,
        "A1 is held at its price"
    );
    assert_eq!(seats[1].price.amount_minor, 9900);
    let unchanged: Show = app.api.read(&path).await.expect("show");
    assert_eq!(unchanged.status, ShowStatus::Scheduled);
    assert_eq!(unchanged.language, "English");
    // Removing it is a show cancellation (theaters::cancelling_a_show covers the refunds): 202,
    // the show cancelled at once, the hold's saga cancelled.
    let resp = app.admin.delete(&path).await.expect("delete");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let gone: Show = app.api.read(&path).await.expect("show");
    assert_eq!(gone.status, ShowStatus::Cancelled);
}
