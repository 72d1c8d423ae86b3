//! `POST /movies`, `GET /movies/{id}`.

use super::json::{Movie, NewMovie};
use super::required_text;
use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

fn clean_list(field: &str, values: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if values.len() > 20 {
        errors.push(FieldError::new(field, "at most 20 entries"));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| required_text(&format!("{field}[{i}]"), v, 40, errors))
        .collect()
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
    let mut errors = Vec::new();
    let title = required_text("title", &body.title, 200, &mut errors);
    if !(1..=600).contains(&body.duration_minutes) {
        errors.push(FieldError::new("duration_minutes", "between 1 and 600"));
    }
    let certification = body
        .certification
        .as_deref()
        .map(|c| required_text("certification", c, 10, &mut errors));
    let languages = clean_list("languages", &body.languages, &mut errors);
    let genres = clean_list("genres", &body.genres, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let movie: Movie = sqlx::query_as(
        "insert into movies (movie_id, title, duration_minutes, certification, languages, genres,
                             release_date)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning movie_id, title, duration_minutes, certification, languages, genres, release_date",
    )
    .bind(Uuid::new_v4())
    .bind(title)
    .bind(body.duration_minutes)
    .bind(certification)
    .bind(languages)
    .bind(genres)
    .bind(body.release_date)
    .fetch_one(&state.db)
    .await?;
    Ok((StatusCode::CREATED, ApiJson(movie)))
}

/// Reads a movie.
#[utoipa::path(get, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)),
    responses((status = 200, body = Movie), (status = 404, body = ErrorEnvelope)))]
pub async fn get_movie(
    State(state): State<AppState>,
    ApiPath(movie_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Movie>> {
    sqlx::query_as(
        "select movie_id, title, duration_minutes, certification, languages, genres, release_date
           from movies where movie_id = $1",
    )
    .bind(movie_id)
    .fetch_optional(&state.db)
    .await?
    .map(ApiJson)
    .ok_or(ApiError::NotFound("movie"))
}
