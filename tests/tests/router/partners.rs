//! Partners, their staff and brokers: sign-up rules, who manages a partner, what only
//! operators may do.

use crate::harness::Harness;
use axum::http::{Method, StatusCode};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::accounts::json::{Account, Partner, PartnerStatus};
use serde_json::json;

const PARTNERS: &str = "select count(*) from partners";

#[tokio::test]
async fn partner_sign_up_reports_the_business_and_owner_fields_together() {
    let h = Harness::new().await;
    let before = (
        h.count(PARTNERS).await,
        h.count("select count(*) from accounts").await,
    );
    let answer = h
        .send(
            Method::POST,
            "/partners",
            None,
            &json!({"name": "x".repeat(121), "contact_email": "nope",
                    "owner": {"name": "Ravi", "email": "ravi@", "password": "short"}}),
        )
        .await;
    assert_eq!(
        answer.invalid_fields(),
        ["name", "contact_email", "owner.email", "owner.password"]
    );
    let after = (
        h.count(PARTNERS).await,
        h.count("select count(*) from accounts").await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_partner_is_managed_by_its_own_staff_and_operators() {
    let h = Harness::new().await;
    let (mine, _, token) = h.partner("Cinema One").await;
    let (theirs, _, _) = h.partner("Cinema Two").await;
    let (_, customer) = h.customer("asha@example.com").await;
    let ok = h
        .call(Method::GET, &format!("/partners/{mine}"), Some(&token))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let partner: Partner = ok.json();
    assert_eq!(partner.status, PartnerStatus::Active);
    for (path, who) in [
        (format!("/partners/{theirs}"), &token),
        (format!("/partners/{theirs}/staff"), &token),
        (format!("/partners/{mine}"), &customer),
    ] {
        h.call(Method::GET, &path, Some(who))
            .await
            .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    }
    let unknown = uuid::Uuid::new_v4();
    h.call(
        Method::GET,
        &format!("/partners/{unknown}"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    h.call(Method::DELETE, &format!("/partners/{theirs}"), Some(&token))
        .await
        .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let live = format!(
        "select count(*) from partners where partner_id = '{theirs}' and deleted_at is null"
    );
    assert_eq!(h.count(&live).await, 1);
}

#[tokio::test]
async fn only_operators_change_a_partners_status() {
    let h = Harness::new().await;
    let (partner, _, token) = h.partner("Cinema One").await;
    let path = format!("/partners/{partner}");
    h.send(
        Method::PUT,
        &path,
        Some(&token),
        &json!({"status": "suspended"}),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    h.send(
        Method::PUT,
        &path,
        Some(&token),
        &json!({"status": "retired"}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody);
    let status = format!(
        "select count(*) from partners where partner_id = '{partner}' and status = 'active'"
    );
    assert_eq!(h.count(&status).await, 1);
}

#[tokio::test]
async fn billing_values_are_checked_before_anything_is_sealed() {
    let h = Harness::new().await;
    let (partner, _, token) = h.partner("Cinema One").await;
    let answer = h
        .send(
            Method::PUT,
            &format!("/partners/{partner}"),
            Some(&token),
            &json!({"name": " ", "billing": {"tax_id": "ab", "payout_account": "y".repeat(81)}}),
        )
        .await;
    assert_eq!(
        answer.invalid_fields(),
        ["name", "billing.tax_id", "billing.payout_account"]
    );
    let sealed = format!(
        "select count(*) from partners where partner_id = '{partner}'
            and (tax_id_sealed is not null or payout_account_sealed is not null)"
    );
    assert_eq!(h.count(&sealed).await, 0);
}

#[tokio::test]
async fn staff_changes_stay_within_the_partner() {
    let h = Harness::new().await;
    let (mine, _, token) = h.partner("Cinema One").await;
    let (_, other_staff, _) = h.partner("Cinema Two").await;
    // Another partner's staff member is not ours to remove.
    h.call(
        Method::DELETE,
        &format!("/partners/{mine}/staff/{other_staff}"),
        Some(&token),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let alive = format!(
        "select count(*) from accounts where account_id = '{other_staff}' and erased_at is null"
    );
    assert_eq!(h.count(&alive).await, 1);
    let answer = h
        .send(
            Method::POST,
            &format!("/partners/{mine}/staff"),
            Some(&token),
            &json!({"name": "New", "email": "new@example.com", "password": "x"}),
        )
        .await;
    assert_eq!(answer.invalid_fields(), ["password"]);
    let staff: Vec<Account> = h
        .call(
            Method::GET,
            &format!("/partners/{mine}/staff"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(staff.len(), 1);
}

#[tokio::test]
async fn only_operators_create_brokers() {
    let h = Harness::new().await;
    let (_, customer) = h.customer("asha@example.com").await;
    let (_, _, partner) = h.partner("Cinema One").await;
    let body = json!({"name": "Group Tours", "email": "groups@example.com", "password": "long enough password"});
    for token in [&customer, &partner] {
        h.send(Method::POST, "/brokers", Some(token), &body)
            .await
            .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    }
    h.send(Method::POST, "/brokers", None, &body)
        .await
        .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_eq!(
        h.count("select count(*) from accounts where role = 'broker'")
            .await,
        0
    );
}
