//! The one error type of the HTTP edge: a domain [`Error`] rendered as
//! `{"code": …, "message": …}` with the status its kind calls for. 5xx are logged; their
//! details never reach the caller.

use axum::Json;
use axum::http::{StatusCode, header};
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
