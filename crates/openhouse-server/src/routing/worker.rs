//! The routing worker of a serving process: runs offers whose time ran out (Next Up to the
//! next member, or the default rule), as durable jobs claimed under a lease, so a restart
//! loses none and two processes never run the same one. It runs with the webhook workers, at
//! background priority, and polls: an offer's timeout is minutes away, a poll is a read.

use std::time::Duration;

use openhouse_store::Store;

/// How often the worker looks for offers that ran out.
pub const POLL: Duration = Duration::from_millis(500);

/// Runs offers that ran out by the store's clock now; how many ran.
pub async fn tick(store: &Store) -> usize {
    let owner = store.node() as i32;
    let mut ran = 0;
    loop {
        let now = store.now();
        match store.has_due_offers(now).await {
            Ok(true) => {}
            Ok(false) => return ran,
            Err(e) => {
                tracing::warn!(error = %e, "looking for routing offers failed");
                return ran;
            }
        }
        match store.run_offer_jobs(owner, now, 64).await {
            Ok(0) => return ran,
            Ok(n) => ran += n,
            Err(e) => {
                tracing::warn!(error = %e, "running routing offers failed; retrying");
                return ran;
            }
        }
    }
}

/// The worker's loop (started with the webhook workers, on their background runtime).
pub async fn run(store: Store) {
    loop {
        tick(&store).await;
        tokio::time::sleep(POLL).await;
    }
}
