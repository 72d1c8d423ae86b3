//! Food and beverage add-ons of a theater: created, listed, changed and deleted by the
//! theater's partner (or an operator), seen on sale by everyone, checked before anything is
//! written, and found by code for a booking (`store::addons::by_codes`).

use crate::offers::{app, partner_with_show};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::addons::json::Addon;
use mtbp_domain::TheaterId;
use mtbp_store::addons;
use mtbp_tests::api_client::{field_names, refusal};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn combo(code: &str, amount_minor: i64) -> Value {
    json!({"code": code, "name": "Popcorn and cola", "description": "Large",
           "amount_minor": amount_minor, "currency": "INR", "tax_class": "food"})
}

#[tokio::test]
async fn partners_manage_their_theaters_addons_and_everyone_sees_those_on_sale() {
    let app = app().await;
    let (partner, show) = partner_with_show(&app, "Snack Cinemas").await;
    let (rival, _) = partner_with_show(&app, "Rival Cinemas").await;
    let customer = app.customer("snacks@example.com").await.expect("customer");
    let list_path = format!("/theaters/{}/addons", show.theater_id);

    let combo1: Addon = partner
        .api
        .create_as(&list_path, &combo("combo1", 25000))
        .await
        .expect("addon");
    assert_eq!(combo1.code, "COMBO1");
    assert_eq!(combo1.price.amount_minor, 25000);
    assert_eq!(combo1.price.currency.as_str(), "INR");
    assert!(combo1.available);
    let mut hidden = combo("NACHOS", 18000);
    hidden["available"] = json!(false);
    let nachos: Addon = app
        .admin
        .create_as(&list_path, &hidden)
        .await
        .expect("addon");

    // The same code again, in any case, is taken while the first is live.
    let resp = partner
        .api
        .post(&list_path, &combo("Combo1", 1))
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        refusal(resp).await.expect("error").code,
        ErrorCode::AddonCodeTaken
    );

    // Customers and anonymous callers see what is on sale; the partner sees everything.
    let public: Vec<Addon> = app.api.read(&list_path).await.expect("list");
    assert_eq!(
        public.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
        ["COMBO1"]
    );
    let seen: Vec<Addon> = customer.api.read(&list_path).await.expect("list");
    assert_eq!(seen.len(), 1);
    let all: Vec<Addon> = partner.api.read(&list_path).await.expect("list");
    assert_eq!(
        all.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
        ["COMBO1", "NACHOS"]
    );

    // Another partner and customers may not touch them.
    let path = format!("/addons/{}", combo1.addon_id);
    for api in [&rival.api, &customer.api] {
        assert_eq!(
            api.status_of(Method::POST, &list_path, Some(&combo("X1", 1)))
                .await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            api.status_of(Method::PUT, &path, Some(&combo("X1", 1)))
                .await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            api.status_of(Method::DELETE, &path, None).await,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.api.status_of(Method::DELETE, &path, None).await,
        StatusCode::UNAUTHORIZED
    );

    // Changed: the body replaces it.
    let resp = partner
        .api
        .put(&path, &combo("COMBO1", 27500))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let changed: Addon = resp.json().await.expect("json");
    assert_eq!(changed.price.amount_minor, 27500);

    // Found by code for a booking: live and on sale only.
    let theater = TheaterId::from_uuid(show.theater_id);
    let codes = ["COMBO1".to_owned(), "NACHOS".to_owned(), "NONE".to_owned()];
    let found = addons::by_codes(&app.db, theater, &codes)
        .await
        .expect("by codes");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].addon_id, combo1.addon_id);
    assert_eq!(found[0].price.amount_minor, 27500);
    assert_eq!(found[0].tax_class, "food");

    // Deleted: gone, its code free again.
    for a in [&combo1, &nachos] {
        let resp = partner
            .api
            .delete(&format!("/addons/{}", a.addon_id))
            .await
            .expect("delete");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(
        partner
            .api
            .status_of(Method::PUT, &path, Some(&combo("COMBO1", 1)))
            .await,
        StatusCode::NOT_FOUND
    );
    let listed: Vec<Addon> = partner.api.read(&list_path).await.expect("list");
    assert!(listed.is_empty());
    assert!(
        addons::by_codes(&app.db, theater, &codes)
            .await
            .expect("by codes")
            .is_empty()
    );
    partner
        .api
        .create_as::<Addon>(&list_path, &combo("COMBO1", 25000))
        .await
        .expect("the code is free again");
}

#[tokio::test]
async fn bad_addons_are_422_naming_each_field_and_nothing_is_written() {
    let app = app().await;
    let (partner, show) = partner_with_show(&app, "Strict Cinemas").await;
    let path = format!("/theaters/{}/addons", show.theater_id);
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from addons")
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    let before = count().await;
    let cases = [
        ("code", json!(" ")),
        ("code", json!("has space")),
        ("name", json!("")),
        ("amount_minor", json!(-1)),
        // The theater's shows are sold in rupees.
        ("currency", json!("USD")),
        ("currency", json!("rupees")),
        ("tax_class", json!("ticket")),
        ("tax_class", json!("convenience_fee")),
        ("tax_class", json!("alcohol")),
    ];
    for (field, value) in cases {
        let mut body = combo("COMBO1", 25000);
        body[field] = value.clone();
        let resp = partner.api.post(&path, &body).await.expect("post");
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} = {value}"
        );
        assert_eq!(field_names(&refusal(resp).await.expect("error")), [field]);
    }
    let resp = partner
        .api
        .post(&path, &json!({"code": "X", "name": "X"}))
        .await
        .expect("post");
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing price"
    );
    assert_eq!(count().await, before, "nothing was created");

    // A theater without shows takes any currency; an unknown theater is a 404.
    let empty: mtbp_api::routes::theaters::json::Theater = partner
        .api
        .create_as("/theaters", &json!({"name": "New Hall", "city": "Pune"}))
        .await
        .expect("theater");
    let mut dollars = combo("COMBO1", 500);
    dollars["currency"] = json!("USD");
    let addon: Addon = partner
        .api
        .create_as(&format!("/theaters/{}/addons", empty.theater_id), &dollars)
        .await
        .expect("addon");
    assert_eq!(addon.price.currency.as_str(), "USD");
    assert_eq!(
        partner
            .api
            .status_of(
                Method::POST,
                &format!("/theaters/{}/addons", uuid::Uuid::new_v4()),
                Some(&dollars)
            )
            .await,
        StatusCode::NOT_FOUND
    );
}
