//! What the store tells `/metrics`: recorded through the `metrics` facade, which does nothing
//! until the server installs a recorder (so tools and tests that never serve metrics pay
//! nothing but the call).
//!
//! Recorded where they happen, at the store's seams rather than query by query:
//! - every statement sea-orm runs, through its metric callback on the pools
//!   ([`record_query`]): its duration by kind of statement, and its failures; and the reads
//!   of leads by id SQLite serves outside the pools ([`record_select`]);
//! - every write's wait for its turn, in [`crate::write_turn`], and the writes refused there;
//! - every job attempt recorded, in [`crate::jobs`] (the one place outcomes are written);
//! - each build of the lead search index.
//!
//! The gauges (pool connections, writes waiting, the index's size, pending jobs) are read when
//! `/metrics` is scraped ([`crate::Store::report_gauges`]), not kept up to date on every change.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

use crate::Store;

/// Histogram: seconds a statement took on its connection (not counting the wait for one),
/// by `op` (select, insert, update, delete, other).
pub const DB_QUERY_SECONDS: &str = "openhouse_db_query_duration_seconds";
/// Counter: statements that failed, by `op`.
pub const DB_QUERY_ERRORS: &str = "openhouse_db_query_errors_total";
/// Gauge: connections of a pool, by `pool` (main; rotation on PostgreSQL) and `state`
/// (in_use, idle).
pub const DB_POOL_CONNECTIONS: &str = "openhouse_db_pool_connections";
/// Gauge: the most connections a pool opens, by `pool`.
pub const DB_POOL_MAX: &str = "openhouse_db_pool_max_connections";
/// Histogram: seconds a write waited for its turn, by `priority` (request, background).
pub const WRITE_WAIT_SECONDS: &str = "openhouse_write_wait_seconds";
/// Gauge: writes waiting for their turn now, by `priority`.
pub const WRITES_WAITING: &str = "openhouse_writes_waiting";
/// Gauge: writes of requests waiting or running (what `--max-waiting-writes` bounds).
pub const WRITES_ACTIVE: &str = "openhouse_writes_active";
/// Gauge: `--max-waiting-writes`.
pub const WRITES_LIMIT: &str = "openhouse_writes_limit";
/// Counter: writes of requests refused because as many as the bound were waiting (503, 50308).
pub const WRITES_REFUSED: &str = "openhouse_writes_refused_total";
/// Gauge: 1 when the lead search index is built and answers searches (SQLite), else 0.
pub const SEARCH_INDEX_READY: &str = "openhouse_search_index_ready";
/// Gauge: leads in the search index (deleted ones included until restart).
pub const SEARCH_INDEX_LEADS: &str = "openhouse_search_index_leads";
/// Gauge: teams in the search index.
pub const SEARCH_INDEX_TEAMS: &str = "openhouse_search_index_teams";
/// Histogram: seconds a build of the search index took.
pub const SEARCH_INDEX_BUILD_SECONDS: &str = "openhouse_search_index_build_seconds";
/// Gauge: jobs pending (waiting to run, for a retry, or running), by `kind`.
pub const JOBS_PENDING: &str = "openhouse_jobs_pending";
/// Counter: job attempts recorded, by `kind` and `outcome` (done, retry, failed).
pub const JOB_ATTEMPTS: &str = "openhouse_job_attempts_total";

/// The kinds of durable jobs, for [`JOBS_PENDING`].
pub const JOB_KINDS: [&str; 3] = [
    crate::webhooks::KIND,
    crate::routing::OFFER_JOB,
    crate::alerts::ALERT_JOB,
];

/// Whether a recorder is installed (see [`enable`]).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Tells the store that a recorder is installed: until then the hot paths (every statement,
/// every write's turn) skip building their labels and reading the clock for nothing.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether metrics are recorded (see [`enable`]).
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Describes the store's metrics to the installed recorder (their help text and units).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        DB_QUERY_SECONDS,
        Unit::Seconds,
        "Time a database statement took on its connection, by kind of statement"
    );
    describe_counter!(DB_QUERY_ERRORS, "Database statements that failed");
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Connections of a database pool, in use or idle"
    );
    describe_gauge!(DB_POOL_MAX, "The most connections a database pool opens");
    describe_histogram!(
        WRITE_WAIT_SECONDS,
        Unit::Seconds,
        "Time a write waited for its turn (request writes go before background ones; on SQLite one at a time)"
    );
    describe_gauge!(WRITES_WAITING, "Writes waiting for their turn now");
    describe_gauge!(
        WRITES_ACTIVE,
        "Writes of requests waiting or running (bounded by --max-waiting-writes)"
    );
    describe_gauge!(WRITES_LIMIT, "--max-waiting-writes");
    describe_counter!(
        WRITES_REFUSED,
        "Writes of requests refused with 503 because too many were waiting"
    );
    describe_gauge!(
        SEARCH_INDEX_READY,
        "1 when the in-memory lead search index answers searches (SQLite), else 0"
    );
    describe_gauge!(SEARCH_INDEX_LEADS, "Leads in the lead search index");
    describe_gauge!(SEARCH_INDEX_TEAMS, "Teams in the lead search index");
    describe_histogram!(
        SEARCH_INDEX_BUILD_SECONDS,
        Unit::Seconds,
        "Time a build of the lead search index took"
    );
    describe_gauge!(JOBS_PENDING, "Durable jobs pending, by kind");
    describe_counter!(
        JOB_ATTEMPTS,
        "Job attempts recorded, by kind and outcome (done, retry, failed)"
    );
}

/// The metric callback of the store's pools: every statement sea-orm runs passes here.
pub(crate) fn record_query(info: &sea_orm::metric::Info<'_>) {
    if !enabled() {
        return;
    }
    let op = op_of(&info.statement.sql);
    metrics::histogram!(DB_QUERY_SECONDS, "op" => op).record(info.elapsed);
    if info.failed {
        metrics::counter!(DB_QUERY_ERRORS, "op" => op).increment(1);
    }
}

/// A read outside the pools (SQLite's reads of leads by id through rusqlite,
/// [`crate::sqlite_read`]): counted with the pools' selects.
pub(crate) fn record_select(elapsed: Duration, failed: bool) {
    if !enabled() {
        return;
    }
    metrics::histogram!(DB_QUERY_SECONDS, "op" => "select").record(elapsed);
    if failed {
        metrics::counter!(DB_QUERY_ERRORS, "op" => "select").increment(1);
    }
}

/// The kind of a statement, by its first word (a `WITH` is counted as `other`).
fn op_of(sql: &str) -> &'static str {
    let word = sql
        .trim_start()
        .split([' ', '\n', '\t', '('])
        .next()
        .unwrap_or("");
    ["select", "insert", "update", "delete"]
        .into_iter()
        .find(|op| word.eq_ignore_ascii_case(op))
        .unwrap_or("other")
}

/// Records how long something took in a histogram.
pub(crate) fn seconds(name: &'static str, d: Duration) {
    metrics::histogram!(name).record(d);
}

fn pool_gauges(name: &'static str, db: &DatabaseConnection) {
    let (size, idle, max) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => return,
    };
    let idle = idle as f64;
    let in_use = (f64::from(size) - idle).max(0.0);
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => name, "state" => "in_use").set(in_use);
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => name, "state" => "idle").set(idle);
    metrics::gauge!(DB_POOL_MAX, "pool" => name).set(f64::from(max));
}

impl Store {
    /// Sets the store's gauges to what they are now (called when `/metrics` is scraped): the
    /// pools, the write queue and the search index from memory, the pending jobs with one
    /// count per kind (an index range each).
    pub async fn report_gauges(&self) {
        pool_gauges("main", &self.db);
        if let Some(db) = self.rotation_db() {
            pool_gauges("rotation", db);
        }
        let q = self.turn.stats();
        metrics::gauge!(WRITES_WAITING, "priority" => "request").set(q.waiting_request as f64);
        metrics::gauge!(WRITES_WAITING, "priority" => "background")
            .set(q.waiting_background as f64);
        metrics::gauge!(WRITES_ACTIVE).set(q.active as f64);
        metrics::gauge!(WRITES_LIMIT).set(q.limit as f64);
        let (ready, teams, leads) = match &self.index {
            Some(i) => match i.size() {
                Some((teams, leads)) => (1.0, teams as f64, leads as f64),
                None => (0.0, 0.0, 0.0),
            },
            None => (0.0, 0.0, 0.0),
        };
        metrics::gauge!(SEARCH_INDEX_READY).set(ready);
        metrics::gauge!(SEARCH_INDEX_TEAMS).set(teams);
        metrics::gauge!(SEARCH_INDEX_LEADS).set(leads);
        for kind in JOB_KINDS {
            // a database that does not answer leaves the last value (the scrape still answers)
            if let Ok(n) = self.pending_jobs(kind).await {
                metrics::gauge!(JOBS_PENDING, "kind" => kind).set(n as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn statement_kinds() {
        assert_eq!(super::op_of("SELECT 1"), "select");
        assert_eq!(super::op_of("  insert INTO x"), "insert");
        assert_eq!(super::op_of("UPDATE \"leads\""), "update");
        assert_eq!(super::op_of("DELETE FROM x"), "delete");
        assert_eq!(super::op_of("SAVEPOINT part"), "other");
        assert_eq!(super::op_of(""), "other");
    }
}
