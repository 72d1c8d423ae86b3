//! Request and response bodies of the review endpoints.

use chrono::{DateTime, Utc};
use mtbp_domain::{MovieId, ReviewId, TheaterId};
use mtbp_store::catalog::reviews::ReviewRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A new review: of a movie or of a theater.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// The movie reviewed (or `theater_id`).
    #[schema(value_type = Option<Uuid>)]
    pub movie_id: Option<MovieId>,
    /// The theater reviewed (or `movie_id`).
    #[schema(value_type = Option<Uuid>)]
    pub theater_id: Option<TheaterId>,
    /// 1 to 5.
    pub rating: i32,
    /// Up to 2000 characters.
    #[serde(default)]
    pub text: String,
}

/// A review.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Review {
    /// Id.
    #[schema(value_type = Uuid)]
    pub review_id: ReviewId,
    /// `movie` or `theater`.
    pub subject_type: String,
    /// The movie or theater.
    pub subject_id: Uuid,
    /// Author's display name.
    pub author: String,
    /// 1 to 5.
    pub rating: i32,
    /// Text.
    pub text: String,
    /// The author had a completed booking for it.
    pub verified: bool,
    /// Posted.
    pub created_at: DateTime<Utc>,
}

impl From<ReviewRow> for Review {
    fn from(r: ReviewRow) -> Self {
        Self {
            review_id: r.review_id,
            subject_type: r.subject.kind().into(),
            subject_id: r.subject.id(),
            author: r.author,
            rating: r.rating,
            text: r.text,
            verified: r.verified,
            created_at: r.created_at,
        }
    }
}

/// Which reviews.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// Reviews of this movie (or `theater`).
    #[param(value_type = Option<Uuid>)]
    pub movie: Option<MovieId>,
    /// Reviews of this theater (or `movie`).
    #[param(value_type = Option<Uuid>)]
    pub theater: Option<TheaterId>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// Reviews of one movie or theater, with the aggregate rating.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewPage {
    /// Average rating over every review, none without reviews.
    pub average_rating: Option<f64>,
    /// Number of reviews.
    pub review_count: i64,
    /// Newest first.
    pub reviews: Vec<Review>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
}
