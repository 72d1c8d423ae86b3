//! Accounts beyond sign-in: customer profiles and consents, partners and their staff with
//! sealed billing details (brokers and saved cards: `brokers_and_cards`; guest bookings:
//! `guest_bookings`).

use mtbp_api::auth::Role;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::accounts::json::{
    Account, Customer, Me, Partner, PartnerSignedUp, PartnerStatus, SettlementPeriod,
};
use mtbp_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A body as the API's own type `T`.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

pub(crate) fn error_code(body: &Value) -> ErrorCode {
    typed::<ErrorEnvelope>(body).error.code
}

pub(crate) async fn customer_via_api(app: &TestApp, email: &str) -> (Uuid, ApiClient) {
    let account = app
        .api
        .create(
            "/customers",
            &json!({"name": "Meera Iyer", "email": email, "password": PASSWORD}),
        )
        .await
        .expect("sign-up");
    let api = app.api.login(email, PASSWORD).await.expect("login");
    (
        mtbp_tests::api_client::id(&account, "account_id").expect("id"),
        api,
    )
}

#[tokio::test]
async fn a_customer_updates_their_profile_and_consents_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let (id, meera) = customer_via_api(&app, "meera@example.com").await;
    let path = format!("/customers/{id}");

    let (status, fresh) = answer(meera.get(&path).await.expect("get")).await;
    assert_eq!(status, StatusCode::OK);
    let fresh: Customer = typed(&fresh);
    let c = fresh.consents;
    assert_eq!((c.email, c.sms, c.push), (false, false, false));
    assert!(!fresh.email_verified);

    let (status, updated) = answer(
        meera
            .put(
                &path,
                &json!({"phone": "+91 98765 43210", "preferred_city": "Chennai",
                        "languages": ["Tamil", "English", "tamil"], "genres": ["Drama"],
                        "consents": {"email": true, "sms": false, "push": true}}),
            )
            .await
            .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let updated: Customer = typed(&updated);
    assert_eq!(updated.preferred_city.as_deref(), Some("Chennai"));
    assert_eq!(updated.languages, ["Tamil", "English"]);
    assert!(updated.consents.push);
    assert_eq!(updated.name, "Meera Iyer", "fields left out stay");

    // A partial update keeps the rest; null clears the phone.
    let (_, partial) = answer(
        meera
            .put(&path, &json!({"phone": null, "name": "Meera I."}))
            .await
            .expect("put"),
    )
    .await;
    let kept: Customer = typed(&partial);
    assert_eq!(kept.phone, None);
    assert_eq!(kept.name, "Meera I.");
    assert_eq!(kept.preferred_city.as_deref(), Some("Chennai"));
    assert!(kept.consents.email);

    // Bad input: every problem listed, nothing changed.
    let (status, err) = answer(
        meera
            .put(
                &path,
                &json!({"name": " ", "phone": "call me", "languages": [""],
                        "consents": {"email": false, "sms": false, "push": false}}),
            )
            .await
            .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: ErrorEnvelope = typed(&err);
    assert_eq!(err.error.code, ErrorCode::ValidationFailed);
    let fields: Vec<String> = err
        .error
        .fields
        .into_iter()
        .flatten()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["name", "phone", "languages[0]"]);
    let (status, err) = answer(
        meera
            .put(&path, &json!({"email": "new@example.com"}))
            .await
            .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_code(&err), ErrorCode::InvalidBody);
    let (_, after) = answer(meera.get(&path).await.expect("get")).await;
    assert_eq!(after, partial);
}

#[tokio::test]
async fn a_partner_waits_for_activation_then_runs_only_its_own_theaters() {
    let app = TestApp::spawn().await;
    let (status, signed_up) = answer(
        app.api
            .post(
                "/partners",
                &json!({"name": "Sapna Talkies", "contact_email": "ops@sapna.example",
                        "owner": {"name": "Ravi", "email": "ravi@sapna.example", "password": PASSWORD}}),
            )
            .await
            .expect("sign-up"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{signed_up}");
    let signed_up: PartnerSignedUp = typed(&signed_up);
    assert_eq!(signed_up.partner.status, PartnerStatus::Pending);
    assert_eq!(signed_up.owner.role, Role::Partner);
    let partner_id = signed_up.partner.partner_id;
    let ravi = app
        .api
        .login("ravi@sapna.example", PASSWORD)
        .await
        .expect("login");
    let me: Me = typed(&ravi.get_json("/auth/me").await.expect("json"));
    assert_eq!(me.partner_id, Some(partner_id));

    // Pending: billing may be filled in, theaters not yet published.
    let theater = json!({"name": "Sapna Talkies", "city": "Mysuru"});
    let (status, err) = answer(ravi.post("/theaters", &theater).await.expect("post")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&err), ErrorCode::PartnerNotActive);
    let (status, partner) = answer(
        ravi.put(
            &format!("/partners/{partner_id}"),
            &json!({"billing": {"tax_id": "29ABCDE1234F1Z5", "payout_account": "HDFC0001234 000123456789",
                                "settlement_period": "daily"}}),
        )
        .await
        .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{partner}");
    let partner: Partner = typed(&partner);
    assert_eq!(partner.billing.tax_id.as_deref(), Some("••••F1Z5"));
    assert_eq!(partner.billing.payout_account.as_deref(), Some("••••6789"));
    assert_eq!(partner.billing.settlement_period, SettlementPeriod::Daily);
    // Sealed at rest: the database holds no readable tax id or account number.
    let (tax, payout): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "select tax_id_sealed, payout_account_sealed from partners where partner_id = $1",
    )
    .bind(partner_id.as_uuid())
    .fetch_one(&app.db)
    .await
    .expect("row");
    for sealed in [&tax, &payout] {
        let text = String::from_utf8_lossy(sealed);
        assert!(!text.contains("ABCDE") && !text.contains("123456789"));
        assert!(sealed.len() > 28, "nonce, ciphertext and tag");
    }
    // Only operators change the status.
    let (status, err) = answer(
        ravi.put(
            &format!("/partners/{partner_id}"),
            &json!({"status": "active"}),
        )
        .await
        .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&err), ErrorCode::Forbidden);
    let (status, active) = answer(
        app.admin
            .put(
                &format!("/partners/{partner_id}"),
                &json!({"status": "active"}),
            )
            .await
            .expect("put"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(typed::<Partner>(&active).status, PartnerStatus::Active);

    // Active: its theater is its own; another partner may not touch it.
    let show = ravi.create_show_with(&app.admin, 1, 4).await.expect("show");
    let theater: Value = app
        .api
        .get_json(&format!("/theaters/{}", show.theater_id))
        .await
        .expect("json");
    assert_eq!(theater["partner_id"], partner_id.to_string());
    let other = app.partner("Other Cinemas").await.expect("partner");
    let screen = json!({"name": "Audi 9", "layout": {"categories": [{"code": "R", "name": "R", "price_minor": 100}],
                                                      "rows": [{"label": "A", "category": "R", "seats": 2}]}});
    let (status, _) = answer(
        other
            .api
            .post(&format!("/theaters/{}/screens", show.theater_id), &screen)
            .await
            .expect("post"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let screens: i64 = sqlx::query_scalar("select count(*) from screens where theater_id = $1")
        .bind(show.theater_id)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(screens, 1, "the refused screen was not added");

    // Staff: added, listed, removed (then they cannot sign in).
    let staff: Account = typed(
        &ravi
            .create(
                &format!("/partners/{partner_id}/staff"),
                &json!({"name": "Box Office", "email": "box@sapna.example", "password": PASSWORD}),
            )
            .await
            .expect("staff"),
    );
    let list: Vec<Account> = typed(
        &ravi
            .get_json(&format!("/partners/{partner_id}/staff"))
            .await
            .expect("json"),
    );
    assert_eq!(list.len(), 2);
    assert!(list.iter().any(|a| a.account_id == staff.account_id));
    let box_office = app
        .api
        .login("box@sapna.example", PASSWORD)
        .await
        .expect("login");
    assert_eq!(
        box_office
            .get(&format!("/partners/{partner_id}"))
            .await
            .expect("get")
            .status(),
        StatusCode::OK
    );
    let staff_id = staff.account_id;
    assert_eq!(
        ravi.delete(&format!("/partners/{partner_id}/staff/{staff_id}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(app.api.login("box@sapna.example", PASSWORD).await.is_err());
    assert_eq!(
        box_office.get("/auth/me").await.expect("me").status(),
        StatusCode::UNAUTHORIZED,
        "a removed staff member's access token stops working at once"
    );

    // Deleted partner: staff cannot sign in; its theater and show stay for tickets sold.
    assert_eq!(
        app.admin
            .delete(&format!("/partners/{partner_id}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(app.api.login("ravi@sapna.example", PASSWORD).await.is_err());
    assert_eq!(
        ravi.get(&format!("/partners/{partner_id}"))
            .await
            .expect("get")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api
            .get(&format!("/shows/{}", show.show_id))
            .await
            .expect("get")
            .status(),
        StatusCode::OK
    );
}
