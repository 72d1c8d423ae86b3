//! A realistic catalog, generated through the public API: cities with their theaters scattered
//! around the centre, chains and single screens, screens of three sizes with aisles, seat
//! categories and wheelchair spaces, movies in eight languages (a quarter still to be
//! released), and a week of shows with evening prices, popular movies playing more often.
//!
//! The same seed gives the same catalog. `./mtbp up` loads [`CatalogSpec::demo`]; the catalog
//! benchmark loads [`CatalogSpec::benchmark`] into a database of its own.

use crate::ApiClient;
use crate::api_client::id;
use anyhow::Context;
use chrono::{Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

/// How big a catalog to make.
#[derive(Clone, Debug)]
pub struct CatalogSpec {
    /// Number of cities used (at most the twelve listed in [`CITIES`]).
    pub cities: usize,
    /// Theaters over all cities.
    pub theaters: usize,
    /// Movies, a quarter of them still to be released.
    pub movies: usize,
    /// Shows over all screens and days.
    pub shows: usize,
    /// Days of shows, from tomorrow.
    pub days: u32,
    /// Random seed.
    pub seed: u64,
    /// API calls in flight at once.
    pub concurrency: usize,
}

impl CatalogSpec {
    /// The demo catalog: eight cities, 48 theaters, about 200 screens, 40 movies and a week of
    /// shows (about 5,000).
    pub fn demo() -> Self {
        Self {
            cities: 8,
            theaters: 48,
            movies: 40,
            shows: 5_000,
            days: 7,
            seed: 7,
            concurrency: 4,
        }
    }

    /// The benchmark catalog: twelve cities, 1,000 theaters, 300 movies, 100,000 shows.
    pub fn benchmark() -> Self {
        Self {
            cities: 12,
            theaters: 1_000,
            movies: 300,
            shows: 100_000,
            days: 7,
            seed: 11,
            concurrency: 6,
        }
    }
}

/// A city: name, centre, PIN code prefix, share of theaters.
pub struct City {
    /// Name.
    pub name: &'static str,
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub lng: f64,
    /// First three digits of its PIN codes.
    pub pin: &'static str,
    /// Relative number of theaters.
    pub weight: u32,
    /// Neighbourhoods, for theater names.
    pub areas: &'static [&'static str],
}

/// The cities, biggest first.
pub const CITIES: &[City] = &[
    City {
        name: "Mumbai",
        lat: 19.076,
        lng: 72.8777,
        pin: "400",
        weight: 14,
        areas: &[
            "Andheri",
            "Bandra",
            "Lower Parel",
            "Powai",
            "Malad",
            "Ghatkopar",
            "Worli",
        ],
    },
    City {
        name: "Delhi",
        lat: 28.6139,
        lng: 77.209,
        pin: "110",
        weight: 13,
        areas: &[
            "Saket",
            "Vasant Kunj",
            "Rajouri Garden",
            "Connaught Place",
            "Dwarka",
            "Janakpuri",
        ],
    },
    City {
        name: "Bengaluru",
        lat: 12.9716,
        lng: 77.5946,
        pin: "560",
        weight: 12,
        areas: &[
            "Koramangala",
            "Whitefield",
            "Indiranagar",
            "Jayanagar",
            "Malleshwaram",
            "Hebbal",
        ],
    },
    City {
        name: "Hyderabad",
        lat: 17.385,
        lng: 78.4867,
        pin: "500",
        weight: 11,
        areas: &[
            "Banjara Hills",
            "Gachibowli",
            "Kukatpally",
            "Ameerpet",
            "Secunderabad",
            "Madhapur",
        ],
    },
    City {
        name: "Chennai",
        lat: 13.0827,
        lng: 80.2707,
        pin: "600",
        weight: 10,
        areas: &[
            "T. Nagar",
            "Velachery",
            "Anna Nagar",
            "Vadapalani",
            "Adyar",
            "Porur",
        ],
    },
    City {
        name: "Kolkata",
        lat: 22.5726,
        lng: 88.3639,
        pin: "700",
        weight: 8,
        areas: &["Salt Lake", "Park Street", "Howrah", "Behala", "New Town"],
    },
    City {
        name: "Pune",
        lat: 18.5204,
        lng: 73.8567,
        pin: "411",
        weight: 8,
        areas: &["Kothrud", "Viman Nagar", "Hinjewadi", "Camp", "Aundh"],
    },
    City {
        name: "Kochi",
        lat: 9.9312,
        lng: 76.2673,
        pin: "682",
        weight: 5,
        areas: &["Edappally", "Vyttila", "Kakkanad", "Fort Kochi"],
    },
    City {
        name: "Ahmedabad",
        lat: 23.0225,
        lng: 72.5714,
        pin: "380",
        weight: 6,
        areas: &["Satellite", "Navrangpura", "Bopal", "Maninagar"],
    },
    City {
        name: "Jaipur",
        lat: 26.9124,
        lng: 75.7873,
        pin: "302",
        weight: 5,
        areas: &["Malviya Nagar", "Vaishali Nagar", "C-Scheme", "Mansarovar"],
    },
    City {
        name: "Lucknow",
        lat: 26.8467,
        lng: 80.9462,
        pin: "226",
        weight: 4,
        areas: &["Gomti Nagar", "Hazratganj", "Alambagh"],
    },
    City {
        name: "Chandigarh",
        lat: 30.7333,
        lng: 76.7794,
        pin: "160",
        weight: 3,
        areas: &["Sector 17", "Elante", "Zirakpur"],
    },
];

const CHAINS: &[&str] = &[
    "PVR",
    "INOX",
    "Cinepolis",
    "Miraj",
    "Carnival",
    "Mukta A2",
    "Movietime",
    "Rajhans",
];
const SINGLE_SCREENS: &[&str] = &[
    "Liberty",
    "Regal",
    "Maratha Mandir",
    "Shanti",
    "Sudarshan",
    "Apsara",
    "Sangam",
    "Devi",
];
const LANGUAGES: &[(&str, u32)] = &[
    ("Hindi", 30),
    ("English", 18),
    ("Telugu", 14),
    ("Tamil", 14),
    ("Malayalam", 8),
    ("Kannada", 6),
    ("Bengali", 5),
    ("Marathi", 5),
];
const GENRES: &[&str] = &[
    "Action",
    "Drama",
    "Comedy",
    "Thriller",
    "Romance",
    "Family",
    "Sci-Fi",
    "Horror",
    "Animation",
    "Biography",
    "Crime",
    "Fantasy",
];
const TITLE_FIRST: &[&str] = &[
    "Midnight",
    "Crimson",
    "Silent",
    "Golden",
    "Broken",
    "Monsoon",
    "Electric",
    "Hidden",
    "Last",
    "Wild",
    "Paper",
    "Iron",
    "Velvet",
    "Burning",
    "Distant",
    "Forgotten",
    "Neon",
    "Scarlet",
    "Hollow",
    "Eternal",
];
const TITLE_SECOND: &[&str] = &[
    "Horizon", "Express", "River", "Kingdom", "Promise", "Harbour", "Signal", "Empire", "Letters",
    "Frontier", "Garden", "Circus", "Echo", "Highway", "Festival", "Orbit", "Lantern", "Monarch",
    "Tide", "Verdict",
];
const FIRST_NAMES: &[&str] = &[
    "Aarav",
    "Vikram",
    "Ananya",
    "Priya",
    "Rohan",
    "Kavya",
    "Arjun",
    "Meera",
    "Ishaan",
    "Diya",
    "Kabir",
    "Nila",
    "Farhan",
    "Tara",
    "Siddharth",
    "Zoya",
    "Rahul",
    "Lakshmi",
    "Dev",
    "Asha",
];
const LAST_NAMES: &[&str] = &[
    "Kapoor", "Menon", "Reddy", "Iyer", "Banerjee", "Khan", "Shetty", "Nair", "Patil", "Rao",
    "Chopra", "Das", "Pillai", "Joshi", "Bhatt", "Sen", "Varma", "Gill", "Kulkarni", "Ahmed",
];

/// What was made.
#[derive(Debug, Default)]
pub struct SeedReport {
    /// Theaters created.
    pub theaters: usize,
    /// Screens created.
    pub screens: usize,
    /// Seats over all screens.
    pub seats: usize,
    /// Movies created.
    pub movies: usize,
    /// Shows scheduled.
    pub shows: usize,
}

struct MoviePlan {
    movie_id: Uuid,
    language: &'static str,
}

struct ScreenPlan {
    screen_id: Uuid,
    large: bool,
    categories: Vec<&'static str>,
}

struct TheaterPlan {
    screens: Vec<ScreenPlan>,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[0].0
}

fn movie_body(rng: &mut StdRng, n: usize, today: NaiveDate, upcoming: bool) -> Value {
    let first = TITLE_FIRST[n % TITLE_FIRST.len()];
    let second = TITLE_SECOND[(n / TITLE_FIRST.len() + n * 7) % TITLE_SECOND.len()];
    let round = n / (TITLE_FIRST.len() * TITLE_SECOND.len());
    let title = match round {
        0 => format!("{first} {second}"),
        r => format!("{first} {second} {}", r + 1),
    };
    let language = *weighted(rng, LANGUAGES);
    let mut genres = vec![*pick(rng, GENRES)];
    let second_genre = *pick(rng, GENRES);
    if second_genre != genres[0] {
        genres.push(second_genre);
    }
    let person = |rng: &mut StdRng| format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
    let cast: Vec<String> = (0..rng.random_range(3..7)).map(|_| person(rng)).collect();
    let release = if upcoming {
        today + Duration::days(rng.random_range(8..90))
    } else {
        today - Duration::days(rng.random_range(0..60))
    };
    let mut languages = vec![language];
    if language != "English" && rng.random_bool(0.3) {
        languages.push("Hindi");
    }
    languages.dedup();
    json!({
        "title": title,
        "synopsis": format!("{} and {} cross paths in a story of {} and {}.", cast[0], cast[1],
                            genres[0].to_lowercase(), second.to_lowercase()),
        "duration_minutes": rng.random_range(95..=180),
        "certification": pick(rng, &["U", "UA", "UA", "A"]),
        "languages": languages,
        "genres": genres,
        "country": if language == "English" { "US" } else { "IN" },
        "release_date": release,
        "cast": cast,
        "crew": [{"name": person(rng), "job": "Director"}, {"name": person(rng), "job": "Music"}],
        "poster_url": format!("https://img.example.com/posters/{n}.jpg"),
    })
}

/// A screen layout: small (about 90 seats), medium (about 180) or large (about 300), with
/// aisles, a recliner row at the back of bigger screens and wheelchair spaces in row A.
fn layout(rng: &mut StdRng) -> (Value, usize, bool, Vec<&'static str>) {
    let size = rng.random_range(0..10);
    let (rows, per_row, gaps): (usize, u16, Vec<u16>) = match size {
        0..=2 => (7, 13, vec![3, 10]),
        3..=7 => (11, 17, vec![4, 13]),
        _ => (14, 22, vec![5, 17]),
    };
    let mut price = |base: i64| base + 1_000 * rng.random_range(0..6);
    let mut categories = vec![
        json!({"code": "REGULAR", "name": "Regular", "price_minor": price(15_000)}),
        json!({"code": "PREMIUM", "name": "Premium", "price_minor": price(25_000)}),
    ];
    let mut codes = vec!["REGULAR", "PREMIUM"];
    let recliner = rows > 7;
    if recliner {
        categories
            .push(json!({"code": "RECLINER", "name": "Recliner", "price_minor": price(50_000)}));
        codes.push("RECLINER");
    }
    let mut seats = 0;
    let row_specs: Vec<Value> = (0..rows)
        .map(|r| {
            let last = r + 1 == rows;
            let (category, count, row_gaps) = if recliner && last {
                ("RECLINER", per_row / 2, vec![per_row / 4])
            } else if r < rows * 6 / 10 {
                ("REGULAR", per_row, gaps.clone())
            } else {
                ("PREMIUM", per_row, gaps.clone())
            };
            seats += usize::from(count);
            let accessible: Vec<u16> = if r == 0 { vec![1, 2] } else { vec![] };
            json!({"label": crate::api_client::row_label(r), "category": category,
                   "seats": count, "gaps_after": row_gaps, "accessible": accessible})
        })
        .collect();
    (
        json!({"categories": categories, "rows": row_specs}),
        seats,
        rows >= 14,
        codes,
    )
}

/// Creates the catalog of `spec` through the API as `operator`.
pub async fn seed(operator: &ApiClient, spec: &CatalogSpec) -> anyhow::Result<SeedReport> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut report = SeedReport::default();
    let today = Utc::now().date_naive();
    let cities = &CITIES[..spec.cities.clamp(1, CITIES.len())];

    // Movies: a quarter coming soon; the rest ranked by popularity.
    let bodies: Vec<(Value, bool)> = (0..spec.movies)
        .map(|n| {
            let upcoming = n % 4 == 3;
            (movie_body(&mut rng, n, today, upcoming), upcoming)
        })
        .collect();
    let created: Vec<(Value, bool)> = stream::iter(bodies)
        .map(|(body, upcoming)| async move {
            let m = operator.create("/movies", &body).await?;
            anyhow::Ok((m, upcoming))
        })
        .buffered(spec.concurrency)
        .try_collect()
        .await?;
    report.movies = created.len();
    let mut playing = Vec::new();
    for (m, upcoming) in &created {
        if !upcoming {
            playing.push(MoviePlan {
                movie_id: id(m, "movie_id")?,
                language: m["languages"][0]
                    .as_str()
                    .and_then(|l| LANGUAGES.iter().find(|(name, _)| *name == l))
                    .map_or("Hindi", |(name, _)| *name),
            });
        }
    }
    anyhow::ensure!(
        !playing.is_empty(),
        "no movie is playing; ask for more movies"
    );
    // Popular movies play more: weight 1/(rank+1)^0.8.
    let popularity: Vec<(usize, u32)> = (0..playing.len())
        .map(|i| {
            let w = 1000.0 / ((i + 1) as f64).powf(0.8);
            (i, w.round().max(1.0) as u32)
        })
        .collect();

    // Theaters with their screens.
    let city_weights: Vec<(usize, u32)> = cities
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.weight))
        .collect();
    let mut theater_bodies = Vec::new();
    for n in 0..spec.theaters {
        // Every city gets one before the weights decide.
        let city = &cities[if n < cities.len() {
            n
        } else {
            *weighted(&mut rng, &city_weights)
        }];
        let area = pick(&mut rng, city.areas);
        let single = rng.random_bool(0.12);
        let name = if single {
            format!(
                "{} Talkies {area} {}",
                pick(&mut rng, SINGLE_SCREENS),
                n + 1
            )
        } else {
            format!("{} {area} {}", pick(&mut rng, CHAINS), n + 1)
        };
        let screens = if single { 1 } else { rng.random_range(2..=7) };
        let body = json!({
            "name": name, "city": city.name,
            "address": format!("{} Road, {area}, {}", pick(&mut rng, LAST_NAMES), city.name),
            "pincode": format!("{}{:03}", city.pin, rng.random_range(1..100)),
            "latitude": city.lat + rng.random_range(-0.12..0.12),
            "longitude": city.lng + rng.random_range(-0.12..0.12),
        });
        let layouts: Vec<(Value, usize, bool, Vec<&'static str>)> =
            (0..screens).map(|_| layout(&mut rng)).collect();
        theater_bodies.push((body, layouts));
    }
    let theaters: Vec<(TheaterPlan, usize)> = stream::iter(theater_bodies)
        .map(|(body, layouts)| async move {
            let t = operator.create("/theaters", &body).await?;
            let tid = id(&t, "theater_id")?;
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
                let s = operator
                    .create(
                        &format!("/theaters/{tid}/screens"),
                        &json!({"name": name, "layout": layout}),
                    )
                    .await?;
                seats += count;
                plan.screens.push(ScreenPlan {
                    screen_id: id(&s, "screen_id")?,
                    large,
                    categories,
                });
            }
            anyhow::Ok((plan, seats))
        })
        .buffered(spec.concurrency)
        .try_collect()
        .await?;
    report.theaters = theaters.len();
    report.screens = theaters.iter().map(|(t, _)| t.screens.len()).sum();
    report.seats = theaters.iter().map(|(_, s)| s).sum();

    // Shows: spread evenly over screen-days, five slots a day at most, 09:00 local onwards.
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
    const SLOT_MINUTES: i64 = 210;
    // The generated theaters are in India (the default zone): UTC+05:30, no daylight saving.
    let india = FixedOffset::east_opt(330 * 60).context("offset")?;
    let mut batches: Vec<Value> = Vec::new();
    let mut k = 0;
    for (theater, _) in &theaters {
        for day in 1..=i64::from(spec.days) {
            let mut batch = Vec::new();
            for screen in &theater.screens {
                let slots = per_day + usize::from(k < extra);
                k += 1;
                for slot in 0..slots {
                    let movie = &playing[*weighted(&mut rng, &popularity)];
                    let local = (today + Duration::days(day))
                        .and_time(NaiveTime::from_hms_opt(9, 0, 0).context("time")?)
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
                    batch.push(
                        json!({"movie_id": movie.movie_id, "screen_id": screen.screen_id,
                                      "starts_at": starts_at, "language": movie.language,
                                      "format": format, "prices": prices}),
                    );
                }
            }
            for chunk in batch.chunks(100) {
                batches.push(json!({ "shows": chunk }));
            }
        }
    }
    let counts: Vec<usize> = stream::iter(batches)
        .map(|body| async move {
            let created = operator.post("/shows/bulk", &body).await?;
            let status = created.status();
            let value: Value = created.json().await?;
            anyhow::ensure!(
                status.as_u16() == 201,
                "POST /shows/bulk answered {status}: {value}"
            );
            anyhow::Ok(value.as_array().map_or(0, Vec::len))
        })
        .buffer_unordered(spec.concurrency)
        .try_collect()
        .await?;
    report.shows = counts.iter().sum();
    Ok(report)
}
