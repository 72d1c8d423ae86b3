//! Offer limits under concurrency, at the store level against the real PostgreSQL: 1,000
//! bookings racing for an offer limited to 100 redeem it exactly 100 times, one customer's 50
//! racing bookings redeem a once-per-customer offer once, and a release gives a use back.

use chrono::Utc;
use mtbp_domain::pricing::{Benefit, Conditions, OfferScope};
use mtbp_domain::{AccountId, BookingId, Funder, OfferId, PartnerId, Stacking};
use mtbp_store::offers::admin::{self, OfferFields};
use mtbp_store::offers::{self, RedemptionLine, Refused};
use mtbp_tests::TestApp;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;
use uuid::Uuid;

/// An offer of `partner` with these limits, stored directly.
async fn offer(
    app: &TestApp,
    partner: Uuid,
    total: Option<i32>,
    per_customer: Option<i32>,
) -> OfferId {
    let scope = OfferScope {
        partner_id: Some(PartnerId::from_uuid(partner)),
        ..OfferScope::default()
    };
    let fields = OfferFields {
        name: "Limited",
        description: "",
        code: None,
        benefit: &Benefit::FlatOff { amount_minor: 5000 },
        conditions: &Conditions::default(),
        scope: &scope,
        valid_from: Utc::now() - chrono::Duration::minutes(1),
        valid_until: None,
        funded_by: Funder::Partner,
        stacking: Stacking::Exclusive,
        listed: true,
        limit_total: total,
        limit_per_customer: per_customer,
    };
    let offer_id = OfferId::from_uuid(Uuid::new_v4());
    admin::insert(
        &app.db,
        offer_id,
        &fields,
        AccountId::from_uuid(app.admin_id),
    )
    .await
    .expect("offer");
    offer_id
}

/// `n` bookings of the show, made straight in the database.
async fn bookings(app: &TestApp, show: Uuid, customer: Option<Uuid>, n: i32) -> Vec<BookingId> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into bookings (booking_id, show_id, customer_id, status, amount_minor, currency,
                               hold_expires_at)
         select gen_random_uuid(), $1, $2, 'PaymentInitiated', 20000, 'INR',
                now() + interval '10 minutes'
           from generate_series(1, $3)
         returning booking_id",
    )
    .bind(show)
    .bind(customer)
    .bind(n)
    .fetch_all(&app.db)
    .await
    .expect("bookings");
    ids.into_iter().map(BookingId::from_uuid).collect()
}

/// Every booking redeems `offer_id` at once; answers how many succeeded, and checks that the
/// others were refused for the limit.
async fn race(
    pool: &PgPool,
    offer_id: OfferId,
    customer: Option<AccountId>,
    bookings: &[BookingId],
) -> usize {
    let tasks: Vec<_> = bookings
        .iter()
        .map(|&booking| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let line = RedemptionLine {
                    offer_id,
                    discount_minor: 5000,
                    funded_by: Funder::Partner,
                };
                offers::redeem(&pool, booking, customer, &[line], Utc::now()).await
            })
        })
        .collect();
    let mut won = 0;
    for task in futures::future::join_all(tasks).await {
        match task.expect("task").expect("no database error") {
            Ok(()) => won += 1,
            Err(Refused::UsedUp(id) | Refused::UsedByCustomer(id)) => assert_eq!(id, offer_id),
            Err(other) => panic!("refused for another reason: {other:?}"),
        }
    }
    won
}

/// The offer's counter and its live redemption rows.
async fn counted(app: &TestApp, offer_id: OfferId) -> (i32, i64) {
    sqlx::query_as(
        "select o.redeemed,
                (select count(*) from offer_redemptions r
                  where r.offer_id = o.offer_id and r.status = 'redeemed')
           from offers o where o.offer_id = $1",
    )
    .bind(offer_id.as_uuid())
    .fetch_one(&app.db)
    .await
    .expect("counts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_limit_of_100_holds_against_1000_racers_and_once_per_customer_holds_too() {
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        in_process_worker: false,
        ..Default::default()
    })
    .await;
    let partner = app.partner("Racing Cinemas").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let partner_id = partner.partner_id.expect("partner");
    // A pool of its own: the racers queue for connections longer than the app's pool waits.
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(120))
        .connect(&app.settings.database_url)
        .await
        .expect("pool");

    let limited = offer(&app, partner_id, Some(100), None).await;
    let racers = bookings(&app, show.show_id, None, 1000).await;
    assert_eq!(race(&pool, limited, None, &racers).await, 100);
    assert_eq!(counted(&app, limited).await, (100, 100));
    // A release gives one use back, and the next booking gets it.
    let winners: Vec<Uuid> = sqlx::query_scalar(
        "select booking_id from offer_redemptions where offer_id = $1 and status = 'redeemed'",
    )
    .bind(limited.as_uuid())
    .fetch_all(&app.db)
    .await
    .expect("winners");
    assert_eq!(
        offers::release(&pool, BookingId::from_uuid(winners[0]))
            .await
            .expect("release"),
        1
    );
    assert_eq!(
        offers::release(&pool, BookingId::from_uuid(winners[0]))
            .await
            .expect("release"),
        0
    );
    assert_eq!(counted(&app, limited).await, (99, 99));
    let late = bookings(&app, show.show_id, None, 2).await;
    assert_eq!(race(&pool, limited, None, &late[..1]).await, 1);
    assert_eq!(
        race(&pool, limited, None, &late[1..]).await,
        0,
        "used up again"
    );
    assert_eq!(counted(&app, limited).await, (100, 100));

    // Once per customer: one customer's 50 racing bookings redeem it once.
    let customer = app.customer("racer@example.com").await.expect("customer");
    let me = Some(AccountId::from_uuid(customer.account_id));
    let once = offer(&app, partner_id, None, Some(1)).await;
    let mine = bookings(&app, show.show_id, Some(customer.account_id), 51).await;
    assert_eq!(race(&pool, once, me, &mine[..50]).await, 1);
    assert_eq!(counted(&app, once).await, (1, 1));
    let winner: Uuid = sqlx::query_scalar(
        "select booking_id from offer_redemptions where offer_id = $1 and status = 'redeemed'",
    )
    .bind(once.as_uuid())
    .fetch_one(&app.db)
    .await
    .expect("winner");
    assert_eq!(
        offers::release(&pool, BookingId::from_uuid(winner))
            .await
            .expect("release"),
        1
    );
    assert_eq!(race(&pool, once, me, &mine[50..]).await, 1);
    assert_eq!(counted(&app, once).await, (1, 1));
    pool.close().await;
}
