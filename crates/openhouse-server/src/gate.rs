//! The gate every API request (`/v1.0`, `/v2.0`) passes: who is calling (`Authorization: Bearer <accessToken>`
//! or `Authorization: token <apiKey>`), which rate tier (a `vendorKey` header or query parameter
//! of a vendor the caller's team connected selects the higher one; a token of an OAuth app
//! counts against its app's limit, in the higher tier), whether an app's scopes take in the
//! operation, and whether the limit allows the request. Every response that passes through carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
//!
//! Requests without a valid credential are counted per client address (an IPv6 address by its
//! /64), in the lower tier; when the address is not known (a server not started with connection
//! info) they share one allowance. A credential that is not cached costs one database lookup,
//! and only while the address's allowance has room: the request is counted there before the
//! lookup (given back when the credential turns out valid), so once it is spent, garbage
//! credentials are refused without a query. A credential refused once is remembered for the
//! credential cache's time to live, and costs no second lookup.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openhouse_domain::auth::{CredentialKind, Principal};
use openhouse_domain::{Error, ErrorKind};
use openhouse_store::auth::hash_secret;

use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::Decision;

/// Which tag (scope) each operation of the API is under, from the OpenAPI document: what an
/// app's scopes are checked against (see [`openhouse_domain::auth::scopes_allow`]).
pub struct Operations(Vec<(axum::http::Method, Vec<String>, String)>);

impl Operations {
    fn of_document() -> Self {
        let doc = crate::openapi_document();
        let mut ops = Vec::new();
        for (path, item) in &doc.paths.paths {
            let segments: Vec<String> = path.split('/').map(str::to_string).collect();
            let methods = [
                (axum::http::Method::GET, &item.get),
                (axum::http::Method::POST, &item.post),
                (axum::http::Method::PUT, &item.put),
                (axum::http::Method::DELETE, &item.delete),
                (axum::http::Method::PATCH, &item.patch),
            ];
            for (m, op) in methods {
                if let Some(tag) = op
                    .as_ref()
                    .and_then(|o| o.tags.as_ref())
                    .and_then(|t| t.first())
                {
                    ops.push((m, segments.clone(), tag.clone()));
                }
            }
        }
        Self(ops)
    }

    /// The document's operations, read once.
    pub fn get() -> &'static Self {
        static OPS: std::sync::OnceLock<Operations> = std::sync::OnceLock::new();
        OPS.get_or_init(Self::of_document)
    }

    /// The tag of the operation a request calls; `None` for no operation of the document.
    pub fn tag(&self, method: &axum::http::Method, path: &str) -> Option<&str> {
        let given: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(m, segments, _)| {
                m == method
                    && segments.len() == given.len()
                    && segments.iter().zip(&given).all(|(s, g)| {
                        *s == *g || (s.starts_with('{') && s.ends_with('}') && !g.is_empty())
                    })
            })
            .map(|(_, _, tag)| tag.as_str())
    }

    /// Every scope an app may be given: `*`, and each tag's, with and without `:read`.
    pub fn scopes(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .0
            .iter()
            .map(|(_, _, t)| openhouse_domain::auth::scope_of_tag(t))
            .collect();
        tags.sort();
        tags.dedup();
        let mut out = vec!["*".to_string()];
        for t in tags {
            out.push(format!("{t}:read"));
            out.push(t);
        }
        out
    }
}

/// Checks the scopes an app is registered with: each is one [`Operations::scopes`] names.
pub fn check_scopes(scopes: &[String]) -> Result<(), Error> {
    if scopes.is_empty() {
        return Err(Error::invalid(
            "an app has at least one scope (`*` for every operation)",
        ));
    }
    let known = Operations::get().scopes();
    for s in scopes {
        if !known.contains(s) {
            return Err(Error::invalid(format!(
                "'{s}' is no scope; scopes are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

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
    vendor_key_of(req.headers(), req.uri().query())
}

/// The vendor key a request carries: the `vendorKey` header, else the query parameter.
pub(crate) fn vendor_key_of(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers.get("vendorKey").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    let q = query?;
    serde_html_form::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "vendorKey")
        .map(|(_, v)| v)
}

/// The rate-limit key of requests without a valid credential: the client's address (IPv6 by
/// its /64, which one client usually holds whole), or one shared key when it is not known.
fn anonymous_key(peer: Option<IpAddr>) -> String {
    match peer.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => format!("anon:{v4}"),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("anon:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "anonymous".to_string(),
    }
}

/// What a presented credential turned out to be.
enum Authenticated {
    Valid(Principal),
    /// Not a valid credential. `counted`: the request was already counted in the anonymous
    /// allowance of the client's address (before the lookup).
    Invalid {
        counted: Option<Decision>,
    },
    /// Refused before any lookup: the anonymous allowance of the client's address is spent.
    Limited(Decision),
}

/// The caller a credential identifies. A credential not seen recently costs one lookup, paid
/// from the anonymous allowance of the client's address when that is known.
async fn authenticate(
    state: &AppState,
    kind: CredentialKind,
    secret: &str,
    peer_known: bool,
    anon_key: &str,
) -> Result<Authenticated, Error> {
    let key = format!("{}:{}", kind.as_str(), hash_secret(secret));
    if let Some(hit) = state.credentials.get(&key) {
        if hit.expire_time == 0 || hit.expire_time > state.store.now() {
            return Ok(Authenticated::Valid(hit));
        }
        // expired since it was cached: looked up again (and refused) like any other
        state.credentials.invalidate(&key);
    }
    if state.refused_credentials.contains_key(&key) {
        return Ok(Authenticated::Invalid { counted: None });
    }
    // only where the address is known: a shared allowance spent by garbage would otherwise
    // keep out every valid credential that is not cached
    let counted = if peer_known {
        let d = state.rate(anon_key, false).await;
        if !d.allowed {
            return Ok(Authenticated::Limited(d));
        }
        Some(d)
    } else {
        None
    };
    state.auth_lookups.fetch_add(1, Ordering::Relaxed);
    let found = state.store.authenticate(kind, secret).await;
    if counted.is_some() && !matches!(found, Ok(None)) {
        // a valid credential (or a lookup that failed) is not an anonymous request
        state.refund(anon_key).await;
    }
    Ok(match found? {
        Some(p) => {
            state.credentials.insert(key, p.clone());
            Authenticated::Valid(p)
        }
        None => {
            state.refused_credentials.insert(key, ());
            Authenticated::Invalid { counted }
        }
    })
}

/// Whether the request's vendor key raises the caller to the higher tier: a key openhouse
/// issued to the caller's own team. Another team's key, or one that is no vendor key, counts as
/// none (the contract: "ten calls per minute are allowed without a valid vendorKey").
async fn vendored(state: &AppState, who: &Principal, key: Option<String>) -> Result<bool, Error> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(false);
    };
    let h = hash_secret(&key);
    let team = match state.vendor_keys.get(&h) {
        Some(hit) => hit,
        None => {
            // refused in either tier: the key does not matter, and is not looked up
            if !state
                .limits
                .has_room(&who.credential_key, state.limits.max_limit())
            {
                return Ok(false);
            }
            let team = state.store.vendor_key_team(&key).await?;
            state.vendor_keys.insert(h, team);
            team
        }
    };
    Ok(team == Some(who.team_id))
}

fn put_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert("X-RateLimit-Limit", HeaderValue::from(d.limit));
    headers.insert("X-RateLimit-Remaining", HeaderValue::from(d.remaining));
    headers.insert("X-RateLimit-Reset", HeaderValue::from(d.reset));
}

fn too_many(d: &Decision) -> Response {
    let mut resp = ApiError(Error::new(
        ErrorKind::TooManyRequests,
        429,
        "Too Many Requests",
    ))
    .into_response();
    put_headers(resp.headers_mut(), d);
    resp.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(d.retry_after.max(1)),
    );
    resp
}

pub async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let presented = credential(req.headers());
    let vendor = vendor_key(&req);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let anon_key = anonymous_key(peer);
    let mut counted = None;
    let who = match &presented {
        Some((kind, secret)) => {
            match authenticate(&state, *kind, secret, peer.is_some(), &anon_key).await {
                Ok(Authenticated::Valid(p)) => Some(p),
                Ok(Authenticated::Invalid { counted: c }) => {
                    counted = c;
                    None
                }
                Ok(Authenticated::Limited(d)) => return too_many(&d),
                Err(e) => return ApiError(e).into_response(),
            }
        }
        None => None,
    };
    if let Some(scopes) = who.as_ref().and_then(|p| p.scopes.as_ref())
        && let Some(tag) = Operations::get().tag(req.method(), req.uri().path())
    {
        let read = req.method() == axum::http::Method::GET;
        if !openhouse_domain::auth::scopes_allow(scopes, tag, read) {
            return ApiError(Error::new(
                ErrorKind::Forbidden,
                openhouse_domain::error::codes::VENDOR_HAS_NO_PERMISSION,
                format!(
                    "VENDOR_HAS_NO_PERMISSION: the app's scopes do not take in {} {}",
                    openhouse_domain::auth::scope_of_tag(tag),
                    if read { "reads" } else { "writes" }
                ),
            ))
            .into_response();
        }
    }
    let decision = match &who {
        // an app's token counts against the app's limit, shared by all its tokens, in the
        // higher tier (an app is one of the team's vendors)
        Some(p) if p.app_id.is_some() => {
            let app = format!("app:{}:{}", p.team_id, p.app_id.unwrap_or(0));
            state.rate(&app, true).await
        }
        Some(p) => {
            let vendored = match vendored(&state, p, vendor).await {
                Ok(v) => v,
                Err(e) => return ApiError(e).into_response(),
            };
            state.rate(&p.credential_key, vendored).await
        }
        // requests without a valid credential are counted together per address, in the lower
        // tier, so guessing credentials is rate limited too
        None => match counted {
            Some(d) => d,
            None => state.rate(&anon_key, false).await,
        },
    };
    if !decision.allowed {
        return too_many(&decision);
    }
    let mut resp = match who {
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
    };
    put_headers(resp.headers_mut(), &decision);
    resp
}
