//! Secondary indexes set aside while a large lead import writes (SQLite): SQLite keeps every
//! index up row by row, which at a million leads is most of the import's time; building an
//! index once at the end sorts instead. The definitions are kept in `set_aside_indexes` in the
//! same transaction that drops the indexes, and [`Store::migrate`] builds any that are still
//! set aside, so an import that dies halfway never leaves a server without its indexes.
//! PostgreSQL keeps its indexes (its import is bound by the network protocol, not by them).

use openhouse_domain::Error;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::{Store, db_err};

/// The tables a lead import writes.
const TABLES: [&str; 6] = [
    "leads",
    "lead_emails",
    "lead_phones",
    "lead_segments",
    "lead_tags",
    "system_logs",
];

/// Helper threads SQLite may sort with while it builds an index again.
const SORT_THREADS: usize = 2;

/// What the import itself reads by: kept (its duplicate lookup by email).
const KEPT: [&str; 1] = ["lead_emails_key"];

impl Store {
    /// A transaction that takes SQLite's write lock at once (it reads, then changes the
    /// schema: a deferred one could not upgrade after another process wrote).
    async fn schema_write(&self) -> Result<DatabaseTransaction, Error> {
        self.db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
            .map_err(db_err)
    }

    /// Whether setting the indexes aside pays for an import of `rows` rows: on SQLite, when the
    /// file has at least 50,000 rows and no fewer than the database has leads (of every team,
    /// the trash included: building the indexes again reads them all). PostgreSQL keeps them.
    pub async fn indexes_aside_pay(&self, rows: u64) -> Result<bool, Error> {
        use sea_orm::{EntityTrait, PaginatorTrait};
        if self.backend() != DbBackend::Sqlite || rows < 50_000 {
            return Ok(false);
        }
        let leads = crate::entities::lead::Entity::find()
            .count(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows >= leads)
    }

    /// SQLite: drops the secondary indexes of the tables a lead import writes (but
    /// [`KEPT`]), keeping their definitions to build them again with
    /// [`Store::restore_indexes`]. Answers how many; on PostgreSQL, 0. No server may serve the
    /// database meanwhile (the import holds the serving claim).
    pub async fn set_indexes_aside(&self) -> Result<usize, Error> {
        if self.backend() != DbBackend::Sqlite {
            return Ok(0);
        }
        let tables = TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(",");
        let kept = KEPT
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(",");
        let txn = self.schema_write().await?;
        let rows = txn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     AND tbl_name IN ({tables}) AND name NOT IN ({kept})"
                ),
            ))
            .await
            .map_err(db_err)?;
        let mut n = 0;
        for r in rows {
            let name: String = r.try_get_by_index(0).map_err(db_err)?;
            let definition: String = r.try_get_by_index(1).map_err(db_err)?;
            let keep = Query::insert()
                .into_table("set_aside_indexes")
                .columns(["name", "definition"])
                .values_panic([name.clone().into(), definition.into()])
                .to_owned();
            txn.execute(&keep).await.map_err(db_err)?;
            txn.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .await
                .map_err(db_err)?;
            n += 1;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(n)
    }

    /// Builds every index [`Store::set_indexes_aside`] set aside, each with the forgetting of
    /// its definition in one transaction. Answers how many.
    pub async fn restore_indexes(&self) -> Result<usize, Error> {
        let aside = Query::select()
            .columns(["name", "definition"])
            .from("set_aside_indexes")
            .to_owned();
        let rows = self.db.query_all(&aside).await.map_err(db_err)?;
        let mut n = 0;
        for r in rows {
            let name: String = r.try_get_by_index(0).map_err(db_err)?;
            let definition: String = r.try_get_by_index(1).map_err(db_err)?;
            let started = std::time::Instant::now();
            let txn = self.schema_write().await?;
            // SQLite sorts an index's keys with helper threads when allowed (none by default)
            txn.execute_unprepared(&format!("PRAGMA threads = {SORT_THREADS}"))
                .await
                .map_err(db_err)?;
            // read in this transaction: it brings the connection's copy of the schema up to
            // date (another connection of the pool set the index aside, and SQLite checks a
            // CREATE INDEX against the copy it holds), and an index already there is kept
            let there = Query::select()
                .expr(Expr::cust("1"))
                .from("sqlite_master")
                .and_where(Expr::col("type").eq("index"))
                .and_where(Expr::col("name").eq(name.as_str()))
                .to_owned();
            if txn.query_one(&there).await.map_err(db_err)?.is_none() {
                txn.execute_unprepared(&definition).await.map_err(db_err)?;
            }
            let forget = Query::delete()
                .from_table("set_aside_indexes")
                .and_where(Expr::col("name").eq(name.as_str()))
                .to_owned();
            txn.execute(&forget).await.map_err(db_err)?;
            txn.commit().await.map_err(db_err)?;
            tracing::debug!(
                index = name,
                ms = started.elapsed().as_millis() as u64,
                "index built again"
            );
            n += 1;
        }
        Ok(n)
    }
}
