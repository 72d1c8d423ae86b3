//! Theaters and screens change and close: who may, what is checked, and what a change leaves
//! alone (shows still to run, the seat maps of shows already sold).

use mtbp_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn theater_body(name: &str) -> Value {
    json!({"name": name, "city": "Kochi", "pincode": "682016",
           "latitude": 9.97, "longitude": 76.28})
}

fn layout(seats: u16) -> Value {
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
    let theater = owner
        .api
        .create("/theaters", &theater_body("Shenoys"))
        .await
        .expect("theater");
    assert_eq!(theater["timezone"], "Asia/Kolkata");
    assert_eq!(theater["rating_count"], 0);
    assert!(theater["rating_average"].is_null());
    let path = format!("/theaters/{}", theater["theater_id"].as_str().expect("id"));

    let mut renamed = theater_body("Shenoys Grand");
    renamed["timezone"] = json!("Asia/Dubai");
    let resp = owner.api.put(&path, &renamed).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let updated: Value = resp.json().await.expect("json");
    assert_eq!(updated["name"], "Shenoys Grand");
    assert_eq!(updated["timezone"], "Asia/Dubai");
    assert_eq!(
        updated["partner_id"],
        json!(owner.partner_id),
        "left out: kept"
    );

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
    let body: Value = resp.json().await.expect("json");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
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
    let now: Value = app.api.get_json(&path).await.expect("json");
    assert_eq!(now["name"], "Shenoys Grand");
    assert_eq!(now["timezone"], "Asia/Dubai");
    assert_eq!(now["partner_id"], json!(owner.partner_id));

    let resp = app.admin.put(&path, &moved).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let now: Value = app.api.get_json(&path).await.expect("json");
    assert_eq!(now["partner_id"], json!(rival.partner_id));
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

    let listed: Value = app.api.get_json(&screens_path).await.expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["name"], "Audi 1");

    // Renaming is fine with a show to run; a new layout is not.
    let current: Value = app
        .api
        .get_json(&format!("/screens/{}", fixture.screen_id))
        .await
        .expect("json");
    let resp = owner
        .api
        .put(
            &screen_path,
            &json!({"name": "Audi One", "layout": current["layout"]}),
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
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "has_upcoming_shows");
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
    let elsewhere = owner
        .api
        .create("/theaters", &theater_body("Second Site"))
        .await
        .expect("theater");
    let wrong = format!(
        "/theaters/{}/screens/{}",
        elsewhere["theater_id"].as_str().expect("id"),
        fixture.screen_id
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
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["error"]["fields"].as_array().map(Vec::len),
        Some(3),
        "{body}"
    );

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
    let map_before: Value = app
        .api
        .get_json(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("json");
    let resp = owner
        .api
        .put(
            &screen_path,
            &json!({"name": "Audi One", "layout": layout(6)}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let screen: Value = resp.json().await.expect("json");
    assert_eq!(screen["seat_count"], 12);
    let map_after: Value = app
        .api
        .get_json(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("json");
    assert_eq!(map_before["rows"], map_after["rows"]);

    // A new show gets the new layout, accessible seats marked.
    let movie: Value = app
        .api
        .get_json(&format!("/shows/{}", fixture.show_id))
        .await
        .expect("json");
    let show = owner
        .api
        .create(
            "/shows",
            &json!({"movie_id": movie["movie_id"], "screen_id": fixture.screen_id,
                    "starts_at": chrono::Utc::now() + chrono::Duration::days(3),
                    "language": "English"}),
        )
        .await
        .expect("show");
    let map: Value = app
        .api
        .get_json(&format!(
            "/shows/{}/seats",
            show["show_id"].as_str().expect("id")
        ))
        .await
        .expect("json");
    assert_eq!(map["available"], 12);
    let a = &map["rows"][0]["seats"];
    assert_eq!(
        (a[0]["label"].clone(), a[0]["accessible"].clone()),
        (json!("A1"), json!(true))
    );
    assert_eq!(a[1]["accessible"], false);
    assert_eq!(a[2]["column"], 3, "aisle after A2");
    assert_eq!(
        owner
            .api
            .delete(&format!("/shows/{}", show["show_id"].as_str().expect("id")))
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
    let listed: Value = app.api.get_json(&screens_path).await.expect("json");
    assert_eq!(listed, json!([]));
    let resp = owner
        .api
        .post(
            "/shows",
            &json!({"movie_id": movie["movie_id"], "screen_id": fixture.screen_id,
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
    let map_later: Value = app
        .api
        .get_json(&format!("/shows/{}/seats", fixture.show_id))
        .await
        .expect("json");
    assert_eq!(map_before["rows"], map_later["rows"]);
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
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["details"]["upcoming_shows"], 1);
    assert_eq!(
        rival.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::UNAUTHORIZED
    );
    let found: Value = app
        .api
        .get_json("/theaters?city=bengaluru")
        .await
        .expect("json");
    assert_eq!(found["theaters"].as_array().map(Vec::len), Some(1));
    // A theater that moves takes its shows with it in every search.
    let moved = json!({"name": "Test Cinema", "city": "Mysuru", "timezone": "Asia/Kolkata"});
    assert_eq!(
        owner.api.status_of(Method::PUT, &path, Some(&moved)).await,
        StatusCode::OK
    );
    for (city, count) in [("mysuru", 1), ("bengaluru", 0)] {
        let shows: Value = app
            .api
            .get_json(&format!("/shows?city={city}"))
            .await
            .expect("json");
        assert_eq!(
            shows["shows"].as_array().map(Vec::len),
            Some(count),
            "{city}"
        );
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
    let found: Value = app
        .api
        .get_json("/theaters?city=mysuru")
        .await
        .expect("json");
    assert_eq!(found["theaters"], json!([]));
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
