//! Cancelling a paid booking, some seats or all: the quote (the API answers it first, with
//! `?dry_run=true`), its application in the database, and the partial refund at the gateway.
//! `CancellationWorkflow` runs them, then the credit note, the theater and the customer.

use crate::error::{from_sqlx, permanent};
use crate::payments::gateway_error;
use chrono::Utc;
use mtbp_domain::pricing::PricingRules;
use mtbp_domain::{AccountId, BookingId, ShowId};
use mtbp_infra::gateway::StripeGateway;
use mtbp_store::PgPool;
use mtbp_store::cancellations::{self, Applied, NewCancellation};
use mtbp_store::payments;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use uuid::Uuid;

pub use mtbp_domain::cancellation::{Actor, Planned, Unquoted};
pub use mtbp_store::cancellations::quote;

/// Apply a planned cancellation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplyRequest {
    /// The cancellation's id.
    pub cancellation_id: Uuid,
    /// What it cancels and gives back.
    pub planned: Planned,
    /// Who asked.
    pub actor: Actor,
    /// Their account, when a person.
    pub actor_id: Option<AccountId>,
    /// Why (ids and facts only).
    pub reason: String,
}

/// How applying went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyOutcome {
    /// Applied (now or by an earlier attempt): seats back on sale, booking closed if whole.
    Applied,
    /// The booking changed since the quote: nothing was done.
    Stale(String),
}

/// Quote a cancellation now (when the workflow was started without the API's quote).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The seats, or all.
    pub seats: Option<Vec<String>>,
    /// Who cancels.
    pub actor: Actor,
    /// The cancellation's id: once it is applied, planning again answers what was applied (a
    /// worker killed after the apply committed, before its workflow task completed, plans
    /// again on the retry and must not find the booking "already cancelled").
    #[serde(default)]
    pub cancellation_id: Option<Uuid>,
}

/// Close a show for its cancellation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseShowRequest {
    /// The show.
    pub show_id: ShowId,
    /// `Partner` or `Admin`.
    pub actor: Actor,
    /// Their account.
    pub actor_id: Option<AccountId>,
    /// Why.
    pub reason: String,
}

/// The cancellation activities.
pub struct CancellationActivities {
    db: PgPool,
    gateway: StripeGateway,
    rules: Arc<PricingRules>,
}

impl CancellationActivities {
    /// Builds the activities.
    pub fn new(db: PgPool, gateway: StripeGateway, rules: Arc<PricingRules>) -> Self {
        Self { db, gateway, rules }
    }

    async fn refund(&self, id: Uuid) -> Result<i64, ActivityError> {
        let c = cancellations::get(&self.db, id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("cancellation {id} vanished")))?;
        if c.status != "applied" {
            return Ok(c.quote.refund_minor);
        }
        if c.quote.refund_minor == 0 {
            cancellations::mark_refunded(&self.db, id, None)
                .await
                .map_err(from_sqlx)?;
            return Ok(0);
        }
        let payment = payments::recorded_payment(&self.db, c.booking_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("booking {} has no payment", c.booking_id)))?;
        let intent = self
            .gateway
            .get_payment_intent(&payment.gateway_payment_id)
            .await
            .map_err(gateway_error)?;
        let charge_ids: Vec<String> = intent
            .charges
            .as_ref()
            .map(|ch| ch.data.iter().map(|x| x.id.clone()).collect())
            .unwrap_or_default();
        let key = id.to_string();
        let earlier = self
            .gateway
            .refunds_of(&intent.id, &charge_ids)
            .await
            .map_err(gateway_error)?;
        let refund = match earlier.into_iter().find(|r| r.refund_key() == key) {
            Some(r) => r,
            None => self
                .gateway
                .create_partial_refund(
                    &intent.id,
                    c.quote.refund_minor,
                    &c.booking_id.to_string(),
                    &key,
                )
                .await
                .map_err(gateway_error)?,
        };
        let refund_id = payments::record_refund(
            &self.db,
            payments::NewRefund {
                payment_id: payment.payment_id,
                booking_id: c.booking_id,
                gateway_refund_id: &refund.id,
                amount_minor: refund.amount,
                reason: &c.reason,
                refund_key: &key,
            },
        )
        .await
        .map_err(from_sqlx)?;
        cancellations::mark_refunded(&self.db, id, Some(refund_id))
            .await
            .map_err(from_sqlx)?;
        tracing::info!(booking.id = %c.booking_id, cancellation.id = %id,
            amount_minor = refund.amount, "cancellation refunded");
        Ok(refund.amount)
    }
}

#[activities]
impl CancellationActivities {
    /// Quotes the cancellation at the activity's clock; `Err` with the refusal's words.
    #[activity]
    pub async fn plan_cancellation(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: PlanRequest,
    ) -> Result<Result<Planned, String>, ActivityError> {
        if let Some(id) = req.cancellation_id
            && let Some(done) = cancellations::applied_plan(&self.db, id)
                .await
                .map_err(from_sqlx)?
        {
            return Ok(Ok(done));
        }
        let planned = quote(
            &self.db,
            &self.rules,
            req.booking_id,
            req.seats.as_deref(),
            req.actor,
            Utc::now(),
        )
        .await
        .map_err(from_sqlx)?;
        Ok(planned.map_err(|e| e.to_string()))
    }

    /// Marks the show cancelled, blocks its free seats and opens its cancellation record.
    #[activity]
    pub async fn close_show(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: CloseShowRequest,
    ) -> Result<(), ActivityError> {
        cancellations::close_show(
            &self.db,
            req.show_id,
            req.actor.as_str(),
            req.actor_id,
            &req.reason,
        )
        .await
        .map_err(from_sqlx)
    }

    /// The show's bookings still to cancel (a page of each kind), and its progress.
    #[activity]
    pub async fn show_bookings(
        self: Arc<Self>,
        _ctx: ActivityContext,
        show_id: ShowId,
    ) -> Result<cancellations::ShowBookings, ActivityError> {
        cancellations::show_bookings(&self.db, show_id, 50)
            .await
            .map_err(from_sqlx)
    }

    /// Closes the show's cancellation record.
    #[activity]
    pub async fn finish_show(
        self: Arc<Self>,
        _ctx: ActivityContext,
        show_id: ShowId,
    ) -> Result<(), ActivityError> {
        cancellations::finish_show(&self.db, show_id)
            .await
            .map_err(from_sqlx)
    }

    /// Applies the cancellation once (local activity: one transaction).
    #[activity]
    pub async fn apply_cancellation(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: ApplyRequest,
    ) -> Result<ApplyOutcome, ActivityError> {
        let new = NewCancellation {
            cancellation_id: req.cancellation_id,
            booking_id: req.planned.booking_id,
            seats: &req.planned.seats,
            whole: req.planned.whole,
            actor_role: req.actor.as_str(),
            actor_id: req.actor_id,
            reason: &req.reason,
            quote: req.planned.quote,
            currency: &req.planned.currency,
            rest_quote: req.planned.rest_quote.as_ref(),
        };
        match cancellations::apply(&self.db, &new)
            .await
            .map_err(from_sqlx)?
        {
            Applied::Applied(_) => Ok(ApplyOutcome::Applied),
            Applied::Stale(why) => Ok(ApplyOutcome::Stale(why)),
        }
    }

    /// Gives the cancellation's refund back through the gateway, once (keyed by the
    /// cancellation's id at the gateway too); what went back, in minor units.
    #[activity]
    pub async fn refund_cancellation(
        self: Arc<Self>,
        ctx: ActivityContext,
        cancellation_id: Uuid,
    ) -> Result<i64, ActivityError> {
        crate::payments::heartbeating(&ctx, self.refund(cancellation_id)).await
    }

    /// Marks the cancellation done: refunded, credited, and told.
    #[activity]
    pub async fn finish_cancellation(
        self: Arc<Self>,
        _ctx: ActivityContext,
        cancellation_id: Uuid,
    ) -> Result<(), ActivityError> {
        cancellations::mark_done(&self.db, cancellation_id)
            .await
            .map_err(from_sqlx)
    }
}
