//! A realistic catalog, generated through the public API: cities with their theaters scattered
//! around the centre, chains and single screens, screens of three sizes with aisles, seat
//! categories and wheelchair spaces, movies in eight languages (a quarter still to be
//! released), and a week of shows with evening prices, popular movies playing more often.
//!
//! The same seed gives the same catalog. `./mtbp up` loads [`CatalogSpec::demo`]; the catalog
//! benchmark loads [`CatalogSpec::benchmark`] into a database of its own.

mod cities;
mod generate;
mod seed;

pub use cities::{CITIES, City};
pub use seed::seed;

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
