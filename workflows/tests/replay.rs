//! Replays committed histories against the current workflow code: a change that would break
//! running bookings or subscriptions (nondeterminism) fails here, before it reaches a worker.
//!
//! Keep old histories when adding new ones: they prove that runs recorded by earlier code still
//! replay. Record new ones with
//! `MTBP_RECORD_HISTORY_DIR=$PWD/workflows/tests/histories cargo test -p mtbp-tests --test e2e -- histories compensation operator::cancelling_during offers_in_saga::an_offer_that_lapses`
//! (it writes the `priced_*` files of the pricing shape, with the apply-offer step. The
//! `saga_v2_*` ones were recorded with the money-safety shape, the `held_by_api_*` ones
//! before it, when the API first held seats itself, and the `booking_*` ones when the
//! workflow still held them; all must keep replaying). The `subscription_*` ones are written
//! by `-- subscriptions::histories` with the same variable: one run per period, so a
//! subscription has a first period that continued as new and runs that ended (cancelled,
//! dunned out). The `announcement_*` ones by `-- announcements`: the first run of an
//! announcement (two batches, continued as new) and its last (the audience exhausted). The
//! `after_payment_queue_*` ones by `-- after_payment::` (the after-payment steps on their own
//! task queue, behind `after-payment-queue-1`; the `after_payment_reminded` and
//! `after_payment_no_reminder` ones were recorded before it), and `refund_notice_hold_lost` (a refund the
//! saga made, then told to the customer, behind `refund-notice-1`) by
//! `-- after_payment_faults::refund_notice`. The `settlement_*` ones and
//! `booking_settlement_done` (a saga that ends at its partner's settlement, behind
//! `settlement-1`; `booking_settlement_expected` also checked first that a settlement would
//! count it, behind `settlement-expected-1`) by `-- settlement_runs`.

async fn replay(file: &str) {
    let path = format!("{}/tests/histories/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    mtbp_workflows::replay::replay_history(&bytes)
        .await
        .unwrap_or_else(|e| panic!("{file} no longer replays: {e:?}"));
}

#[tokio::test]
async fn a_completed_booking_replays_deterministically() {
    replay("booking_completed.json").await;
}

#[tokio::test]
async fn a_declined_booking_replays_deterministically() {
    replay("booking_declined.json").await;
}

#[tokio::test]
async fn an_expired_booking_replays_deterministically() {
    replay("booking_expired.json").await;
}

#[tokio::test]
async fn an_extended_then_paid_booking_replays_deterministically() {
    replay("booking_extended.json").await;
}

#[tokio::test]
async fn a_booking_held_by_the_api_then_paid_replays_deterministically() {
    replay("held_by_api_completed.json").await;
}

#[tokio::test]
async fn a_booking_held_by_the_api_then_declined_replays_deterministically() {
    replay("held_by_api_declined.json").await;
}

#[tokio::test]
async fn a_booking_held_by_the_api_that_expired_replays_deterministically() {
    replay("held_by_api_expired.json").await;
}

#[tokio::test]
async fn a_booking_held_by_the_api_extended_then_paid_replays_deterministically() {
    replay("held_by_api_extended.json").await;
}

#[tokio::test]
async fn a_paid_booking_of_the_money_safety_shape_replays_deterministically() {
    replay("saga_v2_completed.json").await;
}

#[tokio::test]
async fn a_declined_booking_of_the_money_safety_shape_replays_deterministically() {
    replay("saga_v2_declined.json").await;
}

#[tokio::test]
async fn an_expired_booking_of_the_money_safety_shape_replays_deterministically() {
    replay("saga_v2_expired.json").await;
}

#[tokio::test]
async fn an_extended_booking_of_the_money_safety_shape_replays_deterministically() {
    replay("saga_v2_extended.json").await;
}

#[tokio::test]
async fn a_refund_retried_by_an_operator_replays_deterministically() {
    replay("saga_v2_refund_retried_by_operator.json").await;
}

#[tokio::test]
async fn a_booking_cancelled_during_its_charge_and_refunded_replays_deterministically() {
    replay("saga_v2_cancelled_during_charge.json").await;
}

#[tokio::test]
async fn a_cancel_that_waited_for_the_seat_confirmation_replays_deterministically() {
    replay("saga_v2_cancel_waited_for_the_confirm.json").await;
}

#[tokio::test]
async fn a_booking_an_operator_marked_resolved_replays_deterministically() {
    replay("saga_v2_resolved_by_operator.json").await;
}

// Subscription workflow histories, recorded with
// `MTBP_RECORD_HISTORY_DIR=$PWD/workflows/tests/histories cargo test -p mtbp-tests --test e2e -- subscriptions::histories`.

#[tokio::test]
async fn a_subscriptions_first_period_continued_as_new_replays_deterministically() {
    replay("subscription_first_period.json").await;
}

#[tokio::test]
async fn a_subscription_cancelled_at_its_period_end_replays_deterministically() {
    replay("subscription_cancelled.json").await;
}

#[tokio::test]
async fn a_subscription_dunned_out_replays_deterministically() {
    replay("subscription_dunned.json").await;
}

// Recorded by `subscriptions::billing` (same variable): a first charge whose outcome was
// unknown and read back (`subscription-unsettled-charge-1`), and a past-due renewal charged at
// once with a new card (the `card_changed` signal).
#[tokio::test]
async fn a_first_charge_read_back_after_its_activity_gave_up_replays_deterministically() {
    replay("subscription_unsettled_first_charge.json").await;
}

#[tokio::test]
async fn a_renewal_paid_by_a_changed_card_replays_deterministically() {
    replay("subscription_card_changed.json").await;
}

/// Every committed history, whatever its name: none is left out by forgetting a test above.
#[tokio::test]
async fn every_committed_history_replays_deterministically() {
    let dir = format!("{}/tests/histories", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 16,
        "the committed histories are missing: {files:?}"
    );
    for file in &files {
        replay(file).await;
    }
}

#[tokio::test]
async fn a_refund_retried_through_the_admin_api_replays_deterministically() {
    replay("ops_refund_retried_through_the_admin_api.json").await;
}

#[tokio::test]
async fn a_cancellation_refund_an_operator_retried_replays_deterministically() {
    replay("ops_cancellation_refund_retried.json").await;
}

#[tokio::test]
async fn a_hold_an_operator_force_expired_replays_deterministically() {
    replay("ops_hold_force_expired.json").await;
}

#[tokio::test]
async fn an_operators_repair_of_an_ended_saga_replays_deterministically() {
    replay("ops_repair_resend.json").await;
}

#[tokio::test]
async fn an_announcements_first_run_replays_deterministically() {
    replay("announcement_first_run.json").await;
}

#[tokio::test]
async fn an_announcements_last_run_replays_deterministically() {
    replay("announcement_last_run.json").await;
}

#[tokio::test]
async fn a_refund_told_to_the_customer_replays_deterministically() {
    replay("refund_notice_hold_lost.json").await;
}

#[tokio::test]
async fn after_payment_steps_on_their_own_queue_then_reminded_replay_deterministically() {
    replay("after_payment_queue_reminded.json").await;
}

#[tokio::test]
async fn after_payment_steps_on_their_own_queue_without_a_reminder_replay_deterministically() {
    replay("after_payment_queue_no_reminder.json").await;
}

#[tokio::test]
async fn after_payment_steps_of_the_first_shape_replay_deterministically() {
    replay("after_payment_reminded.json").await;
    replay("after_payment_no_reminder.json").await;
}

// The theater's and the cancellations' histories, written by `-- theaters::` with
// `MTBP_RECORD_HISTORY_DIR` set: a live theater's booking shared and waiting for its reminder
// (behind `theater-1`), one the theater refused (a child cancellation refunded it), a paid booking
// cancelled whole (its workflow ended by the cancellation's signal), a partial cancellation, and a
// show cancelled with its bookings through two worker crashes.

#[tokio::test]
async fn a_live_theaters_shared_booking_replays_deterministically() {
    replay("theater_live_shared.json").await;
}

#[tokio::test]
async fn a_booking_the_theater_refused_replays_deterministically() {
    replay("theater_rejected_booking.json").await;
    replay("theater_rejected_cancellation.json").await;
}

#[tokio::test]
async fn a_booking_cancelled_after_payment_replays_deterministically() {
    replay("cancelled_after_payment.json").await;
}

#[tokio::test]
async fn a_partial_cancellation_replays_deterministically() {
    replay("partial_cancellation.json").await;
}

#[tokio::test]
async fn a_show_cancellation_replays_deterministically() {
    replay("show_cancelled.json").await;
}

#[tokio::test]
async fn a_booking_that_ends_at_its_settlement_replays_deterministically() {
    replay("booking_settlement_done.json").await;
}

#[tokio::test]
async fn a_booking_that_checked_it_would_be_settled_replays_deterministically() {
    replay("booking_settlement_expected.json").await;
}

#[tokio::test]
async fn a_settlement_replays_deterministically() {
    replay("settlement_done.json").await;
}

#[tokio::test]
async fn a_settlement_schedule_run_replays_deterministically() {
    replay("settlement_schedule_run.json").await;
}

/// Histories since `patches-at-start-1` (booking) and `cancellation-patches-at-start-1`: every
/// patch is recorded in the first task. Recorded from `-- visibility::booking_histories
/// compensation operations::a_refund_the_gateway_refuses` (the `priced_*` and
/// `ops_cancellation_refund_retried` files of that run, renamed `at_start_*`).
#[tokio::test]
async fn histories_with_their_patches_at_the_start_replay_deterministically() {
    for file in [
        "at_start_completed.json",
        "at_start_declined.json",
        "at_start_expired.json",
        "at_start_extended.json",
        "at_start_cancel_waited_for_the_confirm.json",
        "at_start_refund_retried_by_operator.json",
        "at_start_resolved_by_operator.json",
        "at_start_cancellation_refund_retried.json",
    ] {
        replay(file).await;
    }
}

/// A status query answered while the reminder's local activity result waited: the worker ended
/// that task with the activity's marker and went on in a new one (`at_start_queried_split`,
/// recorded by `-- visibility::bookings_queried_throughout_their_saga_replay` and taken from the
/// server). Its patches were all recorded at the start, so it replays.
#[tokio::test]
async fn a_booking_whose_task_split_after_a_local_activity_replays_deterministically() {
    replay("at_start_queried_split.json").await;
}

/// The same split in a history of the earlier shape (kept in `sdk_limits/`, out of the test
/// above), whose `settlement-1` marker was asked after
/// that activity: the SDK (temporalio-sdk-core 0.10) hands the activity's result over on replay
/// before the next task's markers are known, so such a run fails replay (and a worker that must
/// replay it stops with a nondeterminism error; docs/OPERATIONS.md says how to reset it). This
/// test keeps that known limit in view: if an SDK upgrade fixes it, it fails, and this test and
/// the runbook's section go.
#[tokio::test]
async fn an_earlier_history_whose_task_split_after_a_local_activity_does_not_replay() {
    let path = format!(
        "{}/tests/histories/sdk_limits/settlement_queried_split.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("history");
    let err = mtbp_workflows::replay::replay_history(&bytes)
        .await
        .expect_err("the SDK now replays it: drop this test and the runbook's reset section");
    assert!(
        format!("{err:?}").contains("settlement-1"),
        "another failure: {err:?}"
    );
}
