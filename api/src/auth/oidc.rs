//! Tokens from an external OpenID Connect provider (Cognito, Auth0, Keycloak…), verified against
//! the provider's JWKS: signature with the key named by `kid`, issuer, audience (`aud`, or the
//! `client_id` that Cognito access tokens carry instead) and expiry.
//!
//! A verified identity maps to a local account by `issuer|subject`. The first time one is seen it
//! is linked to the customer account with the same email if the provider vouches for that email
//! (`email_verified`), or a new customer account is created. A linked account whose email was
//! never verified here loses its password and sessions (see the store's
//! `identities::link_existing`): the provider's user owns the email, the account's creator may
//! not. Roles stay local: the provider proves who someone is, this platform decides what they
//! may do.

use super::AuthUser;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use mtbp_store::PgPool;
use mtbp_store::accounts::identities;
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Where the provider is and what its tokens must say.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// Expected `iss`, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: String,
    /// Expected `aud` or `client_id`.
    pub audience: String,
    /// The provider's JWKS document.
    pub jwks_url: String,
}

/// Signing keys are fetched again at most this often when a token names an unknown key
/// (the provider rotated its keys), so bad tokens cannot make us hammer the provider.
const REFETCH_AFTER: Duration = Duration::from_secs(10);
/// Keys are refreshed at least this often.
const MAX_KEY_AGE: Duration = Duration::from_secs(3600);

struct Keys {
    set: JwkSet,
    fetched_at: Instant,
}

/// Verifies provider tokens; keeps the provider's keys in memory.
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    keys: RwLock<Option<Keys>>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct ProviderClaims {
    sub: String,
    #[serde(default)]
    aud: Option<Value>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    /// `true`, or `"true"` as some providers send it.
    #[serde(default)]
    email_verified: Option<Value>,
    #[serde(default)]
    name: Option<String>,
}

impl ProviderClaims {
    fn for_audience(&self, audience: &str) -> bool {
        let aud_matches = match &self.aud {
            Some(Value::String(a)) => a == audience,
            Some(Value::Array(list)) => list.iter().any(|a| a == audience),
            _ => false,
        };
        aud_matches || self.client_id.as_deref() == Some(audience)
    }

    fn verified_email(&self) -> Option<String> {
        let verified = matches!(&self.email_verified, Some(Value::Bool(true)))
            || matches!(&self.email_verified, Some(Value::String(s)) if s == "true");
        self.email
            .as_deref()
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| verified && e.contains('@'))
    }
}

impl OidcVerifier {
    /// A verifier for `config`; keys are fetched on first use.
    pub fn new(config: OidcConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            config,
            http,
            keys: RwLock::new(None),
        })
    }

    async fn key(&self, kid: &str) -> Result<Option<DecodingKey>, Response> {
        {
            let keys = self.keys.read().await;
            if let Some(k) = keys.as_ref() {
                let fresh = k.fetched_at.elapsed() < MAX_KEY_AGE;
                if let Some(jwk) = k.set.find(kid).filter(|_| fresh) {
                    return Ok(DecodingKey::from_jwk(jwk).ok());
                }
                if fresh && k.fetched_at.elapsed() < REFETCH_AFTER {
                    return Ok(None);
                }
            }
        }
        let mut keys = self.keys.write().await;
        // Another request may have fetched them meanwhile.
        if let Some(k) = keys.as_ref()
            && k.fetched_at.elapsed() < REFETCH_AFTER
        {
            return Ok(k.set.find(kid).and_then(|j| DecodingKey::from_jwk(j).ok()));
        }
        let set = self.fetch().await.map_err(|e| {
            tracing::warn!(error = %e, url = %self.config.jwks_url, "fetching the OIDC keys failed");
            crate::error::ApiError::Unavailable("the identity provider's keys are unavailable".into())
                .into_response()
        })?;
        let found = set.find(kid).and_then(|j| DecodingKey::from_jwk(j).ok());
        *keys = Some(Keys {
            set,
            fetched_at: Instant::now(),
        });
        Ok(found)
    }

    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let resp = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await?
            .error_for_status()?;
        Ok(resp.json().await?)
    }

    async fn verify(&self, token: &str) -> Result<Option<ProviderClaims>, Response> {
        let Ok(header) = decode_header(token) else {
            return Ok(None);
        };
        // Only asymmetric algorithms: a provider never shares an HMAC secret with us, and
        // accepting HS* here would let a public key be used as one.
        let asymmetric = matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::EdDSA
        );
        let Some(kid) = header.kid.filter(|_| asymmetric) else {
            return Ok(None);
        };
        let Some(key) = self.key(&kid).await? else {
            return Ok(None);
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.validate_aud = false;
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = decode::<ProviderClaims>(token, &key, &validation)
            .ok()
            .map(|d| d.claims)
            .filter(|c| c.for_audience(&self.config.audience));
        Ok(claims)
    }

    /// The local account behind a provider token, provisioning it on first sight. `Ok(None)`
    /// when the token is not a valid token of the provider.
    pub async fn authenticate(
        &self,
        db: &PgPool,
        token: &str,
    ) -> Result<Option<AuthUser>, Response> {
        let Some(claims) = self.verify(token).await? else {
            return Ok(None);
        };
        let subject = format!("{}|{}", self.config.issuer, claims.sub);
        link_or_create(db, &subject, &claims)
            .await
            .map_err(|e| crate::error::ApiError::from(e).into_response())
    }
}

async fn link_or_create(
    db: &PgPool,
    subject: &str,
    claims: &ProviderClaims,
) -> Result<Option<AuthUser>, mtbp_store::Error> {
    if let Some(account) = identities::linked(db, subject).await? {
        return Ok(Some(account.into()));
    }
    // Without an email the provider vouches for, there is nothing to link or create safely.
    let Some(email) = claims.verified_email() else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    let existing = identities::link_existing(&mut tx, &email, subject).await?;
    tx.commit().await?;
    if let Some(linked) = existing {
        let account_id = linked.account.account_id;
        if linked.taken_over {
            tracing::warn!(account.id = %account_id,
                "unverified account taken over by the provider-verified owner of its email; \
                 password removed and sessions ended");
        }
        tracing::info!(account.id = %account_id, "external identity linked to an existing customer");
        return Ok(Some(linked.account.into()));
    }
    let name = claims
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    let name: String = name.chars().take(100).collect();
    match identities::create_customer(db, &email, &name, subject).await? {
        Some(account) => Ok(Some(account.into())),
        // A concurrent first request created it, or the email belongs to a non-customer.
        None => Ok(identities::linked(db, subject).await?.map(AuthUser::from)),
    }
}
