//! The mtbp REST API: a thin axum layer that reads the catalog and bookings straight from
//! PostgreSQL and drives every multi-step write through Temporal workflows.

pub mod auth;
pub mod config;
pub mod dates;
pub mod error;
mod flat_schemas;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod payment_gateway;
pub mod routes;
pub mod state;
pub mod temporal_calls;
pub mod theaters;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use config::ApiConfig;
use error::ApiError;
use mtbp_infra::gateway::StripeGateway;
use mtbp_infra::{db, temporal};
use state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document's header; paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "mtbp", description = "Movie ticket booking platform REST API."),
    tags(
        (name = "catalog", description = "Theaters, screens, movies, shows and seat maps"),
        (name = "bookings", description = "Hold seats, pay, cancel: each booking is a Temporal saga"),
        (name = "accounts", description = "Customers, sign-in, tokens, saved payment methods"),
        (name = "partners", description = "Theater partners, their staff and billing; brokers"),
        (name = "offers", description = "Offers and codes, their limits, and meal vouchers at the box office"),
        (name = "subscriptions", description = "Subscription plans and customers' subscriptions: each subscription is a Temporal workflow"),
        (name = "settlements", description = "Settlements with theater partners: one per partner and period, run by a Temporal Schedule per partner"),
        (name = "ops", description = "Health, and sales analytics for operators")
    ),
    components(schemas(error::ErrorEnvelope)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme (JWT access tokens from `POST /auth/login`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(routes::all())
        .split_for_parts()
        .1;
    add_common_responses(&mut api);
    flat_schemas::merge_flattened(&mut api);
    api
}

/// Every operation can answer 400 (a path parameter or header that does not parse) and 503 (a
/// dependency down); one with a body also 413, 415 and 422. Documented once here, not per handler.
fn add_common_responses(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, ResponseBuilder, content::ContentBuilder};
    let error = |text: &str| {
        ResponseBuilder::new()
            .description(text)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            )
            .build()
    };
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let responses = &mut op.responses.responses;
            let mut add = |code: &str, text: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| error(text).into());
            };
            add("400", "Malformed request: body, path parameter or header");
            add("503", "A dependency is unavailable; retry later");
            if op.request_body.is_some() {
                add("413", "Body larger than 64 KiB");
                add("415", "Body is not JSON");
                add("422", "Body of the wrong shape or types, or invalid fields");
            }
        }
    }
}

/// The whole API as a router, so tests can call it without a socket.
pub fn router(state: AppState) -> Router {
    let (routes, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::all())
        .split_for_parts();
    add_common_responses(&mut api);
    flat_schemas::merge_flattened(&mut api);
    routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .route("/metrics", axum::routing::get(routes::health::metrics))
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async {
            error::envelope(
                StatusCode::METHOD_NOT_ALLOWED,
                error::ErrorCode::MethodNotAllowed,
                "this route does not accept that method",
            )
        })
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::map_response(retry_after_on_503))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .route_layer(axum::middleware::from_fn(routes::health::track))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request, with dotted fields: `http.method` and `http.path` (ids only in
/// paths; the query, which may carry an email filter, is left out), and `trace.id` once the
/// route is matched (`routes::health::track`), so that a log line leads to its trace.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", http.method = %req.method(), http.path = req.uri().path(),
        trace.id = tracing::field::Empty)
}

/// Every 503 tells the client when to retry (2 s unless the handler said otherwise).
async fn retry_after_on_503(mut resp: axum::response::Response) -> axum::response::Response {
    if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .entry(axum::http::header::RETRY_AFTER)
            .or_insert(axum::http::HeaderValue::from_static("2"));
    }
    resp
}

/// Connects to the database, Temporal and the gateway.
pub async fn build_state(config: ApiConfig) -> anyhow::Result<AppState> {
    // The recorder first: what happens before the first scrape is counted too.
    mtbp_infra::ops::metrics();
    let s = &config.settings;
    let db = db::connect(&s.database_url, s.db_pool)
        .await
        .context("connecting to PostgreSQL")?;
    let temporal = temporal::connect_traced(
        &s.temporal_address,
        &s.temporal_namespace,
        "mtbp-api",
        s.traces,
    )
    .await
    .context("connecting to Temporal")?;
    let gateway = StripeGateway::new(&s.stripe_api_base, &s.stripe_secret_key)?;
    if let Some(seed) = &config.operator {
        auth::operators::ensure(&db, seed)
            .await
            .context("creating the operator account")?;
    }
    let per_minute = std::num::NonZeroU32::new(config.auth.login_attempts_per_minute)
        .unwrap_or(std::num::NonZeroU32::MIN);
    let login_limiter = Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
        per_minute,
    )));
    auth::limits::sweep(&login_limiter);
    let sign_up_limiter = auth::limits::sign_up_limiter(&config.flood);
    if let Some(limiter) = &sign_up_limiter {
        auth::limits::sweep(limiter);
    }
    let hashing = auth::password::Hashing::new(config.flood.max_concurrent_hashes);
    let sealer = match &config.data_key {
        Some(key) => auth::seal::Sealer::from_hex(key).context("MTBP_DATA_KEY")?,
        None => {
            tracing::warn!("MTBP_DATA_KEY is not set: sealed values die with this process");
            auth::seal::Sealer::random()?
        }
    };
    let oidc = match &config.auth.oidc {
        Some(c) => Some(Arc::new(auth::oidc::OidcVerifier::new(c.clone())?)),
        None => None,
    };
    let objects = mtbp_infra::objects::ObjectStore::new(&s.aws);
    Ok(AppState {
        db,
        temporal,
        gateway,
        objects,
        config: Arc::new(config),
        login_limiter,
        sealer,
        oidc,
        hashing,
        sign_up_limiter,
        theaters: theaters::Theaters::new()?,
    })
}

/// Serves the API on `listener` until `shutdown` resolves, with the relay that starts booking
/// sagas left unstarted.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // One task for both, so that stopping the server (or aborting its task) stops the relay.
    let relay = jobs::saga_relay::run_relay(state.clone());
    // With the peer's address, for the hold limits and the sign-up limits (`ClientAddr`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    tokio::select! {
        served = server => Ok(served?),
        () = relay => Ok(()),
    }
}
