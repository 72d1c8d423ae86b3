//! A show whose sale opens later: nobody holds seats before it opens, except members whose
//! plan gives early access far enough ahead; the opening is set, moved and checked.

use super::*;
use mtbp_tests::api_client::{field_names, refusal};
use uuid::Uuid;

/// A plan of day-long periods with `hours` of early access, made by the operator.
async fn plan_with_early_access(app: &TestApp, name: &str, hours: u32) -> Plan {
    let body = json!({
        "name": name, "amount_minor": 9_900, "currency": "INR",
        "period": {"unit": "day", "count": 1}, "early_access_hours": hours,
    });
    let resp = app
        .admin
        .post("/subscription-plans", &body)
        .await
        .expect("post");
    match answer::<Plan>(resp).await.expect("answer") {
        Answer::Ok(StatusCode::CREATED, plan) => plan,
        other => panic!("plan not created: {other:?}"),
    }
}

/// Sets the show's sale opening as the operator; the answer's status and body.
async fn open_sale_at(app: &TestApp, show: Uuid, at: chrono::DateTime<Utc>) -> (StatusCode, Value) {
    let resp = app
        .admin
        .put(&format!("/shows/{show}"), &json!({"on_sale_at": at}))
        .await
        .expect("put");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

#[tokio::test]
async fn before_the_sale_opens_only_members_with_enough_early_access_hold_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let opens = Utc::now() + chrono::Duration::hours(2);
    let (status, body) = open_sale_at(&app, show.show_id, opens).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shown: chrono::DateTime<Utc> = serde_json::from_value(body["on_sale_at"].clone())
        .expect("the show carries its sale opening");
    assert_eq!(shown.timestamp(), opens.timestamp());

    // A guest and a customer without a subscription wait for the opening.
    let guest = app
        .api
        .hold(show.show_id, &["A1"], None)
        .await
        .expect("hold");
    let refused = refusal(guest).await.expect("refused");
    assert_eq!(refused.code, ErrorCode::NotOnSale);
    let details = refused.details.expect("details");
    assert!(details.get("on_sale_at").is_some(), "{details}");
    assert!(details.get("member_access_at").is_none(), "{details}");

    // A member with 24 hours of early access holds now; one with an hour waits, and is told
    // when their access opens.
    let long = plan_with_early_access(&app, "Early bird", 24).await;
    let short = plan_with_early_access(&app, "Hour ahead", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let ravi = app.customer("ravi@example.com").await.expect("customer");
    let asha_card = saved_card(&app, &asha, CARD_OK).await;
    let ravi_card = saved_card(&app, &ravi, CARD_OK).await;
    subscribed(&asha, &long, &asha_card).await;
    subscribed(&ravi, &short, &ravi_card).await;
    let held = asha
        .api
        .hold(show.show_id, &["A2"], None)
        .await
        .expect("hold");
    assert_eq!(
        held.status(),
        StatusCode::CREATED,
        "{:?}",
        held.text().await
    );
    let waits = refusal(
        ravi.api
            .hold(show.show_id, &["A3"], None)
            .await
            .expect("hold"),
    )
    .await
    .expect("refused");
    assert_eq!(waits.code, ErrorCode::NotOnSale);
    let member_at: chrono::DateTime<Utc> =
        serde_json::from_value(waits.details.expect("details")["member_access_at"].clone())
            .expect("member_access_at");
    assert_eq!(
        member_at.timestamp(),
        (opens - chrono::Duration::hours(1)).timestamp()
    );
    let taken: i64 = sqlx::query_scalar(
        "select count(*) from booking_seats bs join bookings b using (booking_id)
          where b.show_id = $1",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(taken, 1, "only the early-access member's seat is held");

    // The partner opens the sale now: everyone books.
    let (status, body) = open_sale_at(&app, show.show_id, Utc::now()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let open = app
        .api
        .hold(show.show_id, &["A1"], None)
        .await
        .expect("hold");
    assert_eq!(
        open.status(),
        StatusCode::CREATED,
        "{:?}",
        open.text().await
    );
}

#[tokio::test]
async fn a_sale_opening_at_or_after_the_start_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let read = |app: &TestApp| {
        let api = app.admin.clone();
        let path = format!("/shows/{}", show.show_id);
        async move { api.get_json(&path).await.expect("get") }
    };
    let before = read(&app).await;
    let starts: chrono::DateTime<Utc> =
        serde_json::from_value(before["starts_at"].clone()).expect("starts_at");
    for at in [starts, starts + chrono::Duration::hours(1)] {
        let (status, body) = open_sale_at(&app, show.show_id, at).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(field_of(&body), "on_sale_at", "{body}");
    }
    assert_eq!(read(&app).await, before, "nothing changed");

    // Moving the show to before its sale opening is refused as well.
    let (status, _) = open_sale_at(&app, show.show_id, starts - chrono::Duration::hours(1)).await;
    assert_eq!(status, StatusCode::OK);
    let moved = read(&app).await;
    let resp = app
        .admin
        .put(
            &format!("/shows/{}", show.show_id),
            &json!({"starts_at": starts - chrono::Duration::hours(2)}),
        )
        .await
        .expect("put");
    let refused = refusal(resp).await.expect("refused");
    assert_eq!(field_names(&refused), ["on_sale_at"]);
    assert_eq!(read(&app).await, moved, "the show did not move");
}

/// The field the first problem of an error envelope names.
fn field_of(body: &Value) -> &str {
    body["error"]["fields"][0]["field"]
        .as_str()
        .unwrap_or_default()
}
