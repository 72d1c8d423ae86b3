//! `catalog-bench`: how fast the catalog reads are on a big catalog (1,000 theaters, 300
//! movies, 100,000 shows by default).
//!
//! Seeds the catalog through the API when its database is empty, then drives each read
//! endpoint with `--clients` concurrent keep-alive clients for `--requests` requests (random
//! parameters drawn from the catalog), and prints p50/p99 latency and requests per second. Every
//! answer must be a 200. Then prints the PostgreSQL plans of the same queries with real
//! parameters (`EXPLAIN (ANALYZE, BUFFERS)`). Figures and plans are also written as JSON and
//! text under `--out`. Run it with `./mtbp bench-catalog`, which gives it a database and an
//! API of its own.

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate, Utc};
use futures::StreamExt;
use mtbp_store::catalog::discovery::plans;
use mtbp_store::catalog::movies::ts_query;
use mtbp_tests::ApiClient;
use mtbp_tests::catalog::{CITIES, CatalogSpec};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Instant;
use uuid::Uuid;

struct Args {
    clients: usize,
    requests: usize,
    out: std::path::PathBuf,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        clients: 8,
        requests: 2_000,
        out: ".local/bench".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--clients" => a.clients = value.parse().context("--clients")?,
            "--requests" => a.requests = value.parse().context("--requests")?,
            "--out" => a.out = value.into(),
            other => bail!("unknown flag {other}; use --clients N --requests N --out DIR"),
        }
    }
    anyhow::ensure!(
        (1..=64).contains(&a.clients) && (1..=100_000).contains(&a.requests),
        "1-64 clients and 1-100000 requests"
    );
    Ok(a)
}

/// What the random requests draw from.
struct Samples {
    cities: Vec<String>,
    movies: Vec<Uuid>,
    shows: Vec<Uuid>,
    words: Vec<String>,
    languages: Vec<String>,
    dates: Vec<NaiveDate>,
}

async fn samples(db: &PgPool) -> anyhow::Result<Samples> {
    let movies: Vec<Uuid> = sqlx::query_scalar(
        "select distinct movie_id from shows where status = 'scheduled' and starts_at > now()",
    )
    .fetch_all(db)
    .await?;
    let shows: Vec<Uuid> = sqlx::query_scalar(
        "select show_id from shows where status = 'scheduled' and starts_at > now()
          order by show_id limit 5000",
    )
    .fetch_all(db)
    .await?;
    let titles: Vec<String> = sqlx::query_scalar("select title from movies")
        .fetch_all(db)
        .await?;
    let mut words: Vec<String> = titles
        .iter()
        .flat_map(|t| t.split_whitespace().map(str::to_owned))
        .filter(|w| w.len() > 3)
        .collect();
    words.sort();
    words.dedup();
    let today = Utc::now().date_naive();
    anyhow::ensure!(
        !movies.is_empty() && !shows.is_empty(),
        "the catalog has no upcoming shows"
    );
    Ok(Samples {
        cities: CITIES.iter().map(|c| c.name.to_owned()).collect(),
        movies,
        shows,
        words,
        languages: ["Hindi", "English", "Tamil", "Telugu", "Malayalam"]
            .map(str::to_owned)
            .to_vec(),
        dates: (1..=6).map(|d| today + Duration::days(d)).collect(),
    })
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A read endpoint: its name and a random request path.
type PathFn = fn(&mut StdRng, &Samples) -> String;

const ENDPOINTS: &[(&str, PathFn)] = &[
    ("GET /movies?q=", |r, s| {
        format!("/movies?q={}", pick(r, &s.words).to_lowercase())
    }),
    ("GET /movies?city=&status=now_showing", |r, s| {
        format!("/movies?city={}&status=now_showing", pick(r, &s.cities))
    }),
    ("GET /movies?genre=&language=", |r, s| {
        format!(
            "/movies?genre={}&language={}",
            pick(r, &["action", "drama", "comedy", "thriller"]),
            pick(r, &s.languages)
        )
    }),
    ("GET /theaters?city=", |r, s| {
        format!("/theaters?city={}", pick(r, &s.cities))
    }),
    ("GET /theaters?near=&radius_km=5", |r, _| {
        let c = pick(r, CITIES);
        format!(
            "/theaters?near={:.4},{:.4}&radius_km=5",
            c.lat + r.random_range(-0.05..0.05),
            c.lng + r.random_range(-0.05..0.05)
        )
    }),
    ("GET /shows?city=&date=", |r, s| {
        format!(
            "/shows?city={}&date={}",
            pick(r, &s.cities),
            pick(r, &s.dates)
        )
    }),
    ("GET /shows?city=&date=&movie=", |r, s| {
        format!(
            "/shows?city={}&date={}&movie={}",
            pick(r, &s.cities),
            pick(r, &s.dates),
            pick(r, &s.movies)
        )
    }),
    ("GET /shows?city=&date=&language=&format=", |r, s| {
        format!(
            "/shows?city={}&date={}&language={}&format=2D",
            pick(r, &s.cities),
            pick(r, &s.dates),
            pick(r, &s.languages)
        )
    }),
    ("GET /movies/{id}/showtimes?city=&date=", |r, s| {
        format!(
            "/movies/{}/showtimes?city={}&date={}",
            pick(r, &s.movies),
            pick(r, &s.cities),
            pick(r, &s.dates)
        )
    }),
    ("GET /shows/{id}/seats", |r, s| {
        format!("/shows/{}/seats", pick(r, &s.shows))
    }),
    ("GET /shows/{id}/seats/best?count=4", |r, s| {
        format!("/shows/{}/seats/best?count=4", pick(r, &s.shows))
    }),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn measure(
    api: &ApiClient,
    samples: &Samples,
    name: &str,
    path: PathFn,
    args: &Args,
    seed: u64,
) -> anyhow::Result<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    let warmup: Vec<String> = (0..50).map(|_| path(&mut rng, samples)).collect();
    let paths: Vec<String> = (0..args.requests)
        .map(|_| path(&mut rng, samples))
        .collect();
    let run = |paths: Vec<String>| async move {
        let started = Instant::now();
        let results: Vec<anyhow::Result<(f64, usize)>> = futures::stream::iter(paths)
            .map(|p| async move {
                let t = Instant::now();
                let resp = api.get(&p).await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                // 409: no row has four free seats together, a correct answer.
                let ok = status.is_success() || (p.contains("/best") && status.as_u16() == 409);
                if !ok {
                    bail!("{p} answered {status}: {}", String::from_utf8_lossy(&body));
                }
                Ok((t.elapsed().as_secs_f64() * 1000.0, body.len()))
            })
            .buffer_unordered(args.clients)
            .collect()
            .await;
        let wall = started.elapsed().as_secs_f64();
        let mut ms = Vec::with_capacity(results.len());
        let mut bytes = 0;
        for r in results {
            let (m, b) = r?;
            ms.push(m);
            bytes += b;
        }
        anyhow::Ok((ms, wall, bytes))
    };
    run(warmup).await?;
    let (mut ms, wall, bytes) = run(paths).await?;
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let row = json!({
        "endpoint": name,
        "requests": n,
        "clients": args.clients,
        "p50_ms": percentile(&ms, 50.0),
        "p99_ms": percentile(&ms, 99.0),
        "max_ms": ms.last().copied().unwrap_or(0.0),
        "req_per_s": n as f64 / wall,
        "mean_body_bytes": bytes / n.max(1),
    });
    println!(
        "{name:<44} p50 {:>7.2} ms  p99 {:>7.2} ms  {:>7.0} req/s  {:>7} B",
        row["p50_ms"].as_f64().unwrap_or(0.0),
        row["p99_ms"].as_f64().unwrap_or(0.0),
        row["req_per_s"].as_f64().unwrap_or(0.0),
        bytes / n.max(1)
    );
    Ok(row)
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of the endpoints' own SQL with real parameters.
async fn plans(db: &PgPool, s: &Samples) -> anyhow::Result<String> {
    let city = "bengaluru";
    let date = s.dates[1];
    let movie = s.movies[0];
    let show = s.shows[0];
    let word = ts_query(&s.words[0]);
    let explain = |q: &str| format!("explain (analyze, buffers, costs off, timing off) {q}");
    let mut out = String::new();
    let mut section = |title: &str, lines: Vec<String>| {
        out.push_str(&format!("\n-- {title}\n"));
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    };
    section(
        "GET /movies?q=…&city=…&status=now_showing",
        sqlx::query_scalar(&explain(plans::MOVIE_SEARCH))
            .bind(&word)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(city)
            .bind(true)
            .bind(false)
            .bind(20_i64)
            .bind(0_i64)
            .fetch_all(db)
            .await?,
    );
    let (lat, lng) = (12.9716_f64, 77.5946_f64);
    section(
        "GET /theaters?near=12.9716,77.5946&radius_km=5",
        sqlx::query_scalar(&explain(plans::THEATER_SEARCH))
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(true)
            .bind(lat)
            .bind(lng)
            .bind(5.0_f64)
            .bind(5.0 / 111.045)
            .bind(5.0 / (111.045 * lat.to_radians().cos()))
            .bind(50_i64)
            .bind(0_i64)
            .fetch_all(db)
            .await?,
    );
    section(
        "GET /shows?city=…&date=…",
        sqlx::query_scalar(&explain(plans::SHOW_SEARCH))
            .bind(city)
            .bind(date)
            .bind(None::<Uuid>)
            .bind(None::<Uuid>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(50_i64)
            .bind(0_i64)
            .fetch_all(db)
            .await?,
    );
    section(
        "GET /movies/{id}/showtimes?city=…&date=…",
        sqlx::query_scalar(&explain(plans::SHOWTIMES))
            .bind(city)
            .bind(date)
            .bind(movie)
            .bind(None::<Uuid>)
            .bind(None::<String>)
            .bind(None::<String>)
            .fetch_all(db)
            .await?,
    );
    section(
        "GET /shows/{id}/seats",
        sqlx::query_scalar(&explain(plans::SEAT_MAP))
            .bind(show)
            .fetch_all(db)
            .await?,
    );
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let base = std::env::var("MTBP_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let db_url = std::env::var("DATABASE_URL").context("DATABASE_URL names the bench database")?;
    let db = PgPool::connect(&db_url).await?;
    let api = ApiClient::new(base.clone());
    api.get("/health")
        .await
        .with_context(|| format!("no API at {base}"))?;
    let spec = CatalogSpec::benchmark();
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(&db)
        .await?;
    if shows == 0 {
        let operator = mtbp_tests::api_client::operator_from_env(&api).await?;
        println!(
            "seeding {} theaters, {} movies, {} shows through the API (once; kept for later runs)",
            spec.theaters, spec.movies, spec.shows
        );
        let started = Instant::now();
        let report = mtbp_tests::catalog::seed(&operator, &spec).await?;
        println!(
            "seeded {} theaters, {} screens, {} seats per show on average, {} movies, {} shows in {:.0?}",
            report.theaters,
            report.screens,
            report.seats / report.screens.max(1),
            report.movies,
            report.shows,
            started.elapsed()
        );
        sqlx::query("vacuum analyze").execute(&db).await?;
    }
    let counts: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from theaters), (select count(*) from screens),
                (select count(*) from movies), (select count(*) from shows),
                (select count(*) from show_seats)",
    )
    .fetch_one(&db)
    .await?;
    println!(
        "catalog: {} theaters, {} screens, {} movies, {} shows, {} show seats",
        counts.0, counts.1, counts.2, counts.3, counts.4
    );
    let samples = samples(&db).await?;
    println!(
        "\n{} requests per endpoint, {} concurrent clients, random parameters\n",
        args.requests, args.clients
    );
    let mut rows = Vec::new();
    for (i, (name, path)) in ENDPOINTS.iter().enumerate() {
        rows.push(measure(&api, &samples, name, *path, &args, 1000 + i as u64).await?);
    }
    let plan_text = plans(&db, &samples).await?;
    println!("\nquery plans (EXPLAIN ANALYZE, real parameters):{plan_text}");
    std::fs::create_dir_all(&args.out)?;
    let report = json!({
        "catalog": {"theaters": counts.0, "screens": counts.1, "movies": counts.2,
                    "shows": counts.3, "show_seats": counts.4},
        "clients": args.clients,
        "requests_per_endpoint": args.requests,
        "endpoints": rows,
    });
    let json_path = args.out.join("catalog.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    std::fs::write(args.out.join("catalog-plans.txt"), plan_text)?;
    println!("written: {}", json_path.display());
    Ok(())
}
