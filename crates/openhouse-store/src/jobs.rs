//! Durable jobs: the one mechanism for work done outside a request (webhook deliveries, lead
//! routing's timed offers). A job is a row of `jobs`, written in the same transaction as the
//! change that calls for it, so a crash loses none.
//!
//! - **Claiming** takes due jobs under a lease (`lease_until`, `lease_owner`) in a short write:
//!   on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so processes claiming at
//!   once never take the same job; on SQLite one process writes at a time anyway. The work is
//!   done outside any transaction; [`Store::finish_jobs`] records the outcome only while the
//!   lease is still the claimer's, so a job taken over after its lease ran out is never
//!   recorded twice.
//! - **Ordering**: jobs of one kind with the same team, subject and `order_key` run one at a time
//!   in id order: a job is not due while an earlier one of its key is pending (in flight,
//!   waiting for a retry, or waiting for its window). An empty key orders nothing.
//! - **Retries** are the caller's choice of time ([`Outcome::Retry`]); a job past its deadline
//!   is failed instead. Every attempt is kept in the job's history: done jobs are the delivery
//!   log, pruned after [`KEEP_DONE_MS`].

use openhouse_domain::Error;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, sea_query::LockBehavior, sea_query::LockType,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::entities::job;
use crate::journal::{Committed, Follower, Write, by_team};
use crate::{Store, db_err};

/// Pending: waiting to run or running.
pub const PENDING: i32 = 0;
/// Done: the work succeeded.
pub const DONE: i32 = 1;
/// Failed: given up after its deadline, or refused for good.
pub const FAILED: i32 = 2;

/// How long done and failed jobs stay in the log.
pub const KEEP_DONE_MS: i64 = 7 * 24 * 3600 * 1000;

/// A job to write.
pub struct NewJob {
    pub team_id: i64,
    pub kind: &'static str,
    pub subject_id: i64,
    pub order_key: String,
    pub event_id: i64,
    pub payload: Value,
    pub run_at: i64,
    /// When to give up retrying (0: never).
    pub deadline: i64,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    /// The kind of job (`webhook`, `routing.offer`, ...).
    pub kind: String,
    pub team_id: i64,
    pub id: i64,
    pub subject_id: i64,
    pub order_key: String,
    pub event_id: i64,
    pub payload: Value,
    /// Attempts before this one.
    pub attempts: i32,
    pub deadline: i64,
    pub create_time: i64,
    /// The lease this claim holds (the token [`Store::finish_jobs`] checks).
    lease_until: i64,
    history: String,
}

/// One attempt, as the job's history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub time: i64,
    /// The answer's status (0: none, e.g. a timeout).
    pub status: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    pub duration_ms: i64,
}

/// How an attempt went, and what follows.
#[derive(Debug, Clone)]
pub enum Outcome {
    Done(Attempt),
    /// Try again at this time (failed instead when past the job's deadline).
    Retry(Attempt, i64),
    /// Give up now.
    Failed(Attempt),
}

impl Outcome {
    /// How a job whose work is a write of this database went: done (`note` says what it did),
    /// or after `e` again at `retry_at` when the fault is the server's (storage), else failed
    /// for good. Routing's offers and listing alerts answer with it.
    pub fn of_write(result: &Result<(), Error>, now: i64, retry_at: i64, note: String) -> Outcome {
        let attempt = |status: i32, error: String| Attempt {
            time: now,
            status,
            error,
            duration_ms: 0,
        };
        match result {
            Ok(()) => Outcome::Done(attempt(200, note)),
            Err(e) if e.kind.is_server_side() => {
                Outcome::Retry(attempt(0, e.message.clone()), retry_at)
            }
            Err(e) => Outcome::Failed(attempt(0, e.message.clone())),
        }
    }
}

/// A job as the log shows it.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: i64,
    pub subject_id: i64,
    pub event_id: i64,
    pub state: i32,
    pub attempts: i32,
    pub run_at: i64,
    pub last_status: i32,
    pub last_error: String,
    pub history: Vec<Attempt>,
    pub create_time: i64,
    pub done_time: i64,
}

impl From<job::Model> for JobRecord {
    fn from(m: job::Model) -> Self {
        Self {
            id: m.id,
            subject_id: m.subject_id,
            event_id: m.event_id,
            state: m.state,
            attempts: m.attempts,
            run_at: m.run_at,
            last_status: m.last_status,
            last_error: m.last_error,
            history: serde_json::from_str(&m.history).unwrap_or_default(),
            create_time: m.create_time,
            done_time: m.done_time,
        }
    }
}

/// Writes jobs in the caller's write.
pub(crate) async fn enqueue(w: &Write<'_>, now: i64, jobs: Vec<NewJob>) -> Result<(), Error> {
    for chunk in jobs.chunks(500) {
        let models = chunk.iter().map(|j| job::ActiveModel {
            team_id: Set(j.team_id),
            id: Set(w.store().next_id()),
            kind: Set(j.kind.to_string()),
            subject_id: Set(j.subject_id),
            order_key: Set(j.order_key.clone()),
            event_id: Set(j.event_id),
            payload: Set(j.payload.to_string()),
            state: Set(PENDING),
            attempts: Set(0),
            run_at: Set(j.run_at),
            lease_until: Set(0),
            lease_owner: Set(0),
            last_status: Set(0),
            last_error: Set(String::new()),
            history: Set("[]".into()),
            create_time: Set(now),
            done_time: Set(0),
            deadline: Set(j.deadline),
        });
        job::Entity::insert_many(models)
            .exec_without_returning(&**w)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Picks up to `max` due jobs of a kind in the caller's write, in the order they are due, and
/// locks them against other claimers (PostgreSQL); none whose key has an earlier pending job.
pub(crate) async fn due(
    w: &Write<'_>,
    kind: &str,
    now: i64,
    max: u64,
) -> Result<Vec<job::Model>, Error> {
    let earlier = Alias::new("earlier");
    let mut first = Query::select();
    first
        .expr(Expr::val(1))
        .from_as(job::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), job::Column::TeamId))
                .equals((job::Entity, job::Column::TeamId)),
        )
        .and_where(
            Expr::col((earlier.clone(), job::Column::SubjectId))
                .equals((job::Entity, job::Column::SubjectId)),
        )
        .and_where(
            Expr::col((earlier.clone(), job::Column::OrderKey))
                .equals((job::Entity, job::Column::OrderKey)),
        )
        // (no condition on the kind: subjects are ids, unique across kinds, and without it
        // only the subject index answers this, never the claiming one)
        .and_where(Expr::col((earlier.clone(), job::Column::State)).eq(PENDING))
        .and_where(
            Expr::col((earlier.clone(), job::Column::Id))
                .lt(Expr::col((job::Entity, job::Column::Id))),
        );
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::State.eq(PENDING))
        .filter(job::Column::RunAt.lte(now))
        .filter(job::Column::LeaseUntil.lte(now))
        .filter(
            Condition::any()
                .add(job::Column::OrderKey.eq(""))
                .add(Expr::exists(first).not()),
        )
        .order_by_asc(job::Column::RunAt)
        .order_by_asc(job::Column::Id)
        .limit(max)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&**w)
        .await
        .map_err(db_err)
}

/// Leases picked jobs to `owner` until `until`.
pub(crate) async fn lease(
    w: &Write<'_>,
    picked: Vec<job::Model>,
    owner: i32,
    until: i64,
) -> Result<Vec<Job>, Error> {
    let mut out = Vec::with_capacity(picked.len());
    for (team, ids) in by_team(picked.iter().map(|m| (m.team_id, m.id))) {
        job::Entity::update_many()
            .col_expr(job::Column::LeaseUntil, Expr::value(until))
            .col_expr(job::Column::LeaseOwner, Expr::value(owner))
            .filter(job::Column::TeamId.eq(team))
            .filter(job::Column::Id.is_in(ids))
            .exec(&**w)
            .await
            .map_err(db_err)?;
    }
    for m in picked {
        out.push(Job {
            kind: m.kind,
            team_id: m.team_id,
            id: m.id,
            subject_id: m.subject_id,
            order_key: m.order_key,
            event_id: m.event_id,
            payload: serde_json::from_str(&m.payload).unwrap_or(Value::Null),
            attempts: m.attempts,
            deadline: m.deadline,
            create_time: m.create_time,
            lease_until: until,
            history: m.history,
        });
    }
    Ok(out)
}

/// Moves pending jobs to a later time without counting an attempt (a window that is full).
pub(crate) async fn defer(w: &Write<'_>, jobs: &[(i64, i64)], run_at: i64) -> Result<(), Error> {
    for (team, ids) in by_team(jobs.iter().copied()) {
        job::Entity::update_many()
            .col_expr(job::Column::RunAt, Expr::value(run_at))
            .filter(job::Column::TeamId.eq(team))
            .filter(job::Column::Id.is_in(ids))
            .exec(&**w)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Deletes jobs.
pub(crate) async fn remove(w: &Write<'_>, jobs: &[(i64, i64)]) -> Result<(), Error> {
    for (team, ids) in by_team(jobs.iter().copied()) {
        job::Entity::delete_many()
            .filter(job::Column::TeamId.eq(team))
            .filter(job::Column::Id.is_in(ids))
            .exec(&**w)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Counts the job attempts a write recorded ([`record`]) for `/metrics`, once it commits (a
/// rolled-back record is not an attempt recorded: the job runs again).
pub(crate) struct Outcomes;

impl Follower for Outcomes {
    fn committed(&self, change: &Committed<'_>) {
        for (kind, outcome) in change.job_outcomes {
            metrics::counter!(
                crate::metrics::JOB_ATTEMPTS,
                "kind" => kind.clone(),
                "outcome" => *outcome
            )
            .increment(1);
        }
    }
}

/// Records how a claimed job went, in the caller's write: only while the lease is still the
/// claimer's (a job taken over after its lease ran out is its new claimer's to record). A job
/// whose work is a write of this database records its outcome in that same write, so the work
/// is done exactly once: a crash before the commit leaves both undone. Whether it was recorded.
pub(crate) async fn record(
    w: &Write<'_>,
    owner: i32,
    now: i64,
    job: &Job,
    outcome: Outcome,
) -> Result<bool, Error> {
    let (attempt, state, run_at, named) = match outcome {
        Outcome::Done(a) => (a, DONE, 0, "done"),
        Outcome::Retry(a, at) if job.deadline == 0 || at < job.deadline => {
            (a, PENDING, at, "retry")
        }
        Outcome::Retry(a, _) | Outcome::Failed(a) => (a, FAILED, 0, "failed"),
    };
    let mut history: Vec<Attempt> = serde_json::from_str(&job.history).unwrap_or_default();
    history.push(attempt.clone());
    // the log keeps the first attempts and the latest ones
    if history.len() > 50 {
        history.drain(10..history.len() - 40);
    }
    let mut q = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state))
        .col_expr(job::Column::Attempts, Expr::value(job.attempts + 1))
        // the owner stays: which node made the last attempt
        .col_expr(job::Column::LeaseUntil, Expr::value(0i64))
        .col_expr(job::Column::LastStatus, Expr::value(attempt.status))
        .col_expr(job::Column::LastError, Expr::value(attempt.error.clone()))
        .col_expr(
            job::Column::History,
            Expr::value(serde_json::to_string(&history).unwrap_or_default()),
        );
    if state == PENDING {
        q = q.col_expr(job::Column::RunAt, Expr::value(run_at));
    } else {
        q = q.col_expr(job::Column::DoneTime, Expr::value(now));
    }
    let r = q
        .filter(job::Column::TeamId.eq(job.team_id))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LeaseOwner.eq(owner))
        .filter(job::Column::LeaseUntil.eq(job.lease_until))
        .filter(job::Column::State.eq(PENDING))
        .exec(&**w)
        .await
        .map_err(db_err)?;
    // the jobs queued behind one that waits for a retry wait with it, so they are not picked
    // over and over while blocked
    if state == PENDING && !job.order_key.is_empty() {
        job::Entity::update_many()
            .col_expr(job::Column::RunAt, Expr::value(run_at))
            .filter(job::Column::TeamId.eq(job.team_id))
            .filter(job::Column::SubjectId.eq(job.subject_id))
            .filter(job::Column::OrderKey.eq(job.order_key.clone()))
            .filter(job::Column::State.eq(PENDING))
            .filter(job::Column::Id.gt(job.id))
            .filter(job::Column::RunAt.lt(run_at))
            .exec(&**w)
            .await
            .map_err(db_err)?;
    }
    if r.rows_affected == 1 {
        // counted for /metrics when the write commits (a rolled-back record is not an attempt
        // recorded: the job runs again)
        w.job_outcomes
            .lock()
            .expect("outcomes")
            .push((job.kind.clone(), named));
    }

    Ok(r.rows_affected == 1)
}

impl Store {
    /// Claims up to `max` due jobs of a kind for `owner` (a node id) for `lease_ms`.
    pub async fn claim_jobs(
        &self,
        kind: &str,
        max: u64,
        owner: i32,
        lease_ms: i64,
        now: i64,
    ) -> Result<Vec<Job>, Error> {
        let w = self.background_write().await?;
        let picked = due(&w, kind, now, max).await?;
        if picked.is_empty() {
            return Ok(Vec::new());
        }
        let jobs = lease(&w, picked, owner, now + lease_ms).await?;
        w.commit().await?;
        Ok(jobs)
    }

    /// Records how claimed jobs went. A job whose lease was lost (ran out and taken over) is
    /// left to its new claimer. Returns how many were recorded.
    pub async fn finish_jobs(
        &self,
        owner: i32,
        now: i64,
        results: Vec<(Job, Outcome)>,
    ) -> Result<usize, Error> {
        if results.is_empty() {
            return Ok(0);
        }
        let w = self.background_write().await?;
        let mut recorded = 0;
        // in id order, the order every other writer of many jobs locks them in
        let mut results = results;
        results.sort_by_key(|(j, _)| (j.team_id, j.id));
        for (job, outcome) in results {
            recorded += record(&w, owner, now, &job, outcome).await? as usize;
        }
        w.commit().await?;
        Ok(recorded)
    }

    /// Deletes done and failed jobs that finished before `before`.
    pub async fn prune_jobs(&self, before: i64) -> Result<u64, Error> {
        let w = self.background_write().await?;
        let r = job::Entity::delete_many()
            .filter(job::Column::State.ne(PENDING))
            .filter(job::Column::DoneTime.lt(before))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        w.commit().await?;
        Ok(r.rows_affected)
    }

    /// Ends the leases `owner` holds: at start, a node's leases are those of its previous run
    /// (a node id serves from one process at a time), whose work stopped with it.
    pub async fn release_leases(&self, owner: i32) -> Result<u64, Error> {
        let w = self.background_write().await?;
        let r = job::Entity::update_many()
            .col_expr(job::Column::LeaseUntil, Expr::value(0i64))
            .col_expr(job::Column::LeaseOwner, Expr::value(0i32))
            .filter(job::Column::LeaseOwner.eq(owner))
            .filter(job::Column::State.eq(PENDING))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        w.commit().await?;
        Ok(r.rows_affected)
    }

    /// Whether a job of a kind may be due (a read, to spare idle polls a write).
    pub async fn has_due_jobs(&self, kind: &str, now: i64) -> Result<bool, Error> {
        Ok(job::Entity::find()
            .filter(job::Column::Kind.eq(kind))
            .filter(job::Column::State.eq(PENDING))
            .filter(job::Column::RunAt.lte(now))
            .filter(job::Column::LeaseUntil.lte(now))
            .limit(1)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .is_some())
    }

    /// How many jobs of a kind are pending (for tests and metrics).
    pub async fn pending_jobs(&self, kind: &str) -> Result<u64, Error> {
        use sea_orm::PaginatorTrait;
        job::Entity::find()
            .filter(job::Column::Kind.eq(kind))
            .filter(job::Column::State.eq(PENDING))
            .count(&self.db)
            .await
            .map_err(db_err)
    }

    /// A subject's jobs of a kind, newest first.
    pub(crate) async fn subject_jobs<C: ConnectionTrait>(
        &self,
        conn: &C,
        team_id: i64,
        kind: &str,
        subject_id: i64,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<JobRecord>, Error> {
        Ok(job::Entity::find()
            .filter(job::Column::TeamId.eq(team_id))
            .filter(job::Column::SubjectId.eq(subject_id))
            .filter(job::Column::Kind.eq(kind))
            .order_by_desc(job::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(conn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(JobRecord::from)
            .collect())
    }
}
