//! Movies: `POST /movies`, `GET/PUT/DELETE /movies/{id}`, and search with `GET /movies`.

use super::json::{Movie, MoviePage, NewMovie};
use super::required_text;
use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use mtbp_domain::seats::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// The columns of a [`Movie`], in every query that returns one.
const MOVIE_COLUMNS: &str = concat!(
    "movie_id, title, duration_minutes, certification, languages, genres, release_date, synopsis,
     country, cast_members, crew, poster_url, trailer_url, ",
    super::json::rating_columns!()
);

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

/// Checks a movie body; every problem is listed.
fn validate(body: &NewMovie) -> ApiResult<NewMovie> {
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
    let country = body.country.as_deref().map(str::trim).map(|c| {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            errors.push(FieldError::new(
                "country",
                "an ISO 3166 alpha-2 code, e.g. IN",
            ));
        }
        c.to_ascii_uppercase()
    });
    if body.crew.len() > 100 {
        errors.push(FieldError::new("crew", "at most 100 entries"));
    }
    let mut crew = body.crew.clone();
    for (i, member) in crew.iter_mut().enumerate() {
        member.name = required_text(&format!("crew[{i}].name"), &member.name, 80, &mut errors);
        member.job = required_text(&format!("crew[{i}].job"), &member.job, 80, &mut errors);
    }
    optional_url("poster_url", body.poster_url.as_ref(), &mut errors);
    optional_url("trailer_url", body.trailer_url.as_ref(), &mut errors);
    if let Some(date) = body.release_date {
        crate::dates::check_date("release_date", date, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(NewMovie {
        title,
        duration_minutes: body.duration_minutes,
        certification,
        languages,
        genres,
        release_date: body.release_date,
        synopsis: body.synopsis.trim().to_owned(),
        country,
        cast,
        crew,
        poster_url: body.poster_url.clone(),
        trailer_url: body.trailer_url.clone(),
    })
}

/// Writes `m` as movie `movie_id`: a new row, or (with `update`) the existing one.
async fn store(
    state: &AppState,
    movie_id: Uuid,
    m: NewMovie,
    update: bool,
) -> ApiResult<Option<Movie>> {
    let sql = if update {
        format!(
            "update movies set title = $2, duration_minutes = $3, certification = $4,
                    languages = $5, genres = $6, release_date = $7, synopsis = $8, country = $9,
                    cast_members = $10, crew = $11, poster_url = $12, trailer_url = $13
              where movie_id = $1 returning {MOVIE_COLUMNS}"
        )
    } else {
        format!(
            "insert into movies (movie_id, title, duration_minutes, certification, languages,
                                 genres, release_date, synopsis, country, cast_members, crew,
                                 poster_url, trailer_url)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             returning {MOVIE_COLUMNS}"
        )
    };
    let crew = serde_json::to_value(&m.crew).map_err(anyhow::Error::from)?;
    Ok(sqlx::query_as(&sql)
        .bind(movie_id)
        .bind(m.title)
        .bind(m.duration_minutes)
        .bind(m.certification)
        .bind(m.languages)
        .bind(m.genres)
        .bind(m.release_date)
        .bind(m.synopsis)
        .bind(m.country)
        .bind(m.cast)
        .bind(crew)
        .bind(m.poster_url)
        .bind(m.trailer_url)
        .fetch_optional(&state.db)
        .await?)
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
    let movie = validate(&body)?;
    let created = store(&state, Uuid::new_v4(), movie, false)
        .await?
        .ok_or_else(|| anyhow::anyhow!("insert returned no row"))?;
    Ok((StatusCode::CREATED, ApiJson(created)))
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
    ApiPath(movie_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewMovie>,
) -> ApiResult<ApiJson<Movie>> {
    require(&user, &[Role::Admin], "changing movies")?;
    let movie = validate(&body)?;
    store(&state, movie_id, movie, true)
        .await?
        .map(ApiJson)
        .ok_or(ApiError::NotFound("movie"))
}

/// Removes a movie that has never had a show (operators); 409 otherwise, since its shows,
/// bookings and reviews refer to it.
#[utoipa::path(delete, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The movie has shows")))]
pub async fn delete_movie(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(movie_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    require(&user, &[Role::Admin], "removing movies")?;
    let deleted = sqlx::query(
        "delete from movies m where movie_id = $1
            and not exists (select 1 from shows s where s.movie_id = m.movie_id)",
    )
    .bind(movie_id)
    .execute(&state.db)
    .await?;
    if deleted.rows_affected() == 1 {
        return Ok(StatusCode::NO_CONTENT);
    }
    let exists: Option<Uuid> =
        sqlx::query_scalar("select movie_id from movies where movie_id = $1")
            .bind(movie_id)
            .fetch_optional(&state.db)
            .await?;
    match exists {
        Some(_) => Err(ApiError::conflict(
            ErrorCode::MovieHasShows,
            "the movie has shows; cancel them instead of removing the movie",
        )),
        None => Err(ApiError::NotFound("movie")),
    }
}

/// Reads a movie.
#[utoipa::path(get, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)),
    responses((status = 200, body = Movie), (status = 404, body = ErrorEnvelope)))]
pub async fn get_movie(
    State(state): State<AppState>,
    ApiPath(movie_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Movie>> {
    sqlx::query_as(&format!(
        "select {MOVIE_COLUMNS} from movies where movie_id = $1"
    ))
    .bind(movie_id)
    .fetch_optional(&state.db)
    .await?
    .map(ApiJson)
    .ok_or(ApiError::NotFound("movie"))
}

/// Whether a movie is playing.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovieStatus {
    /// Has an upcoming show (in `city`, when given).
    NowShowing,
    /// Released after today.
    ComingSoon,
}

/// Search filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MovieQuery {
    /// Words of the title or of cast names; the last word may be a prefix (`"shah ru"`).
    pub q: Option<String>,
    /// Genre, any case.
    pub genre: Option<String>,
    /// Language, any case.
    pub language: Option<String>,
    /// Country of origin (ISO alpha-2).
    pub country: Option<String>,
    /// Only movies with upcoming shows in this city.
    pub city: Option<String>,
    /// `now_showing` or `coming_soon`.
    #[param(inline)]
    pub status: Option<MovieStatus>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Rows to skip (from `next_offset`).
    pub offset: Option<i64>,
}

/// Turns free text into a prefix-matching `tsquery`. Words are split at spaces and at every
/// ASCII character that is not a letter or digit, so no input can inject tsquery syntax (its
/// operators are all ASCII); other scripts, with their combining marks, stay whole.
pub fn ts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| c.is_whitespace() || (c.is_ascii() && !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

/// The movie search: $1 tsquery, $2 genre, $3 language (lower case), $4 country, $5 city
/// (lower case), $6 now showing, $7 coming soon, $8 limit, $9 offset.
pub fn movie_search_sql() -> String {
    format!(
        "select {MOVIE_COLUMNS} from movies m
          where ($1::text is null or m.search @@ to_tsquery('simple', $1))
            and ($2::text is null or mtbp_lower_array(m.genres) @> array[$2])
            and ($3::text is null or mtbp_lower_array(m.languages) @> array[$3])
            and ($4::text is null or m.country = upper($4))
            and (not $7 or m.release_date > current_date)
            and (($5::text is null and not $6) or exists (
                  select 1 from shows s
                   where s.movie_id = m.movie_id and s.status = 'scheduled'
                     and s.starts_at > now()
                     and ($5::text is null or s.city = $5)))
          order by case when $1::text is null then 0
                        else ts_rank(m.search, to_tsquery('simple', $1)) end desc,
                   m.release_date desc nulls last, m.title, m.movie_id
          limit $8 offset $9"
    )
}

/// Searches movies: full text over title and cast, genre, language, country, where they play
/// and whether they play now or soon.
#[utoipa::path(get, path = "/movies", tag = "catalog", params(MovieQuery),
    responses((status = 200, body = MoviePage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_movies(
    State(state): State<AppState>,
    query: Result<Query<MovieQuery>, QueryRejection>,
) -> ApiResult<ApiJson<MoviePage>> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(20);
    let offset = q.offset.unwrap_or(0);
    let mut errors = Vec::new();
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::new("limit", "between 1 and 100"));
    }
    if !(0..=10_000).contains(&offset) {
        errors.push(FieldError::new("offset", "between 0 and 10000"));
    }
    for (field, value) in [
        ("q", &q.q),
        ("genre", &q.genre),
        ("language", &q.language),
        ("city", &q.city),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 100) {
            errors.push(FieldError::new(field, "at most 100 characters"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let text = q.q.as_deref().and_then(ts_query);
    let (now_showing, coming_soon) = match q.status {
        Some(MovieStatus::NowShowing) => (true, false),
        Some(MovieStatus::ComingSoon) => (false, true),
        None => (false, false),
    };
    let lower = |v: &Option<String>| v.as_deref().map(|s| s.trim().to_lowercase());
    let sql = movie_search_sql();
    let movies: Vec<Movie> = sqlx::query_as(&sql)
        .bind(text)
        .bind(lower(&q.genre))
        .bind(lower(&q.language))
        .bind(q.country.as_deref().map(str::trim))
        .bind(lower(&q.city))
        .bind(now_showing)
        .bind(coming_soon)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.db)
        .await?;
    let next_offset = (i64::try_from(movies.len()).unwrap_or(0) == limit).then_some(offset + limit);
    Ok(ApiJson(MoviePage {
        movies,
        next_offset,
    }))
}

#[cfg(test)]
mod tests {
    use super::ts_query;

    #[test]
    fn free_text_becomes_a_safe_prefix_query() {
        assert_eq!(ts_query("Shah Ru").as_deref(), Some("shah:* & ru:*"));
        assert_eq!(ts_query("a|b & !c:*").as_deref(), Some("a:* & b:* & c:*"));
        assert_eq!(ts_query("  ,;  "), None);
        assert_eq!(ts_query("कल्कि 2898").as_deref(), Some("कल्कि:* & 2898:*"));
    }
}
