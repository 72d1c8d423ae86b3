//! End-to-end tests against the real local stack (PostgreSQL, Temporal, localstripe).
//! One binary, a module per area.

mod accounts;
mod addons;
mod auth;
mod bad_input;
mod booking_saga;
mod brokers_and_cards;
mod catalog;
mod compensation;
mod concurrency;
mod crash;
mod dates;
mod discovery;
mod erasure;
mod flash_sale;
mod flood;
mod guest_bookings;
mod hold_limits;
mod idempotency;
mod money_safety;
mod movies;
mod offer_input;
mod offer_limits;
mod offer_vouchers;
mod offers;
mod offers_in_saga;
mod oidc;
mod operator;
mod reviews;
mod role_matrix;
mod saga_relay;
mod screens;
mod shows;
mod subscriptions;
mod venues;
mod visibility;
