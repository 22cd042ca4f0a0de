//! PostgreSQL: every process follows the journal that all of them write, so that the search
//! index and the lead caches of each one stay current with the writes of the others.
//!
//! On SQLite one process writes, and its own commits ([`crate::journal::Committed`]) tell its
//! followers everything. On PostgreSQL several servers may share the database; each polls the
//! journal (`system_logs`) for the entries written since it last looked and hands them to the
//! same followers, as a [`Committed`] marked `from_journal`, with the leads they name read back
//! as they are now.
//!
//! Commit order without a global sequence: an entry's id is drawn before its transaction
//! commits, so ids do not arrive in order. Each entry carries instead the id of the transaction
//! that wrote it (`xid`, a `xid8` column whose default is `pg_current_xact_id()`), and each poll
//! reads, in one statement, the oldest transaction still running (`pg_snapshot_xmin` of the
//! statement's snapshot, the *horizon*) with the entries of every transaction at or above the
//! previous horizon that the statement sees. Every transaction below the new horizon has ended,
//! so its entries were all in this read or an earlier one; none can appear later. Entries above
//! the new horizon that were already seen are remembered until the horizon passes them, so each
//! entry is handed over once (again only after [`JournalTail::rewind_after`]).
//!
//! The leads are read back after the poll's statement, so what a follower gets is at least as
//! new as every entry the poll read, and polls run one at a time: a lead's older state never
//! replaces a newer one. This is why the search index on PostgreSQL takes its leads only from
//! here, this process's writes included.
//!
//! Reads served from memory wait for a poll that began after they arrived
//! ([`JournalTail::caught_up`]): a search or a cached read then reflects every write that had
//! committed before it, on whichever process. Concurrent readers share one poll, so under load
//! that costs a statement per batch of reads, not per read. Between reads the tail polls every
//! [`IDLE_POLL`], so access changes (a revoked key, a member's new role) reach every process's
//! credential cache within it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use openhouse_domain::Error;
use openhouse_domain::event::Kind;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::{Mutex, Notify, watch};

use crate::journal::{Committed, Followers};
use crate::{db_err, leads};

/// How often the tail polls when no read asks it to.
pub(crate) const IDLE_POLL: Duration = Duration::from_millis(100);

/// The longest a read waits for a poll before it is answered 503: the database does not answer.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// Where the tail stands.
struct Position {
    /// Every transaction below this had ended when it was read, and its entries were handed
    /// over (taken when the tail starts, before the store reads anything it could keep).
    horizon: u64,
    /// Entries handed over whose transaction is at or above the horizon: (xid, entry id).
    seen: HashSet<(u64, i64)>,
}

pub(crate) struct JournalTail {
    db: DatabaseConnection,
    followers: Followers,
    position: Mutex<Position>,
    /// Polls begun.
    started: AtomicU64,
    /// The last poll that ended, and its error if it failed.
    done: watch::Sender<(u64, Option<Error>)>,
    ask: Arc<Notify>,
}

impl JournalTail {
    /// Starts following the journal of `db` for `followers` from now (before the store reads
    /// anything it could keep); it stops once the tail is dropped (with the last clone of its
    /// store).
    pub(crate) async fn start(
        db: DatabaseConnection,
        followers: Followers,
    ) -> Result<Arc<Self>, Error> {
        let horizon = horizon_now(&db).await?;
        let tail = Arc::new(Self {
            db,
            followers,
            position: Mutex::new(Position {
                horizon,
                seen: HashSet::new(),
            }),
            started: AtomicU64::new(0),
            done: watch::channel((0, None)).0,
            ask: Arc::new(Notify::new()),
        });
        tokio::spawn(run(Arc::downgrade(&tail)));
        Ok(tail)
    }

    /// Waits until a poll that began after this call has handed over what it read: every write
    /// committed before the call is then in the followers. Fails (503) when the poll did.
    pub(crate) async fn caught_up(&self) -> Result<(), Error> {
        let asked = self.started.load(Ordering::SeqCst);
        let mut done = self.done.subscribe();
        self.ask.notify_one();
        let wait = done.wait_for(|(n, _)| *n > asked);
        match tokio::time::timeout(MAX_WAIT, wait).await {
            Ok(Ok(d)) => match &d.1 {
                None => Ok(()),
                Some(e) => Err(e.clone()),
            },
            _ => Err(Error::unavailable(
                openhouse_domain::error::codes::STORAGE_UNREACHABLE,
                "the database did not answer in time; try again shortly",
            )),
        }
    }

    /// The horizon now: where a reader that starts reading the database after this call may
    /// be sure the journal will be followed from (see [`JournalTail::rewind_after`]).
    pub(crate) async fn horizon_now(&self) -> Result<u64, Error> {
        horizon_now(&self.db).await
    }

    /// Runs `install` (a state read from the database after [`JournalTail::horizon_now`]
    /// answered `from`) between two polls, then goes back to `from`: the next poll hands over
    /// again every change since, so none that the read missed is lost.
    pub(crate) async fn rewind_after(&self, from: u64, install: impl FnOnce()) {
        let mut p = self.position.lock().await;
        install();
        p.horizon = p.horizon.min(from);
        p.seen.clear();
    }

    /// Reads the journal past the horizon and hands what it finds to the followers.
    ///
    /// The entries are read in (xid, id) order, [`PAGE`] at a time: an ordered, limited read
    /// is answered from the `(xid, id)` index whatever the planner believes of the table (with
    /// no statistics it takes a third of the journal to match and would scan all of it). The
    /// new horizon is the first page's: every transaction below it had ended before any page
    /// was read, so all its entries are in the pages.
    async fn poll(&self) -> Result<(), Error> {
        let mut p = self.position.lock().await;
        let horizon = p.horizon;
        let mut next = None;
        let mut after: Option<(u64, i64)> = None;
        let mut touched = Vec::new();
        let mut access_changed = false;
        let mut seen = HashSet::new();
        loop {
            let (cond, values): (&str, Vec<sea_orm::Value>) = match after {
                None => ("xid >= ($1::text)::xid8", vec![horizon.to_string().into()]),
                Some((xid, id)) => (
                    "(xid, id) > (($1::text)::xid8, $2)",
                    vec![xid.to_string().into(), id.into()],
                ),
            };
            let sql = format!(
                "WITH h AS (SELECT {HORIZON} AS horizon) SELECT h.horizon, s.xid::text, s.id, s.team_id, s.lead_id, s.action \
                 FROM h LEFT JOIN LATERAL (SELECT xid, id, team_id, lead_id, action \
                 FROM system_logs WHERE {cond} ORDER BY xid, id LIMIT {PAGE}) s ON true"
            );
            let rows = self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    values,
                ))
                .await
                .map_err(db_err)?;
            let mut read = 0;
            for r in &rows {
                if next.is_none() {
                    next = Some(parse_xid(
                        &r.try_get_by_index::<String>(0).map_err(db_err)?,
                    )?);
                }
                let Some(xid) = r.try_get_by_index::<Option<String>>(1).map_err(db_err)? else {
                    continue;
                };
                read += 1;
                let xid = parse_xid(&xid)?;
                let id: i64 = r.try_get_by_index(2).map_err(db_err)?;
                after = Some((xid, id));
                seen.insert((xid, id));
                if p.seen.contains(&(xid, id)) {
                    continue;
                }
                let team: i64 = r.try_get_by_index(3).map_err(db_err)?;
                let lead: i64 = r.try_get_by_index(4).map_err(db_err)?;
                let action: String = r.try_get_by_index(5).map_err(db_err)?;
                access_changed |= Kind::parse(&action).is_some_and(Kind::changes_access);
                touched.push((team, lead));
            }
            if read < PAGE {
                break;
            }
        }
        let next = next.unwrap_or(horizon);
        if !touched.is_empty() {
            let followers = self.followers.read().expect("followers").clone();
            let mut leads = Vec::new();
            if followers.iter().any(|f| f.wants_leads(true)) {
                leads = leads::leads_named(&self.db, touched.iter().copied()).await?;
            }
            let change = Committed {
                touched: &touched,
                leads: &leads,
                access_changed,
                job_outcomes: &[],
                from_journal: true,
            };
            for f in followers.iter() {
                f.committed(&change);
            }
        }
        // what is below the new horizon will not be read again
        seen.retain(|(xid, _)| *xid >= next);
        p.seen = seen;
        p.horizon = next;
        Ok(())
    }
}

/// How many journal entries a poll reads a statement.
const PAGE: usize = 1000;

/// The tail's loop: a poll when a read asks (gathering the reads beside it) or every
/// [`IDLE_POLL`], until the tail is dropped.
async fn run(tail: Weak<JournalTail>) {
    loop {
        let Some(ask) = tail.upgrade().map(|t| t.ask.clone()) else {
            return;
        };
        tokio::select! {
            _ = ask.notified() => {}
            _ = tokio::time::sleep(IDLE_POLL) => {}
        }
        // the reads asking beside the first are served by the same poll
        crate::gather::settle().await;
        let Some(t) = tail.upgrade() else {
            return;
        };
        let n = t.started.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = t.poll().await.err();
        t.done.send_replace((n, outcome));
    }
}

/// The horizon of the statement's snapshot, as text (`xid8` has no cast to a number type).
const HORIZON: &str = "pg_snapshot_xmin(pg_current_snapshot())::text";

/// The horizon now (see [`JournalTail::horizon_now`]).
async fn horizon_now(db: &DatabaseConnection) -> Result<u64, Error> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {HORIZON}"),
        ))
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::internal("internal error"))?;
    parse_xid(&row.try_get_by_index::<String>(0).map_err(db_err)?)
}

fn parse_xid(text: &str) -> Result<u64, Error> {
    text.parse().map_err(|_| {
        tracing::error!(
            xid = text,
            "the journal gave a transaction id that is no number"
        );
        Error::internal("internal error")
    })
}
