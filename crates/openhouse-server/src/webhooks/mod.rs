//! Webhooks (5.12): subscriptions through the API, and the delivery of journaled changes to
//! them. A request handler only journals its change (the journal is the outbox, see
//! `openhouse_store::journal`); [`worker`] dispatches and delivers outside any request.
//!
//! openhouse's own additions, marked as such in the OpenAPI document: the signing secret in
//! the answer to `POST /v1.0/webhook`, a subscription's delivery log and redelivery.

pub mod routes;
pub mod signing;
pub mod target;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use openhouse_store::webhooks::DeliveryRules;
use tokio::sync::Notify;

/// How webhooks behave on this server.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Lifts the https and public-address rules for callback URLs (local development, tests).
    pub allow_private: bool,
    /// Retry and window timing.
    pub rules: DeliveryRules,
    /// The first retry's delay; each later one doubles it, up to `backoff_cap`, with jitter.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// Deliveries in flight at once, per process.
    pub concurrency: usize,
    /// How often a worker looks for work it was not woken for (other processes' changes on
    /// PostgreSQL, retries coming due).
    pub poll: Duration,
    /// Subscriptions per team.
    pub max_subscriptions: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_private: false,
            rules: DeliveryRules::default(),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            concurrency: 128,
            poll: Duration::from_millis(500),
            max_subscriptions: 100,
        }
    }
}

/// What handlers and workers share.
pub struct Webhooks {
    pub config: WebhookConfig,
    pub targets: target::Targets,
    /// Wakes the delivery worker (new jobs, a redelivery, finished jobs that unblock others).
    pub deliver: Notify,
}

impl Webhooks {
    pub fn new(config: WebhookConfig) -> Arc<Self> {
        let targets = target::Targets::with_timeout(config.allow_private, config.timeout);
        Arc::new(Self {
            config,
            targets,
            deliver: Notify::new(),
        })
    }
}
