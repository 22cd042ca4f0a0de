//! Reads of leads by id on SQLite, run in this process on the caller's thread.
//!
//! sqlx runs every SQLite statement on a worker thread and copies each value of each row
//! before handing it back; for the hottest reads (a lead by id, the 25 leads of a search page)
//! that hand-off cost more than SQLite's own work (bench/RESULTS.md). These reads instead use
//! a few read-only connections of the same database file through rusqlite, which reads the
//! columns straight out of the statement. A point read takes microseconds, so it runs inline
//! rather than on a blocking thread.
//!
//! The SQL is the same query definition as everywhere else: sea-orm builds it (once per
//! number of ids) from the entity, and [`crate::entities`] decodes the row in the entity's
//! field order, which is the order sea-orm selects the columns in.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use openhouse_domain::Error;
use rusqlite::{Connection, OpenFlags};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait};

use crate::entities::lead;
use crate::search_index::{self, IndexRow, TeamIndex};

/// Ids read per statement: searches ask for at most 100 leads a page.
const MAX_IDS: usize = 100;

/// Idle connections kept: the runtime has a worker per core, and each runs one read at a time.
const MAX_IDLE: usize = 2;

/// The SQL reading the leads of a team with `n` ids (index `n - 1`).
static LEADS_SQL: LazyLock<Vec<String>> = LazyLock::new(|| {
    (1..=MAX_IDS)
        .map(|n| {
            let q = lead::Entity::find().filter(lead::Column::TeamId.eq(0));
            let q = if n == 1 {
                q.filter(lead::Column::Id.eq(0))
            } else {
                q.filter(lead::Column::Id.is_in(vec![0i64; n]))
            };
            q.build(DbBackend::Sqlite).sql
        })
        .collect()
});

pub(crate) struct Reader {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

fn read_err(e: rusqlite::Error) -> Error {
    crate::health::rusqlite_err(e)
}

/// The rows of query `which` of [`search_index::index_sql`], one at a time.
fn index_rows<'s>(
    s: &'s mut rusqlite::Statement<'_>,
    which: usize,
) -> rusqlite::Result<impl Iterator<Item = rusqlite::Result<IndexRow>> + 's> {
    s.query_map([], move |r| {
        IndexRow::from_row(
            which,
            |i| r.get::<_, i64>(i),
            |i| r.get::<_, Option<String>>(i),
        )
    })
}

impl Reader {
    /// A reader of the database file a normalized SQLite URL names; None for an in-memory
    /// database, which another connection could not see.
    pub(crate) fn for_url(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("sqlite://")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path.contains(":memory:") || query.contains("mode=memory") {
            return None;
        }
        Some(Self {
            path: path.to_string(),
            idle: Mutex::new(Vec::new()),
        })
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(Duration::from_secs(10))?;
        // the pages come from the OS's cache; a small cache of its own keeps memory down
        c.pragma_update(None, "cache_size", -2048)?;
        c.set_prepared_statement_cache_capacity(MAX_IDS + 8);
        Ok(c)
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, Error> {
        let idle = self.idle.lock().expect("reader lock").pop();
        let conn = match idle {
            Some(c) => c,
            None => self.connect().map_err(read_err)?,
        };
        let started = std::time::Instant::now();
        let out = f(&conn);
        // timed like every statement of the pools (the reads here bypass them)
        crate::metrics::record_select(started.elapsed(), out.is_err());
        let out = out.map_err(read_err);
        let mut idle = self.idle.lock().expect("reader lock");
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        out
    }

    /// Runs an index build over the three queries of [`search_index::index_sql`], in one read
    /// transaction of a connection of its own, row by row (nothing is buffered).
    pub(crate) fn index_rows(
        &self,
        build: impl FnOnce(
            &mut dyn Iterator<Item = rusqlite::Result<IndexRow>>,
            &mut dyn Iterator<Item = rusqlite::Result<IndexRow>>,
            &mut dyn Iterator<Item = rusqlite::Result<IndexRow>>,
            Option<&HashMap<i64, usize>>,
        ) -> rusqlite::Result<HashMap<i64, TeamIndex>>,
    ) -> Result<HashMap<i64, TeamIndex>, Error> {
        let run = || -> rusqlite::Result<HashMap<i64, TeamIndex>> {
            let mut c = self.connect()?;
            let tx = c.transaction()?;
            let counts: HashMap<i64, usize> = tx
                .prepare(&search_index::count_sql())?
                .query_map([], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
                })?
                .collect::<Result<_, _>>()?;
            let sql = search_index::index_sql();
            let mut stmts = [
                tx.prepare(&sql[0])?,
                tx.prepare(&sql[1])?,
                tx.prepare(&sql[2])?,
            ];
            let [a, b, c] = &mut stmts;
            let mut leads = index_rows(a, 0)?;
            let mut tags = index_rows(b, 1)?;
            let mut segments = index_rows(c, 2)?;
            build(&mut leads, &mut tags, &mut segments, Some(&counts))
        };
        run().map_err(read_err)
    }

    /// The rows of a team's leads with these ids, in no particular order.
    pub(crate) fn leads(&self, team_id: i64, ids: &[i64]) -> Result<Vec<lead::Model>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_IDS) {
            let sql = &LEADS_SQL[chunk.len() - 1];
            self.with(|c| {
                let mut stmt = c.prepare_cached(sql)?;
                let params = std::iter::once(team_id).chain(chunk.iter().copied());
                let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
                while let Some(row) = rows.next()? {
                    out.push(lead::Model::from_sqlite_row(row)?);
                }
                Ok(())
            })?;
        }
        Ok(out)
    }
}
