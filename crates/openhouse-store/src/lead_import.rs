//! The bulk import and export of a team's leads (`openhouse import leads`, `openhouse export
//! leads`). A batch of rows is one write: each row is created as `POST /v1.0/leads` creates a
//! lead ([`Store::create_lead_into`]: the same checks, tags, routing and journal entry), with the
//! statements of plain rows held back and written many rows a statement at the end of the
//! batch. A row whose email is already a lead's (not in the trash) is skipped, or merged into
//! that lead as an edit (`PUT /v1.0/leads/{leadId}` with its lists added to), per
//! [`Duplicates`].

use std::collections::HashMap;

use openhouse_domain::auth::Principal;
use openhouse_domain::lead::{Lead, LeadPatch, TagChange, clean_emails, clean_phones};
use openhouse_domain::{Error, ErrorKind};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::entities::{lead, user};
use crate::leads::Deferred;
use crate::{Store, db_err};

/// What an import does with a row whose email is already a lead's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// Leave the existing lead as it is; the row is counted as skipped.
    #[default]
    Skip,
    /// Change the existing lead: the fields the row gives replace the lead's, its emails,
    /// phones and tags are added to the lead's.
    Merge,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadImportReport {
    pub created: u64,
    pub merged: u64,
    pub skipped: u64,
    /// Rows refused, by line, with why; the others are imported.
    pub errors: Vec<(u64, String)>,
}

impl LeadImportReport {
    pub fn add(&mut self, other: LeadImportReport) {
        self.created += other.created;
        self.merged += other.merged;
        self.skipped += other.skipped;
        self.errors.extend(other.errors);
    }
}

/// One import: who it acts as, what it does with duplicates, and the emails of the leads it
/// made or merged so far (a later row of the same file with one of them is a duplicate too).
pub struct LeadImport {
    who: Principal,
    duplicates: Duplicates,
    seen: HashMap<String, i64>,
}

/// A batch of an import's rows, by line, each already read and checked into a patch or
/// refused with why.
pub type ImportBatch = Vec<(u64, Result<LeadPatch, String>)>;

/// What [`Store::import_lead_batches`] tells its caller as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// A batch of this many rows was written (or refused).
    Written(u64),
    /// The indexes set aside are being built again.
    BuildingIndexes,
}

/// An import that ended early: the fault, and what the batches before it did (committed).
#[derive(Debug)]
pub struct ImportStopped {
    pub error: Error,
    pub done: LeadImportReport,
}

/// A refusal of the row itself (reported by line), as opposed to a storage fault, which ends
/// the import.
fn row_error(e: &Error) -> bool {
    !matches!(e.kind, ErrorKind::Unavailable | ErrorKind::Internal)
}

impl Store {
    /// Starts an import into `team_id` as the member `user_id`, or the team's first admin.
    pub async fn lead_import(
        &self,
        team_id: i64,
        user_id: Option<i64>,
        duplicates: Duplicates,
    ) -> Result<LeadImport, Error> {
        let mut q = user::Entity::find().filter(user::Column::TeamId.eq(team_id));
        q = match user_id {
            Some(u) => q.filter(user::Column::Id.eq(u)),
            None => q.filter(user::Column::Role.eq("admin")),
        };
        let u = q
            .order_by_asc(user::Column::Id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::invalid(match user_id {
                    Some(u) => format!("team {team_id} has no member {u}"),
                    None => format!("team {team_id} does not exist (it has no admin)"),
                })
            })?;
        let mut who = crate::auth::acting_admin(team_id, u.id);
        // the import acts as that member; the principal decides what it may see and change
        who.role = openhouse_domain::auth::Role::parse(&u.role).unwrap_or(who.role);
        who.office_id = u.office_id;
        Ok(LeadImport {
            who,
            duplicates,
            seen: HashMap::new(),
        })
    }

    /// Writes an import's batches as they come (made by the caller, e.g. on a thread of its
    /// own while the batch before is written), a transaction each: the one way a bulk import
    /// is driven (`openhouse import leads`, the benchmark's seed). With `set_aside`, the lead
    /// tables' secondary indexes are set aside first and built again at the end (best effort
    /// also when a batch fails; the next start builds them otherwise). PostgreSQL's statistics
    /// are refreshed after batches 1, 2, 4, 8, … and at the end ([`Store::analyze_leads`]).
    pub async fn import_lead_batches(
        &self,
        imp: &mut LeadImport,
        set_aside: bool,
        batches: &mut tokio::sync::mpsc::Receiver<ImportBatch>,
        mut step: impl FnMut(ImportStep),
    ) -> Result<LeadImportReport, ImportStopped> {
        let mut report = LeadImportReport::default();
        if set_aside && let Err(error) = self.set_indexes_aside().await {
            return Err(ImportStopped {
                error,
                done: report,
            });
        }
        let mut written = 0u64;
        let run = async {
            while let Some(batch) = batches.recv().await {
                // statistics for the duplicate lookups of the batches to come, as the table
                // grows (see analyze_leads)
                if written.is_power_of_two() {
                    self.analyze_leads().await?;
                }
                written += 1;
                let n = batch.len() as u64;
                let mut good = Vec::with_capacity(batch.len());
                for (line, row) in batch {
                    match row {
                        Ok(p) => good.push((line, p)),
                        Err(e) => report.errors.push((line, e)),
                    }
                }
                report.add(self.import_leads(imp, good).await?);
                step(ImportStep::Written(n));
            }
            if set_aside {
                step(ImportStep::BuildingIndexes);
                self.restore_indexes().await?;
            }
            self.analyze_leads().await
        }
        .await;
        match run {
            Ok(()) => Ok(report),
            Err(error) => {
                if set_aside {
                    // best effort: the next start builds them otherwise
                    let _ = self.restore_indexes().await;
                }
                Err(ImportStopped {
                    error,
                    done: report,
                })
            }
        }
    }

    /// The leads of the team not in the trash with one of these emails (lower case): the most
    /// recently changed one for each email.
    async fn leads_with_emails(
        &self,
        w: &crate::journal::Write<'_>,
        team_id: i64,
        keys: &[String],
    ) -> Result<HashMap<String, i64>, Error> {
        let mut found: HashMap<String, (i64, i64)> = HashMap::new();
        for chunk in keys.chunks(500) {
            let q = Query::select()
                .column(("lead_emails", "email_key"))
                .column((lead::Entity, lead::Column::Id))
                .column((lead::Entity, lead::Column::UpdateTime))
                .from("lead_emails")
                .inner_join(
                    lead::Entity,
                    Expr::col((lead::Entity, lead::Column::TeamId))
                        .equals(("lead_emails", "team_id"))
                        .and(
                            Expr::col((lead::Entity, lead::Column::Id))
                                .equals(("lead_emails", "lead_id")),
                        ),
                )
                .and_where(Expr::col(("lead_emails", "team_id")).eq(team_id))
                .and_where(Expr::col(("lead_emails", "email_key")).is_in(chunk.to_vec()))
                .and_where(Expr::col((lead::Entity, lead::Column::DeleteTime)).eq(0))
                .to_owned();
            let rows = sea_orm::ConnectionTrait::query_all(&**w, &q)
                .await
                .map_err(db_err)?;
            for r in rows {
                let key: String = r.try_get_by_index(0).map_err(db_err)?;
                let id: i64 = r.try_get_by_index(1).map_err(db_err)?;
                let t: i64 = r.try_get_by_index(2).map_err(db_err)?;
                let e = found.entry(key).or_insert((t, id));
                if (t, id) > *e {
                    *e = (t, id);
                }
            }
        }
        Ok(found.into_iter().map(|(k, (_, id))| (k, id)).collect())
    }

    /// Imports a batch of rows (each with its line) in one write. A refused row is reported
    /// with its line and changes nothing; a storage fault fails the batch (nothing of it is
    /// written).
    pub async fn import_leads(
        &self,
        imp: &mut LeadImport,
        rows: Vec<(u64, LeadPatch)>,
    ) -> Result<LeadImportReport, Error> {
        let mut report = LeadImportReport::default();
        if rows.is_empty() {
            return Ok(report);
        }
        let who = imp.who.clone();
        let started = std::time::Instant::now();
        let mut w = self.write().await?;
        // the time is taken in the write turn, like the ids (see create_lead_alone)
        let now = self.now();
        let mut keys: Vec<String> = rows
            .iter()
            .flat_map(|(_, p)| p.emails.iter().flatten())
            .map(|e| e.to_lowercase())
            .filter(|k| !imp.seen.contains_key(k))
            .collect();
        keys.sort();
        keys.dedup();
        let existing = self.leads_with_emails(&w, who.team_id, &keys).await?;
        // what this batch wrote, to roll back to when it fails
        let seen_before = imp.seen.len();
        let mut added: Vec<String> = Vec::new();
        let mut defer = Deferred::new();
        let origin = json!({"by": "import"});
        for (line, patch) in rows {
            let emails: Vec<String> = patch
                .emails
                .iter()
                .flatten()
                .map(|e| e.to_lowercase())
                .collect();
            let dup = emails
                .iter()
                .find_map(|k| imp.seen.get(k).or_else(|| existing.get(k)).copied());
            match (dup, imp.duplicates) {
                (Some(_), Duplicates::Skip) => report.skipped += 1,
                (Some(id), Duplicates::Merge) => {
                    // the lead may be one this batch holds back: write those first
                    if !defer.is_empty() {
                        defer.flush(&mut w, &who, now).await?;
                    }
                    let mark = w.savepoint().await?;
                    match self.merge_lead(&mut w, &who, id, patch, now).await {
                        Ok(after) => {
                            w.release().await?;
                            report.merged += 1;
                            for e in &after.doc.emails {
                                let k = e.to_lowercase();
                                if imp.seen.insert(k.clone(), id).is_none() {
                                    added.push(k);
                                }
                            }
                        }
                        Err(e) if row_error(&e) => {
                            w.rollback_to(mark).await?;
                            report.errors.push((line, e.message));
                        }
                        Err(e) => return Err(e),
                    }
                }
                (None, _) => {
                    // a note or a transaction is written after the lead, and routing takes
                    // positions: those rows run alone, in a savepoint
                    let plain = patch.note.is_none()
                        && patch.transaction.is_none()
                        && patch.routing.is_none();
                    if !plain && !defer.is_empty() {
                        defer.flush(&mut w, &who, now).await?;
                    }
                    let mark = if plain {
                        None
                    } else {
                        Some(w.savepoint().await?)
                    };
                    let done = self
                        .create_lead_into(
                            &mut w,
                            &who,
                            &patch,
                            now,
                            Some(origin.clone()),
                            plain.then_some(&mut defer),
                        )
                        .await;
                    match done {
                        Ok((id, emails)) => {
                            if mark.is_some() {
                                w.release().await?;
                            }
                            report.created += 1;
                            for k in emails {
                                if imp.seen.insert(k.clone(), id).is_none() {
                                    added.push(k);
                                }
                            }
                        }
                        Err(e) if row_error(&e) => {
                            if let Some(mark) = mark {
                                w.rollback_to(mark).await?;
                            }
                            report.errors.push((line, e.message));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        let prepared = std::time::Instant::now();
        let done = async {
            if !defer.is_empty() {
                defer.flush(&mut w, &who, now).await?;
            }
            w.commit().await
        }
        .await;
        // where a batch's time goes (bench/RESULTS.md): its rows checked and made, and written
        tracing::debug!(
            prepare_ms = (prepared - started).as_millis() as u64,
            write_ms = prepared.elapsed().as_millis() as u64,
            "lead import batch"
        );
        if let Err(e) = done {
            // nothing of this batch is stored: forget its emails
            for k in added {
                imp.seen.remove(&k);
            }
            debug_assert!(imp.seen.len() >= seen_before);
            return Err(e);
        }
        Ok(report)
    }

    /// Merges a row into the lead `id`: an edit with the row's fields, its emails, phones and
    /// tags added to the lead's (checked as an edit checks them).
    async fn merge_lead(
        &self,
        w: &mut crate::journal::Write<'_>,
        who: &Principal,
        id: i64,
        mut patch: LeadPatch,
        now: i64,
    ) -> Result<Lead, Error> {
        let before = self.load_for_write(w, who, id).await?;
        let union = |old: &[String], new: &Option<Vec<String>>| {
            let mut all = old.to_vec();
            all.extend(new.iter().flatten().cloned());
            all
        };
        if patch.emails.is_some() {
            patch.emails = Some(clean_emails(
                "emails",
                &union(&before.doc.emails, &patch.emails),
            )?);
        }
        if patch.phones.is_some() {
            patch.phones = Some(clean_phones(
                "phones",
                &union(&before.doc.phones, &patch.phones),
            )?);
        }
        let mut add = patch.tags.replace.take().unwrap_or_default();
        add.append(&mut patch.tags.add);
        patch.tags = TagChange { replace: None, add };
        // a merge changes the lead; it never routes it again
        patch.routing = None;
        self.edit_lead_in(w, who, before, &patch, now, Some(json!({"by": "import"})))
            .await?;
        self.load_for_write(w, who, id).await
    }

    /// Refreshes PostgreSQL's statistics of the tables the import's duplicate lookup reads: on
    /// a table that grew from nothing its plan of that join was a scan (seconds a batch at
    /// 100,000 leads); and of the lead tags, which a tag search starts from (without them the
    /// planner took 41,060 tag rows for 51 at 1M leads: bench/RESULTS.md). SQLite takes the index without statistics, and its ANALYZE reads whole
    /// indexes, so it is left out there.
    pub async fn analyze_leads(&self) -> Result<(), Error> {
        use sea_orm::ConnectionTrait;
        if self.backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        self.db
            .execute_unprepared("ANALYZE leads, lead_emails, lead_tags")
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// A page of the team's leads not in the trash, in id order, after `after_id`: the export.
    pub async fn export_leads(
        &self,
        team_id: i64,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<Lead>, Error> {
        let rows = lead::Entity::find()
            .filter(lead::Column::TeamId.eq(team_id))
            .filter(lead::Column::DeleteTime.eq(0))
            .filter(lead::Column::Id.gt(after_id))
            .order_by_asc(lead::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(crate::leads::to_lead).collect()
    }
}
