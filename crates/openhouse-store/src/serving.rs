//! What keeps a serving process honest about its database:
//!
//! - **Pooled connections in an unknown state are closed, never reused.** SQLite rolls a
//!   transaction back by itself on some errors (a full disk, an I/O error); the pool's driver
//!   still counted it open, so the next transaction on that connection began as a savepoint
//!   inside nothing, a failed write's `ROLLBACK TO` then left a real transaction open, and every
//!   later "commit" on the connection released a savepoint inside it: acknowledged, never
//!   written, and the write lock held so every other writer timed out. A connection goes back
//!   to the pool only when both the driver and SQLite itself say no transaction is open.
//! - **The SQLite file is the one that was opened.** It is created once, at open; the pool never
//!   creates it again, and a write first checks that the path still names the same file.
//! - **One serving process per SQLite file** (an OS lock on the file for the process's life), and
//!   **one process per node id on PostgreSQL** (a session advisory lock), so ids never collide
//!   and the in-memory index and caches of a SQLite server see every write.
//! - **Readiness**: migrations done, search index built, and a real write commits.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use openhouse_domain::{Error, time};
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::sqlx::pool::PoolOptions;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{Connection, Postgres, Sqlite};
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::health::{self, Condition, Fault};
use crate::{Store, db_err, migration};

/// Settings of a store beyond its URL.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// SQLite's `max_page_count` on every connection: a database size limit, which is how
    /// tests make a full disk without a filesystem of their own.
    pub sqlite_max_page_count: Option<u64>,
    /// SQLite's `synchronous = NORMAL` instead of `FULL`: the log is synced at checkpoints
    /// rather than at every commit, so a power loss (not a crash of the process) can take the
    /// last acknowledged commits.
    pub sqlite_sync_normal: bool,
    /// The most request writes that may wait for (or hold) their turn at once; one more is
    /// refused with a 503 (OVERLOADED) instead of queueing. None: [`MAX_WAITING_WRITES`].
    pub max_waiting_writes: Option<usize>,
    /// SQLite's page cache per connection, in KiB (None: 2 MiB, the server's, whose hot reads
    /// do not go through it). A bulk write (the lead import) wants the pages it changes in a
    /// transaction to stay in memory until the commit.
    pub sqlite_cache_kib: Option<u64>,
    /// SQLite's `wal_autocheckpoint`, in pages (None: SQLite's 1,000). A bulk write raises it,
    /// so that the index pages every batch changes are copied from the log into the database
    /// a few times rather than at every 4 MB of log.
    pub sqlite_wal_autocheckpoint: Option<u32>,
}

impl StoreOptions {
    /// The options of a bulk write (a lead import): a SQLite page cache of 256 MiB, so the
    /// index pages a batch changes are written once, at its commit, rather than spilled and
    /// read back; and a checkpoint every 256 MiB of log instead of every 4 MB, so that the same
    /// pages are not copied into the database again and again.
    pub fn bulk(self) -> Self {
        Self {
            sqlite_cache_kib: Some(256 * 1024),
            sqlite_wal_autocheckpoint: Some(65_536),
            ..self
        }
    }
}

/// The default bound of waiting request writes: at SQLite's thousands of writes a second, a
/// queue this long is about a second's wait.
pub const MAX_WAITING_WRITES: u64 = 2048;

/// The SQLite file a store opened, by identity (device and inode), not only by path.
#[derive(Debug)]
pub(crate) struct DbFile {
    pub(crate) path: PathBuf,
    dev: u64,
    ino: u64,
}

impl DbFile {
    /// Creates the file when the URL allows and it does not exist; `None` for an in-memory
    /// database.
    pub(crate) fn open(url: &str) -> Result<Option<Self>, anyhow::Error> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| anyhow::anyhow!("bad SQLite URL: {e}"))?;
        let path = opts.get_filename().to_path_buf();
        let name = path.to_string_lossy();
        if name.is_empty() || name == ":memory:" || url.contains("mode=memory") {
            return Ok(None);
        }
        if !path.exists() && url.contains("mode=rwc") {
            // opening creates the file; the pool then opens it without creating
            rusqlite::Connection::open(&path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot open database {}: cannot create it: {e}",
                    path.display()
                )
            })?;
        }
        let m = std::fs::metadata(&path)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
        Ok(Some(Self {
            path,
            dev: m.dev(),
            ino: m.ino(),
        }))
    }

    /// Whether the path still names the file that was opened.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match std::fs::metadata(&self.path) {
            Ok(m) if m.dev() == self.dev && m.ino() == self.ino => Ok(()),
            Ok(_) => Err(gone(&format!(
                "{} is now another file",
                self.path.display()
            ))),
            Err(e) => Err(gone(&format!("{}: {e}", self.path.display()))),
        }
    }
}

fn gone(detail: &str) -> Error {
    health::met(Condition::FileGone, &detail);
    Condition::FileGone.error()
}

/// The rule both backends' pools share: a connection whose driver still counts a transaction
/// open did not end cleanly, and is closed rather than reused.
fn driver_says_clean<C: Connection>(conn: &C) -> bool {
    if conn.is_in_transaction() {
        tracing::warn!("closed a database connection whose transaction did not end cleanly");
        return false;
    }
    true
}

/// SQLite pool hooks: a connection returns to the pool only outside any transaction, as both
/// the driver and SQLite see it; otherwise it is closed (which rolls back whatever is open).
pub(crate) fn sqlite_pool_hooks(p: PoolOptions<Sqlite>) -> PoolOptions<Sqlite> {
    p.after_release(|conn, _| {
        Box::pin(async move {
            if !driver_says_clean(conn) {
                return Ok(false);
            }
            let mut handle = conn.lock_handle().await?;
            // SAFETY: the handle is locked for this call, so no other thread uses it
            let autocommit =
                unsafe { rusqlite::ffi::sqlite3_get_autocommit(handle.as_raw_handle().as_ptr()) };
            if autocommit == 0 {
                tracing::warn!(
                    "closed a database connection that SQLite still had in a transaction"
                );
                return Ok(false);
            }
            Ok(true)
        })
    })
}

/// PostgreSQL pool hooks: the same rule as SQLite's, by the driver's count (PostgreSQL never
/// ends a transaction on its own).
pub(crate) fn postgres_pool_hooks(p: PoolOptions<Postgres>) -> PoolOptions<Postgres> {
    p.after_release(|conn, _| Box::pin(async move { Ok(driver_says_clean(conn)) }))
}

/// Held for the life of a serving process: the claim on the database (see [`Store::claim_serving`]).
pub struct ServingClaim {
    _file: Option<std::fs::File>,
    keeper: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for ServingClaim {
    fn drop(&mut self) {
        if let Some(k) = self.keeper.take() {
            k.abort();
        }
    }
}

/// The advisory lock key space of node ids (the migration lock is a single-key lock).
const NODE_LOCK_CLASS: i32 = 7262448;

impl Store {
    /// Claims the database for this serving process: on SQLite, the only one (another `serve`
    /// on the same file is refused); on PostgreSQL, the only one with this node id. Keep the
    /// claim for as long as the process serves.
    pub async fn claim_serving(&self) -> Result<ServingClaim, anyhow::Error> {
        if let Some(f) = self.file() {
            let handle = std::fs::File::open(&f.path).map_err(|e| {
                anyhow::anyhow!("cannot open the database file {}: {e}", f.path.display())
            })?;
            return match handle.try_lock() {
                Ok(()) => Ok(ServingClaim {
                    _file: Some(handle),
                    keeper: None,
                }),
                Err(std::fs::TryLockError::WouldBlock) => Err(anyhow::anyhow!(
                    "another openhouse server is already serving {}: a SQLite database has one \
                     serving process (stop the other one, or use PostgreSQL to run several)",
                    f.path.display()
                )),
                Err(std::fs::TryLockError::Error(e)) => Err(anyhow::anyhow!(
                    "cannot lock the database file {}: {e}",
                    f.path.display()
                )),
            };
        }
        if self.backend() != DbBackend::Postgres {
            return Ok(ServingClaim {
                _file: None,
                keeper: None,
            });
        }
        let node = i32::from(self.ids.node());
        let url = self.url.to_string();
        let mut conn = take_node_lock(&url, node).await?;
        let keeper = tokio::spawn(async move {
            // the lock lives as long as its session: if the session is lost (the database
            // restarted), take it again
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                if conn.ping().await.is_ok() {
                    continue;
                }
                loop {
                    match take_node_lock(&url, node).await {
                        Ok(c) => {
                            conn = c;
                            break;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, node, "cannot hold this process's node id lock");
                            tokio::time::sleep(Duration::from_secs(5)).await;
                        }
                    }
                }
            }
        });
        Ok(ServingClaim {
            _file: None,
            keeper: Some(keeper),
        })
    }

    /// Whether the server can serve: migrations done, the search index built, a write commits,
    /// and no storage fault met in the last [`FAULT_WINDOW_MS`].
    pub async fn readiness(&self) -> Readiness {
        let migrated = match migration::Migrator::get_pending_migrations(&self.db).await {
            Ok(p) => p.is_empty(),
            Err(e) => {
                let _ = db_err(e);
                false
            }
        };
        let index_ready = self.index.as_ref().is_none_or(|i| i.ready());
        let writable = self.beat().await;
        let fault = health::fault().filter(|f| time::now_ms() - f.last < FAULT_WINDOW_MS);
        Readiness {
            migrated,
            index_ready,
            writable,
            fault,
        }
    }

    /// Writes this node's beat: proves a write commits, without counting as the write that
    /// clears a storage fault (the beat rewrites one row, which a full disk may still allow).
    async fn beat(&self) -> Result<(), Error> {
        let node = i64::from(self.ids.node());
        let stmt = Query::insert()
            .into_table(Alias::new("server_nodes"))
            .columns([Alias::new("node_id"), Alias::new("beat_time")])
            .values_panic([node.into(), time::now_ms().into()])
            .on_conflict(
                OnConflict::column(Alias::new("node_id"))
                    .update_column(Alias::new("beat_time"))
                    .to_owned(),
            )
            .to_owned();
        let w = self.write().await?;
        w.execute(&stmt).await.map_err(db_err)?;
        w.commit_probe().await
    }
}

async fn take_node_lock(
    url: &str,
    node: i32,
) -> Result<sea_orm::sqlx::PgConnection, anyhow::Error> {
    let mut conn = sea_orm::sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to take the node id lock: {e}"))?;
    let taken: bool = sea_orm::sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(NODE_LOCK_CLASS)
        .bind(node)
        .fetch_one(&mut conn)
        .await
        .map_err(|e| anyhow::anyhow!("cannot take the node id lock: {e}"))?;
    if !taken {
        return Err(anyhow::anyhow!(
            "another openhouse process already runs as node {node} on this database: give each \
             process that shares a database its own --node-id (0-15)"
        ));
    }
    Ok(conn)
}

/// A storage fault met within this long makes the server unready, even if the beat commits.
pub const FAULT_WINDOW_MS: i64 = 30_000;

/// What `/readyz` reports.
#[derive(Debug)]
pub struct Readiness {
    pub migrated: bool,
    pub index_ready: bool,
    pub writable: Result<(), Error>,
    pub fault: Option<Fault>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.migrated && self.index_ready && self.writable.is_ok() && self.fault.is_none()
    }
}
