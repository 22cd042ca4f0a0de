//! The webhook workers of a serving process: a dispatcher that turns journal entries into
//! delivery jobs, and a deliverer that claims due jobs, posts them signed, and records how each
//! went. Both are woken when there is work in this process and poll for work from others.
//!
//! Delivery is at least once: a job is recorded done only after its receiver answered 2xx, so
//! a crash between the two sends it again, with the same `webhook-id`, for the receiver to
//! drop. Two processes never send the same attempt: a job is leased to one claimer.
//!
//! The workers are background work: they run on a runtime of their own whose threads have the
//! lowest CPU priority (nice 19), and their SQLite writes yield the write turn to API writers
//! (see `Store::background_write`). While the API is busy, delivery takes only what it leaves
//! over and catches up when it is not; the API's throughput does not pay for delivery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openhouse_domain::time;
use openhouse_store::Store;
use openhouse_store::jobs::{Attempt, Job, KEEP_DONE_MS, Outcome};
use openhouse_store::webhooks::Delivery;
use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use super::{Webhooks, signing};

/// How long a claimed delivery stays leased: longer than any attempt can take.
const LEASE: Duration = Duration::from_secs(60);
/// Journal entries dispatched per write.
const DISPATCH_BATCH: u64 = 500;
/// How long the dispatcher lets changes gather after it is woken.
const GATHER: Duration = Duration::from_millis(5);
/// Deliveries claimed per write at most.
const CLAIM_BATCH: usize = 256;

/// The running workers, on their runtime; dropping this stops them as [`Workers::stop`] does.
pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
    runtime: Option<Runtime>,
}

impl Workers {
    /// Stops the workers at once, as a crash would: deliveries in flight are sent again later
    /// (by this process after a restart or by another once their lease runs out).
    pub fn stop(self) {}
}

impl Drop for Workers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Starts the dispatcher and the deliverer over `store`, on a runtime of their own with
/// background priority.
pub fn spawn(store: Store, hooks: Arc<Webhooks>) -> Workers {
    let owner = store.node() as i32;
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let runtime = background_runtime();
    let on = |f: Task| match &runtime {
        Some(rt) => rt.spawn(f),
        None => tokio::spawn(f),
    };
    let tasks = vec![
        on(Box::pin(dispatch(store.clone(), hooks.clone()))),
        on(Box::pin(deliver(
            store.clone(),
            hooks.clone(),
            owner,
            done_tx,
        ))),
        on(Box::pin(record(store.clone(), hooks, owner, done_rx))),
        // routing's timed offers and listing alerts: the other durable jobs, on the same
        // background runtime
        on(Box::pin(crate::jobs::run(store))),
    ];
    Workers { tasks, runtime }
}

type Task = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>;

/// Two worker threads (and blocking threads for name lookups) at nice 19: the scheduler gives
/// them a core only when the API's threads leave it idle. None when the runtime cannot be
/// built; the workers then share the API's runtime (at its priority) rather than not run.
fn background_runtime() -> Option<Runtime> {
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("openhouse-webhooks")
        .enable_all()
        .on_thread_start(lower_priority)
        .build();
    match built {
        Ok(rt) => Some(rt),
        Err(e) => {
            tracing::warn!(error = %e, "no background runtime for webhook delivery; it shares the API's");
            None
        }
    }
}

/// Sets the calling thread's nice value to 19 (on Linux the nice value is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; setpriority on our own thread id
    // changes only this thread's scheduling.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

async fn dispatch(store: Store, hooks: Arc<Webhooks>) {
    loop {
        let now = time::now_ms();
        let taken = if store.has_undispatched().await.unwrap_or(true) {
            match store
                .dispatch_events(DISPATCH_BATCH, hooks.config.rules, now)
                .await
            {
                Ok(n) => n,
                Err(e) => {
                    crate::metrics::worker_error("webhook_dispatch");
                    tracing::warn!(error = %e, "webhook dispatch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    0
                }
            }
        } else {
            0
        };
        if taken > 0 {
            hooks.deliver.notify_one();
            if taken < DISPATCH_BATCH as usize {
                // let a few more changes gather: each dispatch is a write, and on SQLite a
                // write waits its turn with the API's
                tokio::time::sleep(GATHER).await;
            }
            continue;
        }
        store.journal_changed(hooks.config.poll).await;
        tokio::time::sleep(GATHER).await;
    }
}

async fn deliver(
    store: Store,
    hooks: Arc<Webhooks>,
    owner: i32,
    done: mpsc::UnboundedSender<(Job, Outcome)>,
) {
    let slots = Arc::new(Semaphore::new(hooks.config.concurrency.max(1)));
    // what this node had in flight when it last stopped is due again now, not when its leases
    // run out
    loop {
        match store.release_leases(owner).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(
                        deliveries = n,
                        "webhook deliveries in flight at the last stop are due again"
                    );
                }
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "releasing the last run's webhook leases failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    loop {
        // wait for a free slot before claiming, so a claimed job is sent at once
        let Ok(first) = slots.clone().acquire_owned().await else {
            return;
        };
        let room = (slots.available_permits() + 1).min(CLAIM_BATCH);
        let now = time::now_ms();
        let claimed = if store
            .has_due_jobs(openhouse_store::webhooks::KIND, now)
            .await
            .unwrap_or(true)
        {
            match store
                .claim_deliveries(
                    room as u64,
                    owner,
                    LEASE.as_millis() as i64,
                    hooks.config.rules,
                    now,
                )
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    crate::metrics::worker_error("webhook_claim");
                    tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        if claimed.is_empty() {
            drop(first);
            let _ = tokio::time::timeout(hooks.config.poll, hooks.deliver.notified()).await;
            continue;
        }
        let mut first = Some(first);
        for d in claimed {
            let permit = match first.take() {
                Some(p) => p,
                None => match slots.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let hooks = hooks.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let outcome = attempt(&hooks, &d).await;
                let _ = done.send((d.job, outcome));
                drop(permit);
            });
        }
    }
}

/// Records finished attempts in batches; each batch may unblock the next deliveries of the
/// same leads, so the deliverer is woken.
async fn record(
    store: Store,
    hooks: Arc<Webhooks>,
    owner: i32,
    mut done: mpsc::UnboundedReceiver<(Job, Outcome)>,
) {
    let mut last_prune = Instant::now() - Duration::from_secs(3600);
    while let Some(first) = done.recv().await {
        let mut batch = vec![first];
        while batch.len() < 1000 {
            match done.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        // a failed write is tried again: until it is recorded, a delivered job would be sent
        // again once its lease runs out
        loop {
            match store
                .finish_jobs(owner, time::now_ms(), batch.clone())
                .await
            {
                Ok(_) => break,
                Err(e) => {
                    crate::metrics::worker_error("webhook_record");
                    tracing::warn!(error = %e, "recording webhook deliveries failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        hooks.deliver.notify_one();
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            if let Err(e) = store.prune_jobs(time::now_ms() - KEEP_DONE_MS).await {
                tracing::warn!(error = %e, "pruning the delivery log failed");
            }
        }
    }
}

/// The body of a delivery: the event as subscribers see it.
pub fn payload(d: &Delivery) -> Value {
    let e = &d.event;
    let mut m = Map::new();
    m.insert("eventId".into(), json!(e.id));
    m.insert("eventType".into(), json!(e.kind.event_type()));
    m.insert("listId".into(), json!(d.subscription.list_id));
    m.insert("teamId".into(), json!(e.team_id));
    m.insert("subscribeId".into(), json!(d.subscription.id));
    m.insert("eventTime".into(), json!(e.create_time));
    if e.lead_id != 0 {
        m.insert("leadId".into(), json!(e.lead_id));
    }
    let changed = e.kind.changed_fields(&e.detail);
    if !changed.is_empty() {
        m.insert("changedFields".into(), json!(changed));
    }
    m.insert("resource".into(), e.resource.clone());
    Value::Object(m)
}

/// The `webhook-id` of a delivery: the event and the subscription, the same on every retry.
/// (One change can reach one receiver through two subscriptions, e.g. lists 2 and 12 for a
/// stage change; each is its own message.)
pub fn message_id(d: &Delivery) -> String {
    format!("{}-{}", d.event.id, d.subscription.id)
}

async fn attempt(hooks: &Webhooks, d: &Delivery) -> Outcome {
    let body = serde_json::to_vec(&payload(d)).unwrap_or_default();
    let now = time::now_ms();
    let headers = match signing::headers(&d.subscription.secret, &message_id(d), now / 1000, &body)
    {
        Ok(h) => h,
        Err(e) => {
            // a stored secret that does not decode: nothing can be sent until it is replaced
            let record = Attempt {
                time: now,
                status: 0,
                error: e.to_string(),
                duration_ms: 0,
            };
            return Outcome::Failed(record);
        }
    };
    let started = Instant::now();
    let a = hooks
        .targets
        .post(&d.subscription.callback_url, &headers, body)
        .await;
    ::metrics::histogram!(crate::metrics::WEBHOOK_ATTEMPT_SECONDS).record(started.elapsed());
    let record = Attempt {
        time: now,
        status: a.status.map(i32::from).unwrap_or(0),
        error: a.error.clone().unwrap_or_default(),
        duration_ms: a.elapsed_ms as i64,
    };
    if a.delivered() {
        return Outcome::Done(record);
    }
    let delay = backoff(&hooks.config, d.job.attempts + 1);
    Outcome::Retry(record, time::now_ms() + delay.as_millis() as i64)
}

/// The wait before retry `n` (1: the first): doubling from the base up to the cap, with ±20%
/// jitter so that retries of many deliveries do not arrive together.
pub fn backoff(c: &super::WebhookConfig, n: i32) -> Duration {
    let base = c.backoff_base.as_millis() as f64;
    let cap = c.backoff_cap.as_millis() as f64;
    let exp = n.clamp(1, 40) - 1;
    let d = (base * 2f64.powi(exp)).min(cap);
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    Duration::from_millis((d * jitter) as u64)
}
