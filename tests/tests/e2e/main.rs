//! End-to-end tests against the real local stack (PostgreSQL, Temporal, localstripe).
//! One binary, a module per area.

mod accounts;
mod auth;
mod bad_input;
mod booking_saga;
mod catalog;
mod concurrency;
mod crash;
mod discovery;
mod flash_sale;
mod flood;
mod idempotency;
mod movies;
mod oidc;
mod operator;
mod reviews;
mod role_matrix;
mod shows;
mod venues;
mod visibility;
