//! What the pricing function needs from the database, read in a few queries (never one per
//! seat): the show's facts, the customer's facts, a booking's basket, and the quote a booking
//! was priced at.

use chrono::{DateTime, Utc};
use mtbp_domain::pricing::{
    AddonItem, Basket, CustomerFacts, PricingError, PricingInput, PricingRules, Quote, SeatItem,
    ShowFacts, price,
};
use mtbp_domain::{
    AccountId, BookingId, Currency, MovieId, PartnerId, ScreenId, ShowId, TheaterId,
};
use sqlx::types::Json;
use sqlx::{PgExecutor, PgPool};

/// The show as offers look at it, and when its sale opens.
#[derive(Clone, Debug)]
pub struct ShowForSale {
    /// The show's facts, with its local start in its theater's time zone.
    pub facts: ShowFacts,
    /// When its sale opens; none: on sale since it was scheduled.
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// The show as offers look at it, with its local start in its theater's time zone, and when
/// its sale opens.
pub async fn show_facts(db: &PgPool, show_id: ShowId) -> sqlx::Result<Option<ShowForSale>> {
    let row = sqlx::query!(
        r#"select s.show_id as "show_id: ShowId", s.movie_id as "movie_id: MovieId",
                  s.screen_id as "screen_id: ScreenId", t.theater_id as "theater_id: TheaterId",
                  t.partner_id as "partner_id: PartnerId", t.city,
                  (s.starts_at at time zone t.time_zone) as "local_start!", s.on_sale_at
             from shows s
             join screens sc on sc.screen_id = s.screen_id
             join theaters t on t.theater_id = sc.theater_id
            where s.show_id = $1"#,
        show_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ShowForSale {
        facts: ShowFacts {
            show_id: r.show_id,
            movie_id: r.movie_id,
            screen_id: r.screen_id,
            theater_id: r.theater_id,
            partner_id: r.partner_id,
            city: r.city,
            local_start: r.local_start,
        },
        on_sale_at: r.on_sale_at,
    }))
}

/// The customer as offers look at them: signed in or not, a first booking or not, and the
/// benefits of their subscription.
pub async fn customer_facts(
    db: &PgPool,
    customer_id: Option<AccountId>,
    now: DateTime<Utc>,
) -> sqlx::Result<CustomerFacts> {
    let Some(customer) = customer_id else {
        return Ok(CustomerFacts::default());
    };
    let paid_before = sqlx::query_scalar!(
        r#"select exists (select 1 from bookings
            where customer_id = $1
              and status in ('BookingCompleted', 'Invoiced', 'SettlementDone')) as "paid!""#,
        customer.as_uuid(),
    )
    .fetch_one(db)
    .await?;
    Ok(CustomerFacts {
        signed_in: true,
        membership: crate::subscriptions::membership(db, customer, now).await?,
        first_booking: !paid_before,
    })
}

/// A booking's basket and whose it is.
#[derive(Clone, Debug)]
pub struct BookingBasket {
    /// The show.
    pub show_id: ShowId,
    /// The signed-in customer, if any.
    pub customer_id: Option<AccountId>,
    /// Seats and add-ons at the prices they were held at.
    pub basket: Basket,
}

/// The seats and add-ons a booking holds, at the prices it was held at.
pub async fn basket(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<BookingBasket>> {
    let Some(booking) = sqlx::query!(
        r#"select show_id as "show_id: ShowId", customer_id as "customer_id: AccountId",
                  currency as "currency: Currency"
             from bookings where booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let seats = sqlx::query_as!(
        SeatItem,
        r#"select seat_label as label, category_code as category, price_minor as list_minor
             from booking_seats where booking_id = $1 order by seat_label"#,
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    let addons = sqlx::query!(
        r#"select a.code, a.name, ba.unit_price_minor, ba.quantity, a.tax_class
             from booking_addons ba join addons a on a.addon_id = ba.addon_id
            where ba.booking_id = $1 order by a.code"#,
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|a| AddonItem {
        code: a.code,
        name: a.name,
        unit_minor: a.unit_price_minor,
        quantity: u32::try_from(a.quantity).unwrap_or(0),
        tax_class: a.tax_class,
    })
    .collect();
    Ok(Some(BookingBasket {
        show_id: booking.show_id,
        customer_id: booking.customer_id,
        basket: Basket {
            currency: booking.currency,
            seats,
            addons,
        },
    }))
}

/// Why a booking could not be re-priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpriced {
    /// No such booking, or its show is gone.
    Unknown,
    /// No live offer has the code entered.
    UnknownCode,
    /// The basket cannot be priced (a configuration problem: say which).
    Invalid(PricingError),
}

/// A booking priced afresh, and whose it is (the redemption counts per customer).
#[derive(Clone, Debug)]
pub struct Repriced {
    /// The new quote.
    pub quote: Quote,
    /// The signed-in customer, if any.
    pub customer_id: Option<AccountId>,
}

/// Prices a booking afresh from what it holds, with `code` entered (or none), at `now`.
pub async fn reprice(
    db: &PgPool,
    rules: &PricingRules,
    booking_id: BookingId,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<Repriced, Unpriced>> {
    let Some(held) = basket(db, booking_id).await? else {
        return Ok(Err(Unpriced::Unknown));
    };
    price_basket(db, rules, booking_id, held, code, now).await
}

/// Prices what stays of a paid booking once the seats not in `keep` are cancelled: its
/// add-ons and the kept seats, with the offer code it was bought with, at `at` (when it was
/// paid), so an offer that applies to the rest keeps applying and one that no longer does
/// (a fourth-ticket-free on two tickets) is removed.
pub async fn reprice_rest(
    db: &PgPool,
    rules: &PricingRules,
    booking_id: BookingId,
    keep: &[String],
    at: DateTime<Utc>,
) -> sqlx::Result<Result<Repriced, Unpriced>> {
    let Some(mut held) = basket(db, booking_id).await? else {
        return Ok(Err(Unpriced::Unknown));
    };
    held.basket
        .seats
        .retain(|s| keep.iter().any(|k| k.eq_ignore_ascii_case(&s.label)));
    let code = sqlx::query_scalar!(
        "select offer_code from bookings where booking_id = $1",
        booking_id.as_uuid()
    )
    .fetch_one(db)
    .await?;
    match price_basket(db, rules, booking_id, held, code.as_deref(), at).await? {
        // The code's offer is gone since: the rest is priced without it.
        Err(Unpriced::UnknownCode) => {
            let Some(mut held) = basket(db, booking_id).await? else {
                return Ok(Err(Unpriced::Unknown));
            };
            held.basket
                .seats
                .retain(|s| keep.iter().any(|k| k.eq_ignore_ascii_case(&s.label)));
            price_basket(db, rules, booking_id, held, None, at).await
        }
        other => Ok(other),
    }
}

async fn price_basket(
    db: &PgPool,
    rules: &PricingRules,
    booking_id: BookingId,
    held: BookingBasket,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<Repriced, Unpriced>> {
    // A held booking is re-priced whatever the show's sale opening: its seats are held.
    let Some(ShowForSale { facts: show, .. }) = show_facts(db, held.show_id).await? else {
        return Ok(Err(Unpriced::Unknown));
    };
    let customer = customer_facts(db, held.customer_id, now).await?;
    let candidates =
        crate::offers::candidates(db, show.partner_id, code, held.customer_id, booking_id, now)
            .await?;
    if code.is_some() && !candidates.iter().any(|c| c.entered) {
        return Ok(Err(Unpriced::UnknownCode));
    }
    let input = PricingInput {
        basket: &held.basket,
        show: &show,
        customer: &customer,
        candidates: &candidates,
        now,
    };
    Ok(price(&input, rules)
        .map(|quote| Repriced {
            quote,
            customer_id: held.customer_id,
        })
        .map_err(Unpriced::Invalid))
}

/// Records a new quote of a booking still waiting for payment: its total becomes what the
/// booking costs. `false` if the booking is past that (paid, closed or unknown).
pub async fn save_quote(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
    quote: &Quote,
    offer_code: Option<&str>,
) -> sqlx::Result<bool> {
    let saved = sqlx::query!(
        "update bookings set quote = $2, offer_code = $3, amount_minor = $4,
                quote_seq = quote_seq + 1
          where booking_id = $1 and status = 'PreBooking' and closed_at is null",
        booking_id.as_uuid(),
        Json(quote) as _,
        offer_code,
        quote.totals.total.amount_minor,
    )
    .execute(db)
    .await?;
    Ok(saved.rows_affected() == 1)
}

/// The quote a booking was last priced at, and the code entered for it. `None` for an unknown
/// booking; a booking made before quotes were kept has no quote.
pub async fn quote(
    db: &PgPool,
    booking_id: BookingId,
) -> sqlx::Result<Option<(Option<Quote>, Option<String>)>> {
    let row = sqlx::query!(
        r#"select quote as "quote: Json<Quote>", offer_code from bookings where booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.quote.map(|q| q.0), r.offer_code)))
}

/// Gives each add-on a meal voucher covers a voucher code (once: a retry keeps the first code),
/// for the theater to redeem at the counter. `code_for` makes a fresh code.
pub async fn issue_vouchers(
    db: &PgPool,
    booking_id: BookingId,
    quote: &Quote,
    code_for: impl Fn() -> String,
) -> sqlx::Result<()> {
    use mtbp_domain::pricing::LineKind;
    use mtbp_domain::pricing::quote::DiscountSource;
    for line in quote.lines.iter().filter(|l| l.kind == LineKind::Addon) {
        let offer = line.discounts.iter().find_map(|d| match &d.source {
            DiscountSource::Offer { offer_id } => Some(*offer_id),
            DiscountSource::Member { .. } => None,
        });
        let Some(offer_id) = offer else { continue };
        sqlx::query!(
            "update booking_addons ba
                set voucher_code = coalesce(ba.voucher_code, $3),
                    voucher_offer_id = coalesce(ba.voucher_offer_id, $4)
               from addons a
              where a.addon_id = ba.addon_id and ba.booking_id = $1 and a.code = $2",
            booking_id.as_uuid(),
            line.item,
            code_for(),
            offer_id.as_uuid(),
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

/// The live, available add-ons with these codes that the show's theater sells in the show's
/// currency, at their current prices, with `quantity` each (codes compared in upper case).
pub async fn addons_for_show(
    db: &PgPool,
    show_id: ShowId,
    wanted: &[(String, u32)],
) -> sqlx::Result<Vec<crate::seats::BookedAddon>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<String> = wanted.iter().map(|(c, _)| c.to_ascii_uppercase()).collect();
    let rows = sqlx::query!(
        r#"select a.addon_id, a.code, a.name, a.price_minor, a.tax_class
             from shows s
             join screens sc on sc.screen_id = s.screen_id
             join addons a on a.theater_id = sc.theater_id
            where s.show_id = $1 and a.code = any($2) and a.currency = s.currency
              and a.deleted_at is null and a.available"#,
        show_id.as_uuid(),
        &codes,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let quantity = wanted
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(&r.code))
                .map(|(_, q)| *q)?;
            Some(crate::seats::BookedAddon {
                addon_id: r.addon_id,
                item: AddonItem {
                    code: r.code,
                    name: r.name,
                    unit_minor: r.price_minor,
                    quantity,
                    tax_class: r.tax_class,
                },
            })
        })
        .collect())
}

/// How many times the booking was re-quoted since its hold (`None`: no such booking).
pub async fn quote_seq(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        "select quote_seq from bookings where booking_id = $1",
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}
