//! The seat inventory of shows: one row per seat per show.

pub mod inventory;
