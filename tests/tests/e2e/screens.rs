//! Screens change and retire: who may, what is checked, and what a change leaves alone (shows
//! still to run, the seat maps of shows already sold).

use crate::venues::{layout, theater_body};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::screens::json::Screen;
use mtbp_api::routes::shows::json::{SeatMap, Show};
use mtbp_api::routes::theaters::json::Theater;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{error_code, field_names, refusal};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_screen_keeps_its_layout_while_shows_are_to_run_and_sold_maps_never_change() {
    let app = TestApp::spawn().await;
    let owner = app.partner("Screens Ltd").await.expect("partner");
    let rival = app.partner("Other Ltd").await.expect("partner");
    let fixture = owner
        .api
        .create_show_with(&app.admin, 2, 4)
        .await
        .expect("show");
    let tid = fixture.theater_id;
    let screens_path = format!("/theaters/{tid}/screens");
    let screen_path = format!("{screens_path}/{}", fixture.screen_id);

    let listed: Vec<Screen> = app.api.read(&screens_path).await.expect("screens");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "Audi 1");

    // Renaming is fine with a show to run; a new layout is not.
    let current: Screen = app
        .api
        .read(&format!("/screens/{}", fixture.screen_id))
        .await
        .expect("screen");
    let resp = owner
        .api
        .put(
            &screen_path,
            &json!({"name": "Audi One", "layout": current.layout}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = owner
        .api
        .put(
            &screen_path,
            &json!({"name": "Audi One", "layout": layout(6)}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        error_code(resp).await.expect("error"),
        ErrorCode::HasUpcomingShows
    );
    assert_eq!(
        owner
            .api
            .status_of(Method::DELETE, &screen_path, None)
            .await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        rival
            .api
            .put(&screen_path, &json!({"name": "Mine", "layout": layout(6)}))
            .await
            .expect("put")
            .status(),
        StatusCode::FORBIDDEN
    );
    // A screen is addressed through its own theater.
    let elsewhere: Theater = owner
        .api
        .create_as("/theaters", &theater_body("Second Site"))
        .await
        .expect("theater");
    let wrong = format!(
        "/theaters/{}/screens/{}",
        elsewhere.theater_id, fixture.screen_id
    );
    assert_eq!(
        owner.api.status_of(Method::DELETE, &wrong, None).await,
        StatusCode::NOT_FOUND
    );
    // Invalid layouts list every problem and change nothing.
    let bad = json!({"name": "Audi One", "layout": {"categories": [],
        "rows": [{"label": "A", "category": "VIP", "seats": 4, "accessible": [5]}]}});
    let resp = owner.api.put(&screen_path, &bad).await.expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    assert_eq!(field_names(&err).len(), 3, "{err:?}");

    // Once its show is cancelled the layout may change; the show's map stays as it was.
    assert_eq!(
        owner
            .api
            .delete(&format!("/shows/{}", fixture.show_id))
            .await
            .expect("cancel")
            .status(),
        StatusCode::NO_CONTENT
    );
    let map_before: SeatMap = app
        .api
        .read(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("seat map");
    let resp = owner
        .api
        .put(
            &screen_path,
            &json!({"name": "Audi One", "layout": layout(6)}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let screen: Screen = resp.json().await.expect("json");
    assert_eq!(screen.seat_count, 12);
    let map_after: SeatMap = app
        .api
        .read(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("seat map");
    assert_eq!(map_before.rows, map_after.rows);

    // A new show gets the new layout, accessible seats marked.
    let movie: Show = app
        .api
        .read(&format!("/shows/{}", fixture.show_id))
        .await
        .expect("show");
    let show: Show = owner
        .api
        .create_as(
            "/shows",
            &json!({"movie_id": movie.movie_id, "screen_id": fixture.screen_id,
                    "starts_at": chrono::Utc::now() + chrono::Duration::days(3),
                    "language": "English"}),
        )
        .await
        .expect("show");
    let map: SeatMap = app
        .api
        .read(&format!("/shows/{}/seats", show.show_id))
        .await
        .expect("seat map");
    assert_eq!(map.available, 12);
    let a = &map.rows[0].seats;
    assert_eq!((a[0].label.as_str(), a[0].accessible), ("A1", true));
    assert!(!a[1].accessible);
    assert_eq!(a[2].column, 3, "aisle after A2");
    assert_eq!(
        owner
            .api
            .delete(&format!("/shows/{}", show.show_id))
            .await
            .expect("cancel")
            .status(),
        StatusCode::NO_CONTENT
    );

    // Retired: gone from the catalog, no new shows, its name free again.
    assert_eq!(
        owner
            .api
            .status_of(Method::DELETE, &screen_path, None)
            .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        owner
            .api
            .status_of(Method::DELETE, &screen_path, None)
            .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api
            .get(&format!("/screens/{}", fixture.screen_id))
            .await
            .expect("get")
            .status(),
        StatusCode::NOT_FOUND
    );
    let listed: Vec<Screen> = app.api.read(&screens_path).await.expect("screens");
    assert!(listed.is_empty());
    let resp = owner
        .api
        .post(
            "/shows",
            &json!({"movie_id": movie.movie_id, "screen_id": fixture.screen_id,
                    "starts_at": chrono::Utc::now() + chrono::Duration::days(4),
                    "language": "English"}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = owner
        .api
        .post(
            &screens_path,
            &json!({"name": "Audi One", "layout": layout(3)}),
        )
        .await
        .expect("post");
    assert_eq!(again.status(), StatusCode::CREATED);
    // Sold maps survive retirement too.
    let map_later: SeatMap = app
        .api
        .read(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("seat map");
    assert_eq!(map_before.rows, map_later.rows);
}
