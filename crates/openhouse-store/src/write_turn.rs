//! Writes made for requests first, background writes after them.
//!
//! Background work (webhook dispatch, delivery claims and their records, routing's timed
//! offers) writes in batches; run as soon as it is due, it takes the database from the API's
//! writers while they are busiest. So every write takes a turn here: a request's write counts
//! as active from the moment it asks until it ends, and a background write waits until none is
//! active, or [`MAX_YIELD`] has passed (so under a steady API load background work still runs,
//! about once a second per worker, and catches up when the load drops).
//!
//! On SQLite the turn is also the process's one write turn: SQLite admits one writer at a time,
//! and writers queue here in arrival order rather than sleep in SQLite's busy handler. On
//! PostgreSQL writes run side by side; only the counting applies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

use crate::metrics::{WRITE_WAIT_SECONDS, WRITES_REFUSED};

/// The longest a background write lets active request writes go first.
pub(crate) const MAX_YIELD: Duration = Duration::from_secs(1);

pub(crate) struct WriteTurn {
    /// SQLite: the one write turn.
    lock: Option<Arc<Mutex<()>>>,
    /// Request writes asking for the turn or running.
    active: AtomicUsize,
    /// Woken when the last active request write ends.
    idle: Notify,
    /// The most request writes active at once ([`WriteTurn::admit`]).
    max_active: usize,
    /// Request writes waiting for the turn now (for `/metrics`).
    waiting_request: AtomicUsize,
    /// Background writes waiting for the turn now (for `/metrics`).
    waiting_background: AtomicUsize,
}

/// The write queue now, as `/metrics` shows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueStats {
    pub waiting_request: usize,
    pub waiting_background: usize,
    /// Request writes waiting or running.
    pub active: usize,
    /// The most request writes active at once.
    pub limit: usize,
}

/// Counts a write as waiting for its turn until it has it (or its caller went away).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        Self(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A write's turn; the write holds it until it ends.
pub(crate) struct Turn {
    _lock: Option<OwnedMutexGuard<()>>,
    _active: Option<Active>,
    /// A background write that stopped yielding at [`MAX_YIELD`]: the API is busy, so it
    /// should do little.
    pub(crate) busy: bool,
}

impl WriteTurn {
    /// `serial`: writers take turns one at a time (SQLite); `max_active`: the most request
    /// writes waiting or running at once.
    pub(crate) fn new(serial: bool, max_active: usize) -> Self {
        Self {
            lock: serial.then(|| Arc::new(Mutex::new(()))),
            active: AtomicUsize::new(0),
            idle: Notify::new(),
            max_active,
            waiting_request: AtomicUsize::new(0),
            waiting_background: AtomicUsize::new(0),
        }
    }

    /// The queue now (for `/metrics`).
    pub(crate) fn stats(&self) -> QueueStats {
        QueueStats {
            waiting_request: self.waiting_request.load(Ordering::Relaxed),
            waiting_background: self.waiting_background.load(Ordering::Relaxed),
            active: self.active.load(Ordering::Relaxed),
            limit: self.max_active,
        }
    }

    /// Whether one more request write may wait: refused (503 OVERLOADED, nothing written) when
    /// as many as the bound are waiting or running already. Asked before a write enqueues
    /// anything, so a refused one leaves no trace.
    pub(crate) fn admit(&self) -> Result<(), openhouse_domain::Error> {
        if self.active.load(Ordering::Acquire) >= self.max_active {
            metrics::counter!(WRITES_REFUSED).increment(1);
            return Err(openhouse_domain::Error::unavailable(
                openhouse_domain::error::codes::OVERLOADED,
                "the server has more writes waiting than it takes: nothing was changed; retry \
                 shortly",
            ));
        }
        Ok(())
    }

    /// The turn for a request's write, in arrival order.
    pub(crate) async fn take(self: &Arc<Self>) -> Turn {
        let started = Instant::now();
        self.active.fetch_add(1, Ordering::AcqRel);
        let active = Active(self.clone());
        let lock = match &self.lock {
            Some(l) => {
                let _waiting = Waiting::new(&self.waiting_request);
                Some(l.clone().lock_owned().await)
            }
            None => None,
        };
        if crate::metrics::enabled() {
            metrics::histogram!(WRITE_WAIT_SECONDS, "priority" => "request")
                .record(started.elapsed());
        }
        Turn {
            _lock: lock,
            _active: Some(active),
            busy: false,
        }
    }

    /// The turn for a background write: after the request writes active now (or starting
    /// later, for up to [`MAX_YIELD`]).
    pub(crate) async fn take_background(&self) -> Turn {
        let started = Instant::now();
        let waiting = Waiting::new(&self.waiting_background);
        let deadline = tokio::time::Instant::now() + MAX_YIELD;
        let mut busy = false;
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.active.load(Ordering::Acquire) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                busy = true;
                break;
            }
        }
        let lock = match &self.lock {
            Some(l) => Some(l.clone().lock_owned().await),
            None => None,
        };
        drop(waiting);
        if crate::metrics::enabled() {
            metrics::histogram!(WRITE_WAIT_SECONDS, "priority" => "background")
                .record(started.elapsed());
        }
        Turn {
            _lock: lock,
            _active: None,
            busy,
        }
    }
}

/// Counts a request write as active until it ends (or its caller went away).
struct Active(Arc<WriteTurn>);

impl Drop for Active {
    fn drop(&mut self) {
        if self.0.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn background_waits_for_queued_request_writes() {
        let turn = Arc::new(WriteTurn::new(true, usize::MAX));
        let held = turn.take().await;
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let queue = |name: &'static str, background: bool| {
            let (t, o) = (turn.clone(), order.clone());
            tokio::spawn(async move {
                let _g = if background {
                    t.take_background().await
                } else {
                    t.take().await
                };
                o.lock().unwrap().push(name);
            })
        };
        // a request write runs and one waits; a background write comes; another request
        // write comes after it: both request writes go first
        let first = queue("request 1", false);
        tokio::task::yield_now().await;
        let bg = queue("background", true);
        tokio::task::yield_now().await;
        let second = queue("request 2", false);
        tokio::task::yield_now().await;
        drop(held);
        for t in [first, second, bg] {
            t.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            vec!["request 1", "request 2", "background"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn background_waits_for_running_request_writes_without_a_lock() {
        // PostgreSQL: no one write turn, but a background write still waits for the request
        // writes running
        let turn = Arc::new(WriteTurn::new(false, usize::MAX));
        let running = turn.take().await;
        let t = turn.clone();
        let bg = tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            let _g = t.take_background().await;
            start.elapsed()
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(running);
        assert_eq!(bg.await.unwrap(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn background_goes_after_max_yield_under_steady_load() {
        let turn = Arc::new(WriteTurn::new(true, usize::MAX));
        // request writes that never stop coming: one always active, the turn itself free
        turn.active.fetch_add(1, Ordering::AcqRel);
        let start = tokio::time::Instant::now();
        let g = turn.take_background().await;
        assert_eq!(start.elapsed(), MAX_YIELD);
        assert!(g.busy);
    }

    #[tokio::test(start_paused = true)]
    async fn background_goes_at_once_when_no_request_writes() {
        let turn = Arc::new(WriteTurn::new(true, usize::MAX));
        let start = tokio::time::Instant::now();
        let g = turn.take_background().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert!(!g.busy);
    }
}
