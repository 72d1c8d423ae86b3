//! Bad offers over the API: a 422 naming every bad field (or a 409 for a limit below the
//! redemptions so far), and nothing written.

use crate::offers::{app, offer_count, partner_with_show, percent_off};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::offers::json::Offer;
use mtbp_tests::api_client::{field_names, refusal};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn bad_offers_are_422_naming_each_field_and_nothing_is_written() {
    let app = app().await;
    let (owner, show) = partner_with_show(&app, "Careful Cinemas").await;
    let (_, rival_show) = partner_with_show(&app, "Rival Cinemas").await;
    let cases = [
        (
            json!({"type": "percent_off", "percent_bp": 0}),
            json!({}),
            json!({}),
            "benefit.percent_bp",
        ),
        (
            json!({"type": "percent_off", "percent_bp": 10001}),
            json!({}),
            json!({}),
            "benefit.percent_bp",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 0}),
            json!({}),
            json!({}),
            "benefit.amount_minor",
        ),
        (
            json!({"type": "nth_ticket", "every": 1, "percent_bp": 5000}),
            json!({}),
            json!({}),
            "benefit.every",
        ),
        (
            json!({"type": "meal_voucher", "percent_bp": 10000, "max_units": 0}),
            json!({}),
            json!({}),
            "benefit.max_units",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 100}),
            json!({"seat_categories": [" "]}),
            json!({}),
            "conditions.seat_categories[0]",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 100}),
            json!({}),
            json!({"theater_id": rival_show.theater_id}),
            "scope.theater_id",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 100}),
            json!({}),
            json!({"screen_id": uuid::Uuid::new_v4()}),
            "scope.screen_id",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 100}),
            json!({}),
            json!({"show_id": rival_show.show_id}),
            "scope.show_id",
        ),
        (
            json!({"type": "flat_off", "amount_minor": 100}),
            json!({}),
            json!({"theater_id": rival_show.theater_id, "show_id": show.show_id}),
            "scope.theater_id",
        ),
    ];
    let before = offer_count(&app).await;
    for (benefit, conditions, scope, field) in cases {
        let body =
            json!({"name": "Bad", "benefit": benefit, "conditions": conditions, "scope": scope});
        let resp = owner.api.post("/offers", &body).await.expect("post");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error = refusal(resp).await.expect("error");
        assert_eq!(error.code, ErrorCode::ValidationFailed);
        assert!(field_names(&error).contains(&field), "{field} in {error:?}");
    }
    // Several problems at once are all named.
    let body = json!({"name": " ", "code": "ab", "generate_code": true,
        "benefit": {"type": "percent_off", "percent_bp": 2000},
        "valid_from": "2030-01-02T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z",
        "limit_total": 0, "limit_per_customer": 0});
    let error = refusal(owner.api.post("/offers", &body).await.expect("post"))
        .await
        .expect("error");
    assert_eq!(
        field_names(&error),
        [
            "name",
            "code",
            "generate_code",
            "valid_until",
            "limit_total",
            "limit_per_customer"
        ]
    );
    let far = json!({"name": "Far", "benefit": {"type": "flat_off", "amount_minor": 100},
                     "valid_until": "3500-01-01T00:00:00Z"});
    let error = refusal(owner.api.post("/offers", &far).await.expect("post"))
        .await
        .expect("error");
    assert_eq!(field_names(&error), ["valid_until"]);
    // A body of the wrong shape is a 422 too.
    let resp = owner
        .api
        .post(
            "/offers",
            &json!({"name": "x", "benefit": {"type": "bogus"}}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(offer_count(&app).await, before, "nothing was created");

    // An edit that would leave the limit below the redemptions so far is refused.
    let mut body = percent_off("Limited");
    body["limit_total"] = json!(10);
    let offer: Offer = owner.api.create_as("/offers", &body).await.expect("offer");
    sqlx::query("update offers set redeemed = 5 where offer_id = $1")
        .bind(offer.offer_id.as_uuid())
        .execute(&app.db)
        .await
        .expect("redeemed");
    body["limit_total"] = json!(4);
    body["name"] = json!("Renamed");
    let path = format!("/offers/{}", offer.offer_id);
    let resp = owner.api.put(&path, &body).await.expect("put");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        refusal(resp).await.expect("error").code,
        ErrorCode::LimitBelowRedeemed
    );
    let bad_edit = json!({"name": "x", "benefit": {"type": "flat_off", "amount_minor": -1}});
    let resp = owner.api.put(&path, &bad_edit).await.expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let still: Offer = owner.api.read(&path).await.expect("read");
    assert_eq!(still.name, "Limited", "unchanged");
    body["limit_total"] = json!(5);
    assert_eq!(
        owner.api.status_of(Method::PUT, &path, Some(&body)).await,
        StatusCode::OK
    );
}
