//! Reviews of movies and theaters, and the running rating count and sum kept on the reviewed
//! row (so listings show an average without aggregating reviews). One live review per
//! customer and subject: `reviews_one_per_customer`.

use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, MovieId, ReviewId, TheaterId};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// What a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A movie.
    Movie(MovieId),
    /// A theater.
    Theater(TheaterId),
}

impl Subject {
    /// The stored `subject_type`.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Movie(_) => "movie",
            Self::Theater(_) => "theater",
        }
    }

    /// The stored `subject_id`.
    pub const fn id(self) -> Uuid {
        match self {
            Self::Movie(id) => id.as_uuid(),
            Self::Theater(id) => id.as_uuid(),
        }
    }

    fn from_stored(kind: &str, id: Uuid) -> Self {
        if kind == "movie" {
            Self::Movie(MovieId::from_uuid(id))
        } else {
            Self::Theater(TheaterId::from_uuid(id))
        }
    }
}

/// A review with its author's display name.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    /// Id.
    pub review_id: ReviewId,
    /// The movie or theater.
    pub subject: Subject,
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

/// A review as its row stores the subject: a kind and an id.
struct StoredReview {
    review_id: ReviewId,
    subject_type: String,
    subject_id: Uuid,
    author: String,
    rating: i32,
    text: String,
    verified: bool,
    created_at: DateTime<Utc>,
}

impl From<StoredReview> for ReviewRow {
    fn from(r: StoredReview) -> Self {
        Self {
            review_id: r.review_id,
            subject: Subject::from_stored(&r.subject_type, r.subject_id),
            author: r.author,
            rating: r.rating,
            text: r.text,
            verified: r.verified,
            created_at: r.created_at,
        }
    }
}

/// Whether the subject exists (a closed theater still does: its reviews stay).
pub async fn subject_exists(db: impl PgExecutor<'_>, subject: Subject) -> sqlx::Result<bool> {
    let found = match subject {
        Subject::Movie(id) => {
            sqlx::query_scalar!(
                r#"select 1 as "one!" from movies where movie_id = $1"#,
                id as MovieId
            )
            .fetch_optional(db)
            .await?
        }
        Subject::Theater(id) => {
            sqlx::query_scalar!(
                r#"select 1 as "one!" from theaters where theater_id = $1"#,
                id as TheaterId
            )
            .fetch_optional(db)
            .await?
        }
    };
    Ok(found.is_some())
}

/// Whether the customer has a completed booking for the movie, or at the theater.
pub async fn has_seen(
    db: impl PgExecutor<'_>,
    customer: AccountId,
    subject: Subject,
) -> sqlx::Result<bool> {
    let seen = sqlx::query_scalar!(
        r#"select 1 as "one!" from bookings b join shows s using (show_id)
            where b.customer_id = $1
              and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')
              and (($2 = 'movie' and s.movie_id = $3) or ($2 = 'theater' and s.theater_id = $3))
            limit 1"#,
        customer as AccountId,
        subject.kind(),
        subject.id(),
    )
    .fetch_optional(db)
    .await?;
    Ok(seen.is_some())
}

/// A verified review to post.
#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    /// Id.
    pub review_id: ReviewId,
    /// What it is about.
    pub subject: Subject,
    /// Its author.
    pub author: AccountId,
    /// 1 to 5.
    pub rating: i32,
    /// Text, trimmed.
    pub text: &'a str,
}

/// Posts a verified review and counts it in the subject's rating. A second live review by the
/// same customer fails on `reviews_one_per_customer`.
pub async fn insert(tx: &mut PgConnection, review: &NewReview<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into reviews (review_id, subject_type, subject_id, account_id, rating, body,
                              verified)
         values ($1, $2, $3, $4, $5, $6, true)",
        review.review_id as ReviewId,
        review.subject.kind(),
        review.subject.id(),
        review.author as AccountId,
        review.rating,
        review.text,
    )
    .execute(&mut *tx)
    .await?;
    adjust_rating(tx, review.subject, 1, review.rating).await
}

/// A review, removed or not.
pub async fn find(db: impl PgExecutor<'_>, review_id: ReviewId) -> sqlx::Result<ReviewRow> {
    let row = sqlx::query_as!(
        StoredReview,
        r#"select r.review_id as "review_id: ReviewId", r.subject_type, r.subject_id,
                  a.name as author, r.rating, r.body as text, r.verified, r.created_at
             from reviews r join accounts a using (account_id)
            where r.review_id = $1"#,
        review_id as ReviewId,
    )
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

/// The average and number of a subject's live reviews.
#[derive(Debug, Clone, Copy)]
pub struct RatingSummary {
    /// Unrounded average; none without reviews.
    pub average: Option<f64>,
    /// Number of reviews.
    pub count: i64,
}

/// The rating over a subject's live reviews.
pub async fn summary(db: impl PgExecutor<'_>, subject: Subject) -> sqlx::Result<RatingSummary> {
    sqlx::query_as!(
        RatingSummary,
        r#"select avg(rating)::float8 as average, count(*) as "count!" from reviews
            where subject_type = $1 and subject_id = $2 and removed_at is null"#,
        subject.kind(),
        subject.id(),
    )
    .fetch_one(db)
    .await
}

/// A page of a subject's live reviews, newest first.
pub async fn page(
    db: impl PgExecutor<'_>,
    subject: Subject,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ReviewRow>> {
    let rows = sqlx::query_as!(
        StoredReview,
        r#"select r.review_id as "review_id: ReviewId", r.subject_type, r.subject_id,
                  a.name as author, r.rating, r.body as text, r.verified, r.created_at
             from reviews r join accounts a using (account_id)
            where r.subject_type = $1 and r.subject_id = $2 and r.removed_at is null
            order by r.created_at desc, r.review_id limit $3 offset $4"#,
        subject.kind(),
        subject.id(),
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(ReviewRow::from).collect())
}

/// The author of a live review; none if there is no such review.
pub async fn author_of(
    db: impl PgExecutor<'_>,
    review_id: ReviewId,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"select account_id as "account_id: AccountId" from reviews
            where review_id = $1 and removed_at is null"#,
        review_id as ReviewId,
    )
    .fetch_optional(db)
    .await
}

/// Removes a live review and takes it out of the subject's rating; false if it was removed
/// already (of two removals at once, one counts).
pub async fn remove(
    tx: &mut PgConnection,
    review_id: ReviewId,
    by: AccountId,
) -> sqlx::Result<bool> {
    let removed = sqlx::query!(
        "update reviews set removed_at = now(), removed_by = $2
          where review_id = $1 and removed_at is null
         returning subject_type, subject_id, rating",
        review_id as ReviewId,
        by as AccountId,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = removed else {
        return Ok(false);
    };
    let subject = Subject::from_stored(&r.subject_type, r.subject_id);
    adjust_rating(tx, subject, -1, -r.rating).await?;
    Ok(true)
}

/// Keeps the subject's rating count and sum in step with its reviews (a row lock, so
/// concurrent reviews add up).
async fn adjust_rating(
    tx: &mut PgConnection,
    subject: Subject,
    count: i32,
    sum: i32,
) -> sqlx::Result<()> {
    match subject {
        Subject::Movie(id) => {
            sqlx::query!(
                "update movies set rating_count = rating_count + $2,
                        rating_sum = rating_sum + $3
                  where movie_id = $1",
                id as MovieId,
                count,
                i64::from(sum),
            )
            .execute(tx)
            .await?;
        }
        Subject::Theater(id) => {
            sqlx::query!(
                "update theaters set rating_count = rating_count + $2,
                        rating_sum = rating_sum + $3
                  where theater_id = $1",
                id as TheaterId,
                count,
                i64::from(sum),
            )
            .execute(tx)
            .await?;
        }
    }
    Ok(())
}
