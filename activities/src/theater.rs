//! The booking's *share with theater* step, and the theater's side of every compensation and
//! cancellation, over [`mtbp_infra::theater::TheaterConnector`].
//!
//! A designated-rows theater is sent the sale (allocation, booking, customer) after the
//! payment; a live theater's lock, made at hold time, is confirmed into a sale. A box office
//! that is down fails the attempt (retried by Temporal with backoff, for as long as it takes:
//! the customer has the ticket already); a refusal (a lapsed lock whose seats went to others,
//! a rejected confirm) is an answer, and the saga gives the money back.

use crate::error::{from_sqlx, permanent};
use mtbp_domain::BookingId;
use mtbp_infra::theater::{SaleBooking, SaleCustomer, TheaterConnector, TheaterError};
use mtbp_store::PgPool;
use mtbp_store::theaters::{self, Model};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// What sharing a booking with its theater came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShareOutcome {
    /// The theater has the sale.
    Shared {
        /// The box office's sale id.
        sale_id: String,
    },
    /// The theater is not connected: nothing to share.
    NotConnected,
    /// The theater refused the sale for good; the booking must be given back.
    Rejected {
        /// The theater's words.
        reason: String,
    },
}

/// Tell the theater some seats (or all) of a booking are cancelled.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TheaterCancel {
    /// The booking.
    pub booking_id: BookingId,
    /// The seats, or `None` for all.
    pub seats: Option<Vec<String>>,
    /// Why (ids and facts only).
    pub reason: String,
}

/// The theater activities.
pub struct TheaterActivities {
    db: PgPool,
    connector: TheaterConnector,
}

impl TheaterActivities {
    /// Builds the activities over the database and the connector.
    pub fn new(db: PgPool, connector: TheaterConnector) -> Self {
        Self { db, connector }
    }

    async fn base_url(&self, theater: mtbp_domain::TheaterId) -> Result<String, ActivityError> {
        theaters::connection_of(&self.db, theater)
            .await
            .map_err(from_sqlx)?
            .map(|c| c.base_url)
            .ok_or_else(|| permanent(format!("theater {theater} is not connected any more")))
    }

    async fn share(&self, booking_id: BookingId) -> Result<ShareOutcome, ActivityError> {
        let share = theaters::share_of(&self.db, booking_id)
            .await
            .map_err(from_sqlx)?;
        if let Some(s) = &share
            && s.status == "shared"
            && let Some(sale_id) = &s.sale_id
        {
            return Ok(ShareOutcome::Shared {
                sale_id: sale_id.clone(),
            });
        }
        let facts = theaters::share_facts(&self.db, booking_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("booking {booking_id} vanished")))?;
        let terms = theaters::show_terms(&self.db, facts.show_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("the show of booking {booking_id} vanished")))?;
        let (model, lock_id) = match (&share, &terms.connection) {
            (Some(s), _) if s.model == Model::Live => (Model::Live, s.lock_id.clone()),
            (_, Some(c)) if c.model == Model::Designated => (Model::Designated, None),
            // A live theater without a lock of this booking (connected after the hold), or
            // no connection at all: nothing to share.
            _ => return Ok(ShareOutcome::NotConnected),
        };
        if facts.seats.is_empty() {
            return Ok(ShareOutcome::NotConnected); // every seat cancelled before the share
        }
        let base = self.base_url(terms.theater_id).await?;
        let ticket = facts.ticket_code.clone().unwrap_or_default();
        let booking = SaleBooking {
            reference: booking_id.to_string(),
            ticket_code: &ticket,
            amount_minor: facts.amount_minor,
            currency: &facts.currency,
        };
        let customer = SaleCustomer {
            name: facts.name.as_deref().unwrap_or(""),
            email: facts.email.as_deref().unwrap_or(""),
            phone: facts.phone.as_deref(),
        };
        let show = facts.show_id.to_string();
        let answer = match (model, lock_id) {
            (Model::Live, Some(lock)) => {
                self.connector
                    .confirm(&base, &lock, &booking, &customer)
                    .await
            }
            (Model::Live, None) => Err(TheaterError::Refused {
                code: "no_lock".into(),
                message: "no lock was made at the theater for this booking".into(),
            }),
            (Model::Designated, _) => {
                self.connector
                    .sell(&base, &show, &facts.seats, &booking, &customer)
                    .await
            }
        };
        match answer {
            Ok(sale) => {
                // Seats cancelled before the theater had the sale go back there now.
                let gone: Vec<String> = sale
                    .seats
                    .iter()
                    .filter(|s| !facts.seats.iter().any(|a| a.eq_ignore_ascii_case(s)))
                    .cloned()
                    .collect();
                if !gone.is_empty() {
                    self.connector
                        .cancel_sale(&base, &sale.sale_id, Some(&gone), "cancelled before share")
                        .await
                        .map_err(|e| self.transient(e))?;
                }
                theaters::set_share(
                    &self.db,
                    booking_id,
                    terms.theater_id,
                    model,
                    "shared",
                    Some(&sale.sale_id),
                    None,
                )
                .await
                .map_err(from_sqlx)?;
                tracing::info!(booking.id = %booking_id, theater.id = %terms.theater_id,
                    model = model.as_str(), "shared with the theater");
                Ok(ShareOutcome::Shared {
                    sale_id: sale.sale_id,
                })
            }
            Err(e) if e.is_transient() => {
                let why = e.to_string();
                theaters::share_failed(&self.db, booking_id, &why)
                    .await
                    .map_err(from_sqlx)?;
                if share.is_none() {
                    theaters::set_share(
                        &self.db,
                        booking_id,
                        terms.theater_id,
                        model,
                        "locked",
                        None,
                        Some(&why),
                    )
                    .await
                    .map_err(from_sqlx)?;
                }
                tracing::warn!(booking.id = %booking_id, theater.id = %terms.theater_id,
                    error = %why, "the theater is unavailable; sharing later");
                Err(ActivityError::from(anyhow::Error::new(e)))
            }
            Err(e) => {
                let why = e.to_string();
                theaters::set_share(
                    &self.db,
                    booking_id,
                    terms.theater_id,
                    model,
                    "rejected",
                    None,
                    Some(&why),
                )
                .await
                .map_err(from_sqlx)?;
                tracing::warn!(booking.id = %booking_id, theater.id = %terms.theater_id,
                    error = %why, "the theater rejected the sale");
                Ok(ShareOutcome::Rejected { reason: why })
            }
        }
    }

    fn transient(&self, e: TheaterError) -> ActivityError {
        ActivityError::from(anyhow::Error::new(e))
    }

    async fn release(&self, booking_id: BookingId) -> Result<bool, ActivityError> {
        let Some(share) = theaters::share_of(&self.db, booking_id)
            .await
            .map_err(from_sqlx)?
        else {
            return Ok(false);
        };
        let (Model::Live, Some(lock), "locked" | "rejected") =
            (share.model, share.lock_id.as_deref(), share.status.as_str())
        else {
            return Ok(false);
        };
        let base = self.base_url(share.theater_id).await?;
        match self.connector.release(&base, lock).await {
            Ok(()) => {}
            Err(e) if e.is_transient() => return Err(self.transient(e)),
            // Sold at the theater already: the cancellation's own step cancels the sale.
            Err(e) => return Err(permanent(e.to_string())),
        }
        let status = if share.status == "rejected" {
            "rejected"
        } else {
            "released"
        };
        theaters::set_share(
            &self.db,
            booking_id,
            share.theater_id,
            share.model,
            status,
            None,
            None,
        )
        .await
        .map_err(from_sqlx)?;
        Ok(true)
    }

    async fn cancel(&self, req: &TheaterCancel) -> Result<bool, ActivityError> {
        let Some(share) = theaters::share_of(&self.db, req.booking_id)
            .await
            .map_err(from_sqlx)?
        else {
            return Ok(false);
        };
        let base = self.base_url(share.theater_id).await?;
        let Some(sale_id) = share.sale_id.as_deref() else {
            // Never shared: release a live lock if there is one; the share step sends only
            // the seats still on the booking.
            return self.release(req.booking_id).await;
        };
        let sale = self
            .connector
            .cancel_sale(&base, sale_id, req.seats.as_deref(), &req.reason)
            .await
            .map_err(|e| {
                if e.is_transient() {
                    self.transient(e)
                } else {
                    permanent(e.to_string())
                }
            })?;
        let status = if sale.seats.is_empty() {
            "cancelled"
        } else {
            "partially_cancelled"
        };
        theaters::set_share(
            &self.db,
            req.booking_id,
            share.theater_id,
            share.model,
            status,
            None,
            None,
        )
        .await
        .map_err(from_sqlx)?;
        Ok(true)
    }
}

#[activities]
impl TheaterActivities {
    /// Shares a paid booking with its theater: the allocation to a designated-rows theater,
    /// the confirm of a live theater's lock. Fails (for a retry) while the theater is down.
    #[activity]
    pub async fn share_with_theater(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<ShareOutcome, ActivityError> {
        self.share(booking_id).await
    }

    /// Releases a live theater's lock of a booking that will not be paid (or was refused);
    /// `false` when there is none to release.
    #[activity]
    pub async fn release_theater_lock(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<bool, ActivityError> {
        self.release(booking_id).await
    }

    /// Tells the theater that seats of a booking are cancelled; `false` when the theater is not
    /// connected.
    #[activity]
    pub async fn tell_theater_cancelled(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: TheaterCancel,
    ) -> Result<bool, ActivityError> {
        self.cancel(&req).await
    }
}
