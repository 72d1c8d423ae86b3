//! The API's side of theater connectivity: each show's terms (its theater's connection, its
//! partner's policy), cached for a few seconds, and the box office's live answer merged into
//! the seats customers see.

use mtbp_domain::ShowId;
use mtbp_infra::theater::TheaterConnector;
use mtbp_store::PgPool;
use mtbp_store::theaters::{self, ShowTerms};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a show's terms, or a live theater's availability, are reused.
const FRESH: Duration = Duration::from_secs(5);
/// Entries kept at most (a flash sale touches a handful of shows; a crawler many).
const MAX_ENTRIES: usize = 10_000;

type Unavailable = Vec<String>;

/// The connector and the caches; cheap to clone.
#[derive(Clone)]
pub struct Theaters {
    /// The box offices' client.
    pub connector: TheaterConnector,
    terms: Arc<Mutex<HashMap<ShowId, (Instant, ShowTerms)>>>,
    seats: Arc<Mutex<HashMap<ShowId, (Instant, Unavailable)>>>,
}

impl Theaters {
    /// A connector whose circuits open for five seconds at first.
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            connector: TheaterConnector::new(Duration::from_secs(5))?,
            terms: Arc::default(),
            seats: Arc::default(),
        })
    }

    /// The terms of `show` (`None` for an unknown show), at most a few seconds old.
    pub async fn terms(
        &self,
        db: &PgPool,
        show: ShowId,
    ) -> Result<Option<ShowTerms>, mtbp_store::Error> {
        if let Some(t) = fresh(&self.terms, show) {
            return Ok(Some(t));
        }
        let terms = theaters::show_terms(db, show).await?;
        if let Some(t) = &terms {
            keep(&self.terms, show, t.clone());
        }
        Ok(terms)
    }

    /// Forgets what is cached of `show` (its theater's connection or policy changed).
    pub fn forget_all(&self) {
        lock(&self.terms).clear();
        lock(&self.seats).clear();
    }

    /// The seats a live theater says are taken (locked or sold there), at most a few seconds
    /// old; `None` when the theater is not live or does not answer (the platform's own view
    /// stands then, and the hold asks the theater anyway).
    pub async fn live_unavailable(&self, terms: &ShowTerms, show: ShowId) -> Option<Vec<String>> {
        let c = terms.connection.as_ref()?;
        if c.model != theaters::Model::Live {
            return None;
        }
        if let Some(u) = fresh(&self.seats, show) {
            return Some(u);
        }
        let seats = self
            .connector
            .seats(&c.base_url, &show.to_string(), &[])
            .await
            .ok()?;
        let taken: Vec<String> = seats
            .into_iter()
            .filter(|s| s.state != "available")
            .map(|s| s.label.to_uppercase())
            .collect();
        keep(&self.seats, show, taken.clone());
        Some(taken)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn fresh<T: Clone>(m: &Mutex<HashMap<ShowId, (Instant, T)>>, show: ShowId) -> Option<T> {
    lock(m)
        .get(&show)
        .filter(|(at, _)| at.elapsed() < FRESH)
        .map(|(_, t)| t.clone())
}

fn keep<T>(m: &Mutex<HashMap<ShowId, (Instant, T)>>, show: ShowId, value: T) {
    let mut map = lock(m);
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, (at, _)| at.elapsed() < FRESH);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    map.insert(show, (Instant::now(), value));
}
