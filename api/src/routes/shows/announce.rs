//! A movie's first show in a city starts its announcement to the subscribers who asked for it.
//!
//! Which shows are first is read inside the scheduling transaction (so two concurrent first
//! shows may both say so); the workflow is started after the commit, with an id per movie and
//! city that is never started twice, so subscribers hear once whatever races. A start that
//! fails is logged, never the request's failure: the show is scheduled.

use crate::state::AppState;
use mtbp_domain::{MovieId, ShowId};
use mtbp_store::PgConnection;
use mtbp_store::notifications::audience;
use mtbp_workflows::announcement::start_options;
use mtbp_workflows::{AnnouncementInput, AnnouncementWorkflow};

/// The movies and cities among `shows` that had no scheduled show there before.
pub(super) async fn firsts(
    tx: &mut PgConnection,
    shows: Vec<ShowId>,
) -> Result<Vec<(MovieId, String)>, mtbp_store::Error> {
    let mut found: Vec<(MovieId, String)> = Vec::new();
    for show in shows {
        if let Some(first) = audience::first_in_city(&mut *tx, show).await?
            && !found.contains(&first)
        {
            found.push(first);
        }
    }
    Ok(found)
}

/// Starts the announcement of each first show (after the commit).
pub(super) async fn start(state: &AppState, firsts: Vec<(MovieId, String)>) {
    for (movie_id, city) in firsts {
        let input = AnnouncementInput::new(movie_id, city);
        let options = start_options(&input, &state.config.settings.task_queue);
        let started = state
            .temporal
            .start_workflow(AnnouncementWorkflow::run, input, options)
            .await;
        if let Err(e) = started {
            tracing::warn!(movie.id = %movie_id, error = %e, "announcement not started");
        }
    }
}
