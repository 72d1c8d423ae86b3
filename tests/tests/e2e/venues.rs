//! Theaters change and close: who may, what is checked, and what a change leaves alone
//! (shows still to run). Screens are in [`crate::screens`].

use mtbp_api::routes::discovery::json::{ShowPage, TheaterPage};
use mtbp_api::routes::theaters::json::Theater;
use mtbp_domain::PartnerId;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{field_names, refusal};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A theater in Kochi named `name`.
pub(crate) fn theater_body(name: &str) -> Value {
    json!({"name": name, "city": "Kochi", "pincode": "682016",
           "latitude": 9.97, "longitude": 76.28})
}

/// One category, two rows of `seats`, an aisle after seat 2 and A1 accessible.
pub(crate) fn layout(seats: u16) -> Value {
    json!({"categories": [{"code": "REGULAR", "name": "Regular", "price_minor": 15000}],
           "rows": [{"label": "A", "category": "REGULAR", "seats": seats, "gaps_after": [2],
                     "accessible": [1]},
                    {"label": "B", "category": "REGULAR", "seats": seats}]})
}

#[tokio::test]
async fn partners_update_their_theaters_and_nothing_else_changes_them() {
    let app = TestApp::spawn().await;
    let owner = app.partner("Owner Cinemas").await.expect("partner");
    let rival = app.partner("Rival Cinemas").await.expect("partner");
    let customer = app.customer("viewer@example.com").await.expect("customer");
    let theater: Theater = owner
        .api
        .create_as("/theaters", &theater_body("Shenoys"))
        .await
        .expect("theater");
    assert_eq!(theater.timezone, "Asia/Kolkata");
    assert_eq!(theater.rating_count, 0);
    assert!(theater.rating_average.is_none());
    let path = format!("/theaters/{}", theater.theater_id);
    let owner_id = owner.partner_id.map(PartnerId::from);

    let mut renamed = theater_body("Shenoys Grand");
    renamed["timezone"] = json!("Asia/Dubai");
    let resp = owner.api.put(&path, &renamed).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let updated: Theater = resp.json().await.expect("json");
    assert_eq!(updated.name, "Shenoys Grand");
    assert_eq!(updated.timezone, "Asia/Dubai");
    assert_eq!(updated.partner_id, owner_id, "left out: kept");

    // Other partners, customers and anonymous callers may not.
    for (who, client, status) in [
        ("rival", &rival.api, StatusCode::FORBIDDEN),
        ("customer", &customer.api, StatusCode::FORBIDDEN),
        ("anonymous", &app.api, StatusCode::UNAUTHORIZED),
    ] {
        let got = client
            .put(&path, &theater_body("Mine now"))
            .await
            .expect("put");
        assert_eq!(got.status(), status, "{who}");
    }
    // Staff cannot hand the theater to another partner; an operator can.
    let mut moved = theater_body("Shenoys Grand");
    moved["partner_id"] = json!(rival.partner_id);
    assert_eq!(
        owner.api.status_of(Method::PUT, &path, Some(&moved)).await,
        StatusCode::FORBIDDEN
    );

    // Bad input: every problem listed, nothing changed.
    let bad = json!({"name": " ", "city": "Kochi", "latitude": 91.0, "longitude": 10.0,
                     "timezone": "Mars/Olympus", "pincode": "1"});
    let resp = owner.api.put(&path, &bad).await.expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    let fields = field_names(&err);
    for field in ["name", "pincode", "latitude", "timezone"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let unknown = json!({"name": "X", "city": "Kochi", "seats": 3});
    assert_eq!(
        owner
            .api
            .status_of(Method::PUT, &path, Some(&unknown))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let now: Theater = app.api.read(&path).await.expect("theater");
    assert_eq!(now.name, "Shenoys Grand");
    assert_eq!(now.timezone, "Asia/Dubai");
    assert_eq!(now.partner_id, owner_id);

    let resp = app.admin.put(&path, &moved).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let now: Theater = app.api.read(&path).await.expect("theater");
    assert_eq!(now.partner_id, rival.partner_id.map(PartnerId::from));
    // The old owner lost it; the new one has it.
    assert_eq!(
        owner
            .api
            .status_of(Method::PUT, &path, Some(&renamed))
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rival
            .api
            .status_of(Method::PUT, &path, Some(&renamed))
            .await,
        StatusCode::OK
    );
    let missing = format!("/theaters/{}", uuid::Uuid::new_v4());
    assert_eq!(
        app.admin
            .status_of(Method::PUT, &missing, Some(&renamed))
            .await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_theater_closes_only_when_no_show_is_left_to_run() {
    let app = TestApp::spawn().await;
    let owner = app.partner("Closing Cinemas").await.expect("partner");
    let rival = app.partner("Bystander").await.expect("partner");
    let fixture = owner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let path = format!("/theaters/{}", fixture.theater_id);
    let resp = owner.api.delete(&path).await.expect("delete");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let err = refusal(resp).await.expect("error");
    // Details are free-form JSON in the API's error type too.
    assert_eq!(
        err.details.as_ref().map(|d| d["upcoming_shows"].clone()),
        Some(json!(1))
    );
    assert_eq!(
        rival.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::UNAUTHORIZED
    );
    let found: TheaterPage = app
        .api
        .read("/theaters?city=bengaluru")
        .await
        .expect("theaters");
    assert_eq!(found.theaters.len(), 1);
    // A theater that moves takes its shows with it in every search.
    let moved = json!({"name": "Test Cinema", "city": "Mysuru", "timezone": "Asia/Kolkata"});
    assert_eq!(
        owner.api.status_of(Method::PUT, &path, Some(&moved)).await,
        StatusCode::OK
    );
    for (city, count) in [("mysuru", 1), ("bengaluru", 0)] {
        let shows: ShowPage = app
            .api
            .read(&format!("/shows?city={city}"))
            .await
            .expect("shows");
        assert_eq!(shows.shows.len(), count, "{city}");
    }

    assert_eq!(
        owner
            .api
            .delete(&format!("/shows/{}", fixture.show_id))
            .await
            .expect("cancel")
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        owner.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api.status_of(Method::GET, &path, None).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        owner.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND
    );
    let found: TheaterPage = app
        .api
        .read("/theaters?city=mysuru")
        .await
        .expect("theaters");
    assert!(found.theaters.is_empty());
    assert_eq!(
        app.api
            .get(&format!("{path}/screens"))
            .await
            .expect("get")
            .status(),
        StatusCode::NOT_FOUND
    );
    // No screens or shows can be added to a closed theater.
    let resp = owner
        .api
        .post(
            &format!("{path}/screens"),
            &json!({"name": "New", "layout": layout(4)}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // The cancelled show's seat map still reads.
    assert_eq!(
        app.api
            .get(&format!("/shows/{}/seats", fixture.show_id))
            .await
            .expect("get")
            .status(),
        StatusCode::OK
    );
}
