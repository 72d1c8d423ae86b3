//! Random but seeded pieces of the catalog: theater and movie names, movie details and
//! screen layouts.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::City;

/// A screen layout body, its seat count, whether it is large (IMAX) and its category codes.
pub(super) type Layout = (Value, usize, bool, Vec<&'static str>);

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
pub(super) const LANGUAGES: &[(&str, u32)] = &[
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

/// A random item of `items`.
pub(super) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A random item of `items`, each as likely as its weight.
pub(super) fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
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

/// The `POST /movies` body of movie `n`, released before `today` or, `upcoming`, after it.
pub(super) fn movie_body(rng: &mut StdRng, n: usize, today: NaiveDate, upcoming: bool) -> Value {
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
pub(super) fn layout(rng: &mut StdRng) -> Layout {
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

/// The `POST /theaters` body of theater `n` and the layouts of its screens. Every city gets
/// one before the weights decide.
pub(super) fn theater(
    rng: &mut StdRng,
    n: usize,
    cities: &[City],
    city_weights: &[(usize, u32)],
) -> (Value, Vec<Layout>) {
    let city = &cities[if n < cities.len() {
        n
    } else {
        *weighted(rng, city_weights)
    }];
    let area = pick(rng, city.areas);
    let single = rng.random_bool(0.12);
    let name = if single {
        format!("{} Talkies {area} {}", pick(rng, SINGLE_SCREENS), n + 1)
    } else {
        format!("{} {area} {}", pick(rng, CHAINS), n + 1)
    };
    let screens = if single { 1 } else { rng.random_range(2..=7) };
    let body = json!({
        "name": name, "city": city.name,
        "address": format!("{} Road, {area}, {}", pick(rng, LAST_NAMES), city.name),
        "pincode": format!("{}{:03}", city.pin, rng.random_range(1..100)),
        "latitude": city.lat + rng.random_range(-0.12..0.12),
        "longitude": city.lng + rng.random_range(-0.12..0.12),
    });
    (body, (0..screens).map(|_| layout(rng)).collect())
}
