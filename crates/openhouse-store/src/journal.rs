//! The one path every write takes: a [`Write`] is a transaction that records what it did in the
//! journal (`system_logs`) in the same transaction as the change itself, so no change goes
//! unrecorded and nothing is recorded for a change that was rolled back. The journal is both
//! the lead's system log and the outbox of webhook events (`dispatch_time` 0: not delivered
//! yet). On commit it tells the caches which leads changed.

use std::ops::Deref;

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use sea_orm::{
    AccessMode, DatabaseTransaction, EntityTrait, Set, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::Value;
use tokio::sync::OwnedMutexGuard;

use crate::entities::system_log;
use crate::{Store, db_err};

/// One recorded change.
pub struct Entry<'a> {
    /// The lead it concerns (0 for changes outside any lead).
    pub lead_id: i64,
    /// `lead.created`, `lead.updated`, `lead.trashed`, `lead.assigned`, ...
    pub action: &'a str,
    /// What changed, as shown in the system log and sent in the webhook event.
    pub detail: Value,
}

/// A write transaction: IMMEDIATE on SQLite, so a read-modify-write never fails to upgrade its
/// lock; row locks (`lock_exclusive`) do the same on PostgreSQL.
///
/// On SQLite, writers also queue for the process's write lock before they begin: SQLite admits
/// one writer at a time anyway, and a writer that finds the database locked sleeps in steps of
/// milliseconds, while one waiting on the lock is woken the moment it is free.
pub(crate) struct Write<'s> {
    txn: DatabaseTransaction,
    store: &'s Store,
    touched: Vec<(i64, i64)>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Deref for Write<'_> {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Store {
    pub(crate) async fn write(&self) -> Result<Write<'_>, Error> {
        let turn = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: Some(AccessMode::ReadWrite),
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
            .map_err(db_err)?;
        Ok(Write {
            txn,
            store: self,
            touched: Vec::new(),
            _turn: turn,
        })
    }
}

impl Write<'_> {
    /// Records one change of the caller's team.
    pub(crate) async fn record(
        &mut self,
        who: &Principal,
        now: i64,
        entry: Entry<'_>,
    ) -> Result<(), Error> {
        let ids = self.store.ids;
        let detail = entry.detail.to_string();
        system_log::Entity::insert(system_log::ActiveModel {
            team_id: Set(who.team_id),
            id: Set(ids.next_id()),
            lead_id: Set(entry.lead_id),
            actor_user_id: Set(Some(who.user_id)),
            action: Set(entry.action.to_string()),
            detail: Set(detail),
            create_time: Set(now),
            dispatch_time: Set(0),
        })
        .exec_without_returning(&self.txn)
        .await
        .map_err(db_err)?;
        if entry.lead_id > 0 {
            self.touched.push((who.team_id, entry.lead_id));
        }
        Ok(())
    }

    /// Commits, then forgets the cached copies of the leads this write changed.
    pub(crate) async fn commit(self) -> Result<(), Error> {
        self.txn.commit().await.map_err(db_err)?;
        self.store.cache.changed(&self.touched);
        Ok(())
    }
}

impl Store {
    /// A lead's journal, oldest first: (action, detail).
    pub async fn lead_journal(
        &self,
        team_id: i64,
        lead_id: i64,
    ) -> Result<Vec<(String, Value)>, Error> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let rows = system_log::Entity::find()
            .filter(system_log::Column::TeamId.eq(team_id))
            .filter(system_log::Column::LeadId.eq(lead_id))
            .order_by_asc(system_log::Column::CreateTime)
            .order_by_asc(system_log::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.action,
                    serde_json::from_str(&r.detail).unwrap_or(Value::Null),
                )
            })
            .collect())
    }
}
