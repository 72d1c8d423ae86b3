//! Accounts beyond sign-in: customer profiles and consents, partners and their staff with
//! sealed billing details, brokers' group bookings, saved cards at the gateway, guest booking
//! tokens and claiming a guest booking with a verified email.

use mtbp_api::auth::Role;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::accounts::json::{
    Account, Customer, Me, Partner, PartnerSignedUp, PartnerStatus, SavedPaymentMethod,
    SettlementPeriod,
};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A body as the API's own type `T`.
fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn error_code(body: &Value) -> ErrorCode {
    typed::<ErrorEnvelope>(body).error.code
}

async fn customer_via_api(app: &TestApp, email: &str) -> (Uuid, ApiClient) {
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

#[tokio::test]
async fn brokers_are_made_by_operators_and_book_for_groups() {
    let app = TestApp::spawn().await;
    let broker =
        json!({"name": "Group Tours", "email": "groups@example.com", "password": PASSWORD});
    let customer = app.customer("c@example.com").await.expect("customer");
    assert_eq!(
        customer
            .api
            .post("/brokers", &broker)
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api
            .post("/brokers", &broker)
            .await
            .expect("post")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.admin.create("/brokers", &broker).await.expect("broker");
    let groups = app
        .api
        .login("groups@example.com", PASSWORD)
        .await
        .expect("login");

    let show = app.create_show(3, 10).await.expect("show");
    let twenty: Vec<&str> = show.seats[..20].iter().map(String::as_str).collect();
    let (status, err) = answer(
        customer
            .api
            .hold(show.show_id, &twenty, None)
            .await
            .expect("hold"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "customers book at most 10"
    );
    assert!(err.to_string().contains("at most 10 seats"));
    let (status, booking) = answer(
        groups
            .hold(show.show_id, &twenty, None)
            .await
            .expect("hold"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["seats"].as_array().map(Vec::len), Some(20));
    assert!(
        booking.get("guest_token").is_none(),
        "an account's booking has no guest token"
    );

    // Limited to their own bookings.
    let mine: Value = groups.get_json("/bookings").await.expect("json");
    assert_eq!(mine["bookings"].as_array().map(Vec::len), Some(1));
    let theirs: Value = customer.api.get_json("/bookings").await.expect("json");
    assert_eq!(theirs["bookings"].as_array().map(Vec::len), Some(0));
    let booking_id = booking["booking_id"].as_str().expect("id");
    assert_eq!(
        customer
            .api
            .get(&format!("/bookings/{booking_id}"))
            .await
            .expect("get")
            .status(),
        StatusCode::FORBIDDEN
    );
    let all: Value = app.admin.get_json("/bookings").await.expect("json");
    assert_eq!(all["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.admin
            .get("/bookings?limit=0")
            .await
            .expect("list")
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.admin
            .get("/bookings?status=Nope")
            .await
            .expect("list")
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn saved_cards_live_at_the_gateway_and_pay_only_for_their_owner() {
    let app = TestApp::spawn().await;
    let (id, meera) = customer_via_api(&app, "meera@example.com").await;
    let (other_id, other) = customer_via_api(&app, "arjun@example.com").await;
    let cards = format!("/customers/{id}/payment-methods");

    let pm = app.stripe.card(CARD_OK).await.expect("card");
    let (status, saved) = answer(
        meera
            .post(&cards, &json!({"payment_method": pm}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let saved: SavedPaymentMethod = typed(&saved);
    assert_eq!(saved.last4.as_deref(), Some("4242"));
    assert_eq!(saved.payment_method_id, pm);
    // Saving again is harmless; another customer cannot take it over.
    let (status, _) = answer(
        meera
            .post(&cards, &json!({"payment_method": pm}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = answer(
        other
            .post(
                &format!("/customers/{other_id}/payment-methods"),
                &json!({"payment_method": pm}),
            )
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(error_code(&err), ErrorCode::PaymentMethodTaken);
    // A card the gateway declines is not saved.
    let declined = app.stripe.card("4000000000000002").await.expect("card");
    let (status, err) = answer(
        meera
            .post(&cards, &json!({"payment_method": declined}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(error_code(&err), ErrorCode::CardDeclined);
    let list: Vec<SavedPaymentMethod> = typed(&meera.get_json(&cards).await.expect("json"));
    assert_eq!(list.len(), 1);
    let customer_at_gateway: String =
        sqlx::query_scalar("select gateway_customer_id from accounts where account_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("gateway customer");
    assert!(customer_at_gateway.starts_with("cus_"));

    // The owner pays with it (charged as the gateway customer); nobody else can.
    let show = app.create_show(1, 4).await.expect("show");
    let theirs = other.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let (status, err) = answer(other.pay(theirs, &pm).await.expect("pay")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let mine = meera.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let (status, paid) = answer(meera.pay(mine, &pm).await.expect("pay")).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let intents = app
        .stripe
        .intents_of(&mine.to_string())
        .await
        .expect("intents");
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["customer"], customer_at_gateway.as_str());

    // Deleting detaches it at the gateway.
    assert_eq!(
        meera
            .delete(&format!("{cards}/{pm}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NO_CONTENT
    );
    let at_gateway = app.stripe.payment_method(&pm).await.expect("pm");
    assert!(at_gateway["customer"].is_null(), "{at_gateway}");
    let list: Vec<SavedPaymentMethod> = typed(&meera.get_json(&cards).await.expect("json"));
    assert!(list.is_empty());
    assert_eq!(
        meera
            .delete(&format!("{cards}/{pm}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_guest_reaches_their_booking_with_its_token_and_a_verified_customer_claims_it() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let guest = app.api.anonymous();
    let booking = guest.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let token = guest.guest_token(booking).expect("guest token");
    let path = format!("/bookings/{booking}");

    // Without the token: 401; with a wrong one: 403; with it: the booking.
    let stranger = app.api.anonymous();
    assert_eq!(
        stranger.get(&path).await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, &path)
                .header("X-Booking-Token", "bt_00"),
        )
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        guest.get(&path).await.expect("get").status(),
        StatusCode::OK
    );
    assert_eq!(
        stranger
            .post(&format!("{path}/cancel"), &json!({}))
            .await
            .expect("cancel")
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // The customer with that email verifies it (code from the outbox), then claims the booking.
    let (id, meera) = customer_via_api(&app, "customer@example.com").await;
    let (status, err) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "unverified: {err}");
    let (status, sent) = answer(
        meera
            .post(&format!("/customers/{id}/email-verification"), &json!({}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    let (status, _) = answer(
        meera
            .post(&format!("/customers/{id}/email-verification"), &json!({}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one code a minute");
    let body: String = sqlx::query_scalar(
        "select body from outbox_emails where to_address = 'customer@example.com' order by created_at desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("email");
    let code: String = body
        .split_whitespace()
        .find(|w| {
            w.trim_end_matches('.').len() == 6
                && w.trim_end_matches('.').bytes().all(|b| b.is_ascii_digit())
        })
        .expect("code in the email")
        .trim_end_matches('.')
        .to_owned();
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let confirm = format!("/customers/{id}/email-verification/confirm");
    let (status, _) = answer(
        meera
            .post(&confirm, &json!({"code": wrong_code}))
            .await
            .expect("confirm"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, verified) = answer(
        meera
            .post(&confirm, &json!({"code": code}))
            .await
            .expect("confirm"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert!(typed::<Customer>(&verified).email_verified);

    // Another verified customer with a different email cannot claim it.
    let other = app
        .customer("someone-else@example.com")
        .await
        .expect("customer");
    sqlx::query("update accounts set email_verified_at = now() where account_id = $1")
        .bind(other.account_id)
        .execute(&app.db)
        .await
        .expect("verify");
    let (status, _) = answer(
        other
            .api
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, claimed) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["customer_id"], id.to_string());
    let (status, _) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "claiming again is harmless");
    // Now it is the customer's: the guest token no longer opens it, the customer pays.
    let stale = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, &path)
                .header("X-Booking-Token", &token),
        )
        .await
        .expect("get");
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        meera.pay(booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let mine: Value = meera.get_json("/bookings").await.expect("json");
    assert_eq!(mine["bookings"][0]["booking_id"], booking.to_string());
}

#[tokio::test]
async fn partners_read_the_bookings_of_their_theaters_only() {
    let app = TestApp::spawn().await;
    let partner = app.partner("Mine").await.expect("partner");
    let other = app.partner("Theirs").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let customer = app.customer("c@example.com").await.expect("customer");
    let booking = customer
        .api
        .hold_ok(show.show_id, &["A3"])
        .await
        .expect("hold");
    let path = format!("/bookings/{booking}");
    assert_eq!(
        partner.api.get(&path).await.expect("get").status(),
        StatusCode::OK
    );
    assert_eq!(
        other.api.get(&path).await.expect("get").status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = partner.api.get_json("/bookings").await.expect("json");
    assert_eq!(listed["bookings"].as_array().map(Vec::len), Some(1));
    let none: Value = other.api.get_json("/bookings").await.expect("json");
    assert_eq!(none["bookings"], json!([]));
    // They read, they do not cancel.
    assert_eq!(
        partner
            .api
            .post(&format!("{path}/cancel"), &json!({}))
            .await
            .expect("cancel")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        partner
            .api
            .hold(show.show_id, &["A4"], None)
            .await
            .expect("hold")
            .status(),
        StatusCode::FORBIDDEN,
        "partner staff do not book"
    );
}
