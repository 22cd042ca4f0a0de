//! The durable jobs a serving process runs besides webhook deliveries: routing's timed offers
//! (Next Up to the next member, or the default rule) and listing alerts (an import's new and
//! changed listings matched against the leads' inquiries). Each is claimed under a lease
//! (`openhouse_store::jobs`), so a restart loses none and two processes never run the same one.
//! The worker runs with the webhook workers, at background priority, and polls: an offer's
//! timeout is minutes away, an import's alerts may wait a moment, and a poll is a read.

use std::time::Duration;

use openhouse_domain::Error;
use openhouse_store::Store;

/// How often the worker looks for due jobs.
pub const POLL: Duration = Duration::from_millis(500);

/// A kind of job the worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Routing offers whose time ran out.
    Offers,
    /// Listing alerts of imports.
    Alerts,
}

impl Work {
    pub const ALL: [Work; 2] = [Work::Offers, Work::Alerts];

    /// The kind of its jobs (the `worker` label of its failures in `/metrics`).
    fn kind(self) -> &'static str {
        match self {
            Work::Offers => openhouse_store::routing::OFFER_JOB,
            Work::Alerts => openhouse_store::alerts::ALERT_JOB,
        }
    }

    async fn has_due(self, store: &Store, now: i64) -> Result<bool, Error> {
        match self {
            Work::Offers => store.has_due_offers(now).await,
            Work::Alerts => store.has_due_alerts(now).await,
        }
    }

    /// Runs a few due jobs; how many it took.
    async fn run(self, store: &Store, owner: i32, now: i64) -> Result<usize, Error> {
        match self {
            Work::Offers => store.run_offer_jobs(owner, now, 64).await,
            Work::Alerts => store.run_alert_jobs(owner, now).await,
        }
    }
}

/// Runs the jobs of a kind due by the store's clock now, until none is; how many ran.
pub async fn tick(store: &Store, work: Work) -> usize {
    let owner = store.node() as i32;
    let mut ran = 0;
    loop {
        let now = store.now();
        match work.has_due(store, now).await {
            Ok(true) => {}
            Ok(false) => return ran,
            Err(e) => {
                crate::metrics::worker_error(work.kind());
                tracing::warn!(error = %e, ?work, "looking for due jobs failed");
                return ran;
            }
        }
        match work.run(store, owner, now).await {
            Ok(0) => return ran,
            Ok(n) => ran += n,
            Err(e) => {
                crate::metrics::worker_error(work.kind());
                tracing::warn!(error = %e, ?work, "running jobs failed; retrying");
                return ran;
            }
        }
    }
}

/// The worker's loop (started with the webhook workers, on their background runtime).
pub async fn run(store: Store) {
    loop {
        for work in Work::ALL {
            tick(&store, work).await;
        }
        tokio::time::sleep(POLL).await;
    }
}
