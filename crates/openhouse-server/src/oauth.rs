//! The OAuth 2.0 authorization server's endpoints (openhouse's own; Lofty's are not in the
//! contract): `POST /oauth/token` (RFC 6749: `authorization_code` with PKCE, `refresh_token`,
//! `client_credentials` with `customer_key`; the authorization endpoint and its pages are in
//! [`crate::authorize`]), `POST /oauth/revoke` (RFC 7009) and
//! `GET /.well-known/oauth-authorization-server` (RFC 8414). The tokens they give are
//! `Authorization: Bearer` credentials of the API.
//!
//! Clients authenticate with HTTP Basic (`client_id:client_secret`, each form-urlencoded, RFC
//! 6749 2.3.1) or with `client_id` and `client_secret` in the form. Errors are RFC 6749's
//! `{"error", "error_description"}`; a storage fault is the API's 503.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use openhouse_store::oauth::{ACCESS_TTL_MS, Refusal, TokenPair};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

#[derive(Debug, Default, Deserialize)]
struct Form {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    customer_key: Option<String>,
    token: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

/// A token endpoint answer (RFC 6749 5.1).
#[derive(Debug, Serialize)]
struct TokenAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    scope: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    no_store(r.headers_mut());
    r
}

fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The form of a token request, or the error answer (boxed: a response is large).
fn parse_form(body: &Bytes) -> Result<Form, Box<Response>> {
    serde_html_form::from_bytes(body).map_err(|_| {
        Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is an application/x-www-form-urlencoded form",
        ))
    })
}

/// The client's id and secret, from HTTP Basic or the form; and whether Basic was used.
fn client_of(headers: &HeaderMap, form: &Form) -> Option<(String, String, bool)> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = v.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (id, secret) = raw.split_once(':')?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((decode(id)?, decode(secret)?, true));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?, false))
}

fn invalid_client(basic: bool) -> Response {
    let mut r = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "unknown client, or a wrong client secret",
    );
    if basic {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"openhouse\""),
        );
    }
    r
}

/// The app a request's client credentials authenticate, or the answer that refuses it.
async fn client(
    state: &AppState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<openhouse_store::entities::oauth_app::Model, Response> {
    let Some((id, secret, basic)) = client_of(headers, form) else {
        return Err(invalid_client(headers.contains_key(header::AUTHORIZATION)));
    };
    match state.store.oauth_client(&id, &secret).await {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(invalid_client(basic)),
        Err(e) => Err(ApiError(e).into_response()),
    }
}

fn answer(pair: TokenPair) -> Response {
    let mut r = Json(TokenAnswer {
        access_token: pair.access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_MS / 1000,
        refresh_token: pair.refresh_token,
        scope: pair.scope,
    })
    .into_response();
    no_store(r.headers_mut());
    r
}

async fn refused(state: &AppState, r: Refusal) -> Response {
    match r {
        Refusal::GrantRevoked => {
            state.revoked().await;
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the grant (a refresh token or an authorization code) was already used; every token it gave is revoked",
            )
        }
        Refusal::InvalidClient => invalid_client(false),
        Refusal::InvalidGrant(d) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &d),
        Refusal::InvalidRequest(d) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &d),
        Refusal::Storage(e) => ApiError(e).into_response(),
    }
}

/// `POST /oauth/token`.
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let Some(grant) = form.grant_type.clone() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        );
    };
    let app = match client(&state, &headers, &form).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = match grant.as_str() {
        "client_credentials" => match form.customer_key.as_deref() {
            Some(k) if !k.is_empty() => state.store.token_for_customer_key(&app, k).await,
            _ => Err(Refusal::InvalidRequest(
                "client_credentials needs customer_key (an API key of the team's member)".into(),
            )),
        },
        "authorization_code" => match form.code.as_deref() {
            Some(code) if !code.is_empty() => {
                state
                    .store
                    .exchange_code(
                        &app,
                        code,
                        form.redirect_uri.as_deref().unwrap_or(""),
                        form.code_verifier.as_deref().unwrap_or(""),
                    )
                    .await
            }
            _ => Err(Refusal::InvalidRequest("code is required".into())),
        },
        "refresh_token" => match form.refresh_token.as_deref() {
            Some(t) if !t.is_empty() => state.store.refresh_token(&app, t).await,
            _ => Err(Refusal::InvalidRequest("refresh_token is required".into())),
        },
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is authorization_code, refresh_token or client_credentials",
            );
        }
    };
    match result {
        Ok(pair) => answer(pair),
        Err(r) => refused(&state, r).await,
    }
}

/// `POST /oauth/revoke`: 200 whether or not the token was one (RFC 7009 2.2).
async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let app = match client(&state, &headers, &form).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(t) = form.token.filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    match state.store.revoke_oauth_token(&app, &t).await {
        Ok(()) => {
            // gone from every node's credential cache at once
            state.revoked().await;
            let mut r = StatusCode::OK.into_response();
            no_store(r.headers_mut());
            r
        }
        Err(e) => ApiError(e).into_response(),
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414), for the host the client asked.
async fn metadata(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = match headers
        .get("X-Forwarded-Proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    let issuer = format!("{proto}://{host}");
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code"],
        "scopes_supported": crate::gate::Operations::get().scopes(),
    }))
    .into_response()
}
