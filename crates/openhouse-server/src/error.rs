//! The one error type of the HTTP edge: a domain [`Error`] rendered as
//! `{"code": …, "message": …}` with the status its kind calls for. 5xx are logged; their
//! details never reach the caller.

use axum::Json;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openhouse_api::{ErrorBody, TooManyRequestsBody};
use openhouse_domain::{Error, ErrorKind};

#[derive(Debug)]
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

/// What a 503 tells the client to wait before it retries (seconds); 1 for a busy database.
pub const RETRY_AFTER_SECONDS: &str = "5";

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// An error response outside the domain's kinds (405, 408, ...): `{"code", "message"}` with the
/// given status.
pub fn error_response(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            code,
            message: message.into(),
        }),
    )
        .into_response()
}

/// The last word on error bodies: an error response the router or a layer made without the API's
/// JSON body (axum's 405 for a method a path does not take, its plain-text rejections) gets one.
/// The status and headers (`Allow` on a 405) stay; the code is the HTTP status, or
/// INVALID_PARAMETER for a 400.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().get(CONTENT_TYPE).is_some_and(|ct| {
            // the API's own errors, and the sign-in pages' (which people read)
            ct.to_str()
                .is_ok_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"))
        })
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        format!("this path does not take {method}")
    } else if !text.is_empty() && !status.is_server_error() {
        text
    } else {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    };
    let code = if status == StatusCode::BAD_REQUEST {
        openhouse_domain::error::codes::INVALID_PARAMETER
    } else {
        i64::from(status.as_u16())
    };
    let body = serde_json::to_vec(&ErrorBody { code, message }).unwrap_or_default();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, axum::body::Body::from(body))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(self.0.kind);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return (
                status,
                Json(TooManyRequestsBody {
                    message: "Too Many Requests".into(),
                }),
            )
                .into_response();
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // the store logs each storage condition once when it begins and once when it
            // clears, not once a request; the message names the condition and holds no detail
            let retry = if self.0.code == openhouse_domain::error::codes::STORAGE_BUSY {
                "1"
            } else {
                RETRY_AFTER_SECONDS
            };
            let body = ErrorBody {
                code: self.0.code,
                message: self.0.message,
            };
            return (status, [(header::RETRY_AFTER, retry)], Json(body)).into_response();
        }
        if status.is_server_error() {
            tracing::error!(code = self.0.code, message = %self.0.message, "request failed");
            let body = ErrorBody {
                code: self.0.code,
                message: "internal error".into(),
            };
            return (status, Json(body)).into_response();
        }
        (
            status,
            Json(ErrorBody {
                code: self.0.code,
                message: self.0.message,
            }),
        )
            .into_response()
    }
}
