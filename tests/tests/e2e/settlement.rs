//! Settlement with theater partners, on the real stack: contracts (operators set them, the
//! partner's staff read them, bad terms are refused field by field and change nothing), and the
//! ledger after a mixed day (bookings, a partial and a whole cancellation with the policy's fee)
//! against the gateway's own charges and refunds.

use crate::theaters::{cancel, customer, paid, partner_show, policy, wait_cancellation_done};
use chrono::{Duration, Utc};
use mtbp_domain::PartnerId;
use mtbp_domain::pricing::Benefit;
use mtbp_store::ledger;
use mtbp_tests::TestApp;
use mtbp_tests::pricing::insert_offer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use uuid::Uuid;

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
        .get(&format!("/partners/{}/contract", Uuid::new_v4()))
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_ledger_of_a_mixed_day_balances_and_matches_the_gateway_to_the_unit() {
    let app = TestApp::spawn().await;
    let since = Utc::now() - Duration::minutes(1);
    // Ten hours before the show: cancelling keeps a quarter (the 2 h window).
    let (partner, show) = partner_show(&app, 10.0, policy(true)).await;
    let partner_id = PartnerId::from_uuid(partner.partner_id.expect("partner id"));
    let who = customer(&app).await;
    let kept = paid(&app, &who, show.show_id, &["A1", "A2"], None).await;
    let partial = paid(&app, &who, show.show_id, &["A3", "A4", "A5"], None).await;
    let whole = paid(&app, &who, show.show_id, &["B1"], None).await;
    let (s, body) = cancel(&who, partial, json!({"seats": ["A5"]}), false).await;
    assert!(s.is_success(), "{s} {body}");
    let (s, body) = cancel(&who, whole, json!({}), false).await;
    assert!(s.is_success(), "{s} {body}");
    wait_cancellation_done(&app, partial, 1, 60).await;
    wait_cancellation_done(&app, whole, 1, 60).await;
    let until = Utc::now() + Duration::minutes(1);

    // The ledger holds together and covers every charge and refund.
    let checks = ledger::check(&app.db, since, until).await.expect("check");
    for c in &checks {
        assert!(c.ok(), "{c:?}");
    }
    let charged = checks
        .iter()
        .find(|c| c.name.starts_with("charges:"))
        .expect("charges");
    assert!(charged.actual > 0, "the day charged something");
    let refunded = checks
        .iter()
        .find(|c| c.name.starts_with("refunds:"))
        .expect("refunds");
    assert!(refunded.actual > 0, "the day refunded something");

    // The gateway's own record of the three bookings: what it charged less what it refunded.
    let (gateway_charged, gateway_refunded) = gateway_kept(&app, &[kept, partial, whole]).await;
    assert_eq!(charged.actual, gateway_charged, "charges, to the unit");
    assert_eq!(refunded.actual, gateway_refunded, "refunds, to the unit");

    // The partner's accounts: the gateway holds what it kept, all of it still unsettled.
    let balances = ledger::balances(&app.db, Some(partner_id), since, until)
        .await
        .expect("balances");
    let of = |account: &str| account_sum(&balances, account);
    assert_eq!(
        of("gateway"),
        gateway_charged - gateway_refunded,
        "{balances:?}"
    );
    assert_eq!(of("unsettled"), -(gateway_charged - gateway_refunded));
    // The whole cancellation kept the policy's quarter, the partial one a quarter of its seat.
    assert!(gateway_refunded < gateway_charged, "fees were kept");

    // The rest of the day: a booking with an offer, and a show the partner cancels (every
    // booking of it refunded in full). Then the partner is settled, on periods of 3 s.
    let code = format!("DAY-{}", &Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    insert_offer(
        &app.db,
        Some(&code),
        &Benefit::PercentOff {
            percent_bp: 1_500,
            max_off_minor: None,
        },
        |_| {},
    )
    .await
    .expect("offer");
    let offered = paid(&app, &who, show.show_id, &["B2", "B3"], Some(&code)).await;
    let other_show = partner
        .api
        .create_show_with(&app.admin, 2, 6)
        .await
        .expect("a second show");
    let called_off = paid(&app, &who, other_show.show_id, &["A1"], None).await;
    let resp = partner
        .api
        .delete(&format!("/shows/{}", other_show.show_id))
        .await
        .expect("cancel the show");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    wait_cancellation_done(&app, called_off, 1, 90).await;
    let partner_uuid = partner.partner_id.expect("partner id");
    crate::settlement_runs::short_contract(&app, partner_uuid, 3).await;
    // The show's booking came to nothing (refunded in full): it has no line to settle.
    crate::settlement_runs::wait_settled(&app, &[kept, partial, whole, offered], 1, 120).await;
    let day = [kept, partial, whole, offered, called_off];
    let (charged_all, refunded_all) = gateway_kept(&app, &day).await;
    let until = Utc::now() + Duration::minutes(1);
    let balances = ledger::balances(&app.db, Some(partner_id), since, until)
        .await
        .expect("balances");
    let of = |account: &str| account_sum(&balances, account);
    let (payouts, moves) = crate::settlement_runs::payouts(&app, partner_uuid).await;
    let paid_out: i64 = payouts.iter().map(|p| p.1).sum();
    assert_eq!(
        i64::try_from(payouts.len()).unwrap_or(0),
        moves,
        "one movement a payout"
    );
    assert_eq!(
        of("unsettled"),
        0,
        "all of the day is settled: {balances:?}"
    );
    assert_eq!(
        charged_all - refunded_all,
        paid_out - of("platform_revenue") - of("tax_payable") - of("partner_payable"),
        "charges − refunds = payouts + platform revenue + taxes + still owed, to the unit: \
         {balances:?}"
    );
    assert!(
        of("platform_revenue") < 0 && of("tax_payable") < 0,
        "{balances:?}"
    );
    // Every settlement's lines add up: what was kept is the partner's, the platform's and
    // the taxes', line by line (a check constraint) and in the totals.
    let sums: (i64, i64, i64, i64) = sqlx::query_as(
        "select coalesce(sum(kept_minor), 0)::bigint, coalesce(sum(partner_minor), 0)::bigint,
                coalesce(sum(platform_minor), 0)::bigint, coalesce(sum(tax_minor), 0)::bigint
           from settlements where partner_id = $1",
    )
    .bind(partner_uuid)
    .fetch_one(&app.db)
    .await
    .expect("sums");
    assert_eq!(sums.0, sums.1 + sums.2 + sums.3, "{sums:?}");
    assert_eq!(sums.0, charged_all - refunded_all, "{sums:?}");
    for c in ledger::check(&app.db, since, until).await.expect("check") {
        assert!(c.ok(), "{c:?}");
    }
    crate::settlement_runs::drop_schedule(&app, partner_uuid).await;

    // Ledger lines are never changed or removed.
    for sql in [
        "update ledger_entries set amount_minor = amount_minor + 1",
        "delete from ledger_entries",
    ] {
        let err = sqlx::query(sql).execute(&app.db).await;
        assert!(err.is_err(), "{sql} must fail");
    }
    // A movement that does not balance is refused when its transaction commits.
    let mut tx = app.db.begin().await.expect("tx");
    sqlx::query(
        "insert into ledger_entries (txn_id, movement, account, amount_minor, currency, source)
         values ($1, 'payout', 'gateway', -100, 'INR', 'test')",
    )
    .bind(Uuid::new_v4())
    .execute(&mut *tx)
    .await
    .expect("insert");
    assert!(
        tx.commit().await.is_err(),
        "an unbalanced movement is refused"
    );
}

/// What the gateway itself (its payment intents and refunds) says it charged and refunded for
/// `bookings`.
pub(crate) async fn gateway_kept(app: &TestApp, bookings: &[Uuid]) -> (i64, i64) {
    let mut intents = HashSet::new();
    let mut charged = 0;
    for b in bookings {
        for pi in app
            .stripe
            .succeeded_charges_of(&b.to_string())
            .await
            .expect("intents")
        {
            charged += pi["amount"].as_i64().expect("amount");
            intents.insert(pi["id"].as_str().expect("id").to_owned());
        }
    }
    let refunded: i64 = app
        .stripe
        .list("refunds")
        .await
        .expect("refunds")
        .iter()
        .filter(|r| {
            r["payment_intent"]
                .as_str()
                .is_some_and(|i| intents.contains(i))
        })
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    (charged, refunded)
}

/// The sum of `account`'s balances.
pub(crate) fn account_sum(balances: &[ledger::Balance], account: &str) -> i64 {
    balances
        .iter()
        .filter(|b| b.account == account)
        .map(|b| b.amount_minor)
        .sum()
}
