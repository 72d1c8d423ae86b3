//! Movies: the catalog operators curate, and its full-text search.

use mtbp_domain::MovieId;
use sqlx::PgExecutor;

/// A movie as stored.
#[derive(Debug, Clone)]
pub struct MovieRow {
    /// Id.
    pub movie_id: MovieId,
    /// Title.
    pub title: String,
    /// Running time in minutes.
    pub duration_minutes: i32,
    /// Certification.
    pub certification: Option<String>,
    /// Spoken languages.
    pub languages: Vec<String>,
    /// Genres.
    pub genres: Vec<String>,
    /// Release date.
    pub release_date: Option<chrono::NaiveDate>,
    /// Synopsis.
    pub synopsis: String,
    /// Country of origin.
    pub country: Option<String>,
    /// Cast, billing order.
    pub cast_members: Vec<String>,
    /// Crew, as a JSON array of `{name, job}`.
    pub crew: serde_json::Value,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
    /// Number of reviews counted.
    pub rating_count: i32,
    /// Sum of their ratings.
    pub rating_sum: i64,
}

impl MovieRow {
    /// The average review rating, none until reviewed.
    pub fn rating_average(&self) -> Option<f64> {
        mtbp_domain::rating::average(self.rating_sum, self.rating_count)
    }
}

/// A movie's details, checked by the caller.
#[derive(Debug, Clone)]
pub struct MovieFields {
    /// Title.
    pub title: String,
    /// Running time in minutes.
    pub duration_minutes: i32,
    /// Certification.
    pub certification: Option<String>,
    /// Spoken languages.
    pub languages: Vec<String>,
    /// Genres.
    pub genres: Vec<String>,
    /// Release date.
    pub release_date: Option<chrono::NaiveDate>,
    /// Synopsis.
    pub synopsis: String,
    /// Country of origin.
    pub country: Option<String>,
    /// Cast, billing order.
    pub cast: Vec<String>,
    /// Crew, as a JSON array of `{name, job}`.
    pub crew: serde_json::Value,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
}

/// Adds a movie.
pub async fn insert(
    db: impl PgExecutor<'_>,
    movie_id: MovieId,
    m: &MovieFields,
) -> sqlx::Result<MovieRow> {
    sqlx::query_as!(
        MovieRow,
        r#"insert into movies (movie_id, title, duration_minutes, certification, languages,
                               genres, release_date, synopsis, country, cast_members, crew,
                               poster_url, trailer_url)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           returning movie_id as "movie_id: MovieId", title, duration_minutes, certification,
                     languages, genres, release_date, synopsis, country, cast_members, crew,
                     poster_url, trailer_url, rating_count, rating_sum"#,
        movie_id as MovieId,
        m.title,
        m.duration_minutes,
        m.certification,
        &m.languages,
        &m.genres,
        m.release_date,
        m.synopsis,
        m.country,
        &m.cast,
        m.crew,
        m.poster_url,
        m.trailer_url,
    )
    .fetch_one(db)
    .await
}

/// Replaces a movie's details; none if there is no such movie.
pub async fn update(
    db: impl PgExecutor<'_>,
    movie_id: MovieId,
    m: &MovieFields,
) -> sqlx::Result<Option<MovieRow>> {
    sqlx::query_as!(
        MovieRow,
        r#"update movies set title = $2, duration_minutes = $3, certification = $4,
                  languages = $5, genres = $6, release_date = $7, synopsis = $8, country = $9,
                  cast_members = $10, crew = $11, poster_url = $12, trailer_url = $13
            where movie_id = $1
           returning movie_id as "movie_id: MovieId", title, duration_minutes, certification,
                     languages, genres, release_date, synopsis, country, cast_members, crew,
                     poster_url, trailer_url, rating_count, rating_sum"#,
        movie_id as MovieId,
        m.title,
        m.duration_minutes,
        m.certification,
        &m.languages,
        &m.genres,
        m.release_date,
        m.synopsis,
        m.country,
        &m.cast,
        m.crew,
        m.poster_url,
        m.trailer_url,
    )
    .fetch_optional(db)
    .await
}

/// A movie.
pub async fn find(db: impl PgExecutor<'_>, movie_id: MovieId) -> sqlx::Result<Option<MovieRow>> {
    sqlx::query_as!(
        MovieRow,
        r#"select movie_id as "movie_id: MovieId", title, duration_minutes, certification,
                  languages, genres, release_date, synopsis, country, cast_members, crew,
                  poster_url, trailer_url, rating_count, rating_sum
             from movies where movie_id = $1"#,
        movie_id as MovieId,
    )
    .fetch_optional(db)
    .await
}

/// Whether the movie exists.
pub async fn exists(db: impl PgExecutor<'_>, movie_id: MovieId) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!(
        "select movie_id from movies where movie_id = $1",
        movie_id as MovieId,
    )
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// A movie's running time in minutes; none if there is no such movie.
pub async fn running_time(db: impl PgExecutor<'_>, movie_id: MovieId) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        "select duration_minutes from movies where movie_id = $1",
        movie_id as MovieId,
    )
    .fetch_optional(db)
    .await
}

/// Deletes a movie that has never had a show; false if it has one (or does not exist).
pub async fn delete_unshown(db: impl PgExecutor<'_>, movie_id: MovieId) -> sqlx::Result<bool> {
    let deleted = sqlx::query!(
        "delete from movies m where movie_id = $1
            and not exists (select 1 from shows s where s.movie_id = m.movie_id)",
        movie_id as MovieId,
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// What to search movies by; text filters lower case.
#[derive(Debug, Clone, Default)]
pub struct MovieSearch {
    /// A `tsquery` over title and cast (see [`ts_query`]).
    pub text: Option<String>,
    /// Genre.
    pub genre: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Country of origin (any case).
    pub country: Option<String>,
    /// Only movies with upcoming shows in this city.
    pub city: Option<String>,
    /// Only movies with an upcoming show (in `city`, when given).
    pub now_showing: bool,
    /// Only movies released after today.
    pub coming_soon: bool,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// The movie search: best match first when searching text, else newest release first.
pub async fn search(db: impl PgExecutor<'_>, q: &MovieSearch) -> sqlx::Result<Vec<MovieRow>> {
    sqlx::query_file_as!(
        MovieRow,
        "queries/movie_search.sql",
        q.text,
        q.genre,
        q.language,
        q.country,
        q.city,
        q.now_showing,
        q.coming_soon,
        q.limit,
        q.offset,
    )
    .fetch_all(db)
    .await
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
