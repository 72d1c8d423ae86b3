//! Shared state of the handlers.

use crate::auth::limits::SignUpLimiter;
use crate::auth::oidc::OidcVerifier;
use crate::auth::password::Hashing;
use crate::auth::seal::Sealer;
use crate::config::ApiConfig;
use mtbp_infra::gateway::StripeGateway;
use mtbp_infra::objects::ObjectStore;
use mtbp_store::PgPool;
use std::sync::Arc;
use temporalio_client::Client;

/// Cheap to clone: pools and clients inside are shared.
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL: reads go straight here; multi-step writes go through workflows.
    pub db: PgPool,
    /// Temporal client that starts and talks to workflows.
    pub temporal: Client,
    /// Payment gateway, to check payment methods before a saga uses them.
    pub gateway: StripeGateway,
    /// The documents bucket, to link invoice PDFs.
    pub objects: ObjectStore,
    /// Configuration.
    pub config: Arc<ApiConfig>,
    /// Login attempts per email, to slow down password guessing.
    pub login_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// Seals sensitive values at rest.
    pub sealer: Sealer,
    /// Verifier of an external identity provider's tokens, when configured.
    pub oidc: Option<Arc<OidcVerifier>>,
    /// The bound on concurrent password hashing.
    pub hashing: Hashing,
    /// Sign-ups per client address, when limited.
    pub sign_up_limiter: Option<Arc<SignUpLimiter>>,
    /// The theaters' box offices, and each show's terms.
    pub theaters: crate::theaters::Theaters,
}
