//! Listing alerts: when an import adds a listing on the market or changes a listing's price or
//! status ([`listing::alert_reason`]), the import's transaction also writes a durable job (kind
//! [`ALERT_JOB`]) naming those listings and why. A serving process runs the job: every lead of
//! the team whose inquiry the listing matches ([`listing::Inquiry`], the one rule) gets
//! an alert — an activity of type `Alert` carrying the listing, counted in the lead's `HasAlert`
//! and `AlertFrequency` sort orders, and journaled as `alert.created` (webhook list 4, the
//! lead's timeline).
//!
//! The alerts of a job and the job's outcome are one write: a crash before its commit leaves
//! both undone (the job runs again after its lease), and a job taken over by another process
//! records nothing twice, since its outcome is recorded only under the claimer's lease.

use std::collections::HashMap;

use openhouse_api::{ActivityType, LeadActivityReq, LeadInquiry};
use openhouse_domain::Error;
use openhouse_domain::event::Kind;
use openhouse_domain::listing::{self, AlertReason, Checked, Inquiry};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::dialect::contains;
use crate::entities::{lead, lead_activity, listing as row};
use crate::features::Activity;
use crate::jobs::{self, Job, NewJob, Outcome};
use crate::journal::{Entry, Write};
use crate::{Store, db_err, render};

/// The kind of the jobs that send listing alerts.
pub const ALERT_JOB: &str = "listing_alerts";

/// The most alerts a lead gets in [`ALERT_WINDOW_MS`]: a lead whose inquiry is broad is told
/// about the first listings of an import, not flooded with a whole MLS (which would also write
/// a row per lead and listing).
pub const ALERTS_PER_LEAD_MAX: u64 = 25;

/// The window [`ALERTS_PER_LEAD_MAX`] counts in: the last 24 hours.
pub const ALERT_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The jobs one run claims: the jobs of a team are matched against its leads in one pass.
const CLAIM_MAX: u64 = 16;

/// A listing an alert job concerns.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Alerted {
    id: i64,
    #[serde(flatten)]
    reason: AlertReason,
}

/// The job of an import's write that alerts about `changed` listings, or None when none did.
pub(crate) fn alert_job(
    team_id: i64,
    now: i64,
    changed: Vec<(i64, AlertReason)>,
) -> Option<NewJob> {
    if changed.is_empty() {
        return None;
    }
    let listings: Vec<Alerted> = changed
        .into_iter()
        .map(|(id, reason)| Alerted { id, reason })
        .collect();
    Some(NewJob {
        team_id,
        kind: ALERT_JOB,
        subject_id: team_id,
        // unordered: each alert is dated by its import (`created`), so jobs may run in any
        // order and several at once
        order_key: String::new(),
        event_id: 0,
        payload: json!({ "listings": listings }),
        run_at: now,
        deadline: 0,
    })
}

/// Only the inquiry of a lead's stored document.
#[derive(Deserialize)]
struct InquiryOnly {
    #[serde(default)]
    inquiry: Option<LeadInquiry>,
}

impl Store {
    /// Runs due alert jobs for `owner`: claims up to [`CLAIM_MAX`], matches each team's jobs
    /// against its leads in one pass, and records each job's alerts with its outcome. Returns
    /// how many jobs it claimed.
    pub async fn run_alert_jobs(&self, owner: i32, now: i64) -> Result<usize, Error> {
        let due = self
            .claim_jobs(ALERT_JOB, CLAIM_MAX, owner, 300_000, now)
            .await?;
        let n = due.len();
        let mut by_team: HashMap<i64, Vec<Job>> = HashMap::new();
        for j in due {
            by_team.entry(j.team_id).or_default().push(j);
        }
        for (team_id, jobs) in by_team {
            let leads = match self.inquiring_leads(team_id).await {
                Ok(l) => l,
                Err(e) => {
                    self.retry_jobs(owner, now, jobs, &e).await?;
                    continue;
                }
            };
            for job in jobs {
                if let Err(e) = self.alert(owner, now, &job, &leads).await {
                    tracing::warn!(error = %e, job = job.id, "listing alerts failed");
                    self.retry_jobs(owner, now, vec![job], &e).await?;
                }
            }
        }
        Ok(n)
    }

    /// Whether an alert job may be due (a read, to spare idle polls a write).
    pub async fn has_due_alerts(&self, now: i64) -> Result<bool, Error> {
        self.has_due_jobs(ALERT_JOB, now).await
    }

    /// Jobs whose run failed: again in a few seconds when the fault is the server's, else
    /// failed for good.
    async fn retry_jobs(
        &self,
        owner: i32,
        now: i64,
        jobs: Vec<Job>,
        e: &Error,
    ) -> Result<(), Error> {
        let failed = Err(e.clone());
        let results = jobs
            .into_iter()
            .map(|j| {
                (
                    j,
                    Outcome::of_write(&failed, now, now + 5_000, String::new()),
                )
            })
            .collect();
        self.finish_jobs(owner, now, results).await?;
        Ok(())
    }

    /// The team's leads (not in the trash) whose inquiry asks for something, with it ready to
    /// match.
    async fn inquiring_leads(&self, team_id: i64) -> Result<Vec<(i64, Inquiry)>, Error> {
        let rows: Vec<(i64, String)> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .column(lead::Column::Doc)
            .filter(lead::Column::TeamId.eq(team_id))
            .filter(lead::Column::DeleteTime.eq(0))
            // a lead without an inquiry is not read at all
            .filter(lead::Column::Doc.like(contains("\"inquiry\"")))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, doc)| {
                serde_json::from_str::<InquiryOnly>(&doc)
                    .ok()
                    .and_then(|d| d.inquiry)
                    .and_then(|i| Inquiry::of(&i))
                    .map(|i| (id, i))
            })
            .collect())
    }

    /// One job's alerts and its outcome, in one write.
    async fn alert(
        &self,
        owner: i32,
        now: i64,
        job: &Job,
        leads: &[(i64, Inquiry)],
    ) -> Result<(), Error> {
        let team_id = job.team_id;
        let wanted: Vec<Alerted> =
            serde_json::from_value(job.payload["listings"].clone()).unwrap_or_default();
        let mut w = self.background_write().await?;
        // the listings as they are now (a listing changed again meanwhile is alerted as it is);
        // none are read when no lead has an inquiry
        let mut stored: HashMap<i64, Checked> = HashMap::new();
        let ids: Vec<i64> = if leads.is_empty() {
            Vec::new()
        } else {
            wanted.iter().map(|a| a.id).collect()
        };
        for chunk in ids.chunks(500) {
            for r in row::Entity::find()
                .filter(row::Column::TeamId.eq(team_id))
                .filter(row::Column::Id.is_in(chunk.to_vec()))
                .all(&*w)
                .await
                .map_err(db_err)?
            {
                if let Ok(c) = listing::check(crate::listings::item_of(&r)) {
                    stored.insert(r.id, c);
                }
            }
        }
        // every match, in the job's listing order
        let mut matches: Vec<(&Alerted, &Checked, i64)> = Vec::new();
        for a in &wanted {
            let Some(l) = stored.get(&a.id) else { continue };
            for (lead_id, inquiry) in leads {
                if inquiry.matches(l) {
                    matches.push((a, l, *lead_id));
                }
            }
        }
        let mut matched: Vec<i64> = matches.iter().map(|m| m.2).collect();
        matched.sort_unstable();
        matched.dedup();
        let mut budget = self.alert_budgets(&w, team_id, now, &matched).await?;
        let mut alerts: Vec<(Activity, &AlertReason)> = Vec::new();
        for (a, l, lead_id) in matches {
            let left = budget.entry(lead_id).or_insert(ALERTS_PER_LEAD_MAX);
            if *left == 0 {
                continue;
            }
            *left -= 1;
            let property = listing::alert_property(a.id, l);
            let activity = LeadActivityReq {
                // when the import changed the listing
                created: job.create_time,
                link: String::new(),
                picture: property.picture_url.clone().unwrap_or_default(),
                listing: Some(property),
                page_name: None,
                scheduled_date: None,
                text: listing::alert_text(&a.reason, l),
                kind: ActivityType::Alert,
            };
            let id = self.next_id();
            alerts.push((
                Activity {
                    id,
                    lead_id,
                    activity,
                },
                &a.reason,
            ));
        }
        self.write_alerts(&mut w, team_id, now, &alerts).await?;
        let done = Outcome::of_write(&Ok(()), now, 0, format!("{} alerts", alerts.len()));
        if jobs::record(&w, owner, now, job, done).await? {
            w.commit().await?;
        }
        // else the lease was lost: another process runs the job; this write is dropped
        Ok(())
    }

    /// How many more alerts each of `leads` (sorted) may get now: [`ALERTS_PER_LEAD_MAX`] less
    /// those recorded in the last [`ALERT_WINDOW_MS`]. The leads' rows are locked first (in id
    /// order, as every writer of many leads locks them), so two jobs alerting one lead at once
    /// on PostgreSQL count one after the other, and never both spend the same budget; SQLite
    /// runs one write at a time anyway.
    async fn alert_budgets(
        &self,
        w: &Write<'_>,
        team_id: i64,
        now: i64,
        leads: &[i64],
    ) -> Result<HashMap<i64, u64>, Error> {
        let mut out = HashMap::new();
        for chunk in leads.chunks(500) {
            lead::Entity::find()
                .select_only()
                .column(lead::Column::Id)
                .filter(lead::Column::TeamId.eq(team_id))
                .filter(lead::Column::Id.is_in(chunk.to_vec()))
                .order_by_asc(lead::Column::Id)
                .lock_exclusive()
                .into_tuple::<i64>()
                .all(&**w)
                .await
                .map_err(db_err)?;
            let rows: Vec<(i64, i64)> = lead_activity::Entity::find()
                .select_only()
                .column(lead_activity::Column::LeadId)
                .column_as(lead_activity::Column::Id.count(), "n")
                .filter(lead_activity::Column::TeamId.eq(team_id))
                .filter(lead_activity::Column::LeadId.is_in(chunk.to_vec()))
                .filter(lead_activity::Column::Kind.eq(ActivityType::Alert.as_str()))
                .filter(lead_activity::Column::CreateTime.gt(now - ALERT_WINDOW_MS))
                .group_by(lead_activity::Column::LeadId)
                .into_tuple()
                .all(&**w)
                .await
                .map_err(db_err)?;
            for (lead, n) in rows {
                out.insert(
                    lead,
                    ALERTS_PER_LEAD_MAX.saturating_sub(u64::try_from(n).unwrap_or(0)),
                );
            }
        }
        Ok(out)
    }

    async fn write_alerts(
        &self,
        w: &mut Write<'_>,
        team_id: i64,
        now: i64,
        alerts: &[(Activity, &AlertReason)],
    ) -> Result<(), Error> {
        if alerts.is_empty() {
            return Ok(());
        }
        for chunk in alerts.chunks(500) {
            let rows = chunk.iter().map(|(a, _)| {
                lead_activity::Model {
                    team_id,
                    id: a.id,
                    lead_id: a.lead_id,
                    kind: ActivityType::Alert.as_str().to_string(),
                    doc: serde_json::to_string(&a.activity).expect("an activity serializes"),
                    created: a.activity.created,
                    create_time: now,
                }
                .into_active_model()
            });
            lead_activity::Entity::insert_many(rows)
                .exec_without_returning(&**w)
                .await
                .map_err(db_err)?;
        }
        // each lead's count, in id order (the order every writer of many leads locks them in)
        let mut counts: std::collections::BTreeMap<i64, i64> = Default::default();
        for (a, _) in alerts {
            *counts.entry(a.lead_id).or_default() += 1;
        }
        for (lead_id, n) in counts {
            lead::Entity::update_many()
                .col_expr(lead::Column::HasAlert, Expr::value(1i64))
                .col_expr(
                    lead::Column::AlertFrequency,
                    Expr::col(lead::Column::AlertFrequency).add(n),
                )
                .filter(lead::Column::TeamId.eq(team_id))
                .filter(lead::Column::Id.eq(lead_id))
                .exec(&**w)
                .await
                .map_err(db_err)?;
        }
        let system = self.team_admin(w, team_id).await?;
        let team = crate::auth::acting_admin(team_id, system);
        for (a, reason) in alerts {
            let listing_id = a
                .activity
                .listing
                .as_ref()
                .and_then(|l| l.listing_id.clone());
            w.record(
                &team,
                now,
                Entry {
                    lead_id: a.lead_id,
                    action: Kind::ListingAlerted,
                    detail: json!({
                        "activityId": a.id,
                        "listingId": listing_id,
                        "reason": reason.as_str(),
                        "text": a.activity.text,
                    }),
                    resource: render::activity(a).into(),
                },
            )
            .await?;
        }
        Ok(())
    }
}
