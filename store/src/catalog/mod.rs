//! The catalog: theaters, their screens and seat layouts, movies, shows, reviews, and the
//! discovery reads customers search by. Seat inventory of a show lives in
//! [`crate::seats::inventory`].

pub mod discovery;
pub mod movies;
pub mod reviews;
pub mod screens;
pub mod shows;
pub mod theaters;
