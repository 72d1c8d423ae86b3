//! Who an announcement goes to: subscribers of a live subscription (`active` or `cancelling`)
//! whose announcement preferences name the city and either one of the movie's genres or one of
//! its languages (case-insensitively), one subscription per customer, paged by customer id.

use super::recipients::Recipient;
use mtbp_domain::notification::Consent;
use mtbp_domain::{AccountId, MovieId, SubscriptionId};
use sqlx::PgExecutor;

/// One subscriber of an announcement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The customer (the page's cursor).
    pub customer_id: AccountId,
    /// The subscription the message is recorded against.
    pub subscription_id: SubscriptionId,
}

/// The next `limit` subscribers after `after` (a customer id) who opted in to this movie's
/// announcement in `city`, in customer order.
pub async fn page(
    db: impl PgExecutor<'_>,
    movie_id: MovieId,
    city: &str,
    after: Option<AccountId>,
    limit: i64,
) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as!(
        Member,
        r#"select su.customer_id as "customer_id!: AccountId",
                  (array_agg(su.subscription_id order by su.subscription_id))[1]
                      as "subscription_id!: SubscriptionId"
             from subscription_announcements sa
             join subscriptions su on su.subscription_id = sa.subscription_id
             join movies m on m.movie_id = $1
            where su.status in ('active', 'cancelling')
              and ($3::uuid is null or su.customer_id > $3)
              and exists (select from unnest(sa.cities) c where lower(c) = lower($2))
              and (exists (select from unnest(sa.genres) g, unnest(m.genres) mg
                            where lower(g) = lower(mg))
                   or exists (select from unnest(sa.languages) l, unnest(m.languages) ml
                               where lower(l) = lower(ml)))
            group by su.customer_id
            order by su.customer_id
            limit $4"#,
        movie_id.as_uuid(),
        city,
        after.map(|a| a.as_uuid()),
        limit,
    )
    .fetch_all(db)
    .await
}

/// Where a subscriber's announcement goes: the account's email, phone, languages and consent
/// (announcements are marketing: only with consent, never to an erased account).
pub async fn recipient(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<Option<Recipient>> {
    let row = sqlx::query!(
        r#"select a.email, a.phone, a.languages, a.name, a.erased_at is null as "live!",
                  a.consent_email, a.consent_sms
             from subscriptions su join accounts a on a.account_id = su.customer_id
            where su.subscription_id = $1"#,
        subscription_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Recipient {
        guest: false,
        email: Some(r.email).filter(|e| r.live && !e.is_empty()),
        phone: r.phone.filter(|p| r.live && !p.is_empty()),
        languages: r.languages,
        consent: Consent {
            email: r.consent_email && r.live,
            sms: r.consent_sms && r.live,
        },
        name: Some(r.name).filter(|_| r.live),
    }))
}

/// What an announcement says: the movie's title, genres and languages.
#[derive(Clone, Debug)]
pub struct MovieFacts {
    /// Title.
    pub title: String,
    /// Genres.
    pub genres: Vec<String>,
    /// Languages.
    pub languages: Vec<String>,
}

/// The movie an announcement is about.
pub async fn movie(db: impl PgExecutor<'_>, movie_id: MovieId) -> sqlx::Result<Option<MovieFacts>> {
    sqlx::query_as!(
        MovieFacts,
        "select title, genres, languages from movies where movie_id = $1",
        movie_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// Whether `show`'s movie has no other scheduled show in its theater's city: its first there.
pub async fn first_in_city(
    db: impl PgExecutor<'_>,
    show_id: mtbp_domain::ShowId,
) -> sqlx::Result<Option<(MovieId, String)>> {
    let row = sqlx::query!(
        r#"select s.movie_id as "movie_id: MovieId", t.city,
                  not exists (select from shows o join theaters ot on ot.theater_id = o.theater_id
                               where o.movie_id = s.movie_id and o.show_id <> s.show_id
                                 and o.status = 'scheduled' and lower(ot.city) = lower(t.city))
                      as "first!"
             from shows s join theaters t on t.theater_id = s.theater_id
            where s.show_id = $1"#,
        show_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.filter(|r| r.first).map(|r| (r.movie_id, r.city)))
}
