//! One error type for every handler, rendered as `{"error": {"code", "message", ...}}`, and
//! extractors whose rejections use the same envelope.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::seats::FieldError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

mod code;
mod constraint;
pub use code::ErrorCode;
pub use constraint::OnConstraint;

/// The error envelope every 4xx and 5xx carries.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// An error: a stable machine code, a message for people, and details where they help.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `seats_unavailable`.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Field-level problems of a request body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
    /// Extra data, e.g. the seats that are taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

/// A problem with one field.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// JSON path of the field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or query is not well-formed (400).
    #[error("{0}")]
    BadRequest(String),
    /// Fields failed validation (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Something named does not exist (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Well-formed but refused given the current state or a business rule (402, 403, 409, 422…).
    #[error("{message}")]
    Refused {
        /// HTTP status.
        status: StatusCode,
        /// Stable code.
        code: ErrorCode,
        /// For people.
        message: String,
        /// Extra data.
        details: Option<Value>,
    },
    /// A dependency (Temporal, the gateway, the database) is down: retry later (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug (500), logged once by [`IntoResponse`].
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 about one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A 409: the request conflicts with the current state.
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            status: StatusCode::CONFLICT,
            code,
            message: message.into(),
            details: None,
        }
    }
}

impl From<mtbp_store::Error> for ApiError {
    fn from(err: mtbp_store::Error) -> Self {
        match err {
            mtbp_store::Error::PoolTimedOut
            | mtbp_store::Error::Io(_)
            | mtbp_store::Error::PoolClosed => {
                Self::Unavailable("the database is not reachable".into())
            }
            // Text PostgreSQL cannot store (a NUL character): the input's fault, and the
            // statement changed nothing.
            mtbp_store::Error::Database(e)
                if matches!(e.code().as_deref(), Some("22021" | "22P05")) =>
            {
                Self::BadRequest(
                    "text fields must not contain NUL or unencodable characters".into(),
                )
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

fn body(code: ErrorCode, message: String) -> ErrorBody {
    ErrorBody {
        code,
        message,
        fields: None,
        details: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, body(ErrorCode::BadRequest, m)),
            Self::Validation(errors) => {
                let mut b = body(
                    ErrorCode::ValidationFailed,
                    "the request has invalid fields".into(),
                );
                b.fields = Some(
                    errors
                        .into_iter()
                        .map(|e| FieldProblem {
                            field: e.field,
                            message: e.message,
                        })
                        .collect(),
                );
                (StatusCode::UNPROCESSABLE_ENTITY, b)
            }
            Self::NotFound(what) => (
                StatusCode::NOT_FOUND,
                body(ErrorCode::NotFound, format!("{what} not found")),
            ),
            Self::Refused {
                status,
                code,
                message,
                details,
            } => {
                let mut b = body(code, message);
                b.details = details;
                (status, b)
            }
            Self::Unavailable(m) => {
                tracing::warn!(error = %m, "dependency unavailable");
                let mut resp = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    axum::Json(ErrorEnvelope {
                        error: body(ErrorCode::Unavailable, m),
                    }),
                )
                    .into_response();
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                return resp;
            }
            Self::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    body(
                        ErrorCode::Internal,
                        "something went wrong on our side".into(),
                    ),
                )
            }
        };
        (status, axum::Json(ErrorEnvelope { error: body })).into_response()
    }
}

/// `Json<T>` whose rejections use the error envelope: 400 for malformed JSON, 422 for JSON of
/// the wrong shape or types, 415 without a JSON content type.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> Response {
    let (status, code) = match &rejection {
        JsonRejection::JsonDataError(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody)
        }
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, ErrorCode::MalformedJson),
        JsonRejection::MissingJsonContentType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
        ),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
        }
        _ => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
    };
    envelope(status, code, rejection.body_text())
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Path<T>` whose rejections are a 400 in the envelope (e.g. an id that is not a UUID).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> Response {
    envelope(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidPath,
        rejection.body_text(),
    )
}

/// A response with the error envelope, for answers built outside [`ApiError`] (extractor
/// rejections, fallbacks, responses that need extra headers).
pub fn envelope(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    let error = body(code, message.into());
    (status, axum::Json(ErrorEnvelope { error })).into_response()
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// What a handler that panicked answers: a 500 in the envelope, like any other bug (for
/// `CatchPanicLayer`). The panic's message is not logged: it may quote request data.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Internal(anyhow::anyhow!("panic")).into_response()
}

#[cfg(test)]
mod panic_tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    #[tokio::test]
    async fn a_panic_answers_the_json_envelope() {
        async fn boom() -> &'static str {
            panic!("deliberately")
        }
        let app = Router::new()
            .route("/boom", get(boom))
            .layer(CatchPanicLayer::custom(panic_response));
        let request = Request::builder()
            .uri("/boom")
            .body(Body::empty())
            .expect("a request");
        let resp = app.oneshot(request).await.expect("an answer");
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE),
            Some(&HeaderValue::from_static("application/json"))
        );
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "internal");
        assert_eq!(body["error"]["message"], "something went wrong on our side");
    }
}
