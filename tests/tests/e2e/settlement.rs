//! Settlement with theater partners, on the real stack: contracts (operators set them, the
//! partner's staff read them, bad terms are refused field by field and change nothing).

use mtbp_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn terms() -> Value {
    json!({"period": "daily", "time_zone": "Europe/London", "cutoff_hour": 6,
           "commission_bp": 1200, "addon_commission_bp": 800, "partner_fee_share_bp": 2500,
           "partner_cancellation_fee_bp": 5000, "minimum_payout_minor": 100000})
}

#[tokio::test]
async fn operators_set_contracts_partners_read_them_and_bad_terms_change_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.partner("Contract Cinemas").await.expect("partner");
    let id = partner.partner_id.expect("partner id");
    let path = format!("/partners/{id}/contract");

    // The defaults until an operator sets terms: weekly, the platform's rates.
    let resp = partner.api.get(&path).await.expect("get");
    assert_eq!(resp.status(), StatusCode::OK);
    let read: Value = resp.json().await.expect("json");
    assert_eq!(read["set"], false, "{read}");
    assert_eq!(read["version"], 0);
    assert_eq!(read["period"], "weekly");
    assert_eq!(read["commission_bp"], 1000);

    // The partner may not set its own terms.
    let resp = partner.api.put(&path, &terms()).await.expect("put");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let resp = app.admin.put(&path, &terms()).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let set: Value = resp.json().await.expect("json");
    assert_eq!(set["set"], true, "{set}");
    assert_eq!(set["version"], 1);
    let resp = partner.api.get(&path).await.expect("get");
    let read: Value = resp.json().await.expect("json");
    for field in [
        "period",
        "time_zone",
        "cutoff_hour",
        "commission_bp",
        "addon_commission_bp",
        "partner_fee_share_bp",
        "partner_cancellation_fee_bp",
        "minimum_payout_minor",
    ] {
        assert_eq!(read[field], terms()[field], "{field}: {read}");
    }
    // The period is the partner's too.
    let resp = partner
        .api
        .get(&format!("/partners/{id}"))
        .await
        .expect("partner");
    let profile: Value = resp.json().await.expect("json");
    assert_eq!(
        profile["billing"]["settlement_period"], "daily",
        "{profile}"
    );

    // Each bad term is refused with its field named, and nothing changes.
    for (field, value) in [
        ("time_zone", json!("Mars/Olympus")),
        ("cutoff_hour", json!(24)),
        ("commission_bp", json!(5001)),
        ("addon_commission_bp", json!(9000)),
        ("partner_fee_share_bp", json!(10001)),
        ("partner_cancellation_fee_bp", json!(20000)),
        ("minimum_payout_minor", json!(-1)),
    ] {
        let mut body = terms();
        body["commission_bp"] = json!(1500);
        body[field] = value;
        let resp = app.admin.put(&path, &body).await.expect("put");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let err: Value = resp.json().await.expect("json");
        assert_eq!(err["error"]["fields"][0]["field"], field, "{err}");
    }
    for body in [
        json!({"period": "hourly"}),
        json!("weekly"),
        json!({"period": "daily", "cutoff_hour": -1}),
    ] {
        let resp = app.admin.put(&path, &body).await.expect("put");
        assert!(resp.status().is_client_error(), "{body}: {}", resp.status());
    }
    let read: Value = partner
        .api
        .get(&path)
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(read["commission_bp"], 1200, "unchanged: {read}");
    assert_eq!(read["version"], 1);

    // A second change bumps the version.
    let mut body = terms();
    body["period"] = json!("monthly");
    let resp = app.admin.put(&path, &body).await.expect("put");
    let set: Value = resp.json().await.expect("json");
    assert_eq!(
        (set["version"].as_i64(), set["period"].as_str()),
        (Some(2), Some("monthly"))
    );

    // Another partner's staff may not read it; an unknown partner is a 404.
    let other = app.partner("Other Cinemas").await.expect("partner");
    let resp = other.api.get(&path).await.expect("get");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .admin
        .get(&format!("/partners/{}/contract", uuid::Uuid::new_v4()))
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
