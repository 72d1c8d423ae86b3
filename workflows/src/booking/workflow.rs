//! `BookingWorkflow`: sequencing only. Decisions live in `state.rs`, options in `options.rs`.

use super::options;
use super::state::{
    Compensation, Ending, Saga, hold_remaining, refuse_cancel, refuse_extend, refuse_pay,
};
use super::types::*;
use mtbp_activities::payments::{ChargeOutcome, ChargeRequest, RefundOutcome, RefundRequest};
use mtbp_activities::seats::{
    BeginPaymentRequest, ConfirmOutcome, ExtendHoldRequest, HoldOutcome, HoldRequest,
    ReleaseRequest,
};
use mtbp_activities::{PaymentActivities, SeatActivities};
use mtbp_domain::BookingStatus;
use std::time::UNIX_EPOCH;
use temporalio_common::search_attributes::Timestamp;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, TimerResult, WorkflowContext, WorkflowContextView, WorkflowResult,
};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The innermost message of an activity failure: the activity's own words, not the wrapper's.
fn why(err: &ActivityExecutionError) -> String {
    let mut failure = err.failure();
    while let Some(cause) = failure.and_then(|f| f.cause.as_deref()) {
        failure = Some(cause);
    }
    failure.map_or_else(|| err.to_string(), |f| f.message.clone())
}

/// How a failed step ends the booking: a cancelled step means the workflow is being cancelled.
fn step_failed(status: BookingStatus, what: &str, err: &ActivityExecutionError) -> Ending {
    if matches!(err, ActivityExecutionError::Cancelled(_)) {
        Ending::new(BookingStatus::Cancelled, OPERATOR_CANCEL)
    } else {
        Ending::new(status, format!("{what}: {}", why(err)))
    }
}

const OPERATOR_CANCEL: &str = "cancelled by an operator";

/// One booking's saga. Workflow id `booking-{booking_id}`.
#[workflow]
pub struct BookingWorkflow {
    input: BookingInput,
    hold: Option<HoldOutcome>,
    hold_error: Option<String>,
    status: Option<BookingStatus>,
    hold_expires_at_ms: Option<i64>,
    pay: Option<PayRequest>,
    cancel_requested: bool,
    ticket_code: Option<String>,
    reason: Option<String>,
    step: &'static str,
    extensions: u32,
    extending: bool,
}

/// What the customer decided while the seats were held.
enum Decision {
    Pay(PayRequest),
    Cancel,
    Expire,
    OperatorCancel,
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
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<BookingView> {
        let input = ctx.state(|s| s.input.clone());
        let outcome = match input.hold.clone() {
            // The API already holds the seats: the saga starts from there.
            Some(hold) => Ok(HoldOutcome::Held(hold)),
            None => Self::hold_seats(ctx, &input).await,
        };
        let hold = match outcome {
            Ok(HoldOutcome::Held(hold)) => hold,
            Ok(refused) => {
                ctx.state_mut(|s| {
                    s.hold = Some(refused);
                    s.step = "hold refused";
                });
                ctx.upsert_search_attributes([SA_BOOKING_STATUS.value_set(HOLD_REJECTED.into())]);
                return Ok(Self::finish(ctx).await);
            }
            Err(e) => {
                ctx.state_mut(|s| {
                    s.hold_error = Some(why(&e));
                    s.step = "hold failed";
                });
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
        saga.register(Compensation::ReleaseSeats);
        if let Err(ending) = Self::sell(ctx, &mut saga).await {
            Self::compensate(ctx, &mut saga, ending).await?;
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
            (None, Some(e)) => Err(format!("hold_failed: {e}").into()),
            (None, None) => Err("hold_failed: no outcome".into()),
        })
    }

    #[update_validator(pay)]
    fn validate_pay(
        &self,
        _ctx: &WorkflowContextView,
        req: &PayRequest,
    ) -> Result<(), HandlerError> {
        if req.payment_method.trim().is_empty() {
            return Err("invalid_payment_method: empty payment method".into());
        }
        match refuse_pay(self.status, self.pay.is_some(), self.cancel_requested) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }

    /// Pays for the held seats; answers once the booking is settled (booked, or given back).
    #[update]
    pub async fn pay(
        ctx: &mut WorkflowContext<Self>,
        req: PayRequest,
    ) -> Result<BookingView, HandlerError> {
        ctx.state_mut(|s| s.pay = Some(req));
        ctx.wait_condition(|s| s.status.is_some_and(BookingStatus::is_settled))
            .await?;
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
        ctx.wait_condition(|s| s.status.is_some_and(BookingStatus::is_settled))
            .await?;
        Ok(ctx.state(Self::view))
    }

    #[update_validator(extend_hold)]
    fn validate_extend_hold(
        &self,
        _ctx: &WorkflowContextView,
        _req: &(),
    ) -> Result<(), HandlerError> {
        let busy = self.pay.is_some() || self.cancel_requested || self.extending;
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
                Self::set_status(ctx, BookingStatus::PreBooking, "waiting for payment");
                Ok(ctx.state(Self::view))
            }
            Ok(None) => Err("hold_expired: the hold lapsed before it could be extended".into()),
            Err(e) => Err(format!("extend_failed: {}", why(&e)).into()),
        }
    }

    /// Where the booking is, and why.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> BookingView {
        self.view()
    }
}

impl BookingWorkflow {
    /// The hold as a local activity: how bookings were held before the API held seats itself.
    async fn hold_seats(
        ctx: &mut WorkflowContext<Self>,
        input: &BookingInput,
    ) -> Result<HoldOutcome, ActivityExecutionError> {
        let request = HoldRequest {
            booking_id: input.booking_id,
            show_id: input.show_id,
            seats: input.seats.clone(),
            hold_seconds: input.hold_seconds,
            contact: input.contact.clone(),
            customer_id: input.customer_id,
            platform_seats: input.platform_seats,
        };
        ctx.execute_local_activity(SeatActivities::hold_seats, request, options::db_step())
            .await
    }

    fn view(&self) -> BookingView {
        BookingView {
            booking_id: Some(self.input.booking_id),
            status: self.status,
            hold: self.hold.clone(),
            hold_expires_at_ms: self.hold_expires_at_ms,
            ticket_code: self.ticket_code.clone(),
            reason: self.reason.clone().or_else(|| self.hold_error.clone()),
            step: self.step.to_owned(),
            hold_extensions: self.extensions,
        }
    }

    fn set_status(ctx: &WorkflowContext<Self>, status: BookingStatus, step: &'static str) {
        ctx.state_mut(|s| {
            s.status = Some(status);
            s.step = step;
        });
        let mut updates = vec![SA_BOOKING_STATUS.value_set(status.as_str().into())];
        if let Some(ms) = ctx.state(|s| s.hold_expires_at_ms) {
            let ts = Timestamp::new(
                ms.div_euclid(1000),
                (ms.rem_euclid(1000) * 1_000_000) as i32,
            );
            updates.push(SA_HOLD_EXPIRES_AT.value_set(ts));
        }
        ctx.upsert_search_attributes(updates);
    }

    /// Waits for every update handler to answer, then returns the final view.
    async fn finish(ctx: &mut WorkflowContext<Self>) -> BookingView {
        let probe = ctx.clone();
        // Cancellation cannot interrupt this wait in a way that matters: handlers are done or
        // will be answered by the server when the workflow closes.
        let _ = ctx
            .wait_condition(move |_| probe.all_handlers_finished())
            .await;
        ctx.state(Self::view)
    }

    /// Races the hold timer against the customer (re-armed when the hold is extended), then
    /// pays and confirms.
    async fn sell(ctx: &mut WorkflowContext<Self>, saga: &mut Saga) -> Result<(), Ending> {
        let decision = loop {
            let expires_at_ms = ctx.state(|s| s.hold_expires_at_ms.unwrap_or(0));
            let now_ms = ctx
                .workflow_time()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let remaining = hold_remaining(expires_at_ms, now_ms);
            let decided = temporalio_sdk::workflows::select! {
                fired = ctx.timer(remaining) => match fired {
                    TimerResult::Fired => {
                        // An extension under way decides whether the hold lapsed: wait for it.
                        let _ = ctx.wait_condition(|s| !s.extending).await;
                        let extended = ctx.state(|s| s.hold_expires_at_ms.unwrap_or(0)) != expires_at_ms;
                        (!extended).then_some(Decision::Expire)
                    }
                    _ => Some(Decision::OperatorCancel),
                },
                waited = ctx.wait_condition(|s| {
                    s.pay.is_some() || s.cancel_requested || s.hold_expires_at_ms != Some(expires_at_ms)
                }) => match waited {
                    Ok(()) => ctx.state(|s| match &s.pay {
                        _ if s.cancel_requested => Some(Decision::Cancel),
                        Some(p) => Some(Decision::Pay(p.clone())),
                        None => None,
                    }),
                    Err(_) => Some(Decision::OperatorCancel),
                },
            };
            if let Some(d) = decided {
                break d;
            }
        };
        let pay = match decision {
            Decision::Pay(pay) => pay,
            Decision::Expire => {
                return Err(Ending::new(
                    BookingStatus::Expired,
                    "the hold expired before payment",
                ));
            }
            Decision::Cancel => {
                return Err(Ending::new(
                    BookingStatus::Cancelled,
                    "cancelled by the customer",
                ));
            }
            Decision::OperatorCancel => {
                return Err(Ending::new(BookingStatus::Cancelled, OPERATOR_CANCEL));
            }
        };
        Self::charge_and_confirm(ctx, saga, pay).await
    }

    async fn charge_and_confirm(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        pay: PayRequest,
    ) -> Result<(), Ending> {
        let (amount_minor, currency) = ctx.state(|s| match &s.hold {
            Some(HoldOutcome::Held(h)) => (h.amount_minor, h.currency.clone()),
            _ => (0, String::new()),
        });
        let input = ctx.state(|s| s.input.clone());
        let booking_id = input.booking_id;
        Self::set_status(
            ctx,
            BookingStatus::PaymentInitiated,
            "extending the hold for payment",
        );
        let begin = BeginPaymentRequest {
            booking_id,
            payment_window_seconds: input.payment_window_seconds,
        };
        let still_held = ctx
            .execute_local_activity(SeatActivities::begin_payment, begin, options::db_step())
            .await
            .map_err(|e| {
                step_failed(BookingStatus::PaymentFailed, "could not start payment", &e)
            })?;
        if !still_held {
            return Err(Ending::new(
                BookingStatus::Expired,
                "the hold expired before payment",
            ));
        }

        // The charge's outcome may be unknown (timeout, crash): register the refund first.
        saga.register(Compensation::RefundPayment);
        ctx.state_mut(|s| s.step = "charging the payment");
        let charge = ChargeRequest {
            booking_id,
            amount_minor,
            currency,
            payment_method: pay.payment_method,
            gateway_customer: pay.gateway_customer,
        };
        let outcome = ctx
            .execute_activity(
                PaymentActivities::charge_payment,
                charge,
                options::gateway_call(),
            )
            .await
            .map_err(|e| {
                step_failed(
                    BookingStatus::PaymentFailed,
                    "the payment could not be made",
                    &e,
                )
            })?;
        if let ChargeOutcome::Declined { code, message } = outcome {
            saga.forget(Compensation::RefundPayment);
            return Err(Ending::new(
                BookingStatus::PaymentFailed,
                format!("{code}: {message}"),
            ));
        }
        Self::set_status(ctx, BookingStatus::PaymentCompleted, "confirming the seats");

        let confirmed = ctx
            .execute_local_activity(
                SeatActivities::confirm_seats,
                booking_id,
                options::db_step(),
            )
            .await
            .map_err(|e| {
                step_failed(
                    BookingStatus::PaymentFailed,
                    "could not confirm the seats",
                    &e,
                )
            })?;
        match confirmed {
            ConfirmOutcome::Confirmed { ticket_code } => {
                saga.complete();
                ctx.state_mut(|s| s.ticket_code = Some(ticket_code));
                Self::set_status(ctx, BookingStatus::BookingCompleted, "booked");
                Ok(())
            }
            ConfirmOutcome::HoldLost { seats } => Err(Ending::new(
                BookingStatus::Refunded,
                format!(
                    "the hold lapsed and these seats went to another booking: {}",
                    seats.join(", ")
                ),
            )),
        }
    }

    /// Runs the registered compensations newest first, then records the final status.
    async fn compensate(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        ending: Ending,
    ) -> WorkflowResult<()> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        ctx.state_mut(|s| s.step = "compensating");
        let mut refunded = false;
        for step in saga.unwind() {
            match step {
                Compensation::RefundPayment => {
                    let req = RefundRequest {
                        booking_id,
                        reason: ending.reason.clone(),
                    };
                    let out = ctx
                        .execute_activity(
                            PaymentActivities::refund_payment,
                            req,
                            options::compensation_gateway_call(),
                        )
                        .await?;
                    refunded = matches!(out, RefundOutcome::Refunded { .. });
                }
                Compensation::ReleaseSeats => {
                    let req = ReleaseRequest {
                        booking_id,
                        final_status: ending.final_status(refunded),
                        reason: ending.reason.clone(),
                    };
                    ctx.execute_local_activity(
                        SeatActivities::release_seats,
                        req,
                        options::compensation_db_step(),
                    )
                    .await?;
                }
            }
        }
        ctx.state_mut(|s| s.reason = Some(ending.reason.clone()));
        Self::set_status(ctx, ending.final_status(refunded), "ended");
        Ok(())
    }
}
