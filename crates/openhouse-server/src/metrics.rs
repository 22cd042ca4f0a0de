//! `/metrics`: the server's metrics in the Prometheus text format.
//!
//! Everything is recorded through the `metrics` facade into one Prometheus recorder per process
//! ([`install`]); the store records its own (queries, the write queue, jobs, the search index:
//! see `openhouse_store::metrics`), this module the HTTP requests ([`track`], one layer in
//! [`crate::app`]) and the webhook deliverer's attempts. Gauges are read when scraped.
//!
//! Off the public listener by default: `--metrics-listen ADDR` serves `/metrics` on a listener
//! of its own ([`router`]); without it the main listener serves `/metrics` only when
//! `--metrics-token` is set, to requests with `Authorization: Bearer <token>`. The token, when
//! set, is required on either listener. Without either option, `/metrics` is a 404 and nothing
//! is recorded.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use openhouse_domain::Error;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Counter: requests answered, by `method`, `route` (the route's template, e.g.
/// `/v1.0/leads/{leadId}`; `unmatched` for a path no route takes) and `status`.
pub const HTTP_REQUESTS: &str = "openhouse_http_requests_total";
/// Histogram: seconds from a request's arrival to its answer's headers, by `method` and `route`.
pub const HTTP_SECONDS: &str = "openhouse_http_request_duration_seconds";
/// Gauge: requests being served now.
pub const HTTP_IN_FLIGHT: &str = "openhouse_http_requests_in_flight";
/// Histogram: seconds a webhook delivery attempt took (the POST to the receiver).
pub const WEBHOOK_ATTEMPT_SECONDS: &str = "openhouse_webhook_attempt_duration_seconds";
/// Counter: failures of a background worker's own work (a claim, dispatch or record that did
/// not commit, retried), by `worker` (webhook_dispatch, webhook_claim, webhook_record,
/// routing.offer, listing_alerts).
pub const WORKER_ERRORS: &str = "openhouse_worker_errors_total";

/// The `route` of a request that no route took (a 404): one label whatever the path.
pub const UNMATCHED: &str = "unmatched";

/// The upper bounds of every histogram's buckets, in seconds: from half a millisecond (a read
/// by id) to 10 s (a write that waited out a busy database).
const BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Who may read `/metrics`, and where the numbers come from.
#[derive(Debug, Clone, Default)]
pub struct MetricsConfig {
    /// `--metrics-listen` is given: `/metrics` is served on that listener ([`router`]), not on
    /// the main one.
    pub own_listener: bool,
    /// `--metrics-token`: `/metrics` answers only requests bearing it; without an own
    /// listener, it also puts `/metrics` on the main listener.
    pub token: Option<String>,
}

/// The metrics of a running server (part of [`AppState`]).
#[derive(Clone, Default)]
pub struct Metrics {
    /// The process's recorder, when metrics are on.
    handle: Option<&'static PrometheusHandle>,
    /// SHA-256 of the token `/metrics` requires, when one is set.
    token: Option<Arc<[u8; 32]>>,
    /// Whether the main listener serves `/metrics`.
    on_main: bool,
}

impl Metrics {
    pub fn new(c: &MetricsConfig) -> Self {
        let token = c.token.as_deref().filter(|t| !t.is_empty());
        let enabled = c.own_listener || token.is_some();
        Self {
            handle: enabled.then(install),
            token: token.map(|t| Arc::new(digest(t))),
            on_main: !c.own_listener && token.is_some(),
        }
    }

    /// Whether requests are counted.
    pub fn enabled(&self) -> bool {
        self.handle.is_some()
    }

    /// Whether the main listener serves `/metrics` (a token is set).
    pub fn on_main_listener(&self) -> bool {
        self.on_main
    }

    /// The same metrics served on a listener of their own: the token, if any, still applies.
    pub fn for_own_listener(&self) -> Self {
        Self {
            on_main: false,
            ..self.clone()
        }
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder, once (the `metrics` facade has one per process; every
/// server and test of the process shares it, so tests compare before and after). Later calls
/// return the same handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = match PrometheusBuilder::new().set_buckets(&BUCKETS) {
            Ok(b) => b,
            // the buckets are a non-empty constant: this is not reached
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if ::metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics shows only its own");
        }
        describe();
        openhouse_store::metrics::enable();
        handle
    })
}

fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "Time from a request's arrival to its answer, by method and route template"
    );
    describe_gauge!(HTTP_IN_FLIGHT, "HTTP requests being served now");
    describe_histogram!(
        WEBHOOK_ATTEMPT_SECONDS,
        Unit::Seconds,
        "Time a webhook delivery attempt took"
    );
    describe_counter!(
        WORKER_ERRORS,
        "Failures of a background worker's own work (retried), by worker"
    );
    openhouse_store::metrics::describe();
}

/// The method as a label: the standard ones by name, anything else `other` (a client cannot
/// grow the label set with made-up methods).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The layer counting every request by route template, method and status, and timing it.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.metrics.enabled() {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string());
    let response = {
        let _in_flight = InFlight::new();
        next.run(req).await
    };
    let status = response.status().as_u16().to_string();
    ::metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route.clone())
        .record(started.elapsed());
    ::metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// Counts a request in flight until it is answered or dropped (its client went away).
struct InFlight(::metrics::Gauge);

impl InFlight {
    fn new() -> Self {
        let g = ::metrics::gauge!(HTTP_IN_FLIGHT);
        g.increment(1.0);
        Self(g)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// Counts a failure of a background worker's own work ([`WORKER_ERRORS`]).
pub(crate) fn worker_error(worker: &'static str) {
    ::metrics::counter!(WORKER_ERRORS, "worker" => worker).increment(1);
}

/// `GET /metrics` (on either listener).
async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let m = &state.metrics;
    let Some(handle) = m.handle else {
        return ApiError(Error::not_found("this path")).into_response();
    };
    if let Some(token) = &m.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| digest(t.trim()));
        // compared as digests: how long a comparison takes tells nothing of the token
        if given.as_ref() != Some(&**token) {
            let mut r = ApiError(Error::unauthorized(
                "/metrics takes Authorization: Bearer <the --metrics-token>",
            ))
            .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return r;
        }
    }
    state.store.report_gauges().await;
    handle.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// `/metrics` on the main router, when it serves it there.
pub fn routes(state: &AppState) -> Router<AppState> {
    let r = Router::new();
    if state.metrics.on_main_listener() {
        r.route("/metrics", get(scrape))
    } else {
        r
    }
}

/// The router of the metrics listener (`--metrics-listen`): `/metrics` and nothing else.
pub fn router(mut state: AppState) -> Router {
    state.metrics = state.metrics.for_own_listener();
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { ApiError(Error::not_found("this path")) })
        .with_state(state)
}
