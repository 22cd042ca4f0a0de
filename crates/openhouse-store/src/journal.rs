//! The one path every write takes: a [`Write`] is a transaction that records what it did in the
//! journal (`system_logs`) in the same transaction as the change itself, so no change goes
//! unrecorded and nothing is recorded for a change that was rolled back. The journal is both
//! the lead's system log and the outbox of webhook events (`dispatch_time` 0: not delivered
//! yet); each entry keeps the resource as the change left it, for its event (see
//! [`crate::render`]).
//!
//! Once a write commits, the journal hands what it changed ([`Committed`]) to every
//! [`Follower`] the store has (the lead caches, the search index, the webhook dispatcher's
//! wake-up, the job metrics, the access-change listeners), in one place and in commit order. It
//! knows them only through that interface: the followers import the journal, not the reverse.

use std::ops::Deref;
use std::sync::Arc;

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::event::Kind;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, EntityTrait, Set, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde_json::Value;

use openhouse_domain::lead::Lead;

use crate::entities::system_log;
use crate::render::Resource;
use crate::write_turn::Turn;
use crate::{Store, db_err, health};

/// One recorded change.
pub struct Entry {
    /// The lead it concerns (0 for changes outside any lead).
    pub lead_id: i64,
    /// What happened; stored as its action string (`lead.created`, ...), from which the system
    /// log, the timeline and the webhook event types all derive.
    pub action: Kind,
    /// What changed, as shown in the system log and sent in the webhook event.
    pub detail: Value,
    /// The resource right after the change (for a deletion, as it was last), in the shape the
    /// API shows it, made by the same [`crate::render`] function as the API's answer; stored
    /// in `system_logs.resource` so that the webhook event carries it as it was then, whatever
    /// changes later. [`Resource::fits`] decides which shape each kind carries.
    pub resource: Resource,
}

/// What a committed write changed, as its followers are told it.
pub(crate) struct Committed<'a> {
    /// (team, lead) of each journal entry the write recorded, in order (lead 0: a change of the
    /// team's own, such as people or offices).
    pub touched: &'a [(i64, i64)],
    /// The leads the write changed, as it left them, each once; kept only while some follower
    /// wants them ([`Follower::wants_leads`]), else empty.
    pub leads: &'a [Lead],
    /// The write journaled a change of who may do what ([`Kind::changes_access`]).
    pub access_changed: bool,
    /// Job attempts the write recorded, (kind, outcome) (see [`crate::jobs::record`]).
    pub job_outcomes: &'a [(String, &'static str)],
    /// Read back from the journal by [`crate::journal_tail`] (PostgreSQL: the writes of every
    /// process, this one's included) rather than handed over by a write of this process.
    pub from_journal: bool,
}

/// Whatever follows the changes writes commit. Followers are registered with the store
/// ([`Store::follow`]) and told of each committed write in registration order, in commit order
/// (the write still holds its turn).
pub(crate) trait Follower: Send + Sync {
    /// Whether it wants [`Committed::leads`] now, from this process's writes or from the
    /// journal's tail (`from_journal`). While one does, a write keeps the leads it is handed
    /// ([`Write::wrote`]) and, before it commits, reads back the other leads it journaled a
    /// change of (a note, a logged call); the tail reads the leads its entries name.
    fn wants_leads(&self, from_journal: bool) -> bool {
        let _ = from_journal;
        false
    }

    /// Takes a committed change. Called while the write holds its turn: it must not wait.
    fn committed(&self, change: &Committed<'_>);
}

/// The store's followers, in registration order.
pub(crate) type Followers = Arc<std::sync::RwLock<Arc<[Arc<dyn Follower>]>>>;

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
    /// The new state of leads this write changed, while a follower wants them.
    leads: Vec<Lead>,
    _turn: Turn,
    /// What lead routing read in this write, for the next lead it routes in the same write (a
    /// batch of creates on SQLite): a write that routes leads changes neither.
    pub(crate) routing_memo: std::sync::Mutex<crate::routing::Memo>,
    /// The write journaled a change of who may do what ([`Kind::changes_access`]).
    access_changed: bool,
    /// Job attempts recorded in this write, (kind, outcome): counted for `/metrics` once it
    /// commits (see [`crate::jobs::record`]).
    pub(crate) job_outcomes: std::sync::Mutex<Vec<(String, &'static str)>>,
}

impl Deref for Write<'_> {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Where a write stood, to go back to (see [`Write::savepoint`]).
pub(crate) struct Mark {
    touched: usize,
    leads: usize,
    rotations: std::collections::HashMap<crate::routing::Rotation, (i64, bool)>,
}

impl Store {
    pub(crate) async fn write(&self) -> Result<Write<'_>, Error> {
        self.turn.admit()?;
        let turn = self.turn.take().await;
        self.write_in(turn).await
    }

    /// A write for background work (webhook dispatch, job claims and records): it lets the
    /// request writes active now go first (see [`crate::write_turn`]).
    pub(crate) async fn background_write(&self) -> Result<Write<'_>, Error> {
        let turn = self.turn.take_background().await;
        self.write_in(turn).await
    }

    /// A write in a turn already taken.
    pub(crate) async fn write_in(&self, turn: Turn) -> Result<Write<'_>, Error> {
        if let Some(f) = self.file() {
            f.check()?;
        }
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                // none: a PostgreSQL transaction is READ WRITE already, and naming it costs a
                // `SET TRANSACTION` round trip on every write; SQLite has no access modes (its
                // write transactions are IMMEDIATE instead)
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
            .map_err(db_err)?;
        Ok(Write {
            txn,
            store: self,
            touched: Vec::new(),
            leads: Vec::new(),
            _turn: turn,
            routing_memo: Default::default(),
            access_changed: false,
            job_outcomes: Default::default(),
        })
    }
}

impl<'s> Write<'s> {
    /// A background write taken while the API stayed busy (see [`crate::write_turn`]): it
    /// should do a small part of its work and leave the rest for later.
    pub(crate) fn busy(&self) -> bool {
        self._turn.busy
    }

    /// The store the write is on.
    pub(crate) fn store(&self) -> &'s Store {
        self.store
    }

    /// Records one change of the caller's team.
    pub(crate) async fn record(
        &mut self,
        who: &Principal,
        now: i64,
        entry: Entry,
    ) -> Result<(), Error> {
        debug_assert!(
            entry.resource.fits(entry.action),
            "{:?} journaled with the wrong resource: {:?}",
            entry.action,
            entry.resource
        );
        let row = entry_row(
            who.team_id,
            who.user_id,
            self.store.ids.next_id(),
            now,
            &entry,
            0,
        );
        system_log::Entity::insert(row)
            .exec_without_returning(&self.txn)
            .await
            .map_err(db_err)?;
        if matches!(entry.action, Kind::UserCreated | Kind::UserUpdated) {
            self.store.members_changed(self, who.team_id).await?;
        }
        self.access_changed |= entry.action.changes_access();
        // a team-level entry (lead id 0: people, offices) forgets the team's search totals too,
        // since office filters follow the office tree
        self.touched.push((who.team_id, entry.lead_id));
        Ok(())
    }

    /// The statements that write `entries`, `rows_per_statement` rows each, built lazily (see
    /// [`Write::execute_pipelined`]); the entries' leads count as touched by this write.
    /// `dispatched`: written as dispatched already (the team has no webhook subscription, so
    /// the dispatcher would only mark them: see [`Store::team_subscribes`]).
    pub(crate) fn entry_statements(
        &mut self,
        who: &Principal,
        now: i64,
        entries: Vec<Entry>,
        rows_per_statement: usize,
        dispatched: bool,
    ) -> impl Iterator<Item = sea_orm::Statement> + Send + use<> {
        let dispatch_time = if dispatched { now.max(1) } else { 0 };
        let ids = self.store.ids;
        let backend = self.txn.get_database_backend();
        for entry in &entries {
            self.touched.push((who.team_id, entry.lead_id));
        }
        let (team_id, user_id) = (who.team_id, who.user_id);
        let mut entries = entries.into_iter().peekable();
        let n = rows_per_statement.max(1);
        std::iter::from_fn(move || {
            entries.peek()?;
            let rows: Vec<system_log::ActiveModel> = entries
                .by_ref()
                .take(n)
                .map(|entry| {
                    debug_assert!(entry.resource.fits(entry.action));
                    debug_assert!(
                        !entry.action.changes_access()
                            && !matches!(entry.action, Kind::UserCreated | Kind::UserUpdated)
                    );
                    entry_row(team_id, user_id, ids.next_id(), now, &entry, dispatch_time)
                })
                .collect();
            Some(sea_orm::QueryTrait::build(
                &system_log::Entity::insert_many(rows),
                backend,
            ))
        })
    }

    /// Executes statements in order, building each (the iterator's `next`) while the one
    /// before runs: a bulk write's CPU work and the database's then overlap instead of taking
    /// turns (SQLite runs a statement on its connection's own thread).
    pub(crate) async fn execute_pipelined(
        &self,
        statements: impl Iterator<Item = sea_orm::Statement> + Send,
    ) -> Result<(), Error> {
        let mut statements = statements;
        let Some(mut current) = statements.next() else {
            return Ok(());
        };
        loop {
            // join polls the statement first (it is sent to the database), then builds the
            // next one
            let (done, next) =
                tokio::join!(self.txn.execute_raw(current), async { statements.next() });
            done.map_err(db_err)?;
            match next {
                Some(s) => current = s,
                None => return Ok(()),
            }
        }
    }

    /// Starts a savepoint: what follows can be undone with [`Write::rollback_to`] while the
    /// rest of the write stands.
    pub(crate) async fn savepoint(&self) -> Result<Mark, Error> {
        self.txn
            .execute_unprepared("SAVEPOINT part")
            .await
            .map_err(db_err)?;
        Ok(Mark {
            touched: self.touched.len(),
            leads: self.leads.len(),
            rotations: self.routing_memo.lock().expect("memo").mark(),
        })
    }

    /// Keeps what was done since the savepoint.
    pub(crate) async fn release(&self) -> Result<(), Error> {
        self.txn
            .execute_unprepared("RELEASE part")
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Undoes what was done since the savepoint, and forgets what it recorded.
    pub(crate) async fn rollback_to(&mut self, mark: Mark) -> Result<(), Error> {
        self.txn
            .execute_unprepared("ROLLBACK TO part")
            .await
            .map_err(db_err)?;
        self.release().await?;
        self.touched.truncate(mark.touched);
        self.leads.truncate(mark.leads);
        self.routing_memo
            .lock()
            .expect("memo")
            .back_to(mark.rotations);
        Ok(())
    }

    /// Hands over the new state of a lead this write changed, for the followers that want it
    /// ([`Follower::wants_leads`]). A lead the write recorded a change of but did not hand over
    /// here is read back before the commit.
    pub(crate) fn wrote(&mut self, lead: &Lead) {
        if self.store.followers().iter().any(|f| f.wants_leads(false)) {
            self.leads
                .retain(|l| l.id != lead.id || l.team_id != lead.team_id);
            self.leads.push(lead.clone());
        }
    }

    /// Commits, then tells every follower what changed (the caches forget the leads, the
    /// search index takes their new state, ...), while the write still holds its turn (so in
    /// commit order).
    pub(crate) async fn commit(mut self) -> Result<(), Error> {
        self.store.flush_rotations(&self).await?;
        let followers = self.store.followers();
        if followers.iter().any(|f| f.wants_leads(false)) {
            let missing: Vec<(i64, i64)> = self
                .touched
                .iter()
                .filter(|(t, l)| !self.leads.iter().any(|e| e.team_id == *t && e.id == *l))
                .copied()
                .collect();
            let read = crate::leads::leads_named(&self.txn, missing).await?;
            self.leads.extend(read);
        }
        let job_outcomes = std::mem::take(self.job_outcomes.get_mut().expect("outcomes"));
        self.txn.commit().await.map_err(db_err)?;
        health::cleared();
        let change = Committed {
            touched: &self.touched,
            leads: &self.leads,
            access_changed: self.access_changed,
            job_outcomes: &job_outcomes,
            from_journal: false,
        };
        for f in followers.iter() {
            f.committed(&change);
        }
        Ok(())
    }

    /// Commits a write that changed no data of the API (the readiness beat): it proves a write
    /// commits, and leaves any storage fault in force to real writes to clear.
    pub(crate) async fn commit_probe(self) -> Result<(), Error> {
        debug_assert!(self.touched.is_empty() && self.leads.is_empty());
        self.txn.commit().await.map_err(db_err)
    }
}

impl Store {
    /// Registers a follower of committed changes, told after those registered before it.
    pub(crate) fn follow(&self, follower: Arc<dyn Follower>) {
        let mut followers = self.followers.write().expect("followers");
        let mut all = followers.to_vec();
        all.push(follower);
        *followers = all.into();
    }

    /// The followers, as registered now.
    fn followers(&self) -> Arc<[Arc<dyn Follower>]> {
        self.followers.read().expect("followers").clone()
    }

    /// Calls `f` after every committed write that changed who may do what (a member's role,
    /// office or status, a pond's agents, a team removed): the server forgets the credentials
    /// it resolved, so the change holds from the next request. Decided here, where the change
    /// commits, so no handler can forget it. `f` is told whether this process made the change
    /// (`true`) or the journal's tail found it (`false`: another process's, or on PostgreSQL
    /// this one's again, see [`crate::journal_tail`]).
    pub fn on_access_changed(&self, f: impl Fn(bool) + Send + Sync + 'static) {
        self.follow(Arc::new(AccessListener(f)));
    }
}

/// A follower of access changes (see [`Store::on_access_changed`]).
struct AccessListener<F>(F);

impl<F: Fn(bool) + Send + Sync> Follower for AccessListener<F> {
    fn committed(&self, change: &Committed<'_>) {
        if change.access_changed {
            (self.0)(!change.from_journal);
        }
    }
}

/// The journal row of an entry, made by `user_id` of `team_id`.
fn entry_row(
    team_id: i64,
    user_id: i64,
    id: i64,
    now: i64,
    entry: &Entry,
    dispatch_time: i64,
) -> system_log::ActiveModel {
    system_log::ActiveModel {
        team_id: Set(team_id),
        id: Set(id),
        lead_id: Set(entry.lead_id),
        actor_user_id: Set(Some(user_id)),
        action: Set(entry.action.action().to_string()),
        detail: Set(entry.detail.to_string()),
        create_time: Set(now),
        dispatch_time: Set(dispatch_time),
        resource: Set(Some(entry.resource.to_json())),
    }
}

/// (team, id) pairs, sorted, without repeats, grouped by team: the shape of a write that touches
/// rows of several teams by id.
pub(crate) fn by_team(pairs: impl IntoIterator<Item = (i64, i64)>) -> Vec<(i64, Vec<i64>)> {
    let mut v: Vec<(i64, i64)> = pairs.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
    for (t, id) in v {
        match out.last_mut() {
            Some((team, ids)) if *team == t => ids.push(id),
            _ => out.push((t, vec![id])),
        }
    }
    out
}

/// What a journal entry shows as its detail (the system log's content): what was stored, and
/// for a `lead.created` entry, whose detail holds only where the lead came from and what
/// routing decided, the lead as created (its resource) with those. (Entries written before
/// that kept the whole lead in the detail too: theirs is shown with the resource's fields.)
pub(crate) fn shown_detail(m: &system_log::Model) -> Value {
    let detail: Value = serde_json::from_str(&m.detail).unwrap_or(Value::Null);
    if m.action != Kind::LeadCreated.action() {
        return detail;
    }
    let resource = m
        .resource
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok());
    match (resource, detail) {
        (Some(Value::Object(mut lead)), Value::Object(said)) => {
            lead.extend(said);
            Value::Object(lead)
        }
        (_, detail) => detail,
    }
}

/// A journal entry as stored, read back (see [`Store::journal`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Journaled {
    pub id: i64,
    pub action: String,
    pub detail: Value,
    /// The resource kept with the entry (None for entries written before resources were kept).
    pub resource: Option<Value>,
    pub create_time: i64,
}

impl Store {
    /// The journal entries of a lead (0: the team's own entries), oldest first, with the
    /// resource each keeps.
    pub async fn journal(&self, team_id: i64, lead_id: i64) -> Result<Vec<Journaled>, Error> {
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
            .map(|r| Journaled {
                id: r.id,
                detail: serde_json::from_str(&r.detail).unwrap_or(Value::Null),
                resource: r.resource.and_then(|s| serde_json::from_str(&s).ok()),
                action: r.action,
                create_time: r.create_time,
            })
            .collect())
    }

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
