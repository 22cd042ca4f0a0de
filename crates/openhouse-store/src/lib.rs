//! openhouse persistence. One [`Store`] over SQLite (the embedded default) or PostgreSQL (chosen
//! by the URL); every query is written once with sea-orm / sea-query and runs on both. What
//! SQL itself does differently (LIKE's case) is handled in [`dialect`]; what the store does
//! differently per backend (SQLite's accelerators, PostgreSQL's position taker) is listed in
//! docs/DESIGN.md, "What differs between SQLite and PostgreSQL, and where".

pub mod agent_tags;
pub mod alerts;
pub mod auth;
pub mod backup;
pub mod brokermint;
mod bulk_indexes;
mod cache;
pub mod calendar;
pub mod comms;
pub mod dialect;
pub mod entities;
pub mod features;
mod gather;
mod group_commit;
pub mod health;
pub mod jobs;
pub mod journal;
mod journal_tail;
pub mod lead_import;
pub mod leads;
pub mod listings;
pub mod metrics;
pub mod migration;
pub mod notes;
pub mod oauth;
pub mod people;
pub mod pipelines;
mod read_batch;
pub mod render;
pub mod routing;
mod search_index;
mod serving;
pub mod signin;
mod sqlite_read;
pub mod tasks;
pub mod transactions;
pub mod webhooks;
pub(crate) mod write_turn;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use openhouse_domain::Error;
use openhouse_domain::id::IdGenerator;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

pub use sea_orm::DatabaseTransaction;
pub use serving::{MAX_WAITING_WRITES, Readiness, ServingClaim, StoreOptions};

/// Where the data lives. A handle: cloning it (as every request does, several times) is one
/// reference count, not one a part; the parts are in [`StoreParts`].
#[derive(Clone)]
pub struct Store(Arc<StoreParts>);

impl std::ops::Deref for Store {
    type Target = StoreParts;

    fn deref(&self) -> &StoreParts {
        &self.0
    }
}

/// What a [`Store`] holds.
#[doc(hidden)]
#[derive(Clone)]
pub struct StoreParts {
    pub(crate) db: DatabaseConnection,
    pub(crate) ids: &'static IdGenerator,
    pub(crate) cache: Arc<cache::Caches>,
    /// The turns writes take: request writes before background ones, and on SQLite one at a
    /// time (see [`write_turn`]).
    pub(crate) turn: Arc<write_turn::WriteTurn>,
    /// The in-memory lead search index (see [`search_index`]); None only in [`Store::sql_only`].
    pub(crate) index: Option<Arc<search_index::SearchIndex>>,
    /// What the store does on SQLite only, where this process is the database's one writer.
    pub(crate) sqlite: Option<Arc<SqliteOnly>>,
    /// What the store does on PostgreSQL only, where other processes share the database.
    pub(crate) postgres: Option<Arc<PostgresOnly>>,
    /// The URL the store was opened with (for the serving claim's own connection).
    pub(crate) url: Arc<str>,
    /// Woken after a write that journaled something commits: the webhook dispatcher waits on it.
    pub(crate) journaled: Arc<tokio::sync::Notify>,
    /// The time, as routing and the writes that take it from here read it.
    pub(crate) clock: Arc<Clock>,
    /// Each team's routing configuration, read once per version (see [`routing`]).
    pub(crate) routing: Arc<routing::ConfigCache>,
    /// Server secrets already read: they never change once made (see `Store::server_secret`).
    pub(crate) secrets: Arc<std::sync::RwLock<std::collections::HashMap<String, Vec<u8>>>>,
    /// Told of every write that commits, in commit order (see [`journal::Follower`]).
    pub(crate) followers: journal::Followers,
}

/// The store's parts for SQLite only (speed; each is right only because one process writes the
/// file). docs/DESIGN.md, "What differs between SQLite and PostgreSQL, and where", says why each.
pub(crate) struct SqliteOnly {
    /// In-process reads of leads by id (see [`sqlite_read`]); None for an in-memory database.
    reader: Option<Arc<sqlite_read::Reader>>,
    /// Lead creates waiting for the write turn (see [`group_commit`]).
    pending: Arc<group_commit::Pending>,
    /// The database file as it was opened, to notice it moved or went away; None in memory.
    file: Option<serving::DbFile>,
}

/// The store's parts for PostgreSQL only (other processes write the same database).
pub(crate) struct PostgresOnly {
    /// A small pool of its own for the short transactions that take rotation positions (see
    /// `Store::turn_rotation`). Its own, so that a write holding a connection of the main pool
    /// never waits for another one of it.
    rotation_db: DatabaseConnection,
    /// The task that takes rotation positions (see `Store::turn_rotation`).
    positions: Arc<routing::PositionTaker>,
    /// The journal's tail, which tells the followers of every process's writes (see
    /// [`journal_tail`]).
    tail: Arc<journal_tail::JournalTail>,
    /// Reads of single leads by id, gathered into shared statements (see [`read_batch`]).
    lead_reads: read_batch::LeadReads,
}

impl Store {
    /// SQLite: the in-process reader of leads by id.
    pub(crate) fn reader(&self) -> Option<&Arc<sqlite_read::Reader>> {
        self.sqlite.as_ref()?.reader.as_ref()
    }

    /// SQLite: the lead creates waiting for the write turn.
    pub(crate) fn pending(&self) -> Option<&Arc<group_commit::Pending>> {
        self.sqlite.as_ref().map(|s| &s.pending)
    }

    /// SQLite: the database file as it was opened.
    pub(crate) fn file(&self) -> Option<&serving::DbFile> {
        self.sqlite.as_ref()?.file.as_ref()
    }

    /// PostgreSQL: the rotation positions' own pool.
    pub(crate) fn rotation_db(&self) -> Option<&DatabaseConnection> {
        self.postgres.as_ref().map(|p| &p.rotation_db)
    }

    /// PostgreSQL: the task that takes rotation positions.
    pub(crate) fn positions(&self) -> Option<&Arc<routing::PositionTaker>> {
        self.postgres.as_ref().map(|p| &p.positions)
    }

    /// PostgreSQL: the journal's tail.
    pub(crate) fn tail(&self) -> Option<&Arc<journal_tail::JournalTail>> {
        self.postgres.as_ref().map(|p| &p.tail)
    }

    /// PostgreSQL: the batched reads of single leads.
    pub(crate) fn lead_reads(&self) -> Option<&read_batch::LeadReads> {
        self.postgres.as_ref().map(|p| &p.lead_reads)
    }
}

/// The store's clock: the system's, moved by an offset that tests set (so a test of a
/// 30-minute offer moves the clock instead of sleeping). Every clone of a store shares it.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        openhouse_domain::time::now_ms() + self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves the clock forward (or back) by `ms`.
    pub fn advance(&self, ms: i64) {
        self.offset_ms
            .fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sets the clock to `ms` (from where it keeps running).
    pub fn set(&self, ms: i64) {
        self.offset_ms.store(
            ms - openhouse_domain::time::now_ms(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

/// The server secrets (see [`Store::server_secret`]): made when the schema is brought up to date.
pub const SERVER_SECRETS: [&str; 3] = ["scroll_id_key", "login_token_key", "sign_in_session_key"];

/// The process's one ID generator: every Store of a process draws from it, so two stores over
/// the same database in one process can never hand out the same id.
static IDS: OnceLock<IdGenerator> = OnceLock::new();

fn id_generator(node: u16) -> &'static IdGenerator {
    let g = IDS.get_or_init(|| IdGenerator::new(node));
    if g.node() != node {
        tracing::warn!(
            first = g.node(),
            asked = node,
            "this process already generates ids as another node; keeping it"
        );
    }
    g
}

/// The one way a database error becomes an API error: a condition of the storage (full, I/O
/// error, read-only, locked, unreachable) is a 503 naming it, logged once while it lasts (see
/// [`health`]); anything else is unexpected, logged, and a 500 that shows no details.
pub(crate) fn db_err(e: DbErr) -> Error {
    if let Some(c) = health::classify(&e) {
        health::met(c, &e);
        return c.error();
    }
    tracing::error!(error = %e, "database error");
    Error::internal("internal error")
}

/// What `--database-url` accepts: `postgres://…`, `sqlite://…`, or a plain file path for SQLite.
pub fn normalize_url(url: &str) -> Result<String, Error> {
    let url = url.trim();
    if url.is_empty() {
        return Err(Error::invalid("the database URL is empty"));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(url.to_string());
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.trim_start_matches("//");
        if rest.is_empty() {
            return Err(Error::invalid("the SQLite URL names no file"));
        }
        return Ok(if rest.contains("mode=") {
            format!("sqlite://{rest}")
        } else if rest.contains('?') {
            format!("sqlite://{rest}&mode=rwc")
        } else {
            format!("sqlite://{rest}?mode=rwc")
        });
    }
    if url.contains("://") {
        return Err(Error::invalid(format!(
            "unsupported database URL '{}': use postgres://… or sqlite://… or a file path",
            url.split("://").next().unwrap_or("")
        )));
    }
    Ok(format!("sqlite://{url}?mode=rwc"))
}

impl Store {
    /// Opens the database (creating a SQLite file when it does not exist yet). `node` is this
    /// process's node number for ID generation.
    pub async fn connect(url: &str, node: u16) -> Result<Self, anyhow::Error> {
        Self::connect_with(url, node, &StoreOptions::default()).await
    }

    /// [`Store::connect`] with options.
    pub async fn connect_with(
        url: &str,
        node: u16,
        options: &StoreOptions,
    ) -> Result<Self, anyhow::Error> {
        let url = normalize_url(url).map_err(|e| anyhow::anyhow!(e.message))?;
        let sqlite = url.starts_with("sqlite:");
        // a SQLite file is created here, once: the pool's connections open it without creating
        // it, so a file moved or removed under the server is an error, not a new empty database
        let file = if sqlite {
            serving::DbFile::open(&url)?
        } else {
            None
        };
        let mut opts = ConnectOptions::new(url.clone());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if sqlite {
            // SQLite reads scale with cores, not connections; each connection holds its own page
            // cache, so a small pool keeps memory down
            opts.max_connections(4).min_connections(1);
            let max_pages = options.sqlite_max_page_count;
            // FULL: the log is synced at every commit, so a write acknowledged is on the disk
            // (group commit shares one sync among the creates of a batch)
            let sync = if options.sqlite_sync_normal {
                SqliteSynchronous::Normal
            } else {
                SqliteSynchronous::Full
            };
            let created = file.is_some();
            let cache_kib = options.sqlite_cache_kib.unwrap_or(2048);
            let autocheckpoint = options.sqlite_wal_autocheckpoint;
            opts.map_sqlx_sqlite_opts(move |o| {
                let o = o
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(sync)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .statement_cache_capacity(256)
                    // SQLite's default 2 MB of page cache per connection: the hot reads go
                    // through sqlite_read and the search index, and the pages themselves stay in
                    // the OS's cache; a larger cache here held 32 MB of the server's memory
                    .pragma("cache_size", format!("-{cache_kib}"));
                let o = if created {
                    o.create_if_missing(false)
                } else {
                    o
                };
                let o = match autocheckpoint {
                    Some(pages) => o.pragma("wal_autocheckpoint", pages.to_string()),
                    None => o,
                };
                match max_pages {
                    Some(n) => o.pragma("max_page_count", n.to_string()),
                    None => o,
                }
            });
            opts.map_sqlx_sqlite_pool_opts(serving::sqlite_pool_hooks);
        } else {
            opts.max_connections(16).min_connections(1);
            opts.map_sqlx_postgres_pool_opts(serving::postgres_pool_hooks);
        }
        let mut db = Database::connect(opts).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot open database {}: {}",
                redact(&url),
                e.to_string().lines().next().unwrap_or("")
            )
        })?;
        // every statement's duration for /metrics, at the one place they all pass
        db.set_metric_callback(metrics::record_query);
        let rotation_db = if sqlite {
            None
        } else {
            let mut side = ConnectOptions::new(url.clone());
            side.sqlx_logging(false)
                .connect_timeout(Duration::from_secs(10))
                .acquire_timeout(Duration::from_secs(30))
                // one statement at a time takes positions (see Store::take_positions)
                .max_connections(1)
                .min_connections(0);
            // a position is durable with the create that took it (see turn_rotation)
            side.map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off")]));
            side.map_sqlx_postgres_pool_opts(serving::postgres_pool_hooks);
            let mut side = Database::connect(side).await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot open database {}: {}",
                    redact(&url),
                    e.to_string().lines().next().unwrap_or("")
                )
            })?;
            side.set_metric_callback(metrics::record_query);
            Some(side)
        };
        let followers: journal::Followers = Arc::new(std::sync::RwLock::new(Arc::new([])));
        let (sqlite_only, postgres_only) = match rotation_db {
            None => (
                Some(Arc::new(SqliteOnly {
                    reader: sqlite_read::Reader::for_url(&url).map(Arc::new),
                    pending: Arc::default(),
                    file,
                })),
                None,
            ),
            Some(rotation_db) => {
                let tail = journal_tail::JournalTail::start(db.clone(), followers.clone())
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot read the journal: {}", e.message))?;
                let positions = Arc::new(routing::PositionTaker::start(rotation_db.clone()));
                (
                    None,
                    Some(Arc::new(PostgresOnly {
                        rotation_db,
                        positions,
                        tail,
                        lead_reads: read_batch::LeadReads::start(db.clone()),
                    })),
                )
            }
        };
        let store = Self(Arc::new(StoreParts {
            db,
            ids: id_generator(node),
            cache: Arc::new(cache::Caches::new()),
            turn: Arc::new(write_turn::WriteTurn::new(
                sqlite,
                options
                    .max_waiting_writes
                    .unwrap_or(serving::MAX_WAITING_WRITES as usize),
            )),
            index: Some(Arc::new(search_index::SearchIndex::new(!sqlite))),
            sqlite: sqlite_only,
            postgres: postgres_only,
            url: url.into(),
            journaled: Arc::new(tokio::sync::Notify::new()),
            clock: Arc::default(),
            routing: Arc::default(),
            secrets: Arc::default(),
            followers,
        }));
        // what follows committed writes, told in this order; the server adds its own
        // (`Store::on_access_changed`)
        store.follow(store.cache.clone());
        if let Some(index) = &store.index {
            store.follow(index.clone());
        }
        store.follow(Arc::new(webhooks::Wake(store.journaled.clone())));
        store.follow(Arc::new(jobs::Outcomes));
        Ok(store)
    }

    /// Waits until what this process keeps in memory (the search index, the lead caches)
    /// holds every write committed before the call, from any process: at once on SQLite,
    /// whose one writing process tells its followers as it commits; on PostgreSQL once the
    /// journal's tail has polled (see [`journal_tail`]).
    pub(crate) async fn caught_up(&self) -> Result<(), Error> {
        match self.tail() {
            Some(t) => t.caught_up().await,
            None => Ok(()),
        }
    }

    /// Brings the schema up to date. On PostgreSQL the migration holds an advisory lock, so
    /// several servers starting at once migrate one after another.
    pub async fn migrate(&self) -> Result<(), anyhow::Error> {
        let txn = self.db.begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7262447)")
                .await?;
        }
        migration::Migrator::up(&txn, None).await?;
        txn.commit().await?;
        // indexes an import set aside and did not build again (it died halfway)
        let built = self.restore_indexes().await.map_err(|e| {
            anyhow::anyhow!(
                "cannot build the indexes an import set aside: {}",
                e.message
            )
        })?;
        if built > 0 {
            tracing::info!(
                indexes = built,
                "built the indexes an unfinished import set aside"
            );
        }
        // the keys that sign scroll ids and login tokens are made now, not by the first read
        // that needs one: a read must not depend on a write (it would fail with the storage)
        for name in SERVER_SECRETS {
            self.server_secret(name).await.map_err(|e| {
                anyhow::anyhow!("cannot make the server secret {name}: {}", e.message)
            })?;
        }
        Ok(())
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// This process's node number.
    pub fn node(&self) -> u16 {
        self.ids.node()
    }

    pub fn next_id(&self) -> i64 {
        self.ids.next_id()
    }

    /// Now, in epoch milliseconds, by the store's [`Clock`].
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The store's clock (tests move it).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }

    /// Closes the database's pool (for every clone of this store).
    pub async fn close(self) {
        let _ = self.db.clone().close().await;
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("openhouse.db").unwrap(),
            "sqlite://openhouse.db?mode=rwc"
        );
        assert_eq!(
            normalize_url("sqlite://x.db").unwrap(),
            "sqlite://x.db?mode=rwc"
        );
        assert_eq!(
            normalize_url("sqlite:x.db?mode=ro").unwrap(),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(
            normalize_url("postgres://u@h/db").unwrap(),
            "postgres://u@h/db"
        );
        assert!(normalize_url("mysql://h/db").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
