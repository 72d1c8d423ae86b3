//! The flat wire shapes of the show bodies that carry money, for reading them back: prices
//! are bare minor units on the wire with the currency given once beside them, so
//! [`Money`] can only be rebuilt from the whole body, not from a price alone.

use super::json;
use chrono::{DateTime, Utc};
use mtbp_domain::money::InvalidCurrency;
use mtbp_domain::{Currency, Money, MovieId, ScreenId, ShowId, ShowStatus, TheaterId};
use serde::Deserialize;
use std::collections::BTreeMap;

/// [`json::Show`] as sent.
#[derive(Deserialize)]
pub(super) struct Show {
    show_id: ShowId,
    movie_id: MovieId,
    screen_id: ScreenId,
    theater_id: TheaterId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    language: String,
    format: String,
    currency: String,
    status: ShowStatus,
    prices: BTreeMap<String, i64>,
    #[serde(default)]
    on_sale_at: Option<DateTime<Utc>>,
}

impl TryFrom<Show> for json::Show {
    type Error = InvalidCurrency;

    fn try_from(w: Show) -> Result<Self, Self::Error> {
        let currency = Currency::parse(&w.currency)?;
        let prices = w
            .prices
            .into_iter()
            .map(|(code, minor)| (code, money(minor, &currency)))
            .collect();
        Ok(Self {
            show_id: w.show_id,
            movie_id: w.movie_id,
            screen_id: w.screen_id,
            theater_id: w.theater_id,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            language: w.language,
            format: w.format,
            currency: w.currency,
            status: w.status,
            prices,
            on_sale_at: w.on_sale_at,
        })
    }
}

/// [`json::SeatMap`] as sent.
#[derive(Deserialize)]
pub(super) struct SeatMap {
    show_id: ShowId,
    currency: String,
    available: usize,
    rows: Vec<SeatMapRow>,
}

/// [`json::SeatMapRow`] as sent.
#[derive(Deserialize)]
struct SeatMapRow {
    label: String,
    seats: Vec<SeatMapSeat>,
}

/// [`json::SeatMapSeat`] as sent: its price in the seat map's currency.
#[derive(Deserialize)]
struct SeatMapSeat {
    label: String,
    number: i32,
    column: i32,
    category: String,
    price_minor: i64,
    status: String,
    accessible: bool,
}

impl TryFrom<SeatMap> for json::SeatMap {
    type Error = InvalidCurrency;

    fn try_from(w: SeatMap) -> Result<Self, Self::Error> {
        let currency = Currency::parse(&w.currency)?;
        let rows = w
            .rows
            .into_iter()
            .map(|row| json::SeatMapRow {
                label: row.label,
                seats: row
                    .seats
                    .into_iter()
                    .map(|s| json::SeatMapSeat {
                        label: s.label,
                        number: s.number,
                        column: s.column,
                        category: s.category,
                        price: money(s.price_minor, &currency),
                        status: s.status,
                        accessible: s.accessible,
                    })
                    .collect(),
            })
            .collect();
        Ok(Self {
            show_id: w.show_id,
            currency: w.currency,
            available: w.available,
            rows,
        })
    }
}

/// [`json::BestSeats`] as sent.
#[derive(Deserialize)]
pub(super) struct BestSeats {
    show_id: ShowId,
    seats: Vec<String>,
    amount_minor: i64,
    currency: String,
}

impl TryFrom<BestSeats> for json::BestSeats {
    type Error = InvalidCurrency;

    fn try_from(w: BestSeats) -> Result<Self, Self::Error> {
        Ok(Self {
            show_id: w.show_id,
            seats: w.seats,
            amount: money(w.amount_minor, &Currency::parse(&w.currency)?),
            currency: w.currency,
        })
    }
}

fn money(amount_minor: i64, currency: &Currency) -> Money {
    Money {
        amount_minor,
        currency: currency.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::json;
    use serde_json::json;

    /// Reading a body back and sending it again gives the same wire.
    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(wire: serde_json::Value) {
        let read: T = serde_json::from_value(wire.clone()).expect("reads");
        assert_eq!(serde_json::to_value(read).expect("writes"), wire);
    }

    #[test]
    fn money_bodies_read_back_to_the_same_wire() {
        let show = "0b5f5a38-9d3c-4d0e-8a55-3c0c1f1f7a01";
        round_trip::<json::Show>(json!({
            "show_id": show, "movie_id": show, "screen_id": show, "theater_id": show,
            "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z",
            "language": "Hindi", "format": "2D", "currency": "INR", "status": "scheduled",
            "prices": {"GOLD": 35000, "REGULAR": 20000},
        }));
        round_trip::<json::SeatMap>(json!({
            "show_id": show, "currency": "INR", "available": 1,
            "rows": [{"label": "A", "seats": [{"label": "A1", "number": 1, "column": 1,
                "category": "REGULAR", "price_minor": 20000, "status": "available",
                "accessible": false}]}],
        }));
        round_trip::<json::BestSeats>(json!({
            "show_id": show, "seats": ["A1", "A2"], "amount_minor": 40000, "currency": "INR",
        }));
    }

    #[test]
    fn a_bad_currency_is_refused() {
        let best = json!({"show_id": "0b5f5a38-9d3c-4d0e-8a55-3c0c1f1f7a01", "seats": [],
                          "amount_minor": 0, "currency": "rupee"});
        assert!(serde_json::from_value::<json::BestSeats>(best).is_err());
    }
}
