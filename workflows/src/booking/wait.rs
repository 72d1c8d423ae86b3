//! Waiting for the customer: the hold timer raced against `pay` and `cancel` (and the hold
//! re-armed when it is extended), then the payment.

use super::offer::Applied;
use super::state::{Ending, Saga, hold_remaining};
use super::types::PayRequest;
use super::workflow::{BookingWorkflow, OPERATOR_CANCEL};
use mtbp_domain::BookingStatus;
use std::time::UNIX_EPOCH;
use temporalio_sdk::{TimerResult, WorkflowContext};

/// What the customer decided while the seats were held.
enum Decision {
    Pay(PayRequest),
    Cancel,
    Expire,
    OperatorCancel,
    ForceExpire(String),
}

impl BookingWorkflow {
    /// Races the hold timer against the customer (re-armed when the hold is extended), then
    /// pays and confirms.
    pub(super) async fn sell(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
    ) -> Result<(), Ending> {
        loop {
            let pay = match Self::decide(ctx).await {
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
                Decision::ForceExpire(who) => {
                    return Err(Ending::new(
                        BookingStatus::Expired,
                        format!("the hold was expired by an operator ({who})"),
                    ));
                }
            };
            if ctx.state(|s| s.pricing) {
                match Self::apply_offers(ctx).await? {
                    Applied::Charge => {}
                    // The customer is told the new price; the hold runs on.
                    Applied::Repriced => continue,
                }
            }
            return Self::charge_and_confirm(ctx, saga, pay).await;
        }
    }

    /// Races the hold timer against the customer until one of them decides.
    async fn decide(ctx: &mut WorkflowContext<Self>) -> Decision {
        loop {
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
                        || s.force_expire.is_some()
                }) => match waited {
                    Ok(()) => ctx.state(|s| match &s.pay {
                        _ if s.cancel_requested => Some(Decision::Cancel),
                        None if s.force_expire.is_some() => {
                            s.force_expire.clone().map(Decision::ForceExpire)
                        }
                        Some(p) => Some(Decision::Pay(p.clone())),
                        None => None,
                    }),
                    Err(_) => Some(Decision::OperatorCancel),
                },
            };
            if let Some(d) = decided {
                return d;
            }
        }
    }
}
