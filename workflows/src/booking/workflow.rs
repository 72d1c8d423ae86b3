//! `BookingWorkflow`: sequencing only. Decisions live in `state.rs`, options in `options.rs`.

use super::offer::{MAX_CODE_LEN, OfferRequest, refuse_offer};
use super::options;
use super::refusal::{Refusal, refused_with};
use super::state::{Ending, Saga, refuse_cancel, refuse_extend, refuse_pay};
use super::types::*;
use crate::ops::Timeline;
use mtbp_activities::SeatActivities;
use mtbp_activities::seats::{ExtendHoldRequest, HoldOutcome};
use mtbp_domain::{BookingStatus, Money};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, WorkflowContext, WorkflowContextView, WorkflowResult,
};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The innermost message of an activity failure: the activity's own words, not the wrapper's.
pub(crate) fn why(err: &ActivityExecutionError) -> String {
    let mut failure = err.failure();
    while let Some(cause) = failure.and_then(|f| f.cause.as_deref()) {
        failure = Some(cause);
    }
    failure.map_or_else(|| err.to_string(), |f| f.message.clone())
}

/// How a failed step ends the booking: a cancelled step means the workflow is being cancelled.
pub(super) fn step_failed(
    status: BookingStatus,
    what: &str,
    err: &ActivityExecutionError,
) -> Ending {
    if matches!(err, ActivityExecutionError::Cancelled(_)) {
        Ending::new(BookingStatus::Cancelled, OPERATOR_CANCEL)
    } else {
        Ending::new(status, format!("{what}: {}", why(err)))
    }
}

pub(super) const OPERATOR_CANCEL: &str = "cancelled by an operator";

/// The `patched` marker of the money-safety shape: a charge that honours cancellation, a
/// confirm that is waited for, a close before the refund, and an operator on call when a
/// compensation cannot finish.
const PATCH_MONEY_SAFETY: &str = "money-safety-1";

/// The `patched` marker of the pricing shape: the *apply offer* step before the charge, which
/// is for the quote's total.
const PATCH_PRICING: &str = "pricing-1";

/// The `patched` marker of the steps after the payment: invoice, notification, reminder.
const PATCH_AFTER_PAYMENT: &str = "after-payment-1";

/// The `patched` marker of the after-payment task queue: invoice, notification and reminder
/// run on `<queue>-after-payment`, with one upsert for the status and the step.
pub(super) const PATCH_AFTER_PAYMENT_QUEUE: &str = "after-payment-queue-1";

/// The `patched` marker of the refund notice: a compensation that gave the money back tells
/// the customer so, once the booking is closed.
pub(super) const PATCH_REFUND_NOTICE: &str = "refund-notice-1";

/// The `patched` marker of the theater's steps: a live theater's lock released by every
/// compensation, the *share with theater* step after the confirmation, and a reminder wait that
/// ends when a cancellation takes the whole booking.
pub(super) const PATCH_THEATER: &str = "theater-1";

/// The `patched` marker of the saga's last step: after the reminder the workflow waits for the
/// partner's settlement to count the booking (`settlement_done`), and ends `SettlementDone`.
pub(super) const PATCH_SETTLEMENT: &str = "settlement-1";

/// The `patched` marker of the check before that wait: a booking no settlement will count (a
/// venue the platform runs, nothing charged) ends at `booked` instead of waiting.
pub(super) const PATCH_SETTLEMENT_EXPECTED: &str = "settlement-expected-1";

/// The `patched` marker of what operators see: every step in the `SagaStep` / `StepStartedAt`
/// search attributes and the memo's one-line `summary` kept current at each status.
pub(super) const PATCH_OPS: &str = "ops-1";

/// The `patched` marker of histories that record their shape once, in the first task: every
/// patch of the booking saga is then taken as present, and no `patched` is asked later. A
/// `patched` asked after a local activity can fail replay: when a query is answered while the
/// activity's result waits, the SDK completes the task and carries on in a new one, but on replay
/// it hands the result over before that task's markers are known (and answers `false`).
pub(super) const PATCH_AT_START: &str = "patches-at-start-1";

/// One booking's saga. Workflow id `booking-{booking_id}`.
#[workflow]
pub struct BookingWorkflow {
    pub(super) input: BookingInput,
    pub(super) hold: Option<HoldOutcome>,
    pub(super) hold_error: Option<String>,
    pub(super) status: Option<BookingStatus>,
    pub(super) hold_expires_at_ms: Option<i64>,
    pub(super) pay: Option<PayRequest>,
    pub(super) cancel_requested: bool,
    pub(super) ticket_code: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) step: &'static str,
    pub(super) extensions: u32,
    pub(super) extending: bool,
    /// Histories written since the money-safety changes (`patched`): the charge honours
    /// cancellation, the confirm is waited for, compensations never stop half-way.
    pub(super) money_safety: bool,
    /// Why an operator must look at the booking, while a compensation waits for one.
    pub(super) needs_operator: Option<String>,
    /// The operator's latest `resolve`, until the saga takes it.
    pub(super) operator_action: Option<OperatorAction>,
    /// How many operator actions the saga has carried out (answers `resolve`).
    pub(super) operator_actions_done: u32,
    /// The note of an operator's retry under way, kept on the booking once it goes through.
    pub(super) operator_note: Option<String>,
    /// Histories written since offers came in (`patched`): the *apply offer* step runs before
    /// the charge.
    pub(super) pricing: bool,
    /// The total of the latest quote, once an `apply_offer` or a re-pricing changed it; until
    /// then the hold's total (which the API priced) is what the booking costs.
    pub(super) quote_total: Option<Money>,
    /// An `apply_offer` is re-quoting.
    pub(super) quoting: bool,
    /// Why the latest `pay` was refused after it was accepted (the price changed), until its
    /// handler answers with it.
    pub(super) pay_refusal: Option<String>,
    /// The last step after the payment that could not be done (the invoice, a notification),
    /// for ops; the booking stands.
    pub(super) after_payment_error: Option<String>,
    /// When the reminder is due, while the workflow waits for it (ms since the epoch).
    pub(super) reminder_due_at_ms: Option<i64>,
    /// The task queue of the steps after the payment, in histories that have one.
    pub(super) after_payment_queue: Option<String>,
    /// The cancellation that took the whole booking after its payment, once signalled.
    pub(super) cancelled_after_payment: Option<BookingCancelled>,
    /// The settlement that counted the booking, once signalled.
    pub(super) settled: Option<SettlementDone>,
    /// The saga's steps so far, for the `status` query (ops).
    pub(super) timeline: Timeline,
    /// An operator's `force_expire` of the hold, with who and why, until the saga takes it.
    pub(super) force_expire: Option<String>,
    /// Histories written since `patches-at-start-1`: every patch is present.
    pub(super) patches_at_start: bool,
}

#[workflow_methods]
impl BookingWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: BookingInput) -> Self {
        // Seats the API already holds make the booking payable from the very first task: a
        // `pay` that arrives with the start is accepted, not refused as "not held".
        let held = input.hold.clone();
        Self {
            input,
            status: held.as_ref().map(|_| BookingStatus::PreBooking),
            hold_expires_at_ms: held.as_ref().map(|h| h.expires_at_ms),
            step: if held.is_some() {
                "waiting for payment"
            } else {
                "holding seats"
            },
            hold: held.map(HoldOutcome::Held),
            hold_error: None,
            pay: None,
            cancel_requested: false,
            ticket_code: None,
            reason: None,
            extensions: 0,
            extending: false,
            money_safety: false,
            needs_operator: None,
            operator_action: None,
            operator_actions_done: 0,
            operator_note: None,
            pricing: false,
            quote_total: None,
            quoting: false,
            pay_refusal: None,
            after_payment_error: None,
            reminder_due_at_ms: None,
            after_payment_queue: None,
            cancelled_after_payment: None,
            settled: None,
            timeline: Timeline::default(),
            force_expire: None,
            patches_at_start: false,
        }
    }

    /// Whether the history has `patch`, one of the patches from before `patches-at-start-1`:
    /// all of them since, else the marker where it was asked when the history was written. A
    /// later patch is asked in `run`'s first lines, next to `patches-at-start-1`, and kept in
    /// the state; never here, where it would be taken as present in runs that lack it.
    pub(super) fn has_patch(ctx: &WorkflowContext<Self>, patch: &str) -> bool {
        ctx.state(|s| s.patches_at_start) || ctx.patched(patch)
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<BookingView> {
        let at_start = ctx.patched(PATCH_AT_START);
        ctx.state_mut(|s| s.patches_at_start = at_start);
        let money_safety = Self::has_patch(ctx, PATCH_MONEY_SAFETY);
        let pricing = Self::has_patch(ctx, PATCH_PRICING);
        ctx.state_mut(|s| {
            s.money_safety = money_safety;
            s.pricing = pricing;
        });
        let input = ctx.state(|s| s.input.clone());
        let outcome = match input.hold.clone() {
            // The API already holds the seats: the saga starts from there.
            Some(hold) => Ok(HoldOutcome::Held(hold)),
            None => Self::hold_seats(ctx, &input).await,
        };
        let hold = match outcome {
            Ok(HoldOutcome::Held(hold)) => hold,
            Ok(refused) => {
                ctx.state_mut(|s| s.hold = Some(refused));
                Self::go(ctx, "hold refused");
                ctx.upsert_search_attributes([SA_BOOKING_STATUS.value_set(HOLD_REJECTED.into())]);
                return Ok(Self::finish(ctx).await);
            }
            Err(e) => {
                ctx.state_mut(|s| s.hold_error = Some(why(&e)));
                Self::go(ctx, "hold failed");
                Self::step_error(ctx, &why(&e));
                ctx.upsert_search_attributes([SA_BOOKING_STATUS.value_set(HOLD_REJECTED.into())]);
                Self::finish(ctx).await;
                return Err(e.into());
            }
        };
        ctx.state_mut(|s| {
            s.hold = Some(HoldOutcome::Held(hold.clone()));
            s.hold_expires_at_ms = Some(hold.expires_at_ms);
        });
        Self::set_status(ctx, BookingStatus::PreBooking, "waiting for payment");

        let mut saga = Saga::default();
        saga.register(super::state::Compensation::ReleaseSeats);
        match Self::sell(ctx, &mut saga).await {
            // Histories written before these steps ended at `BookingCompleted`.
            Ok(()) if Self::has_patch(ctx, PATCH_AFTER_PAYMENT) => Self::after_payment(ctx).await,
            Ok(()) => {}
            Err(ending) if money_safety => Self::compensate(ctx, &mut saga, ending).await,
            Err(ending) => Self::compensate_legacy(ctx, &mut saga, ending).await?,
        }
        Ok(Self::finish(ctx).await)
    }

    /// The hold's outcome; the API sends this with Update-with-Start and answers the customer
    /// with it. Updates with the same id are answered once, so a retried request is harmless.
    #[update]
    pub async fn hold(
        ctx: &mut WorkflowContext<Self>,
        _req: (),
    ) -> Result<HoldOutcome, HandlerError> {
        ctx.wait_condition(|s| s.hold.is_some() || s.hold_error.is_some())
            .await?;
        ctx.state(|s| match (&s.hold, &s.hold_error) {
            (Some(h), _) => Ok(h.clone()),
            (None, Some(e)) => Err(refused_with(Refusal::HoldFailed, e).into()),
            (None, None) => Err(Refusal::HoldFailed.because("no outcome").into()),
        })
    }

    #[update_validator(pay)]
    fn validate_pay(
        &self,
        _ctx: &WorkflowContextView,
        req: &PayRequest,
    ) -> Result<(), HandlerError> {
        if req.payment_method.trim().is_empty() {
            return Err(Refusal::InvalidPaymentMethod
                .because("empty payment method")
                .into());
        }
        let (paying, cancelling) = (self.pay.is_some() || self.quoting, self.cancel_requested);
        match refuse_pay(self.status, paying, cancelling, self.extending) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }

    /// Pays for the held seats; answers once the booking is settled (booked, or given back),
    /// or refuses with `price_changed` when the quote no longer holds (nothing was charged).
    #[update]
    pub async fn pay(
        ctx: &mut WorkflowContext<Self>,
        req: PayRequest,
    ) -> Result<BookingView, HandlerError> {
        ctx.state_mut(|s| {
            s.pay = Some(req);
            s.pay_refusal = None;
        });
        ctx.wait_condition_with_options(
            |s| s.status.is_some_and(BookingStatus::is_settled) || s.pay_refusal.is_some(),
            options::detached_wait(),
        )
        .await?;
        if let Some(refusal) = ctx.state_mut(|s| s.pay_refusal.take()) {
            return Err(refusal.into());
        }
        Ok(ctx.state(Self::view))
    }

    #[update_validator(apply_offer)]
    fn validate_apply_offer(
        &self,
        _ctx: &WorkflowContextView,
        req: &OfferRequest,
    ) -> Result<(), HandlerError> {
        if req
            .code
            .as_ref()
            .is_some_and(|c| c.trim().is_empty() || c.len() > MAX_CODE_LEN)
        {
            return Err(Refusal::UnknownOfferCode
                .because("no offer has this code")
                .into());
        }
        let busy = self.pay.is_some() || self.cancel_requested || self.extending || self.quoting;
        match refuse_offer(self.status, busy) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }

    /// Applies an offer code to the held booking, or removes it (`code: None`); answers once
    /// the booking is re-quoted (`GET /bookings/{id}/quote` shows the breakdown).
    #[update]
    pub async fn apply_offer(
        ctx: &mut WorkflowContext<Self>,
        req: OfferRequest,
    ) -> Result<BookingView, HandlerError> {
        Self::requote(ctx, req.code).await?;
        Ok(ctx.state(Self::view))
    }

    #[update_validator(cancel)]
    fn validate_cancel(&self, _ctx: &WorkflowContextView, _req: &()) -> Result<(), HandlerError> {
        match refuse_cancel(self.status, self.pay.is_some()) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }

    /// Cancels an unpaid booking; answers once the seats are released.
    #[update]
    pub async fn cancel(
        ctx: &mut WorkflowContext<Self>,
        _req: (),
    ) -> Result<BookingView, HandlerError> {
        ctx.state_mut(|s| s.cancel_requested = true);
        ctx.wait_condition_with_options(
            |s| s.status.is_some_and(BookingStatus::is_settled),
            options::detached_wait(),
        )
        .await?;
        Ok(ctx.state(Self::view))
    }

    #[update_validator(extend_hold)]
    fn validate_extend_hold(
        &self,
        _ctx: &WorkflowContextView,
        _req: &(),
    ) -> Result<(), HandlerError> {
        if self.input.live_theater && self.status == Some(BookingStatus::PreBooking) {
            // The theater's lock lasts as long as the hold was made for, and no longer.
            return Err(Refusal::ExtensionLimit
                .because("this theater's box office holds seats for a fixed time")
                .into());
        }
        let busy = self.pay.is_some() || self.cancel_requested || self.extending || self.quoting;
        match refuse_extend(
            self.status,
            busy,
            self.extensions,
            self.input.max_hold_extensions,
        ) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }

    /// Lengthens the hold (a bounded number of times, up to a hard cap); answers with the new
    /// expiry, or fails with `hold_expired` if the hold already lapsed.
    #[update]
    pub async fn extend_hold(
        ctx: &mut WorkflowContext<Self>,
        _req: (),
    ) -> Result<BookingView, HandlerError> {
        let input = ctx.state_mut(|s| {
            s.extending = true;
            s.extensions += 1;
            s.input.clone()
        });
        let request = ExtendHoldRequest {
            booking_id: input.booking_id,
            seconds: input.hold_extension_seconds,
            cap_seconds: input.hold_cap_seconds,
        };
        let extended = ctx
            .execute_local_activity(SeatActivities::extend_hold, request, options::db_step())
            .await;
        ctx.state_mut(|s| s.extending = false);
        match extended {
            Ok(Some(expires_at_ms)) => {
                ctx.state_mut(|s| s.hold_expires_at_ms = Some(expires_at_ms));
                // A payment or cancel that came in meanwhile owns the status now.
                if ctx.state(|s| s.pay.is_none() && !s.cancel_requested) {
                    Self::set_status(ctx, BookingStatus::PreBooking, "waiting for payment");
                }
                Ok(ctx.state(Self::view))
            }
            Ok(None) => Err(Refusal::HoldExpired
                .because("the hold lapsed before it could be extended")
                .into()),
            Err(e) => Err(refused_with(Refusal::ExtendFailed, why(&e)).into()),
        }
    }

    #[update_validator(resolve)]
    fn validate_resolve(
        &self,
        _ctx: &WorkflowContextView,
        req: &OperatorAction,
    ) -> Result<(), HandlerError> {
        if self.needs_operator.is_none() {
            return Err(Refusal::NotFlagged
                .because("this booking does not need an operator")
                .into());
        }
        if self.operator_action.is_some() {
            return Err(Refusal::OperatorActionInProgress
                .because("another operator action is under way")
                .into());
        }
        if req.note.trim().is_empty() {
            return Err(Refusal::InvalidNote
                .because("say why, for the record")
                .into());
        }
        Ok(())
    }

    /// An operator retries the step that could not finish, or marks the booking resolved;
    /// answers once the saga has carried it out (flagged again if the retry failed too).
    #[update]
    pub async fn resolve(
        ctx: &mut WorkflowContext<Self>,
        req: OperatorAction,
    ) -> Result<BookingView, HandlerError> {
        let done = ctx.state_mut(|s| {
            s.operator_action = Some(req);
            s.operator_actions_done
        });
        ctx.wait_condition_with_options(
            move |s| s.operator_actions_done > done,
            options::detached_wait(),
        )
        .await?;
        Ok(ctx.state(Self::view))
    }

    #[update_validator(operate)]
    fn validate_operate(
        &self,
        _ctx: &WorkflowContextView,
        req: &OperatorCommand,
    ) -> Result<(), HandlerError> {
        Refusal::check_note(&req.note)?;
        if self.operator_action.is_some() {
            return Err(Refusal::OperatorActionInProgress
                .because("another operator action is under way")
                .into());
        }
        let booked = self.status.is_some_and(BookingStatus::is_booked);
        let refusal = match req.task {
            OperatorTask::ForceExpire
                if self.status != Some(BookingStatus::PreBooking)
                    || self.pay.is_some()
                    || self.cancel_requested
                    || self.extending
                    || self.quoting
                    || self.force_expire.is_some() =>
            {
                Some("only a hold nobody is paying for can be expired")
            }
            OperatorTask::ResendNotification { kind }
                if !(booked
                    || kind == mtbp_domain::NotificationKind::Refund
                        && self.status == Some(BookingStatus::Refunded)) =>
            {
                Some("this booking has no such message to send")
            }
            OperatorTask::ReshareWithTheater if !booked => {
                Some("only a booked booking is shared with its theater")
            }
            OperatorTask::RetryStep | OperatorTask::MarkResolved
                if self.needs_operator.is_some() =>
            {
                Some("a compensation waits for an operator: use resolve")
            }
            OperatorTask::RetryStep | OperatorTask::MarkResolved
                if self.after_payment_error.is_none() =>
            {
                Some("no step after the payment has failed")
            }
            _ => None,
        };
        match refusal {
            Some(why) => Err(Refusal::NotApplicable.because(why).into()),
            None => Ok(()),
        }
    }

    /// An operator's task on a booking that is not flagged (see [`OperatorTask`]); answers
    /// once it is done, or refuses with `operator_step_failed` when its step failed again. Every
    /// task is on the timeline with the operator's id and note.
    #[update]
    pub async fn operate(
        ctx: &mut WorkflowContext<Self>,
        req: OperatorCommand,
    ) -> Result<BookingView, HandlerError> {
        let who = format!("operator {}: {}", req.operator_id, req.note);
        let now = crate::ops::epoch_ms(ctx.workflow_time());
        ctx.state_mut(|s| s.timeline.operator(req.task.label(), &who, now));
        let failed = match req.task {
            OperatorTask::ForceExpire => {
                ctx.state_mut(|s| s.force_expire = Some(who));
                ctx.wait_condition_with_options(
                    |s| s.status.is_some_and(BookingStatus::is_settled),
                    options::detached_wait(),
                )
                .await?;
                None
            }
            OperatorTask::ResendNotification { kind } => Self::notify_again(ctx, kind).await,
            OperatorTask::ReshareWithTheater => Self::share_again(ctx).await,
            OperatorTask::RetryStep => Self::retry_after_payment(ctx).await,
            OperatorTask::MarkResolved => {
                ctx.state_mut(|s| s.after_payment_error = None);
                None
            }
        };
        if let Some(why) = failed {
            ctx.state_mut(|s| s.timeline.fail(&why));
            return Err(refused_with(Refusal::OperatorStepFailed, why).into());
        }
        ctx.set_current_details(ctx.state(Self::summary));
        Ok(ctx.state(Self::view))
    }

    /// A `CancellationWorkflow` cancelled what was left of the paid booking: the saga stops
    /// waiting for the reminder and ends.
    #[signal]
    pub fn booking_cancelled(
        &mut self,
        _ctx: &mut temporalio_sdk::SyncWorkflowContext<Self>,
        req: BookingCancelled,
    ) {
        self.cancelled_after_payment = Some(req);
    }

    /// The partner's settlement counted the booking: the saga ends (after its reminder, if
    /// one is still due). The first settlement's word stands.
    #[signal]
    pub fn settlement_done(
        &mut self,
        _ctx: &mut temporalio_sdk::SyncWorkflowContext<Self>,
        req: SettlementDone,
    ) {
        self.settled.get_or_insert(req);
    }

    /// Where the booking is, and why.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> BookingView {
        self.view()
    }
}
