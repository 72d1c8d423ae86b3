//! A theater's details as partners enter them: what a valid name, address and position are.

use crate::seats::FieldError;
use crate::text;

/// The time zone of a theater that names none.
pub const DEFAULT_TIMEZONE: &str = "Asia/Kolkata";

/// A theater's details as sent, before checking.
#[derive(Clone, Copy, Debug)]
pub struct RawTheater<'a> {
    /// Display name.
    pub name: &'a str,
    /// City.
    pub city: &'a str,
    /// Street address.
    pub address: &'a str,
    /// Postal (PIN) code.
    pub pincode: Option<&'a str>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// IANA time zone name.
    pub timezone: Option<&'a str>,
}

/// Checked, trimmed theater details.
#[derive(Clone, Debug, PartialEq)]
pub struct TheaterDetails {
    /// Display name, 1-120 characters.
    pub name: String,
    /// City, 1-80 characters.
    pub city: String,
    /// Street address, at most 300 characters.
    pub address: String,
    /// Postal code, 3-10 characters.
    pub pincode: Option<String>,
    /// Latitude, -90 to 90 (with a longitude).
    pub latitude: Option<f64>,
    /// Longitude, -180 to 180 (with a latitude).
    pub longitude: Option<f64>,
    /// IANA time zone.
    pub timezone: String,
}

impl RawTheater<'_> {
    /// The time zone asked for, trimmed, or the default. Whether it exists is the database's
    /// knowledge, so [`TheaterDetails::parse`] is told.
    pub fn timezone(&self) -> String {
        self.timezone.map_or(DEFAULT_TIMEZONE, str::trim).to_owned()
    }
}

/// Whether a time zone name is short enough to look up (longer ones are not IANA names).
pub fn timezone_plausible(name: &str) -> bool {
    name.len() <= 64
}

impl TheaterDetails {
    /// Checks every field and lists every problem; `timezone_known` says whether
    /// [`RawTheater::timezone`] is a time zone the database knows.
    pub fn parse(raw: &RawTheater<'_>, timezone_known: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text::required("name", raw.name, 120, &mut errors);
        let city = text::required("city", raw.city, 80, &mut errors);
        if raw.address.chars().count() > 300 {
            errors.push(FieldError::new("address", "at most 300 characters"));
        }
        let pincode = raw.pincode.map(str::trim);
        if let Some(p) = pincode
            && !(3..=10).contains(&p.len())
        {
            errors.push(FieldError::new("pincode", "3-10 characters"));
        }
        check_position(raw.latitude, raw.longitude, &mut errors);
        if !timezone_known {
            errors.push(FieldError::new(
                "timezone",
                "an IANA time zone, e.g. Asia/Kolkata",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            city,
            address: raw.address.trim().to_owned(),
            pincode: pincode.map(str::to_owned),
            latitude: raw.latitude,
            longitude: raw.longitude,
            timezone: raw.timezone(),
        })
    }
}

fn check_position(latitude: Option<f64>, longitude: Option<f64>, errors: &mut Vec<FieldError>) {
    match (latitude, longitude) {
        (Some(lat), Some(lng)) => {
            if !(-90.0..=90.0).contains(&lat) {
                errors.push(FieldError::new("latitude", "between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lng) {
                errors.push(FieldError::new("longitude", "between -180 and 180"));
            }
        }
        (None, None) => {}
        _ => errors.push(FieldError::new(
            "latitude",
            "give latitude and longitude together",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawTheater<'static> {
        RawTheater {
            name: " PVR Forum ",
            city: "Bengaluru",
            address: " 21 Hosur Road ",
            pincode: Some(" 560029 "),
            latitude: Some(12.93),
            longitude: Some(77.61),
            timezone: None,
        }
    }

    fn fields(raw: &RawTheater<'_>, known: bool) -> Vec<String> {
        TheaterDetails::parse(raw, known)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn valid_details_are_trimmed_and_default_to_india_time() {
        let t = TheaterDetails::parse(&raw(), true).expect("valid");
        assert_eq!(t.name, "PVR Forum");
        assert_eq!(t.address, "21 Hosur Road");
        assert_eq!(t.pincode.as_deref(), Some("560029"));
        assert_eq!(t.timezone, "Asia/Kolkata");
    }

    #[test]
    fn every_problem_is_listed_in_field_order() {
        let bad = RawTheater {
            name: "",
            city: "",
            address: &"x".repeat(301),
            pincode: Some("12"),
            latitude: Some(91.0),
            longitude: Some(181.0),
            timezone: Some("Mars/Olympus"),
        };
        assert_eq!(
            fields(&bad, false),
            [
                "name",
                "city",
                "address",
                "pincode",
                "latitude",
                "longitude",
                "timezone"
            ]
        );
    }

    #[test]
    fn a_position_needs_both_coordinates() {
        let half = RawTheater {
            longitude: None,
            ..raw()
        };
        assert_eq!(fields(&half, true), ["latitude"]);
        let none = RawTheater {
            latitude: None,
            longitude: None,
            ..raw()
        };
        assert!(TheaterDetails::parse(&none, true).is_ok());
    }

    #[test]
    fn long_time_zone_names_are_not_looked_up() {
        assert!(timezone_plausible("Asia/Kolkata"));
        assert!(!timezone_plausible(&"A".repeat(65)));
    }
}
