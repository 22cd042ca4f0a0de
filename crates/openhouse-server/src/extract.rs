//! Request extractors that turn every malformed input into a 4xx with the API's error body:
//! JSON bodies, query strings (repeated keys fill lists), path parameters, and the caller.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use openhouse_domain::auth::Principal;
use openhouse_domain::{Error, ErrorKind};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body. A missing Content-Type is taken as JSON (Lofty clients do not always send it);
/// any other non-JSON type is a 415.
///
/// Tolerant as Lofty is: a member of an object whose value is `""` or `null` is taken as not
/// given (clients send empty strings for the fields that do not apply), at any depth; so an
/// optional field given so is absent, and a required one is missing (400). See [`not_given`].
pub struct ApiJson<T>(pub T);

/// Drops the members of every object in `v` whose value is `""` or `null`: the one rule that
/// makes an empty optional field "not given" for every body the API reads.
pub fn not_given(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(members) => {
            members.retain(|_, m| !(m.is_null() || m.as_str() == Some("")));
            members.values_mut().for_each(not_given);
        }
        Value::Array(items) => items.iter_mut().for_each(not_given),
        _ => {}
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ct) = req.headers().get(CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or("").trim();
            if !(essence == "application/json" || essence.ends_with("+json") || essence.is_empty())
            {
                return Err(Error::new(
                    ErrorKind::UnsupportedMediaType,
                    415,
                    "the body must be application/json",
                )
                .into());
            }
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::new(
                    ErrorKind::PayloadTooLarge,
                    413,
                    format!("the body is larger than {BODY_LIMIT} bytes"),
                )
            } else {
                Error::invalid("the body could not be read")
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid("a JSON body is required").into());
        }
        let mut body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg);
            Error::invalid(format!("invalid JSON body: {msg}"))
        })?;
        not_given(&mut body);
        let value = serde_path_to_error::deserialize(body).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let msg = inner.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            if path.is_empty() || path == "." {
                Error::invalid(format!("invalid JSON body: {msg}"))
            } else {
                Error::invalid(format!("invalid JSON body at {path}: {msg}"))
            }
        })?;
        Ok(Self(value))
    }
}

/// A query string; `a=1&a=2` fills a list. A parameter with an empty value (`a=`) is not given,
/// as an empty member of a JSON body is not.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let given: std::borrow::Cow<str> = if q.split('&').any(|p| p.ends_with('=')) {
            q.split('&')
                .filter(|p| !p.ends_with('='))
                .collect::<Vec<_>>()
                .join("&")
                .into()
        } else {
            q.into()
        };
        serde_html_form::from_str(&given)
            .map(Self)
            .map_err(|e| Error::invalid(format!("invalid query parameter: {e}")).into())
    }
}

/// Path parameters; a malformed one is a 400.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e| {
                Error::invalid(format!("invalid path parameter: {}", e.body_text())).into()
            })
    }
}

/// The authenticated caller, put on the request by the auth layer.
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Self)
            .ok_or_else(|| Error::unauthorized("missing credential").into())
    }
}
