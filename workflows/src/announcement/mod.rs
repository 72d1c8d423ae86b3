//! The announcement workflow: a movie's first show in a city, told to the subscribers who
//! asked for it, in batches with a pause between them, continued as new every few batches so
//! a large audience never makes a long history. Id `announce-{movie_id}-{city}`, started once
//! (a closed one is never started again).

mod start;
mod types;
mod workflow;

pub use start::{start_options, workflow_id};
pub use types::{AnnouncementInput, AnnouncementView};
pub use workflow::AnnouncementWorkflow;
