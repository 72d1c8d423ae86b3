//! Loading a generated catalog through the API: movies, then theaters with their screens,
//! then a week of shows, reading back each created body as the API's own type.

use super::generate::{self, LANGUAGES, Layout, weighted};
use super::{CITIES, CatalogSpec, SeedReport};
use crate::ApiClient;
use anyhow::Context;
use chrono::{Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use mtbp_api::routes::movies::json::Movie;
use mtbp_api::routes::screens::json::Screen;
use mtbp_api::routes::shows::json::Show;
use mtbp_api::routes::theaters::json::Theater;
use mtbp_domain::{MovieId, ScreenId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

struct MoviePlan {
    movie_id: MovieId,
    language: &'static str,
}

struct ScreenPlan {
    screen_id: ScreenId,
    large: bool,
    categories: Vec<&'static str>,
}

struct TheaterPlan {
    screens: Vec<ScreenPlan>,
}

/// Creates the catalog of `spec` through the API as `operator`.
pub async fn seed(operator: &ApiClient, spec: &CatalogSpec) -> anyhow::Result<SeedReport> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut report = SeedReport::default();
    let today = Utc::now().date_naive();
    let playing = movies(operator, spec, &mut rng, today, &mut report).await?;
    let theaters = theaters(operator, spec, &mut rng, &mut report).await?;
    report.shows = shows(
        operator, spec, &mut rng, today, &playing, &theaters, &report,
    )
    .await?;
    Ok(report)
}

/// The movies, a quarter coming soon; the ones playing, ranked by popularity.
async fn movies(
    operator: &ApiClient,
    spec: &CatalogSpec,
    rng: &mut StdRng,
    today: NaiveDate,
    report: &mut SeedReport,
) -> anyhow::Result<Vec<MoviePlan>> {
    let bodies: Vec<(Value, bool)> = (0..spec.movies)
        .map(|n| {
            let upcoming = n % 4 == 3;
            (generate::movie_body(rng, n, today, upcoming), upcoming)
        })
        .collect();
    let created: Vec<(Movie, bool)> = stream::iter(bodies)
        .map(|(body, upcoming)| async move {
            let m: Movie = operator.create_as("/movies", &body).await?;
            anyhow::Ok((m, upcoming))
        })
        .buffered(spec.concurrency)
        .try_collect()
        .await?;
    report.movies = created.len();
    let playing: Vec<MoviePlan> = created
        .iter()
        .filter(|(_, upcoming)| !upcoming)
        .map(|(m, _)| MoviePlan {
            movie_id: m.movie_id,
            language: m
                .languages
                .first()
                .and_then(|l| LANGUAGES.iter().find(|(name, _)| name == l))
                .map_or("Hindi", |(name, _)| *name),
        })
        .collect();
    anyhow::ensure!(
        !playing.is_empty(),
        "no movie is playing; ask for more movies"
    );
    Ok(playing)
}

/// The theaters with their screens.
async fn theaters(
    operator: &ApiClient,
    spec: &CatalogSpec,
    rng: &mut StdRng,
    report: &mut SeedReport,
) -> anyhow::Result<Vec<TheaterPlan>> {
    let cities = &CITIES[..spec.cities.clamp(1, CITIES.len())];
    let city_weights: Vec<(usize, u32)> = cities
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.weight))
        .collect();
    let bodies: Vec<(Value, Vec<Layout>)> = (0..spec.theaters)
        .map(|n| generate::theater(rng, n, cities, &city_weights))
        .collect();
    let theaters: Vec<(TheaterPlan, usize)> = stream::iter(bodies)
        .map(|(body, layouts)| theater(operator, body, layouts))
        .buffered(spec.concurrency)
        .try_collect()
        .await?;
    report.theaters = theaters.len();
    report.screens = theaters.iter().map(|(t, _)| t.screens.len()).sum();
    report.seats = theaters.iter().map(|(_, s)| s).sum();
    Ok(theaters.into_iter().map(|(t, _)| t).collect())
}

/// One theater and its screens; its plan and its number of seats.
async fn theater(
    operator: &ApiClient,
    body: Value,
    layouts: Vec<Layout>,
) -> anyhow::Result<(TheaterPlan, usize)> {
    let t: Theater = operator.create_as("/theaters", &body).await?;
    let tid = t.theater_id;
    let mut plan = TheaterPlan {
        screens: Vec::new(),
    };
    let mut seats = 0;
    for (i, (layout, count, large, categories)) in layouts.into_iter().enumerate() {
        let name = if large {
            format!("IMAX {}", i + 1)
        } else {
            format!("Audi {}", i + 1)
        };
        let s: Screen = operator
            .create_as(
                &format!("/theaters/{tid}/screens"),
                &json!({"name": name, "layout": layout}),
            )
            .await?;
        seats += count;
        plan.screens.push(ScreenPlan {
            screen_id: s.screen_id,
            large,
            categories,
        });
    }
    Ok((plan, seats))
}

/// The shows, spread evenly over screen-days, five slots a day at most, 09:00 local onwards;
/// how many were scheduled.
async fn shows(
    operator: &ApiClient,
    spec: &CatalogSpec,
    rng: &mut StdRng,
    today: NaiveDate,
    playing: &[MoviePlan],
    theaters: &[TheaterPlan],
    report: &SeedReport,
) -> anyhow::Result<usize> {
    let screen_days = report.screens * spec.days as usize;
    anyhow::ensure!(screen_days > 0, "no screens");
    let per_day = spec.shows / screen_days;
    let extra = spec.shows % screen_days;
    anyhow::ensure!(
        per_day < 5 || (per_day == 5 && extra == 0),
        "{} shows do not fit five a day on {} screens over {} days",
        spec.shows,
        report.screens,
        spec.days
    );
    // Popular movies play more: weight 1/(rank+1)^0.8.
    let popularity: Vec<(usize, u32)> = (0..playing.len())
        .map(|i| {
            let w = 1000.0 / ((i + 1) as f64).powf(0.8);
            (i, w.round().max(1.0) as u32)
        })
        .collect();
    let mut batches: Vec<Value> = Vec::new();
    let mut k = 0;
    for theater in theaters {
        for day in 1..=i64::from(spec.days) {
            let mut batch = Vec::new();
            for screen in &theater.screens {
                let slots = per_day + usize::from(k < extra);
                k += 1;
                for slot in 0..slots {
                    let movie = &playing[*weighted(rng, &popularity)];
                    batch.push(show(rng, today + Duration::days(day), slot, movie, screen)?);
                }
            }
            for chunk in batch.chunks(100) {
                batches.push(json!({ "shows": chunk }));
            }
        }
    }
    let counts: Vec<usize> = stream::iter(batches)
        .map(|body| async move {
            let created: Vec<Show> = operator.create_as("/shows/bulk", &body).await?;
            anyhow::Ok(created.len())
        })
        .buffer_unordered(spec.concurrency)
        .try_collect()
        .await?;
    Ok(counts.iter().sum())
}

/// The body of one show in slot `slot` of `day` on `screen`.
fn show(
    rng: &mut StdRng,
    day: NaiveDate,
    slot: usize,
    movie: &MoviePlan,
    screen: &ScreenPlan,
) -> anyhow::Result<Value> {
    const SLOT_MINUTES: i64 = 210;
    // The generated theaters are in India (the default zone): UTC+05:30, no daylight saving.
    let india = FixedOffset::east_opt(330 * 60).context("offset")?;
    let local = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).context("time")?)
        + Duration::minutes(SLOT_MINUTES * slot as i64);
    let starts_at = india
        .from_local_datetime(&local)
        .single()
        .context("local time")?
        .with_timezone(&Utc);
    let format = if screen.large {
        "IMAX"
    } else if rng.random_bool(0.15) {
        "3D"
    } else {
        "2D"
    };
    // Evening shows cost a fifth more.
    let prices: serde_json::Map<String, Value> = if slot >= 3 {
        screen
            .categories
            .iter()
            .map(|c| {
                let base = match *c {
                    "REGULAR" => 18_000,
                    "PREMIUM" => 30_000,
                    _ => 60_000,
                };
                ((*c).to_owned(), json!(base))
            })
            .collect()
    } else {
        serde_json::Map::new()
    };
    Ok(
        json!({"movie_id": movie.movie_id, "screen_id": screen.screen_id,
              "starts_at": starts_at, "language": movie.language,
              "format": format, "prices": prices}),
    )
}
