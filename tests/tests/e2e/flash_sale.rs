//! The flash-sale load generator at a small size: every seat sold once, the books balance, and
//! the reconciliation notices when they do not; with a limited code on sale, its redemptions
//! match the bookings charged its discount and never pass its limit.

use mtbp_tests::flash::{self, Params, SaleOffer, Target};
use mtbp_tests::{TestApp, TestOptions};
use std::time::Duration;
use uuid::Uuid;

fn small_sale() -> Params {
    Params {
        shows: 1,
        rows: 4,
        per_row: 10,
        customers: 12,
        max_seats: 3,
        best_share: 0.5,
        abandon_share: 0.3,
        decline_share: 0.1,
        think_from_ms: 0,
        think_ms: 200,
        hold_seconds: 5,
        sale_limit: Duration::from_secs(90),
        max_attempts: 5_000,
        limits: true,
        limit_seats: 0,
        seed: 7,
        code_share: 0.0,
        code_limit: 0,
    }
}

async fn small_app() -> (TestApp, Target) {
    let app = TestApp::spawn_with(TestOptions {
        hold_seconds: 5,
        ..TestOptions::default()
    })
    .await;
    let target = Target {
        api: app.api.clone(),
        operator: app.admin.clone(),
        db: app.db.clone(),
        temporal: app.temporal.clone(),
        stripe: app.stripe.clone(),
    };
    (app, target)
}

fn failed(r: &flash::Reconciliation) -> Vec<&'static str> {
    r.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_flash_sale_sells_every_seat_once_and_the_books_balance() {
    let (app, target) = small_app().await;
    let report = flash::run(small_sale(), &target).await.expect("run");
    let sale = &report.sale;
    assert!(report.reconciliation.ok, "{}", flash::summary(&report));
    assert!(
        sale.sold_out_after_seconds.is_some(),
        "{}",
        flash::summary(&report)
    );
    assert_eq!(sale.errors, 0, "{}", flash::summary(&report));
    // Every hold ended one way; abandoned holds were expired by their saga's timer.
    assert_eq!(
        sale.holds,
        sale.bookings_completed + sale.abandoned + sale.declined + sale.pay_refused
    );
    assert!(
        sale.abandoned > 0 && sale.declined > 0,
        "{}",
        flash::summary(&report)
    );
    // Abandoned holds were expired by their saga's timer (a payment slower than its hold also
    // ends expired, so at least as many).
    assert!(
        sale.expired >= sale.abandoned as i64,
        "{}",
        flash::summary(&report)
    );
    let booked: i64 = sqlx::query_scalar(
        "select count(*) from show_seats where show_id = any($1) and status = 'booked'",
    )
    .bind(&report.show_ids)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(booked, 40, "every seat sold");
    let db = report.database_limit.as_ref().expect("database limit");
    assert_eq!(db.holds, db.hold_latency.count);
    assert!(db.holds_per_second > 0.0);
    let orchestration = report.orchestration_limit.as_ref().expect("orchestration");
    assert_eq!(orchestration.workflows, orchestration.latency.count);
    assert_eq!(
        orchestration.processed, orchestration.workflows,
        "every baseline workflow ran its notification step"
    );
    // The steps after the payment: every completed booking invoiced and told, each PDF and
    // message timed.
    let processed = &report.processed;
    assert_eq!(
        processed.completed, sale.bookings_completed,
        "{processed:?}"
    );
    assert_eq!(processed.processed, processed.completed, "{processed:?}");
    // One invoice per issuer (the partner's for the tickets, the platform's for its fee).
    assert!(
        processed.render.count >= processed.completed,
        "{processed:?}"
    );
    assert_eq!(
        processed.upload.count, processed.render.count,
        "{processed:?}"
    );
    assert!(processed.send.count > 0, "{processed:?}");
    assert!(processed.peak_processed_per_second > 0.0, "{processed:?}");
    assert!(report.ratios.is_some());
    assert!(!sale.timeline.is_empty());

    // The reconciliation is not a formality: a booking quietly marked refunded, and a seat
    // given to a second live booking, are both caught.
    let again = flash::reconcile(&target, &report.show_ids, &report.outcomes, None)
        .await
        .expect("reconcile");
    assert!(again.ok);
    let victim: Uuid = sqlx::query_scalar(
        "select booking_id from bookings where show_id = $1 and status in ('BookingCompleted', 'Invoiced') limit 1",
    )
    .bind(report.show_ids[0])
    .fetch_one(&app.db)
    .await
    .expect("a completed booking");
    let double = Uuid::new_v4();
    sqlx::query(
        "insert into bookings (booking_id, show_id, contact_name, contact_email, status,
                               amount_minor, currency, hold_expires_at)
         select $2, show_id, 'Double', 'double@example.com', 'PreBooking', 1, currency, now()
           from bookings where booking_id = $1",
    )
    .bind(victim)
    .bind(double)
    .execute(&app.db)
    .await
    .expect("second booking");
    sqlx::query(
        "insert into booking_seats (booking_id, seat_label, category_code, price_minor)
         select $2, seat_label, category_code, price_minor from booking_seats
          where booking_id = $1 limit 1",
    )
    .bind(victim)
    .bind(double)
    .execute(&app.db)
    .await
    .expect("doubled seat");
    let oversold = flash::reconcile(&target, &report.show_ids, &report.outcomes, None)
        .await
        .expect("reconcile");
    assert!(!oversold.ok);
    assert!(oversold.oversold_seats >= 1, "{oversold:?}");

    sqlx::query("update bookings set status = 'Refunded' where booking_id = $1")
        .bind(victim)
        .execute(&app.db)
        .await
        .expect("tamper");
    let tampered = flash::reconcile(&target, &report.show_ids, &report.outcomes, None)
        .await
        .expect("reconcile");
    let failed = failed(&tampered);
    assert!(
        failed.contains(&"seats booked = seats of completed bookings"),
        "{failed:?}"
    );
    assert!(
        failed.contains(&"bookings completed = charges at the gateway - refunds"),
        "{failed:?}"
    );
    assert!(
        tampered.lost_bookings >= 1,
        "the customer was told it is booked"
    );
}

const REDEEMS_MATCH: &str =
    "live redemptions of the code = completed bookings whose quote applied it";
const QUOTES_MATCH: &str = "amount of completed bookings = sum of their quotes' totals";
const WITHIN_LIMIT: &str = "live redemptions of the code ≤ its limit";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_sale_with_a_limited_code_redeems_it_within_its_limit_and_charges_the_quotes() {
    let (app, target) = small_app().await;
    let params = Params {
        code_share: 0.5,
        code_limit: 3,
        limits: false,
        seed: 11,
        ..small_sale()
    };
    let report = flash::run(params, &target).await.expect("run");
    let sale = &report.sale;
    let summary = flash::summary(&report);
    assert!(report.reconciliation.ok, "{summary}");
    let names: Vec<&str> = report
        .reconciliation
        .checks
        .iter()
        .map(|c| c.name)
        .collect();
    for name in [REDEEMS_MATCH, QUOTES_MATCH, WITHIN_LIMIT] {
        assert!(names.contains(&name), "{name} is checked: {names:?}");
    }
    assert_eq!(sale.errors, 0, "{summary}");
    assert_eq!(
        sale.holds,
        sale.bookings_completed + sale.abandoned + sale.declined + sale.pay_refused
    );
    assert!(
        sale.code_quoted > 0 && sale.code_quoted <= sale.code_holds && sale.code_holds < sale.holds,
        "{summary}"
    );
    let offer = report.offer.clone().expect("the sale had a code");
    let live: i64 = sqlx::query_scalar(
        "select count(*) from offer_redemptions where offer_id = $1 and status = 'redeemed'",
    )
    .bind(offer.offer_id)
    .fetch_one(&app.db)
    .await
    .expect("redemptions");
    assert!((1..=3).contains(&live), "{live} redemptions: {summary}");

    // The new checks are not formalities: a limit below the redemptions, a redemption given
    // back behind the booking's back, and a quote that no longer matches what was charged are
    // each caught.
    let tighter = SaleOffer {
        limit: live - 1,
        ..offer.clone()
    };
    let over = flash::reconcile(&target, &report.show_ids, &report.outcomes, Some(&tighter))
        .await
        .expect("reconcile");
    assert_eq!(failed(&over), [WITHIN_LIMIT]);

    sqlx::query(
        "update offer_redemptions set status = 'released', released_at = now()
          where offer_id = $1 and booking_id = (select booking_id from offer_redemptions
                                                 where offer_id = $1 and status = 'redeemed'
                                                 limit 1)",
    )
    .bind(offer.offer_id)
    .execute(&app.db)
    .await
    .expect("release one");
    let released = flash::reconcile(&target, &report.show_ids, &report.outcomes, Some(&offer))
        .await
        .expect("reconcile");
    assert!(failed(&released).contains(&REDEEMS_MATCH), "{released:?}");

    sqlx::query(
        "update bookings
            set quote = jsonb_set(quote, '{totals,total,amount_minor}',
                                  to_jsonb((quote #>> '{totals,total,amount_minor}')::bigint + 1))
          where booking_id = (select booking_id from bookings
                               where show_id = any($1) and status in ('BookingCompleted', 'Invoiced') limit 1)",
    )
    .bind(&report.show_ids)
    .execute(&app.db)
    .await
    .expect("tamper with a quote");
    let requoted = flash::reconcile(&target, &report.show_ids, &report.outcomes, Some(&offer))
        .await
        .expect("reconcile");
    assert!(failed(&requoted).contains(&QUOTES_MATCH), "{requoted:?}");
}
