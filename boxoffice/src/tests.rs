use super::*;
use axum::body::Body as HttpBody;
use axum::http::Request as HttpRequest;
use tower::ServiceExt;

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let req = HttpRequest::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(HttpBody::empty, |b| HttpBody::from(b.to_string())))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("answer");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn app() -> Router {
    BoxOffice::new(Config::default()).router()
}

fn lock_body(reference: &str, seats: &[&str], seconds: u32) -> serde_json::Value {
    json!({"show": "s1", "seats": seats, "seconds": seconds, "reference": reference})
}

fn confirm_body(reference: &str) -> serde_json::Value {
    json!({"booking": {"reference": reference, "ticket_code": "T1", "amount_minor": 100,
                       "currency": "INR"},
           "customer": {"name": "A", "email": "a@example.com", "phone": null}})
}

#[tokio::test]
async fn locks_conflict_between_references_and_repeat_for_one() {
    let app = app();
    let (s, first) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b1", &["a1", "A2"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(first["seats"], json!(["A1", "A2"]));
    let (s, again) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b1", &["A2", "A1"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["lock_id"], first["lock_id"]);
    let (s, other) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b2", &["A2", "A3"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(other["seats"], json!(["A2"]));
    let (s, _) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b1", &["A3"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a reference holding other seats");
}

#[tokio::test]
async fn a_confirm_sells_once_and_a_sold_lock_cannot_be_released() {
    let app = app();
    let (_, lock) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b1", &["A1"], 600)),
    )
    .await;
    let id = lock["lock_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/locks/{id}/confirm");
    let (s, sale) = call(&app, "POST", &path, Some(confirm_body("b1"))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, again) = call(&app, "POST", &path, Some(confirm_body("b1"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["sale_id"], sale["sale_id"]);
    let (s, _) = call(&app, "DELETE", &format!("/v1/locks/{id}"), None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, list) = call(&app, "GET", "/v1/sales?show=s1", None).await;
    assert_eq!(list["sales"].as_array().map(Vec::len), Some(1));
    let (_, seats) = call(&app, "GET", "/v1/shows/s1/seats?seats=A1,A2", None).await;
    assert_eq!(
        seats["seats"],
        json!([{"label": "A1", "state": "sold"}, {"label": "A2", "state": "available"}])
    );
}

#[tokio::test]
async fn a_lapsed_lock_frees_its_seats_and_refuses_its_confirm() {
    let app = app();
    let (_, lock) = call(&app, "POST", "/v1/locks", Some(lock_body("b1", &["A1"], 1))).await;
    let id = lock["lock_id"].as_str().expect("id").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let path = format!("/v1/locks/{id}/confirm");
    let (s, e) = call(&app, "POST", &path, Some(confirm_body("b1"))).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("lock_expired"))
    );
    let (s, _) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b2", &["A1"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn switches_refuse_seats_confirms_and_everything() {
    let app = app();
    let (s, _) = call(
        &app,
        "PUT",
        "/admin/switches",
        Some(json!({"reject_seats": {"s1": ["b1"]}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("r1", &["B1"], 600)),
    )
    .await;
    assert_eq!(
        (s, e["seats"].clone()),
        (StatusCode::CONFLICT, json!(["B1"]))
    );
    let (_, lock) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("r2", &["C1"], 600)),
    )
    .await;
    let id = lock["lock_id"].as_str().expect("id").to_owned();
    call(
        &app,
        "PUT",
        "/admin/switches",
        Some(json!({"reject_confirm": true})),
    )
    .await;
    let path = format!("/v1/locks/{id}/confirm");
    let (s, e) = call(&app, "POST", &path, Some(confirm_body("r2"))).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("rejected"))
    );
    call(&app, "PUT", "/admin/switches", Some(json!({"down": true}))).await;
    let (s, _) = call(&app, "GET", "/health", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = call(&app, "GET", "/v1/sales", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, sw) = call(&app, "GET", "/admin/switches", None).await;
    assert_eq!((s, sw["down"].as_bool()), (StatusCode::OK, Some(true)));
    let (s, _) = call(
        &app,
        "PUT",
        "/admin/switches",
        Some(json!({"delay_ms": 60_001})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn designated_sales_repeat_by_reference_and_cancel_seat_by_seat() {
    let app = app();
    let body = json!({"show": "s1", "seats": ["D1", "D2"], "booking": {"reference": "b9"},
                      "customer": {}});
    let (s, sale) = call(&app, "POST", "/v1/sales", Some(body.clone())).await;
    assert_eq!(
        (s, sale["kind"].as_str()),
        (StatusCode::CREATED, Some("designated"))
    );
    let (s, again) = call(&app, "POST", "/v1/sales", Some(body)).await;
    assert_eq!(
        (s, again["sale_id"].clone()),
        (StatusCode::OK, sale["sale_id"].clone())
    );
    let id = sale["sale_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/sales/{id}/cancel");
    let (s, part) = call(&app, "POST", &path, Some(json!({"seats": ["D1"]}))).await;
    assert_eq!(
        (s, part["seats"].clone(), part["status"].as_str()),
        (StatusCode::OK, json!(["D2"]), Some("sold"))
    );
    let (s, _) = call(&app, "POST", &path, Some(json!({"seats": ["Z9"]}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, all) = call(&app, "POST", &path, Some(json!({}))).await;
    assert_eq!(all["status"].as_str(), Some("cancelled"));
    let (s, _) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b10", &["D1", "D2"], 600)),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "cancelled seats are available again"
    );
}

#[tokio::test]
async fn a_counter_sale_blocks_locks_and_bad_input_is_refused() {
    let app = app();
    let (s, _) = call(
        &app,
        "POST",
        "/admin/shows/s1/sell",
        Some(json!({"seats": ["E1"]})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &app,
        "POST",
        "/v1/locks",
        Some(lock_body("b1", &["E1"], 600)),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    for bad in [
        lock_body("b1", &[], 600),
        lock_body("", &["A1"], 600),
        lock_body("b1", &["A1", "a1"], 600),
        lock_body("b1", &["A1"], 0),
    ] {
        let (s, e) = call(&app, "POST", "/v1/locks", Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    }
    let (s, e) = call(&app, "POST", "/v1/locks", Some(json!({"show": 1}))).await;
    assert!(s.is_client_error(), "{e}");
    let (s, _) = call(
        &app,
        "POST",
        "/v1/locks/lk_none/confirm",
        Some(confirm_body("x")),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, "DELETE", "/v1/locks/lk_none", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_key_is_required_when_set() {
    let app = BoxOffice::new(Config {
        api_key: Some("k".into()),
        ..Config::default()
    })
    .router();
    let (s, _) = call(&app, "GET", "/v1/sales", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
