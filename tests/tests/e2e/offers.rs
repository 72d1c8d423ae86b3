//! Offers managed over the API: every rule type created, read, edited and deleted; codes
//! case-insensitive, unique among live offers and unguessable when generated; another
//! partner's offers out of reach; deleting a partner's offers; bad input refused with nothing
//! written. Bad input is in [`crate::offer_input`], eligibility and vouchers in
//! [`crate::offer_vouchers`], limits under concurrency in [`crate::offer_limits`].

use mtbp_api::error::ErrorCode;
use mtbp_api::routes::offers::json::{Deleted, Offer};
use mtbp_api::routes::shows::json::Show;
use mtbp_domain::offer_rules::CODE_ALPHABET;
use mtbp_domain::pricing::Benefit;
use mtbp_domain::{Funder, PartnerId};
use mtbp_tests::api_client::{field_names, refusal};
use mtbp_tests::{Principal, ShowFixture, TestApp, TestOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An app without a worker: nothing here runs a saga.
pub(crate) async fn app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        in_process_worker: false,
        ..TestOptions::default()
    })
    .await
}

/// A partner with a theater, a screen and a show of its own.
pub(crate) async fn partner_with_show(app: &TestApp, name: &str) -> (Principal, ShowFixture) {
    let partner = app.partner(name).await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 2, 4)
        .await
        .expect("show");
    (partner, show)
}

/// 20 % off, automatic.
pub(crate) fn percent_off(name: &str) -> Value {
    json!({"name": name, "benefit": {"type": "percent_off", "percent_bp": 2000}})
}

pub(crate) async fn offer_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from offers")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn every_rule_type_is_created_read_edited_and_deleted() {
    let app = app().await;
    let (partner, show) = partner_with_show(&app, "Rule Cinemas").await;
    let movie = app
        .api
        .read::<Show>(&format!("/shows/{}", show.show_id))
        .await
        .expect("show")
        .movie_id;
    let bodies = [
        json!({"name": "Summer 25", "code": "summer-25", "listed": false,
               "benefit": {"type": "percent_off", "percent_bp": 2500, "max_off_minor": 30000},
               "conditions": {"days_of_week": ["Sat", "Sun"], "seat_categories": ["premium"]},
               "limit_total": 100, "limit_per_customer": 1}),
        json!({"name": "₹100 off groups", "stacking": "stackable",
               "benefit": {"type": "flat_off", "amount_minor": 10000},
               "conditions": {"min_seats": 5}, "scope": {"movie_id": movie, "city": "Bengaluru"}}),
        json!({"name": "Third ticket half price", "generate_code": true,
               "benefit": {"type": "nth_ticket", "every": 3, "percent_bp": 5000},
               "conditions": {"starts_between": {"from": "12:00:00", "until": "17:00:00"},
                              "first_booking_only": true},
               "scope": {"theater_id": show.theater_id, "screen_id": show.screen_id}}),
        json!({"name": "Free popcorn", "benefit": {"type": "meal_voucher", "addon_code": "combo1",
               "percent_bp": 10000, "max_units": 1},
               "conditions": {"subscribers_only": true}, "scope": {"show_id": show.show_id}}),
    ];
    let mut created = Vec::new();
    for body in &bodies {
        let offer: Offer = partner.api.create_as("/offers", body).await.expect("offer");
        assert_eq!(offer.partner_id, partner.partner_id.map(PartnerId::from));
        assert_eq!(offer.scope.partner_id, offer.partner_id, "forced to theirs");
        let management = offer.management.as_ref().expect("the creator manages it");
        assert_eq!(management.funded_by, Funder::Partner);
        assert_eq!(management.redeemed, 0);
        created.push(offer);
    }
    assert_eq!(created[0].code.as_deref(), Some("SUMMER-25"));
    assert_eq!(created[0].conditions.seat_categories, ["PREMIUM"]);
    assert_eq!(created[1].code, None, "automatic");
    let generated = created[2].code.clone().expect("a generated code");
    assert!(generated.len() >= 10, "{generated}");
    assert!(
        generated.bytes().all(|b| CODE_ALPHABET.contains(&b)),
        "{generated}"
    );
    assert!(matches!(
        &created[3].benefit,
        Benefit::MealVoucher { addon_code: Some(c), .. } if c == "COMBO1"
    ));

    // Each reads back as it was written.
    for offer in &created {
        let read: Offer = partner
            .api
            .read(&format!("/offers/{}", offer.offer_id))
            .await
            .expect("read");
        assert_eq!(read.benefit, offer.benefit);
        assert_eq!(read.conditions, offer.conditions);
        assert_eq!(read.scope, offer.scope);
        assert_eq!(read.code, offer.code);
    }
    // Edited: the body replaces the offer.
    let path = format!("/offers/{}", created[0].offer_id);
    let edit = json!({"name": "Summer 30", "code": "SUMMER-25",
                      "benefit": {"type": "percent_off", "percent_bp": 3000},
                      "limit_total": 50});
    let resp = partner.api.put(&path, &edit).await.expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let edited: Offer = resp.json().await.expect("json");
    assert_eq!(edited.name, "Summer 30");
    assert_eq!(
        edited.benefit,
        Benefit::PercentOff {
            percent_bp: 3000,
            max_off_minor: None
        }
    );
    assert!(edited.conditions.days_of_week.is_empty());
    assert_eq!(
        edited.valid_from, created[0].valid_from,
        "kept when left out"
    );
    assert_eq!(edited.management.and_then(|m| m.limit_total), Some(50));

    // Deleted: gone for everyone, its row kept.
    for offer in &created {
        let path = format!("/offers/{}", offer.offer_id);
        let resp = partner.api.delete(&path).await.expect("delete");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            partner.api.status_of(Method::GET, &path, None).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            partner.api.status_of(Method::DELETE, &path, None).await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(offer_count(&app).await, 4);
}

#[tokio::test]
async fn codes_match_without_case_and_one_live_offer_has_each() {
    let app = app().await;
    let (owner, _) = partner_with_show(&app, "Code Cinemas").await;
    let (rival, _) = partner_with_show(&app, "Rival Cinemas").await;
    let mut body = percent_off("Festival");
    body["code"] = json!("Fest-2026");
    let first: Offer = owner.api.create_as("/offers", &body).await.expect("offer");
    assert_eq!(first.code.as_deref(), Some("FEST-2026"));

    // The same code in another case, by anyone, is taken.
    body["code"] = json!("fest-2026");
    let resp = rival.api.post("/offers", &body).await.expect("post");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        refusal(resp).await.expect("error").code,
        ErrorCode::OfferCodeTaken
    );
    // So is editing another offer to it; keeping one's own code is fine.
    let other: Offer = owner
        .api
        .create_as("/offers", &percent_off("Other"))
        .await
        .expect("offer");
    let resp = owner
        .api
        .put(&format!("/offers/{}", other.offer_id), &body)
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let resp = owner
        .api
        .put(&format!("/offers/{}", first.offer_id), &body)
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);

    // Once the offer is deleted its code is free again.
    owner
        .api
        .delete(&format!("/offers/{}", first.offer_id))
        .await
        .expect("delete");
    let again: Offer = rival.api.create_as("/offers", &body).await.expect("offer");
    assert_eq!(again.code.as_deref(), Some("FEST-2026"));

    // Generated codes differ from each other.
    let mut generated = std::collections::BTreeSet::new();
    for i in 0..5 {
        let mut body = percent_off(&format!("Generated {i}"));
        body["generate_code"] = json!(true);
        let offer: Offer = owner.api.create_as("/offers", &body).await.expect("offer");
        generated.insert(offer.code.expect("code"));
    }
    assert_eq!(generated.len(), 5);
}

#[tokio::test]
async fn another_partners_offers_are_out_of_reach() {
    let app = app().await;
    let (owner, _) = partner_with_show(&app, "Owner Cinemas").await;
    let (rival, _) = partner_with_show(&app, "Rival Cinemas").await;
    let customer = app.customer("offers@example.com").await.expect("customer");
    let mut body = percent_off("Staff only");
    body["listed"] = json!(false);
    let unlisted: Offer = owner.api.create_as("/offers", &body).await.expect("offer");
    let path = format!("/offers/{}", unlisted.offer_id);
    let owner_id = owner.partner_id.expect("partner");
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::PUT, path.clone(), Some(percent_off("Mine now"))),
        (Method::DELETE, path.clone(), None),
        (Method::GET, format!("/offers?partnerId={owner_id}"), None),
        (
            Method::DELETE,
            format!("/offers?partnerId={owner_id}"),
            None,
        ),
    ] {
        let status = rival
            .api
            .status_of(method.clone(), &path, body.as_ref())
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{method} {path} as the rival"
        );
    }
    assert_eq!(
        customer.api.status_of(Method::GET, &path, None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api.status_of(Method::GET, &path, None).await,
        StatusCode::UNAUTHORIZED
    );
    // Nothing changed.
    let still: Offer = owner.api.read(&path).await.expect("read");
    assert_eq!(still.name, "Staff only");

    // A listed offer is public, without what only its managers see.
    let listed: Offer = owner
        .api
        .create_as("/offers", &percent_off("For all"))
        .await
        .expect("offer");
    let public: Offer = app
        .api
        .read(&format!("/offers/{}", listed.offer_id))
        .await
        .expect("read");
    assert!(public.management.is_none());

    // The platform funds a partner's offer only when an operator says so; platform-wide
    // offers are the operators' alone.
    let mut funded = percent_off("Platform funded");
    funded["funded_by"] = json!("platform");
    let resp = owner.api.post("/offers", &funded).await.expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_names(&refusal(resp).await.expect("error")),
        ["funded_by"]
    );
    funded["scope"] = json!({"partner_id": owner_id});
    let by_ops: Offer = app
        .admin
        .create_as("/offers", &funded)
        .await
        .expect("offer");
    assert_eq!(by_ops.partner_id, Some(PartnerId::from(owner_id)));
    let platform: Offer = app
        .admin
        .create_as("/offers", &percent_off("Platform-wide"))
        .await
        .expect("offer");
    assert_eq!(platform.partner_id, None);
    let platform_path = format!("/offers/{}", platform.offer_id);
    assert_eq!(
        owner
            .api
            .status_of(Method::PUT, &platform_path, Some(&percent_off("x")))
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        owner
            .api
            .status_of(Method::DELETE, &platform_path, None)
            .await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn deleting_a_partners_offers_leaves_other_partners_alone() {
    let app = app().await;
    let (owner, _) = partner_with_show(&app, "Closing Cinemas").await;
    let (rival, _) = partner_with_show(&app, "Staying Cinemas").await;
    for name in ["One", "Two"] {
        owner
            .api
            .create_as::<Offer>("/offers", &percent_off(name))
            .await
            .expect("offer");
    }
    let kept: Offer = rival
        .api
        .create_as("/offers", &percent_off("Kept"))
        .await
        .expect("offer");
    let owner_id = owner.partner_id.expect("partner");
    let listed: Vec<Offer> = owner
        .api
        .read(&format!("/offers?partnerId={owner_id}"))
        .await
        .expect("list");
    assert_eq!(listed.len(), 2);

    let resp = owner
        .api
        .delete(&format!("/offers?partnerId={owner_id}"))
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::OK);
    let deleted: Deleted = resp.json().await.expect("json");
    assert_eq!(deleted.deleted, 2);
    let listed: Vec<Offer> = owner
        .api
        .read(&format!("/offers?partnerId={owner_id}"))
        .await
        .expect("list");
    assert!(listed.is_empty());
    let theirs: Vec<Offer> = rival
        .api
        .read(&format!(
            "/offers?partnerId={}",
            rival.partner_id.expect("partner")
        ))
        .await
        .expect("list");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].offer_id, kept.offer_id);
}

#[tokio::test]
async fn operators_page_through_every_partners_offers_and_nobody_else_lists_them_all() {
    let app = app().await;
    let (first, _) = partner_with_show(&app, "First Cinemas").await;
    let (second, _) = partner_with_show(&app, "Second Cinemas").await;
    let mut made = Vec::new();
    for (who, name) in [(&first, "A"), (&second, "B"), (&first, "C")] {
        let offer: Offer = who
            .api
            .create_as("/offers", &percent_off(name))
            .await
            .expect("offer");
        made.push(offer.offer_id);
    }
    let platform: Offer = app
        .admin
        .create_as("/offers", &percent_off("Platform"))
        .await
        .expect("offer");
    made.push(platform.offer_id);
    made.reverse();

    let all: Vec<Offer> = app.admin.read("/offers").await.expect("list");
    let ids: Vec<_> = all.iter().map(|o| o.offer_id).collect();
    assert_eq!(ids, made, "every live offer, newest first");
    assert!(
        all.iter().all(|o| o.management.is_some()),
        "with their management data"
    );

    // Two at a time, following the last one's creation time.
    let page: Vec<Offer> = app.admin.read("/offers?limit=2").await.expect("page");
    assert_eq!(
        page.iter().map(|o| o.offer_id).collect::<Vec<_>>(),
        made[..2]
    );
    let last = page[1].management.as_ref().expect("management").created_at;
    let before = urlencode(&last.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let next: Vec<Offer> = app
        .admin
        .read(&format!("/offers?limit=2&before={before}"))
        .await
        .expect("next page");
    assert_eq!(
        next.iter().map(|o| o.offer_id).collect::<Vec<_>>(),
        made[2..]
    );

    // A deleted offer is no longer listed.
    let resp = app
        .admin
        .delete(&format!("/offers/{}", made[0]))
        .await
        .expect("delete");
    assert!(resp.status().is_success());
    let all: Vec<Offer> = app.admin.read("/offers").await.expect("list");
    assert_eq!(all.len(), made.len() - 1);

    // Partners and customers give a filter; paging needs the unfiltered list; bad pages 422.
    let customer = app.customer("asha@example.com").await.expect("customer");
    for who in [&first.api, &customer.api] {
        assert_eq!(
            who.get("/offers").await.expect("get").status(),
            StatusCode::BAD_REQUEST
        );
    }
    let with_filter = format!(
        "/offers?partnerId={}&limit=2",
        first.partner_id.expect("partner")
    );
    assert_eq!(
        app.admin.get(&with_filter).await.expect("get").status(),
        StatusCode::BAD_REQUEST
    );
    for bad in [
        "/offers?limit=0",
        "/offers?limit=201",
        "/offers?before=0001-01-01T00:00:00Z",
    ] {
        let resp = app.admin.get(bad).await.expect("get");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

/// `+` and `:` of a timestamp, escaped for a query string.
fn urlencode(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}
