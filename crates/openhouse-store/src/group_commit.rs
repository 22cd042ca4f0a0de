//! Group commit of lead creates on SQLite.
//!
//! SQLite admits one writer at a time, and each create held the write turn for a transaction
//! of its own: its BEGIN and COMMIT, and the index pages it touched written to the WAL again
//! for every lead. Creates that arrive while another write holds the turn now wait together:
//! whoever gets the turn next runs every waiting create (up to [`MAX_BATCH`]) in one
//! transaction, each exactly as it would run alone, and answers each of them after the commit.
//!
//! A create that fails its checks changes nothing: [`Store::create_lead_in`] makes every check
//! before its first write. A create carrying a transaction (written after the lead, and checked
//! again then) still runs inside a savepoint, so that no check of it can leave half a create. A database error fails the whole batch (it is
//! rolled back, and every create in it answers that error), as it would have failed each alone.
//! The batch runs in a task of its own, so a caller that goes away (a closed connection) cannot
//! abort the others' creates.

use std::sync::{Arc, Mutex};

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::LeadPatch;
use tokio::sync::oneshot;

use crate::Store;
use crate::journal::Write;

/// The most creates one transaction takes: a bound on how long other writers wait.
const MAX_BATCH: usize = 64;

pub(crate) struct Job {
    who: Principal,
    patch: LeadPatch,
    reply: oneshot::Sender<Result<i64, Error>>,
}

/// The creates waiting for the write turn.
#[derive(Default)]
pub(crate) struct Pending(Mutex<Vec<Job>>);

impl Pending {
    fn push(&self, job: Job) {
        self.0.lock().expect("pending lock").push(job);
    }

    fn take(&self) -> Vec<Job> {
        let mut jobs = self.0.lock().expect("pending lock");
        let n = jobs.len().min(MAX_BATCH);
        jobs.drain(..n).collect()
    }
}

impl Store {
    /// Creates a lead in the next batch; returns its id.
    pub(crate) async fn create_lead_grouped(
        &self,
        pending: &Arc<Pending>,
        who: &Principal,
        patch: &LeadPatch,
    ) -> Result<i64, Error> {
        // refused before it is queued: a refused create leaves nothing to run
        self.turn.admit()?;
        let (reply, mut answer) = oneshot::channel();
        pending.push(Job {
            who: who.clone(),
            patch: patch.clone(),
            reply,
        });
        let gone = || Error::internal("internal error");
        loop {
            // answered by a batch another caller ran, or the turn to run one
            let turn = tokio::select! {
                biased;
                r = &mut answer => return r.unwrap_or_else(|_| Err(gone())),
                turn = self.turn.take() => turn,
            };
            let jobs = pending.take();
            if jobs.is_empty() {
                // an earlier turn took this create: its batch answers it
                drop(turn);
                return answer.await.unwrap_or_else(|_| Err(gone()));
            }
            let store = self.clone();
            let _ = tokio::spawn(async move { store.create_batch(turn, jobs).await }).await;
        }
    }

    async fn create_batch(&self, turn: crate::write_turn::Turn, jobs: Vec<Job>) {
        let mut w = match self.write_in(turn).await {
            Ok(w) => w,
            Err(e) => {
                for j in jobs {
                    let _ = j.reply.send(Err(e.clone()));
                }
                return;
            }
        };
        let now = self.now();
        tracing::debug!(creates = jobs.len(), "lead creates in one transaction");
        let mut results = Vec::with_capacity(jobs.len());
        let mut failed = None;
        for j in &jobs {
            match self.create_one(&mut w, j, now).await {
                Err(e) if e.kind.is_server_side() => {
                    failed = Some(e);
                    break;
                }
                r => results.push(r),
            }
        }
        if failed.is_none()
            && let Err(e) = w.commit().await
        {
            failed = Some(e);
        }
        let mut results = results.into_iter();
        for j in jobs {
            let r = match &failed {
                Some(e) => Err(e.clone()),
                None => results
                    .next()
                    .unwrap_or_else(|| Err(Error::internal("internal error"))),
            };
            let _ = j.reply.send(r);
        }
    }

    async fn create_one(&self, w: &mut Write<'_>, j: &Job, now: i64) -> Result<i64, Error> {
        if j.patch.transaction.is_none() {
            return self.create_lead_in(w, &j.who, &j.patch, now, None).await;
        }
        let mark = w.savepoint().await?;
        match self.create_lead_in(w, &j.who, &j.patch, now, None).await {
            Ok(id) => {
                w.release().await?;
                Ok(id)
            }
            Err(e) if e.kind.is_server_side() => Err(e),
            Err(e) => {
                w.rollback_to(mark).await?;
                Err(e)
            }
        }
    }
}
