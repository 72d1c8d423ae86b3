//! Request and response bodies of the screen endpoints.

use crate::error::{ApiError, ApiResult};
use crate::routes::common::required_text;
use mtbp_domain::seats::LayoutSeat;
use mtbp_domain::{ScreenId, SeatLayout, TheaterId};
use mtbp_store::catalog::screens::ScreenRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new screen with its seat layout.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScreen {
    /// Name, unique within the theater (e.g. `Audi 1`).
    pub name: String,
    /// Seat categories and rows.
    pub layout: SeatLayout,
}

impl NewScreen {
    /// The cleaned name and the seats the layout expands to; a 422 listing every problem.
    pub fn checked(&self) -> ApiResult<(String, Vec<LayoutSeat>)> {
        let mut errors = Vec::new();
        let name = required_text("name", &self.name, 60, &mut errors);
        let seats = self.layout.expand().unwrap_or_else(|mut e| {
            errors.append(&mut e);
            Vec::new()
        });
        if errors.is_empty() {
            Ok((name, seats))
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A screen.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Screen {
    /// Id.
    #[schema(value_type = Uuid)]
    pub screen_id: ScreenId,
    /// Theater.
    #[schema(value_type = Uuid)]
    pub theater_id: TheaterId,
    /// Name.
    pub name: String,
    /// Number of seats.
    pub seat_count: i32,
    /// Seat categories and rows.
    pub layout: SeatLayout,
}

impl TryFrom<ScreenRow> for Screen {
    type Error = ApiError;

    fn try_from(row: ScreenRow) -> ApiResult<Self> {
        let layout = serde_json::from_value(row.layout).map_err(anyhow::Error::from)?;
        Ok(Self {
            screen_id: row.screen_id,
            theater_id: row.theater_id,
            name: row.name,
            seat_count: row.seat_count,
            layout,
        })
    }
}
