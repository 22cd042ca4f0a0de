//! The openhouse HTTP server: the Lofty Open API v1.0 over an openhouse [`Store`].
//!
//! One merge point for routes ([`app`]); one folder per API tag, each exporting
//! `routes() -> OpenApiRouter<AppState>`; every API route (`/v1.0`, `/v2.0`) passes the
//! [`gate`] (credential, rate limit); the OpenAPI document is generated from the handlers and types themselves.

pub mod authorize;
pub mod broker;
pub mod calendar;
pub mod communication;
pub mod config_file;
pub mod docs;
pub mod error;
pub mod extract;
pub mod gate;
pub mod health;
pub mod jobs;
pub mod lead_import;
pub mod leads;
pub mod listener;
pub mod listing_import;
pub mod listings;
pub mod log_types;
pub mod messaging;
pub mod metrics;
pub mod notes;
pub mod oauth;
pub mod openapi;
pub mod org;
pub mod people;
pub mod ratelimit;
pub mod routing;
pub mod shared;
pub mod system_logs;
pub mod tabular;
pub mod tasks;
pub mod team_features;
pub mod transactions;
pub mod webhooks;
pub mod wire;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use moka::sync::Cache;
use openhouse_domain::auth::Principal;
use openhouse_domain::search::ScrollKey;
use openhouse_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;
use utoipa_axum::router::OpenApiRouter;

pub use ratelimit::RateLimits;

/// Settings of a running server that handlers and layers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Requests per minute per credential with a valid vendor key.
    pub rate_limit: u32,
    /// Requests per minute per credential without one.
    pub rate_limit_unvendored: u32,
    /// How webhooks are checked and delivered.
    pub webhooks: webhooks::WebhookConfig,
    /// How answers are shaped unless a request asks otherwise (`X-Openhouse-Wire`).
    pub wire: wire::Wire,
    /// The SMTP server and SMS gateway messages to leads go through (none by default).
    pub messaging: Arc<messaging::Messaging>,
    /// Whether and where `/metrics` is served (nowhere by default).
    pub metrics: metrics::MetricsConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rate_limit: 500,
            rate_limit_unvendored: 10,
            webhooks: Default::default(),
            wire: wire::Wire::Contract,
            messaging: Default::default(),
            metrics: Default::default(),
        }
    }
}

/// What every handler can reach. A handle: axum clones the state for every request (and each
/// middleware again), so a clone is one reference count; the parts are in [`StateParts`].
#[derive(Clone)]
pub struct AppState(Arc<StateParts>);

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    /// A change made while the state is set up (a clone already handed out keeps what it had).
    fn deref_mut(&mut self) -> &mut StateParts {
        Arc::make_mut(&mut self.0)
    }
}

/// What an [`AppState`] holds.
#[derive(Clone)]
pub struct StateParts {
    pub store: Store,
    pub limits: Arc<RateLimits>,
    /// Credentials recently seen, by (kind, hash of the secret): saves two queries a request.
    /// A revoked credential keeps working for at most the time to live.
    pub credentials: Cache<String, Principal>,
    /// Credentials recently refused, by (kind, hash of the secret): a garbage credential costs
    /// one lookup, not one per request. Apart from `credentials`, so a flood of garbage cannot
    /// push the valid ones out; bounded like it.
    pub refused_credentials: Cache<String, ()>,
    /// Vendor keys recently seen, by hash: the team that connected each (None: no vendor key).
    pub vendor_keys: Cache<String, Option<i64>>,
    /// How many credential lookups the gate has made (each a database query).
    pub auth_lookups: Arc<AtomicU64>,
    /// Webhook checks and the delivery worker's wake-up.
    pub webhooks: Arc<webhooks::Webhooks>,
    /// The transports of emails and texts to leads.
    pub messaging: Arc<messaging::Messaging>,
    /// The key of scroll ids, read from the database once.
    scroll_key: Arc<tokio::sync::OnceCell<ScrollKey>>,
    /// Rate-limit counters and revocations shared with the other nodes (`--redis-url`).
    pub shared: Option<Arc<shared::Shared>>,
    /// The server's wire mode: how answers are shaped unless a request asks otherwise.
    pub wire: wire::Wire,
    /// The process's metrics recorder, and who may read `/metrics`.
    pub metrics: metrics::Metrics,
}

pub const CREDENTIAL_CACHE_TTL: Duration = Duration::from_secs(30);

impl AppState {
    pub fn new(store: Store, settings: &Settings) -> Self {
        let state = StateParts {
            store,
            limits: Arc::new(RateLimits::new(
                settings.rate_limit,
                settings.rate_limit_unvendored,
            )),
            credentials: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CREDENTIAL_CACHE_TTL)
                .build(),
            refused_credentials: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CREDENTIAL_CACHE_TTL)
                .build(),
            vendor_keys: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(CREDENTIAL_CACHE_TTL)
                .build(),
            auth_lookups: Arc::new(AtomicU64::new(0)),
            webhooks: webhooks::Webhooks::new(settings.webhooks.clone()),
            messaging: settings.messaging.clone(),
            scroll_key: Arc::new(tokio::sync::OnceCell::new()),
            shared: None,
            wire: settings.wire,
            metrics: metrics::Metrics::new(&settings.metrics),
        };
        // a change of who may do what, committed by any write: resolved credentials go
        let (seen, refused) = (state.credentials.clone(), state.refused_credentials.clone());
        state.store.on_access_changed(move |_| {
            seen.invalidate_all();
            refused.invalidate_all();
        });
        Self(Arc::new(state))
    }

    /// Shares rate limits and revocations with the other nodes through Redis.
    pub fn with_shared(mut self, shared: Arc<shared::Shared>) -> Self {
        let (seen, refused) = (self.credentials.clone(), self.refused_credentials.clone());
        shared.spawn_subscriber(move || {
            seen.invalidate_all();
            refused.invalidate_all();
        });
        // and on the other nodes too, as a revocation is (a change this node made: the others
        // find it in the journal as well, but Redis tells them first)
        let publisher = shared.clone();
        self.store.on_access_changed(move |here| {
            if !here {
                return;
            }
            let publisher = publisher.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { publisher.publish_revocation().await });
            }
        });
        self.shared = Some(shared);
        self
    }

    /// Counts one request of `key` in its tier: in Redis when the nodes share limits (and it
    /// answers), else in this process.
    pub async fn rate(&self, key: &str, vendored: bool) -> ratelimit::Decision {
        if let Some(s) = &self.shared
            && let Some(d) = s.check(key, self.limits.limit(vendored)).await
        {
            return d;
        }
        self.limits.check(key, vendored)
    }

    /// Gives back a request of the lower tier counted by [`AppState::rate`].
    pub async fn refund(&self, key: &str) {
        if let Some(s) = &self.shared
            && s.refund(key, self.limits.limit(false)).await
        {
            return;
        }
        self.limits.refund(key);
    }

    /// A credential was revoked: forgotten here at once, and on the other nodes when they
    /// share revocations.
    pub async fn revoked(&self) {
        self.forget_credentials();
        if let Some(s) = &self.shared {
            s.publish_revocation().await;
        }
    }

    /// Forgets every credential seen or refused, after a change that may make one valid or
    /// invalid, or change what it resolves to.
    pub fn forget_credentials(&self) {
        self.credentials.invalidate_all();
        self.refused_credentials.invalidate_all();
    }

    /// The key that signs and verifies scroll ids: a server secret made once and kept in the
    /// database (like the login-token key), read on first use.
    pub async fn scroll_key(&self) -> Result<&ScrollKey, openhouse_domain::Error> {
        self.scroll_key
            .get_or_try_init(|| async {
                let secret = self.store.server_secret("scroll_id_key").await?;
                Ok(ScrollKey::new(&secret))
            })
            .await
    }
}

/// Display names of a team's users by id, for the creators, editors and assignees shown.
pub(crate) async fn user_names(
    state: &AppState,
    who: &Principal,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, openhouse_domain::Error> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(state
        .store
        .users(who.team_id, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name()))
        .collect())
}

/// Every API route with its OpenAPI description, before the gate is applied.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(leads::routes())
        .merge(notes::routes())
        .merge(system_logs::routes())
        .merge(tasks::routes())
        .merge(calendar::routes())
        .merge(log_types::routes())
        .merge(communication::routes())
        .merge(messaging::routes())
        .merge(people::routes())
        .merge(org::routes())
        .merge(broker::routes())
        .merge(team_features::routes())
        .merge(transactions::routes())
        .merge(webhooks::routes::routes())
        .merge(routing::routes::routes())
        .merge(listings::routes())
}

/// The whole server: the API behind the gate, plus `/healthz`, `/readyz`, `/openapi.json`,
/// `/docs`, and `/metrics` when a metrics token is set (see [`metrics`]).
pub fn app(state: AppState) -> Router {
    let (api, doc) = api_routes().split_for_parts();
    let documents = docs::Documents::of(&doc);
    let api = api
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            wire::reshape,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::gate,
        ));
    Router::new()
        .merge(api)
        .merge(oauth::routes())
        .merge(authorize::routes())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(docs::routes(documents))
        .merge(metrics::routes(&state))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError(openhouse_domain::Error::internal("handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(error::json_errors))
        // every request counted and timed by its route's template (axum's MatchedPath, set by
        // the time a layer of the router runs), method and status: outside the error edge
        // and the panic catcher, so the status counted is the one the client gets
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // a failed response is logged where it fails (a 500 by the error edge, a storage
        // condition once by the store), not again for every request here
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_failure(DefaultOnFailure::new().level(Level::DEBUG)),
        )
        // every answer carries the request's id, the client's own `X-Request-Id` when it sent
        // one, else a new UUID; every log line of the request carries it too (its span)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// The header that names a request, in its answer and its log lines.
pub const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// The span of one request: its method, path (not the query, which may carry secrets) and id,
/// so every line logged while it is served says which request it belongs to.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %id
    )
}

/// The OpenAPI document the server serves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

async fn not_found() -> error::ApiError {
    error::ApiError(openhouse_domain::Error::not_found("this path"))
}

/// Runs housekeeping until the process ends: forgets idle rate-limit keys.
pub fn spawn_housekeeping(state: &AppState) {
    let limits = state.limits.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits.forget_idle();
        }
    });
}
