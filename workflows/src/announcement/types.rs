//! Input and result of the announcement workflow: ids, the city and counters only.

use mtbp_domain::{AccountId, MovieId};
use serde::{Deserialize, Serialize};

/// How one run of an announcement starts (the first, or one continued as new).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementInput {
    /// The movie.
    pub movie_id: MovieId,
    /// The city of its first show, as the theater names it.
    pub city: String,
    /// Subscribers per batch.
    pub batch_size: u32,
    /// Seconds to wait between batches (the rate limit).
    pub pause_seconds: u32,
    /// Batches per run before continuing as new.
    pub batches_per_run: u32,
    /// Where the next page starts (`None` at the beginning).
    pub after: Option<AccountId>,
    /// What earlier runs did.
    pub done: AnnouncementView,
}

impl AnnouncementInput {
    /// The first run, with the default pacing: 100 a batch, a second apart, 20 batches a run.
    pub fn new(movie_id: MovieId, city: String) -> Self {
        Self {
            movie_id,
            city,
            batch_size: 100,
            pause_seconds: 1,
            batches_per_run: 20,
            after: None,
            done: AnnouncementView::default(),
        }
    }
}

/// What the announcement did, over all its runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementView {
    /// Batches sent.
    pub batches: u32,
    /// Runs (1, plus one per continue-as-new).
    pub runs: u32,
    /// Messages sent.
    pub sent: u32,
    /// Messages skipped (no consent or address).
    pub skipped: u32,
    /// Messages with an unknown outcome (never resent).
    pub unsettled: u32,
}
