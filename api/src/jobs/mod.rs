//! Background jobs the API process runs beside its server (started by `serve`), kept apart
//! from the HTTP handlers: the saga relay, which starts booking workflows the hold's transaction
//! recorded in `saga_starts` (rows read and written by `mtbp_store::saga_starts`).

pub mod saga_relay;
