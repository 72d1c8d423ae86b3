//! Inputs, messages and query results of the booking workflow, and its search attributes.

use crate::ops::TimelineStep;
use mtbp_activities::seats::{Hold, HoldOutcome, HoldRequest};
use mtbp_domain::{
    AccountId, BookingId, BookingStatus, Contact, NotificationKind, PartnerId, ShowId, TheaterId,
};
use serde::{Deserialize, Serialize};
use temporalio_common::search_attributes::SearchAttributeKey;

/// How a booking workflow starts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BookingInput {
    /// The booking; the workflow id is `booking-{booking_id}`.
    pub booking_id: BookingId,
    /// The show.
    pub show_id: ShowId,
    /// The show's theater (for search attributes and, later, the theater connector).
    pub theater_id: TheaterId,
    /// Seat labels, validated and sorted.
    pub seats: Vec<String>,
    /// Who to reach about the booking: only in histories written before contacts were kept out
    /// of workflows. Personal data lives in the database, where erasure reaches it; activities
    /// read it there by the booking's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// The signed-in customer, if any.
    pub customer_id: Option<AccountId>,
    /// How long the hold lasts before payment.
    pub hold_seconds: u32,
    /// Whether the booker may take seats set aside for the platform (brokers).
    #[serde(default)]
    pub platform_seats: bool,
    /// How long seats stay held while the gateway answers a payment.
    pub payment_window_seconds: u32,
    /// Seconds one `extend_hold` adds.
    #[serde(default)]
    pub hold_extension_seconds: u32,
    /// How many times the hold may be extended.
    #[serde(default)]
    pub max_hold_extensions: u32,
    /// No hold outlives its start by more than this, extensions included.
    #[serde(default)]
    pub hold_cap_seconds: u32,
    /// The hold the API already made in its own transaction. `None` in histories written
    /// while the workflow made the hold itself (its first local activity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// The show's theater partner, when a partner runs the theater (for the `PartnerId` search
    /// attribute). `None` in histories written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
    /// The theater's box office is the authority on its seats and locked them for this hold:
    /// every compensation releases that lock.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub live_theater: bool,
}

/// The `booking_cancelled` signal: a `CancellationWorkflow` cancelled what was left of the
/// booking (the id of the cancellation, and whether money went back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingCancelled {
    /// The cancellation.
    pub cancellation_id: String,
    /// Whether it refunded anything.
    pub refunded: bool,
}

/// The signal of a settlement that counted the booking: its saga ends there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementDone {
    /// The settlement.
    pub settlement_id: String,
}

/// How long a booking may wait for payment and keep its seats (the API's configuration).
#[derive(Clone, Copy, Debug)]
pub struct HoldPolicy {
    /// How long seats stay held while the gateway answers a payment.
    pub payment_window_seconds: u32,
    /// Seconds one `extend_hold` adds.
    pub hold_extension_seconds: u32,
    /// How many times the hold may be extended.
    pub max_hold_extensions: u32,
    /// No hold outlives its start by more than this, extensions included.
    pub hold_cap_seconds: u32,
}

impl Default for HoldPolicy {
    /// Two minutes to pay, two extensions of five minutes, twenty minutes at most.
    fn default() -> Self {
        Self {
            payment_window_seconds: 120,
            hold_extension_seconds: 300,
            max_hold_extensions: 2,
            hold_cap_seconds: 1200,
        }
    }
}

impl BookingInput {
    /// The saga's input once `request` is held: the workflow starts from the seats held.
    pub fn after_hold(
        request: &HoldRequest,
        hold: &Hold,
        theater_id: TheaterId,
        policy: HoldPolicy,
    ) -> Self {
        Self {
            booking_id: request.booking_id,
            show_id: request.show_id,
            theater_id,
            seats: request.seats.clone(),
            contact: None,
            customer_id: request.customer_id,
            platform_seats: request.platform_seats,
            hold_seconds: request.hold_seconds,
            payment_window_seconds: policy.payment_window_seconds,
            hold_extension_seconds: policy.hold_extension_seconds,
            max_hold_extensions: policy.max_hold_extensions,
            hold_cap_seconds: policy.hold_cap_seconds,
            hold: Some(hold.clone()),
            partner_id: None,
            live_theater: false,
        }
    }
}

/// The `pay` update: pay with a payment method tokenised at the gateway.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PayRequest {
    /// Gateway payment method id (`pm_…`).
    pub payment_method: String,
    /// The gateway customer a saved payment method belongs to (the gateway requires it to
    /// charge a saved card). Absent in histories written before saved cards existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_customer: Option<String>,
}

/// What the workflow knows about its booking: the `status` query, and the result of the
/// `pay` / `cancel` updates and of the workflow itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    /// The booking.
    pub booking_id: Option<BookingId>,
    /// Current status; `None` while the hold has not succeeded.
    pub status: Option<BookingStatus>,
    /// The hold's outcome, once known.
    pub hold: Option<HoldOutcome>,
    /// When the hold lapses (ms since the epoch).
    pub hold_expires_at_ms: Option<i64>,
    /// Ticket code once booked.
    pub ticket_code: Option<String>,
    /// Why the booking ended the way it did, when it did not succeed.
    pub reason: Option<String>,
    /// Which saga step the workflow is in, for ops.
    pub step: String,
    /// How many times the hold was extended.
    #[serde(default)]
    pub hold_extensions: u32,
    /// Why an operator must look at the booking (a compensation could not finish), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_operator: Option<String>,
    /// After the payment: the last step that could not be done (the invoice, a notification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_payment_error: Option<String>,
    /// When the reminder is due, while the workflow waits for it (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_due_at_ms: Option<i64>,
    /// The saga's steps so far: when each began and ended, its attempt, what went wrong, which
    /// were compensations and which an operator asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineStep>,
    /// The booking in one line (the memo's `summary`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// What an operator does with a booking flagged for them: the `resolve` update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorAction {
    /// Retry the step that could not finish, or accept the booking as it is.
    pub action: OperatorStep,
    /// The operator's account.
    pub operator_id: AccountId,
    /// Why, for the record (kept on the booking). Ids and facts only, never customer details.
    pub note: String,
}

/// The operator's choice for a flagged booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorStep {
    /// Run the failed step again (the refund, say, once the gateway accepts it).
    Retry,
    /// The operator settled it outside the saga (a manual refund, say): clear the flag.
    MarkResolved,
}

/// What an operator does with a booking that is not flagged for them: the `operate` update.
/// (A flagged booking's compensation is retried or settled with `resolve`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorCommand {
    /// What to do.
    pub task: OperatorTask,
    /// The operator's account.
    pub operator_id: AccountId,
    /// Why, for the record (the timeline keeps it). Ids and facts only.
    pub note: String,
}

/// An operator's task on a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "task")]
pub enum OperatorTask {
    /// End a hold now (an unpaid booking whose seats must go back on sale).
    ForceExpire,
    /// Send a notification of this kind again if it was not delivered (a message the provider
    /// accepted, or may have, is never sent twice).
    ResendNotification {
        /// Which message.
        kind: NotificationKind,
    },
    /// Share the sale with the theater again (a theater that was down when the saga shared it).
    ReshareWithTheater,
    /// Run the step after the payment that failed again (invoice, notification, theater).
    RetryStep,
    /// Accept the failed step after the payment as it is (the operator saw to it).
    MarkResolved,
}

impl OperatorTask {
    /// The task's name on the timeline.
    pub fn label(self) -> &'static str {
        match self {
            Self::ForceExpire => "operator: force-expire the hold",
            Self::ResendNotification { .. } => "operator: resend a notification",
            Self::ReshareWithTheater => "operator: share with the theater again",
            Self::RetryStep => "operator: retry the failed step",
            Self::MarkResolved => "operator: marked the failed step resolved",
        }
    }
}

/// `BookingStatus` search attribute (Keyword): the booking status, or `HoldRejected`.
pub const SA_BOOKING_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword("BookingStatus");
/// `BookingStep` search attribute (Keyword): where a booked booking is in the steps after its
/// payment (invoice, notification, reminder).
pub const SA_BOOKING_STEP: SearchAttributeKey<String> = SearchAttributeKey::keyword("BookingStep");
/// `ShowId` search attribute (Keyword).
pub const SA_SHOW_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("ShowId");
/// `TheaterId` search attribute (Keyword).
pub const SA_THEATER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("TheaterId");
/// `CustomerId` search attribute (Keyword): the customer id, or `guest`. Never an email.
pub const SA_CUSTOMER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("CustomerId");
/// `HoldExpiresAt` search attribute (Datetime).
pub const SA_HOLD_EXPIRES_AT: SearchAttributeKey<temporalio_common::search_attributes::Timestamp> =
    SearchAttributeKey::datetime("HoldExpiresAt");

/// `NeedsOperator` search attribute (Bool): true while a compensation waits for an operator.
pub const SA_NEEDS_OPERATOR: SearchAttributeKey<bool> = SearchAttributeKey::bool("NeedsOperator");

/// The value of `BookingStatus` for a workflow whose hold was refused.
pub const HOLD_REJECTED: &str = "HoldRejected";

/// The `CustomerId` search attribute value for a booking.
pub fn customer_attribute(customer_id: Option<AccountId>) -> String {
    customer_id.map_or_else(|| "guest".to_owned(), |id| id.to_string())
}
