//! Request and response bodies of the movie endpoints.

use chrono::NaiveDate;
use mtbp_domain::MovieId;
use mtbp_store::catalog::movies::MovieRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A new movie.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMovie {
    /// Title.
    pub title: String,
    /// Running time in minutes.
    pub duration_minutes: i32,
    /// Certification, e.g. `UA`.
    pub certification: Option<String>,
    /// Spoken languages.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Release date.
    pub release_date: Option<NaiveDate>,
    /// Synopsis.
    #[serde(default)]
    pub synopsis: String,
    /// Country of origin (ISO 3166 alpha-2, e.g. `IN`).
    pub country: Option<String>,
    /// Cast, billing order.
    #[serde(default)]
    pub cast: Vec<String>,
    /// Crew.
    #[serde(default)]
    pub crew: Vec<CrewMember>,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
}

/// Someone who made the movie.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewMember {
    /// Name.
    pub name: String,
    /// Job, e.g. `Director`.
    pub job: String,
}

/// A movie.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Movie {
    /// Id.
    #[schema(value_type = Uuid)]
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
    pub release_date: Option<NaiveDate>,
    /// Synopsis.
    pub synopsis: String,
    /// Country of origin.
    pub country: Option<String>,
    /// Cast, billing order.
    pub cast: Vec<String>,
    /// Crew.
    pub crew: Vec<CrewMember>,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
    /// Average review rating, 1-5 (none until reviewed).
    pub rating_average: Option<f64>,
    /// Number of reviews.
    pub rating_count: i32,
}

impl TryFrom<MovieRow> for Movie {
    type Error = serde_json::Error;

    fn try_from(m: MovieRow) -> Result<Self, Self::Error> {
        Ok(Self {
            rating_average: m.rating_average(),
            crew: serde_json::from_value(m.crew)?,
            movie_id: m.movie_id,
            title: m.title,
            duration_minutes: m.duration_minutes,
            certification: m.certification,
            languages: m.languages,
            genres: m.genres,
            release_date: m.release_date,
            synopsis: m.synopsis,
            country: m.country,
            cast: m.cast_members,
            poster_url: m.poster_url,
            trailer_url: m.trailer_url,
            rating_count: m.rating_count,
        })
    }
}

/// One page of movies.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MoviePage {
    /// The movies: best match first when searching, else newest release first.
    pub movies: Vec<Movie>,
    /// Pass as `offset` for the next page; none on the last page.
    pub next_offset: Option<i64>,
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
