//! What a customer is eligible for (`GET /offers?customerId=`), and meal vouchers redeemed once
//! at the box office (`PUT /offers/{id}?action=redeem`).

use crate::offers::{app, partner_with_show, percent_off};
use chrono::{Duration, Utc};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::addons::json::Addon;
use mtbp_api::routes::offers::json::{Offer, RedeemedVoucher};
use mtbp_domain::{AccountId, BookingId, Funder, OfferId};
use mtbp_store::offers::{self, RedemptionLine};
use mtbp_tests::TestApp;
use mtbp_tests::api_client::refusal;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

/// A booking of `show_id` in `status`, written straight to the database (these tests are about
/// offers, not the saga).
pub(crate) async fn insert_booking(
    app: &TestApp,
    show_id: Uuid,
    customer: Option<Uuid>,
    status: &str,
) -> Uuid {
    let booking_id = Uuid::new_v4();
    sqlx::query(
        "insert into bookings (booking_id, show_id, customer_id, status, amount_minor, currency,
                               hold_expires_at)
         values ($1, $2, $3, $4, 20000, 'INR', now() + interval '10 minutes')",
    )
    .bind(booking_id)
    .bind(show_id)
    .bind(customer)
    .bind(status)
    .execute(&app.db)
    .await
    .expect("booking");
    booking_id
}

#[tokio::test]
async fn customers_see_only_the_offers_they_may_use_now() {
    let app = app().await;
    let (partner, show) = partner_with_show(&app, "Eligible Cinemas").await;
    let customer = app
        .customer("eligible@example.com")
        .await
        .expect("customer");
    let now = Utc::now();
    let make = |name: &str, extra: serde_json::Value| {
        let mut body = percent_off(name);
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let bodies = [
        make("Live", json!({})),
        make(
            "Expired",
            json!({"valid_from": now - Duration::days(2), "valid_until": now - Duration::days(1)}),
        ),
        make("Not yet", json!({"valid_from": now + Duration::days(1)})),
        make("Unlisted", json!({"listed": false})),
        make("Used up", json!({"limit_total": 1})),
        make("Used by me", json!({"limit_per_customer": 1})),
        make("Members", json!({"conditions": {"subscribers_only": true}})),
        make("Deleted", json!({})),
    ];
    let mut ids = Vec::new();
    for body in &bodies {
        let offer: Offer = partner.api.create_as("/offers", body).await.expect("offer");
        ids.push(offer.offer_id);
    }
    // Used up by someone else, and used by this customer as often as allowed.
    let line = |offer_id: OfferId| RedemptionLine {
        offer_id,
        discount_minor: 100,
        funded_by: Funder::Partner,
    };
    let someone = insert_booking(&app, show.show_id, None, "PaymentInitiated").await;
    let mine = insert_booking(
        &app,
        show.show_id,
        Some(customer.account_id),
        "PaymentInitiated",
    )
    .await;
    let me = Some(AccountId::from_uuid(customer.account_id));
    for (booking, who, offer) in [(someone, None, ids[4]), (mine, me, ids[5])] {
        let done = offers::redeem(
            &app.db,
            BookingId::from_uuid(booking),
            who,
            &[line(offer)],
            Utc::now(),
        )
        .await
        .expect("redeem");
        assert_eq!(done, Ok(()));
    }
    partner
        .api
        .delete(&format!("/offers/{}", ids[7]))
        .await
        .expect("delete");

    let path = format!("/offers?customerId={}", customer.account_id);
    let eligible: Vec<Offer> = customer.api.read(&path).await.expect("list");
    let names: Vec<&str> = eligible.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Live"]);
    assert!(eligible[0].management.is_none());
    // Another customer has not used "Used by me".
    let other = app.customer("other@example.com").await.expect("customer");
    let theirs: Vec<Offer> = other
        .api
        .read(&format!("/offers?customerId={}", other.account_id))
        .await
        .expect("list");
    let mut names: Vec<&str> = theirs.iter().map(|o| o.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Live", "Used by me"]);
    // Only for themselves (or an operator).
    assert_eq!(
        other.api.status_of(Method::GET, &path, None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api.status_of(Method::GET, &path, None).await,
        StatusCode::UNAUTHORIZED
    );
    let for_ops: Vec<Offer> = app.admin.read(&path).await.expect("list");
    assert_eq!(for_ops.len(), 1);
    assert_eq!(
        customer.api.status_of(Method::GET, "/offers", None).await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_meal_voucher_is_redeemed_once_at_the_theaters_box_office() {
    let app = app().await;
    let (partner, show) = partner_with_show(&app, "Popcorn Cinemas").await;
    let (rival, _) = partner_with_show(&app, "Rival Cinemas").await;
    let customer = app.customer("hungry@example.com").await.expect("customer");
    let addon: Addon = partner
        .api
        .create_as(
            &format!("/theaters/{}/addons", show.theater_id),
            &json!({"code": "combo1", "name": "Popcorn and cola", "amount_minor": 25000,
                    "currency": "INR"}),
        )
        .await
        .expect("addon");
    let offer: Offer = partner
        .api
        .create_as(
            "/offers",
            &json!({"name": "Free combo", "code": "COMBO-FREE",
                    "benefit": {"type": "meal_voucher", "addon_code": "COMBO1",
                                "percent_bp": 10000, "max_units": 1}}),
        )
        .await
        .expect("offer");
    // A paid booking with a voucher and an unpaid one, written directly: this is about the box
    // office, not the saga that issues vouchers (`offers_in_saga`).
    let paid = insert_booking(
        &app,
        show.show_id,
        Some(customer.account_id),
        "BookingCompleted",
    )
    .await;
    let unpaid = insert_booking(&app, show.show_id, Some(customer.account_id), "PreBooking").await;
    for (booking, code) in [(paid, "VCH-PAID-1"), (unpaid, "VCH-UNPAID-1")] {
        sqlx::query(
            "insert into booking_addons (booking_id, addon_id, quantity, unit_price_minor,
                                         voucher_code, voucher_offer_id)
             values ($1, $2, 1, 0, $3, $4)",
        )
        .bind(booking)
        .bind(addon.addon_id.as_uuid())
        .bind(code)
        .bind(offer.offer_id.as_uuid())
        .execute(&app.db)
        .await
        .expect("booking add-on");
    }
    let path = format!("/offers/{}?action=redeem", offer.offer_id);
    let redeem = |code: &str| json!({"voucher_code": code});

    // Another partner's staff and customers may not redeem it.
    for api in [&rival.api, &customer.api] {
        assert_eq!(
            api.status_of(Method::PUT, &path, Some(&redeem("vch-paid-1")))
                .await,
            StatusCode::FORBIDDEN
        );
    }
    // The theater's staff redeem it once, the code in any case.
    let resp = partner
        .api
        .put(&path, &redeem(" vch-paid-1 "))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let done: RedeemedVoucher = resp.json().await.expect("json");
    assert_eq!(done.booking_id.as_uuid(), paid);
    assert_eq!(done.addon_code, "COMBO1");
    assert_eq!(done.redeemed_by.as_uuid(), partner.account_id);
    let again = partner
        .api
        .put(&path, &redeem("VCH-PAID-1"))
        .await
        .expect("put");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(
        refusal(again).await.expect("error").code,
        ErrorCode::VoucherAlreadyRedeemed
    );
    let by_ops = app
        .admin
        .put(&path, &redeem("VCH-PAID-1"))
        .await
        .expect("put");
    assert_eq!(by_ops.status(), StatusCode::CONFLICT);

    // An unpaid booking's voucher is not good yet; an unknown code is a 404.
    let resp = partner
        .api
        .put(&path, &redeem("VCH-UNPAID-1"))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        refusal(resp).await.expect("error").code,
        ErrorCode::BookingNotPaid
    );
    assert_eq!(
        partner
            .api
            .status_of(Method::PUT, &path, Some(&redeem("NO-SUCH")))
            .await,
        StatusCode::NOT_FOUND
    );
    // The voucher belongs to this offer only.
    let other: Offer = partner
        .api
        .create_as("/offers", &percent_off("Other"))
        .await
        .expect("offer");
    let other_path = format!("/offers/{}?action=redeem", other.offer_id);
    assert_eq!(
        partner
            .api
            .status_of(Method::PUT, &other_path, Some(&redeem("VCH-UNPAID-1")))
            .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        partner
            .api
            .status_of(
                Method::PUT,
                &format!("/offers/{}?action=bogus", offer.offer_id),
                Some(&redeem("x"))
            )
            .await,
        StatusCode::BAD_REQUEST
    );

    let redeemed: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "select voucher_code, voucher_redeemed_by from booking_addons
          where voucher_redeemed_at is not null",
    )
    .fetch_all(&app.db)
    .await
    .expect("rows");
    assert_eq!(
        redeemed,
        [("VCH-PAID-1".to_owned(), Some(partner.account_id))]
    );
}
