//! PostgreSQL: reads of single leads by id that arrive together share one statement.
//!
//! A `GET /v1.0/leads/{id}` whose lead is not in the lead cache costs a statement. On
//! PostgreSQL most of that cost is the statement itself (its round trip, and a backend's turn
//! on cores the server shares), not the row: the 64 connections of the read benchmark made 64
//! statements of one row each. Here the reads that are waiting when a statement can go out are
//! read by one (`team_id = … AND id IN (…)`, by team), and a few statements may be out at once
//! so that a batch never waits for the one before it to come back.
//!
//! Nothing about what a read sees changes: each read is answered by a statement that began
//! after it asked, so it sees every write committed before it arrived, as its own statement
//! would have. SQLite reads leads in the process (`sqlite_read`) and has no need of this.

use std::collections::HashMap;
use std::sync::Arc;

use openhouse_domain::Error;
use openhouse_domain::lead::Lead;
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Statements out at once: enough that a batch does not wait for the one before it, few
/// enough that the reads of leads never hold more than a share of the pool.
const IN_FLIGHT: usize = 3;

type Ask = (
    (i64, i64),
    oneshot::Sender<Result<Option<Arc<Lead>>, Error>>,
);

/// Sends reads of (team, lead) to the task that reads them in batches; the task ends when the
/// last clone of the store is gone.
pub(crate) struct LeadReads(mpsc::UnboundedSender<Ask>);

impl LeadReads {
    /// Starts the task on the current runtime.
    pub(crate) fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Ask>();
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            while let Some(first) = rx.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let asked = crate::gather::gathered(&mut rx, first).await;
                let db = db.clone();
                tokio::spawn(async move {
                    let read = crate::leads::leads_named(&db, asked.iter().map(|(k, _)| *k)).await;
                    drop(slot);
                    match read {
                        Ok(leads) => {
                            let by_key: HashMap<(i64, i64), Arc<Lead>> = leads
                                .into_iter()
                                .map(|l| ((l.team_id, l.id), Arc::new(l)))
                                .collect();
                            for (key, reply) in asked {
                                // the same lead asked twice: both get it
                                let lead = by_key.get(&key).cloned();
                                let _ = reply.send(Ok(lead));
                            }
                        }
                        Err(e) => {
                            for (_, reply) in asked {
                                let _ = reply.send(Err(e.clone()));
                            }
                        }
                    }
                });
            }
        });
        Self(tx)
    }

    /// The lead `id` of `team_id` as the database has it now, or None when there is none.
    pub(crate) async fn lead(&self, team_id: i64, id: i64) -> Result<Option<Arc<Lead>>, Error> {
        let (reply, answer) = oneshot::channel();
        let gone = || Error::internal("internal error");
        self.0.send(((team_id, id), reply)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}
