//! Pricing activities: re-quote a booking when the customer applies or removes a code, and
//! the saga's *apply offer* step, which redeems the quote's offers atomically before the
//! charge. Both are local activities over [`mtbp_store::pricing`] and [`mtbp_store::offers`].
//!
//! The redemption is released by the booking's close (same transaction), so every path that
//! ends a booking unpaid gives its offers back.

use crate::error::{from_sqlx, permanent};
use chrono::Utc;
use mtbp_domain::pricing::{PricingRules, Quote};
use mtbp_domain::{BookingId, Money};
use mtbp_store::PgPool;
use mtbp_store::offers::{self, RedemptionLine, Refused};
use mtbp_store::pricing::{self, Repriced, Unpriced};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Re-quote a booking with a code entered, or with none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The code, as the customer typed it; `None` removes the code.
    pub code: Option<String>,
}

/// What a re-quote came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteOutcome {
    /// The new quote is recorded; the booking now costs `total`.
    Quoted {
        /// What the booking costs now.
        total: Money,
    },
    /// No live offer has that code; nothing changed.
    UnknownCode,
    /// The booking is no longer waiting for payment; nothing changed.
    Closed,
}

/// The *apply offer* step: redeem what the customer is about to pay for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RedeemRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The total the customer was quoted and is paying.
    pub total: Money,
}

/// What the *apply offer* step came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedeemOutcome {
    /// The quote still holds and its offers are redeemed: charge `total`.
    Redeemed,
    /// The price changed since the quote (an offer expired, was used up or deleted): nothing
    /// was redeemed, the new quote is recorded, and the customer must agree to it.
    Repriced {
        /// What the booking costs now.
        total: Money,
        /// Why, in words.
        reason: String,
    },
    /// The booking is no longer waiting for payment.
    Closed,
}

/// Pricing activities over the database.
pub struct OfferActivities {
    db: PgPool,
    rules: Arc<PricingRules>,
}

impl OfferActivities {
    /// Builds the activities over a pool and the deployment's pricing rules.
    pub fn new(db: PgPool, rules: Arc<PricingRules>) -> Self {
        Self { db, rules }
    }

    /// Prices the booking afresh; a basket the rules cannot price is a permanent failure (a
    /// configuration problem no retry fixes).
    async fn reprice(
        &self,
        booking_id: BookingId,
        code: Option<&str>,
    ) -> Result<Result<Repriced, Unpriced>, ActivityError> {
        let priced = pricing::reprice(&self.db, &self.rules, booking_id, code, Utc::now())
            .await
            .map_err(from_sqlx)?;
        match priced {
            Err(Unpriced::Invalid(e)) => Err(permanent(format!("cannot price booking: {e}"))),
            other => Ok(other),
        }
    }

    async fn save(
        &self,
        booking_id: BookingId,
        quote: &Quote,
        code: Option<&str>,
    ) -> Result<bool, ActivityError> {
        pricing::save_quote(&self.db, booking_id, quote, code)
            .await
            .map_err(from_sqlx)
    }

    /// Records a new quote and says why the price moved.
    async fn repriced(
        &self,
        booking_id: BookingId,
        quote: Quote,
        code: Option<&str>,
        reason: String,
    ) -> Result<RedeemOutcome, ActivityError> {
        if !self.save(booking_id, &quote, code).await? {
            return Ok(RedeemOutcome::Closed);
        }
        Ok(RedeemOutcome::Repriced {
            total: quote.totals.total,
            reason,
        })
    }
}

/// Why a quote's offers moved, in words.
fn declined_reasons(quote: &Quote) -> String {
    let reasons: Vec<String> = quote
        .declined
        .iter()
        .filter(|d| d.entered)
        .map(|d| format!("{}: {:?}", d.name, d.reason))
        .collect();
    if reasons.is_empty() {
        "the price changed since the quote".to_owned()
    } else {
        format!("the price changed since the quote ({})", reasons.join("; "))
    }
}

/// A voucher code for the counter: 12 characters from an alphabet without look-alikes.
fn voucher_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let code: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("V-{code}")
}

#[activities]
impl OfferActivities {
    /// Re-quotes the booking with the code (or without one) and records the quote.
    #[activity]
    pub async fn quote_booking(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: QuoteRequest,
    ) -> Result<QuoteOutcome, ActivityError> {
        let code = req.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let quote = match self.reprice(req.booking_id, code).await? {
            Ok(r) => r.quote,
            Err(Unpriced::UnknownCode) => return Ok(QuoteOutcome::UnknownCode),
            Err(_) => return Ok(QuoteOutcome::Closed),
        };
        let code = code.map(str::to_ascii_uppercase);
        if !self.save(req.booking_id, &quote, code.as_deref()).await? {
            return Ok(QuoteOutcome::Closed);
        }
        // A use reserved at hold time for an offer the new quote drops is free for others at
        // once; an offer the new quote adds is redeemed at payment.
        let kept: Vec<_> = quote.offers.iter().map(|o| o.offer_id).collect();
        offers::release_reservations_except(&self.db, req.booking_id, &kept)
            .await
            .map_err(from_sqlx)?;
        Ok(QuoteOutcome::Quoted {
            total: quote.totals.total,
        })
    }

    /// Re-prices at payment time and redeems the offers if the price still holds.
    #[activity]
    pub async fn redeem_offers(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: RedeemRequest,
    ) -> Result<RedeemOutcome, ActivityError> {
        let id = req.booking_id;
        let Some((_, code)) = pricing::quote(&self.db, id).await.map_err(from_sqlx)? else {
            return Ok(RedeemOutcome::Closed);
        };
        let Repriced { quote, customer_id } = match self.reprice(id, code.as_deref()).await? {
            Ok(r) => r,
            Err(Unpriced::UnknownCode) => {
                // The offer was deleted since the quote: price without it.
                let Ok(r) = self.reprice(id, None).await? else {
                    return Ok(RedeemOutcome::Closed);
                };
                let why = "the offer code no longer exists".to_owned();
                return self.repriced(id, r.quote, None, why).await;
            }
            Err(_) => return Ok(RedeemOutcome::Closed),
        };
        if quote.totals.total != req.total {
            let why = declined_reasons(&quote);
            return self.repriced(id, quote, code.as_deref(), why).await;
        }
        let lines: Vec<RedemptionLine> = quote
            .offers
            .iter()
            .map(|o| RedemptionLine {
                offer_id: o.offer_id,
                discount_minor: o.discount.amount_minor,
                funded_by: o.funded_by,
            })
            .collect();
        let redeemed = offers::redeem(&self.db, id, customer_id, &lines, Utc::now())
            .await
            .map_err(from_sqlx)?;
        if let Err(refused) = redeemed {
            let why = match refused {
                Refused::UsedUp(_) => "the offer has been used up",
                Refused::UsedByCustomer(_) => "you have already used this offer",
                Refused::Gone(_) => "the offer is no longer valid",
            };
            let Ok(r) = self.reprice(id, code.as_deref()).await? else {
                return Ok(RedeemOutcome::Closed);
            };
            return self
                .repriced(id, r.quote, code.as_deref(), why.to_owned())
                .await;
        }
        pricing::issue_vouchers(&self.db, id, &quote, voucher_code)
            .await
            .map_err(from_sqlx)?;
        Ok(RedeemOutcome::Redeemed)
    }
}
