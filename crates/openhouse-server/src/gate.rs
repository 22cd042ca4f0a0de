//! The gate every API request (`/v1.0`, `/v2.0`) passes: who is calling (`Authorization: Bearer <accessToken>`
//! or `Authorization: token <apiKey>`), which rate tier (a valid `vendorKey` header or query
//! parameter selects the higher one), and whether the limit allows the request. Every response
//! that passes through carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openhouse_domain::auth::{CredentialKind, Principal};
use openhouse_domain::{Error, ErrorKind};
use openhouse_store::auth::hash_secret;

use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::Decision;

/// The credential a request presents, if any.
fn credential(headers: &HeaderMap) -> Option<(CredentialKind, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, secret) = value.split_once(' ')?;
    let secret = secret.trim();
    if secret.is_empty() {
        return None;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Some((CredentialKind::AccessToken, secret.to_string()))
    } else if scheme.eq_ignore_ascii_case("token") {
        Some((CredentialKind::ApiKey, secret.to_string()))
    } else {
        None
    }
}

/// The vendor key of a request: the `vendorKey` header, else the `vendorKey` query parameter.
fn vendor_key(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("vendorKey").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    let q = req.uri().query()?;
    serde_html_form::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "vendorKey")
        .map(|(_, v)| v)
}

async fn principal(
    state: &AppState,
    kind: CredentialKind,
    secret: &str,
) -> Result<Option<Principal>, Error> {
    let key = format!("{}:{}", kind.as_str(), hash_secret(secret));
    if let Some(hit) = state.credentials.get(&key) {
        return Ok(hit);
    }
    let found = state.store.authenticate(kind, secret).await?;
    state.credentials.insert(key, found.clone());
    Ok(found)
}

async fn vendored(state: &AppState, key: Option<String>) -> Result<bool, Error> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(false);
    };
    let h = hash_secret(&key);
    if let Some(hit) = state.vendor_keys.get(&h) {
        return Ok(hit);
    }
    let valid = state.store.vendor_key_valid(&key).await?;
    state.vendor_keys.insert(h, valid);
    Ok(valid)
}

fn put_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert("X-RateLimit-Limit", HeaderValue::from(d.limit));
    headers.insert("X-RateLimit-Remaining", HeaderValue::from(d.remaining));
    headers.insert("X-RateLimit-Reset", HeaderValue::from(d.reset));
}

pub async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let presented = credential(req.headers());
    let vendor = vendor_key(&req);
    let who = match &presented {
        Some((kind, secret)) => match principal(&state, *kind, secret).await {
            Ok(p) => p,
            Err(e) => return ApiError(e).into_response(),
        },
        None => None,
    };
    let vendored = match vendored(&state, vendor).await {
        Ok(v) => v,
        Err(e) => return ApiError(e).into_response(),
    };
    // Requests without a valid credential are counted together, in the lower tier, so guessing
    // credentials is rate limited too.
    let key = who
        .as_ref()
        .map_or_else(|| "anonymous".to_string(), |p| p.credential_key.clone());
    let decision = state.limits.check(&key, vendored && who.is_some());
    let mut resp = if !decision.allowed {
        ApiError(Error::new(
            ErrorKind::TooManyRequests,
            429,
            "Too Many Requests",
        ))
        .into_response()
    } else {
        match who {
            Some(p) => {
                req.extensions_mut().insert(p);
                next.run(req).await
            }
            None => {
                let msg = if presented.is_some() {
                    "the credential is not valid"
                } else {
                    "missing credential: send Authorization: Bearer <accessToken> or Authorization: token <apiKey>"
                };
                ApiError(Error::unauthorized(msg)).into_response()
            }
        }
    };
    put_headers(resp.headers_mut(), &decision);
    resp
}
