//! Request and response bodies of the theater endpoints.

use mtbp_domain::theater::RawTheater;
use mtbp_domain::{PartnerId, TheaterId};
use mtbp_store::catalog::theaters::TheaterRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new theater.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTheater {
    /// Display name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    #[serde(default)]
    pub address: String,
    /// Postal (PIN) code.
    pub pincode: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// The partner that runs it: implied for partner staff; operators may name one, or leave
    /// it out for a venue the platform runs itself. On `PUT`, left out keeps the current one;
    /// only an operator may move a theater to another partner.
    #[schema(value_type = Option<Uuid>)]
    pub partner_id: Option<PartnerId>,
    /// IANA time zone of the theater, e.g. `Asia/Kolkata` (the default): the dates customers
    /// search by are its local dates.
    pub timezone: Option<String>,
}

impl NewTheater {
    /// The details to check.
    pub fn raw(&self) -> RawTheater<'_> {
        RawTheater {
            name: &self.name,
            city: &self.city,
            address: &self.address,
            pincode: self.pincode.as_deref(),
            latitude: self.latitude,
            longitude: self.longitude,
            timezone: self.timezone.as_deref(),
        }
    }
}

/// A theater.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Theater {
    /// Id.
    #[schema(value_type = Uuid)]
    pub theater_id: TheaterId,
    /// Display name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Postal (PIN) code.
    pub pincode: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// The partner that runs it (none: run by the platform).
    #[schema(value_type = Option<Uuid>)]
    pub partner_id: Option<PartnerId>,
    /// IANA time zone.
    pub timezone: String,
    /// Average review rating, 1-5 (none until reviewed).
    pub rating_average: Option<f64>,
    /// Number of reviews.
    pub rating_count: i32,
}

impl From<TheaterRow> for Theater {
    fn from(t: TheaterRow) -> Self {
        Self {
            rating_average: t.rating_average(),
            theater_id: t.theater_id,
            name: t.name,
            city: t.city,
            address: t.address,
            pincode: t.pincode,
            latitude: t.latitude,
            longitude: t.longitude,
            partner_id: t.partner_id,
            timezone: t.timezone,
            rating_count: t.rating_count,
        }
    }
}
