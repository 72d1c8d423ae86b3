//! `POST /movies` and `PUT /movies/{id}`, and the checks of a movie body.

use super::json::{CrewMember, Movie, NewMovie};
use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::required_text;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::MovieId;
use mtbp_domain::seats::FieldError;
use mtbp_store::catalog::movies::{self, MovieFields};
use uuid::Uuid;

fn clean_list(
    field: &str,
    values: &[String],
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    if values.len() > max {
        errors.push(FieldError::new(field, format!("at most {max} entries")));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| required_text(&format!("{field}[{i}]"), v, 80, errors))
        .collect()
}

fn optional_url(field: &str, value: Option<&String>, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && (v.len() > 500 || !(v.starts_with("https://") || v.starts_with("http://")))
    {
        errors.push(FieldError::new(
            field,
            "an http(s) URL of at most 500 characters",
        ));
    }
}

fn clean_country(country: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    country.map(str::trim).map(|c| {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            errors.push(FieldError::new(
                "country",
                "an ISO 3166 alpha-2 code, e.g. IN",
            ));
        }
        c.to_ascii_uppercase()
    })
}

fn clean_crew(crew: &[CrewMember], errors: &mut Vec<FieldError>) -> Vec<CrewMember> {
    if crew.len() > 100 {
        errors.push(FieldError::new("crew", "at most 100 entries"));
    }
    let mut crew = crew.to_vec();
    for (i, member) in crew.iter_mut().enumerate() {
        member.name = required_text(&format!("crew[{i}].name"), &member.name, 80, errors);
        member.job = required_text(&format!("crew[{i}].job"), &member.job, 80, errors);
    }
    crew
}

/// Checks a movie body; every problem is listed.
fn validate(body: &NewMovie) -> ApiResult<MovieFields> {
    let mut errors = Vec::new();
    let title = required_text("title", &body.title, 200, &mut errors);
    if !(1..=600).contains(&body.duration_minutes) {
        errors.push(FieldError::new("duration_minutes", "between 1 and 600"));
    }
    let certification = body
        .certification
        .as_deref()
        .map(|c| required_text("certification", c, 10, &mut errors));
    let languages = clean_list("languages", &body.languages, 20, &mut errors);
    let genres = clean_list("genres", &body.genres, 20, &mut errors);
    let cast = clean_list("cast", &body.cast, 100, &mut errors);
    if body.synopsis.chars().count() > 5000 {
        errors.push(FieldError::new("synopsis", "at most 5000 characters"));
    }
    let country = clean_country(body.country.as_deref(), &mut errors);
    let crew = clean_crew(&body.crew, &mut errors);
    optional_url("poster_url", body.poster_url.as_ref(), &mut errors);
    optional_url("trailer_url", body.trailer_url.as_ref(), &mut errors);
    if let Some(date) = body.release_date {
        crate::dates::check_date("release_date", date, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(MovieFields {
        title,
        duration_minutes: body.duration_minutes,
        certification,
        languages,
        genres,
        release_date: body.release_date,
        synopsis: body.synopsis.trim().to_owned(),
        country,
        cast,
        crew: serde_json::to_value(&crew).map_err(anyhow::Error::from)?,
        poster_url: body.poster_url.clone(),
        trailer_url: body.trailer_url.clone(),
    })
}

/// Adds a movie to the catalog (operators: the platform curates the movie catalog).
#[utoipa::path(post, path = "/movies", tag = "catalog", request_body = NewMovie,
    security(("bearer" = [])),
    responses((status = 201, body = Movie), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_movie(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewMovie>,
) -> ApiResult<(StatusCode, ApiJson<Movie>)> {
    require(&user, &[Role::Admin], "adding movies")?;
    let fields = validate(&body)?;
    let row = movies::insert(&state.db, MovieId::from_uuid(Uuid::new_v4()), &fields).await?;
    let movie = Movie::try_from(row).map_err(anyhow::Error::from)?;
    Ok((StatusCode::CREATED, ApiJson(movie)))
}

/// Replaces a movie's details (operators). Shows keep their times: a changed running time
/// applies to shows scheduled from now on.
#[utoipa::path(put, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)), request_body = NewMovie, security(("bearer" = [])),
    responses((status = 200, body = Movie), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_movie(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(movie_id): ApiPath<MovieId>,
    ApiJson(body): ApiJson<NewMovie>,
) -> ApiResult<ApiJson<Movie>> {
    require(&user, &[Role::Admin], "changing movies")?;
    let fields = validate(&body)?;
    let row = movies::update(&state.db, movie_id, &fields)
        .await?
        .ok_or(ApiError::NotFound("movie"))?;
    let movie = Movie::try_from(row).map_err(anyhow::Error::from)?;
    Ok(ApiJson(movie))
}
