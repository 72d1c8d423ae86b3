//! `GET /theaters`: theaters by city, PIN code, or distance from a point.

use super::json::{TheaterPage, TheaterQuery};
use super::{paging, short};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::{next_offset, query};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_domain::seats::FieldError;
use mtbp_store::catalog::discovery::{self, TheaterSearch};

fn parse_near(raw: &str) -> Option<(f64, f64)> {
    let (lat, lng) = raw.split_once(',')?;
    let (lat, lng): (f64, f64) = (lat.trim().parse().ok()?, lng.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some((lat, lng))
}

/// Finds theaters by city, PIN code, or distance from a point.
#[utoipa::path(get, path = "/theaters", tag = "catalog", params(TheaterQuery),
    responses((status = 200, body = TheaterPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_theaters(
    State(state): State<AppState>,
    q: Result<Query<TheaterQuery>, QueryRejection>,
) -> ApiResult<ApiJson<TheaterPage>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(q.limit, q.offset, &mut errors);
    let city = short("city", q.city.as_ref(), &mut errors);
    let pincode = short("pincode", q.pincode.as_ref(), &mut errors);
    let near = q.near.as_deref().map(|raw| {
        parse_near(raw).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "near",
                "lat,lng in degrees, e.g. 12.97,77.59",
            ));
            (0.0, 0.0)
        })
    });
    let radius_km = q.radius_km.unwrap_or(10.0);
    if !(0.1..=100.0).contains(&radius_km) {
        errors.push(FieldError::new("radius_km", "between 0.1 and 100"));
    }
    if q.radius_km.is_some() && near.is_none() {
        errors.push(FieldError::new("radius_km", "only with near"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let search = TheaterSearch {
        city: city.as_deref(),
        pincode: pincode.as_deref(),
        near,
        radius_km,
        limit,
        offset,
    };
    let theaters: Vec<_> = discovery::search_theaters(&state.db, &search)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let next_offset = next_offset(theaters.len(), limit, offset);
    Ok(ApiJson(TheaterPage {
        theaters,
        next_offset,
    }))
}
