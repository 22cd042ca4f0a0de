//! Webhook subscriptions (5.12) and the two steps between a journaled change and a delivery:
//!
//! 1. **Dispatch** ([`Store::dispatch_events`]) takes journal entries not yet dispatched
//!    (`dispatch_time` 0), oldest first, decides which subscriptions receive each (its lists,
//!    and the published recipient rules of [`receives`]) and writes one delivery job per
//!    (entry, subscription), all in one write that also marks the entries dispatched. One
//!    dispatcher runs at a time across processes (the `webhook.dispatch` lease row, locked for
//!    the write), so the jobs of one lead are written in the order its changes happened.
//! 2. **Claim** ([`Store::claim_deliveries`]) leases due delivery jobs (see [`crate::jobs`]),
//!    within each subscription's `limit` per window (30 minutes): what is over waits for the
//!    next window. Deliveries of one lead to one subscription go one at a time, in order.

use std::collections::{HashMap, HashSet};

use openhouse_domain::Error;
use openhouse_domain::auth::{CredentialKind, Principal, Role};
use openhouse_domain::event::{Kind, list};
use openhouse_domain::lead::Lead;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::LockBehavior,
    sea_query::LockType,
};
use serde_json::Value;

use crate::entities::{lead_pond, lease, system_log, user, webhook_subscription as sub};
use crate::jobs::{self, Job, JobRecord, NewJob};
use crate::journal::{Committed, Follower, Write, by_team};
use crate::{Store, db_err};

/// Wakes the dispatcher ([`Store::journal_changed`]) after a write that journaled something
/// commits.
pub(crate) struct Wake(pub(crate) std::sync::Arc<tokio::sync::Notify>);

impl Follower for Wake {
    fn committed(&self, change: &Committed<'_>) {
        if !change.touched.is_empty() {
            self.0.notify_one();
        }
    }
}

/// The job kind of a webhook delivery.
pub const KIND: &str = "webhook";
/// The lease row that makes one dispatcher run at a time.
const DISPATCH_LEASE: &str = "webhook.dispatch";
/// Journal entries dispatched, or deliveries claimed, in one write while the API is busy (see
/// [`crate::write_turn`]): small writes, so that the API's writes wait little for them.
const BUSY_BATCH: u64 = 32;

/// A team's subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub team_id: i64,
    pub id: i64,
    pub list_id: i32,
    /// The user who subscribed: whose leads and scope the recipient rules look at.
    pub user_id: i64,
    /// The app the subscribing credential was issued to.
    pub vendor_id: Option<i64>,
    pub callback_url: String,
    /// Deliveries per window.
    pub limit: i32,
    /// 0: assigned leads (and everything for company admins); 1: also the subscriber's
    /// ownership scope.
    pub permission_mode: i32,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    pub create_time: i64,
}

impl From<sub::Model> for Subscription {
    fn from(m: sub::Model) -> Self {
        Self {
            team_id: m.team_id,
            id: m.id,
            list_id: m.list_id,
            user_id: m.user_id,
            vendor_id: m.vendor_id,
            callback_url: m.callback_url,
            limit: m.limit_per_window,
            permission_mode: m.permission_mode,
            secret: m.secret,
            create_time: m.create_time,
        }
    }
}

/// A subscription to add (already checked by the caller: list, URL, limit, mode).
pub struct NewSubscription {
    pub list_id: i32,
    pub callback_url: String,
    pub limit: i32,
    pub permission_mode: i32,
    pub secret: String,
}

/// A journaled change, as a delivery needs it.
#[derive(Debug, Clone)]
pub struct Event {
    pub team_id: i64,
    pub id: i64,
    pub lead_id: i64,
    pub kind: Kind,
    pub detail: Value,
    /// The resource as the change left it (null for entries written before it was kept).
    pub resource: Value,
    pub create_time: i64,
}

/// A claimed delivery: the job, the subscription it is for and the event it carries.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub job: Job,
    pub subscription: Subscription,
    pub event: Event,
}

/// Timing rules of delivery.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRules {
    /// How long a delivery is retried before it is failed.
    pub give_up_ms: i64,
    /// The length of a subscription's `limit` window.
    pub window_ms: i64,
}

impl Default for DeliveryRules {
    fn default() -> Self {
        Self {
            give_up_ms: 24 * 3600 * 1000,
            window_ms: 30 * 60 * 1000,
        }
    }
}

/// Whether a subscriber receives an event about a lead (None: the team's own changes, which
/// every subscriber of the list receives). The published rules: a hidden lead goes only to its
/// assigned agent; otherwise to the assigned agent and company owners/admins, and with
/// `permissionMode` 1 also to whoever has the lead in their ownership scope (the one rule of
/// who sees a lead, [`crate::leads::visible_to`]).
pub fn receives(s: &Subscription, subscriber: &Principal, lead: Option<&Lead>) -> bool {
    let Some(l) = lead else {
        return true;
    };
    let assigned = l.assigned_user_id == Some(subscriber.user_id);
    if l.doc.hidden {
        return assigned;
    }
    assigned
        || subscriber.role == Role::Admin
        || (s.permission_mode == 1 && crate::leads::visible_to(subscriber, l))
}

fn event_of(m: system_log::Model) -> Option<Event> {
    Some(Event {
        team_id: m.team_id,
        id: m.id,
        lead_id: m.lead_id,
        kind: Kind::parse(&m.action)?,
        detail: serde_json::from_str(&m.detail).unwrap_or(Value::Null),
        resource: m
            .resource
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or(Value::Null),
        create_time: m.create_time,
    })
}

/// The order in which a subscription receives events: one lead's events in the order they
/// happened; the team's own changes in order among themselves.
fn order_key(e: &Event) -> String {
    if e.lead_id != 0 {
        format!("lead:{}", e.lead_id)
    } else {
        "team".into()
    }
}

impl Store {
    /// Adds a subscription for the caller's team, at most `max_per_team` per team.
    pub async fn add_subscription(
        &self,
        who: &Principal,
        new: NewSubscription,
        max_per_team: u64,
        now: i64,
    ) -> Result<Subscription, Error> {
        use sea_orm::PaginatorTrait;
        let w = self.write().await?;
        let n = sub::Entity::find()
            .filter(sub::Column::TeamId.eq(who.team_id))
            .count(&*w)
            .await
            .map_err(db_err)?;
        if n >= max_per_team {
            return Err(Error::invalid(format!(
                "WEBHOOK_EXCEED_LIMIT: a team has at most {max_per_team} webhook subscriptions"
            )));
        }
        let m = sub::Model {
            team_id: who.team_id,
            id: self.next_id(),
            list_id: new.list_id,
            user_id: who.user_id,
            vendor_id: who.app_id,
            callback_url: new.callback_url,
            limit_per_window: new.limit,
            permission_mode: new.permission_mode,
            secret: new.secret,
            window_start: 0,
            window_count: 0,
            create_time: now,
        };
        sub::Entity::insert(sub::ActiveModel::from(m.clone()))
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        w.commit().await?;
        Ok(m.into())
    }

    /// The caller's team's subscriptions, oldest first.
    pub async fn subscriptions(&self, who: &Principal) -> Result<Vec<Subscription>, Error> {
        Ok(sub::Entity::find()
            .filter(sub::Column::TeamId.eq(who.team_id))
            .order_by_asc(sub::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(Subscription::from)
            .collect())
    }

    /// One of the caller's team's subscriptions; another team's does not exist.
    pub async fn subscription(&self, who: &Principal, id: i64) -> Result<Subscription, Error> {
        sub::Entity::find_by_id((who.team_id, id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(Subscription::from)
            .ok_or_else(|| Error::not_found("webhook subscription"))
    }

    /// Removes a subscription of the caller's team, with its deliveries (pending ones are not
    /// sent).
    pub async fn remove_subscription(&self, who: &Principal, id: i64) -> Result<(), Error> {
        let w = self.write().await?;
        let r = sub::Entity::delete_by_id((who.team_id, id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        if r.rows_affected == 0 {
            return Err(Error::not_found("webhook subscription"));
        }
        // its deliveries go with it; one being recorded right now is left locked to its
        // recorder (waiting for it could deadlock), and claims drop it later
        use crate::entities::job;
        let ids: Vec<i64> = job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(job::Column::TeamId.eq(who.team_id))
            .filter(job::Column::Kind.eq(KIND))
            .filter(job::Column::SubjectId.eq(id))
            .order_by_asc(job::Column::Id)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_tuple()
            .all(&*w)
            .await
            .map_err(db_err)?;
        for chunk in ids.chunks(500) {
            job::Entity::delete_many()
                .filter(job::Column::TeamId.eq(who.team_id))
                .filter(job::Column::Id.is_in(chunk.iter().copied()))
                .exec(&*w)
                .await
                .map_err(db_err)?;
        }
        w.commit().await
    }

    /// A subscription's deliveries, newest first, with the events they carry.
    pub async fn deliveries(
        &self,
        who: &Principal,
        subscription_id: i64,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<(JobRecord, Option<Event>)>, Error> {
        self.subscription(who, subscription_id).await?;
        let records = self
            .subject_jobs(&self.db, who.team_id, KIND, subscription_id, limit, offset)
            .await?;
        let events = self
            .events(&self.db, records.iter().map(|r| (who.team_id, r.event_id)))
            .await?;
        Ok(records
            .into_iter()
            .map(|r| {
                let e = events.get(&(who.team_id, r.event_id)).cloned();
                (r, e)
            })
            .collect())
    }

    /// Sends a subscription's delivery of an event again (done, failed or waiting): due now,
    /// retried for another `give_up_ms`.
    pub async fn redeliver(
        &self,
        who: &Principal,
        subscription_id: i64,
        event_id: i64,
        rules: DeliveryRules,
        now: i64,
    ) -> Result<(), Error> {
        use crate::entities::job;
        self.subscription(who, subscription_id).await?;
        let w = self.write().await?;
        let r = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(jobs::PENDING))
            .col_expr(job::Column::RunAt, Expr::value(now))
            .col_expr(job::Column::Deadline, Expr::value(now + rules.give_up_ms))
            .col_expr(job::Column::DoneTime, Expr::value(0i64))
            .filter(job::Column::TeamId.eq(who.team_id))
            .filter(job::Column::Kind.eq(KIND))
            .filter(job::Column::SubjectId.eq(subscription_id))
            .filter(job::Column::EventId.eq(event_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        if r.rows_affected == 0 {
            return Err(Error::not_found("delivery"));
        }
        w.commit().await
    }

    /// Whether the team has a webhook subscription, read in the write `w`: the dispatcher
    /// decides in its own write which subscriptions hear of an entry the same way, so an entry
    /// a write marks dispatched because this answered false is one it would have given no job.
    pub(crate) async fn team_subscribes(&self, w: &Write<'_>, team_id: i64) -> Result<bool, Error> {
        Ok(sub::Entity::find()
            .filter(sub::Column::TeamId.eq(team_id))
            .one(&**w)
            .await
            .map_err(db_err)?
            .is_some())
    }

    /// Whether any journal entry waits for dispatch (a read, to spare idle polls a write).
    pub async fn has_undispatched(&self) -> Result<bool, Error> {
        Ok(system_log::Entity::find()
            .filter(system_log::Column::DispatchTime.eq(0))
            .limit(1)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .is_some())
    }

    /// Waits until a write journals something (or `timeout` passes).
    pub async fn journal_changed(&self, timeout: std::time::Duration) {
        let _ = tokio::time::timeout(timeout, self.journaled.notified()).await;
    }

    /// Journal entries by (team, id).
    async fn events<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        keys: impl IntoIterator<Item = (i64, i64)>,
    ) -> Result<HashMap<(i64, i64), Event>, Error> {
        let mut out = HashMap::new();
        for (team, ids) in by_team(keys) {
            for chunk in ids.chunks(500) {
                for m in system_log::Entity::find()
                    .filter(system_log::Column::TeamId.eq(team))
                    .filter(system_log::Column::Id.is_in(chunk.iter().copied()))
                    .all(conn)
                    .await
                    .map_err(db_err)?
                {
                    if let Some(e) = event_of(m) {
                        out.insert((e.team_id, e.id), e);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Dispatches up to `max` journal entries (see the module docs). Returns how many were
    /// taken; 0 when there were none, or when another process is dispatching.
    pub async fn dispatch_events(
        &self,
        max: u64,
        rules: DeliveryRules,
        now: i64,
    ) -> Result<usize, Error> {
        let w = self.background_write().await?;
        let max = if w.busy() { max.min(BUSY_BATCH) } else { max };
        if !take_lease(&w, DISPATCH_LEASE, self.ids.node() as i32, now).await? {
            return Ok(0);
        }
        let rows = system_log::Entity::find()
            .filter(system_log::Column::DispatchTime.eq(0))
            .order_by_asc(system_log::Column::DispatchTime)
            .order_by_asc(system_log::Column::Id)
            .limit(max)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&*w)
            .await
            .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(0);
        }
        let taken: Vec<(i64, i64)> = rows.iter().map(|r| (r.team_id, r.id)).collect();
        let teams: Vec<i64> = by_team(taken.iter().copied())
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        let subs: Vec<Subscription> = sub::Entity::find()
            .filter(sub::Column::TeamId.is_in(teams))
            .all(&*w)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(Subscription::from)
            .collect();
        if !subs.is_empty() {
            let jobs = self.fan_out(&w, rows, &subs, rules, now).await?;
            jobs::enqueue(&w, now, jobs).await?;
        }
        for (team, ids) in by_team(taken.iter().copied()) {
            for chunk in ids.chunks(500) {
                system_log::Entity::update_many()
                    .col_expr(system_log::Column::DispatchTime, Expr::value(now.max(1)))
                    .filter(system_log::Column::TeamId.eq(team))
                    .filter(system_log::Column::Id.is_in(chunk.iter().copied()))
                    .exec(&*w)
                    .await
                    .map_err(db_err)?;
            }
        }
        w.commit().await?;
        Ok(taken.len())
    }

    /// The delivery jobs of journal entries for the subscriptions of their teams.
    async fn fan_out(
        &self,
        w: &Write<'_>,
        rows: Vec<system_log::Model>,
        subs: &[Subscription],
        rules: DeliveryRules,
        now: i64,
    ) -> Result<Vec<NewJob>, Error> {
        let events: Vec<Event> = rows.into_iter().filter_map(event_of).collect();
        let wanted = |e: &Event| -> Vec<&Subscription> {
            let lists = e.kind.lists(&e.detail);
            // a subscription hears of what happens from its creation on, even when dispatch
            // comes later
            subs.iter()
                .filter(|s| {
                    s.team_id == e.team_id
                        && lists.contains(&(s.list_id as u8))
                        && e.create_time >= s.create_time
                })
                .collect()
        };
        // the leads and subscribers the recipient rules look at
        let mut lead_keys = Vec::new();
        let mut subscriber_keys = HashSet::new();
        for e in &events {
            for s in wanted(e) {
                if e.lead_id != 0 && s.list_id != list::AGENT_INFO as i32 {
                    lead_keys.push((e.team_id, e.lead_id));
                }
                subscriber_keys.insert((s.team_id, s.user_id));
            }
        }
        let mut leads: HashMap<(i64, i64), Lead> = HashMap::new();
        for (team, ids) in by_team(lead_keys) {
            for l in crate::leads::leads_by_id(&**w, team, &ids).await? {
                leads.insert((team, l.id), l);
            }
        }
        let subscribers = subscribers(w, subscriber_keys).await?;
        let mut out = Vec::new();
        for e in &events {
            for s in wanted(e) {
                let Some(p) = subscribers.get(&(s.team_id, s.user_id)) else {
                    // a deactivated or removed subscriber receives nothing
                    continue;
                };
                let lead = (e.lead_id != 0 && s.list_id != list::AGENT_INFO as i32)
                    .then(|| leads.get(&(e.team_id, e.lead_id)));
                let ok = match lead {
                    None => true,
                    Some(l) => {
                        // a lead gone for good: only the company admins hear of it
                        l.map_or(p.role == Role::Admin, |l| receives(s, p, Some(l)))
                    }
                };
                if ok {
                    out.push(NewJob {
                        team_id: e.team_id,
                        kind: KIND,
                        subject_id: s.id,
                        order_key: order_key(e),
                        event_id: e.id,
                        payload: Value::Object(Default::default()),
                        run_at: now,
                        deadline: now + rules.give_up_ms,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Claims up to `max` due deliveries for `owner` (see the module docs).
    pub async fn claim_deliveries(
        &self,
        max: u64,
        owner: i32,
        lease_ms: i64,
        rules: DeliveryRules,
        now: i64,
    ) -> Result<Vec<Delivery>, Error> {
        let w = self.background_write().await?;
        let max = if w.busy() { max.min(BUSY_BATCH) } else { max };
        let picked = jobs::due(&w, KIND, now, max).await?;
        if picked.is_empty() {
            return Ok(Vec::new());
        }
        // the subscriptions, locked so that claimers count their windows one after another
        let mut subs: HashMap<(i64, i64), sub::Model> = HashMap::new();
        for (team, ids) in by_team(picked.iter().map(|j| (j.team_id, j.subject_id))) {
            for m in sub::Entity::find()
                .filter(sub::Column::TeamId.eq(team))
                .filter(sub::Column::Id.is_in(ids))
                .order_by_asc(sub::Column::Id)
                .lock_exclusive()
                .all(&*w)
                .await
                .map_err(db_err)?
            {
                subs.insert((m.team_id, m.id), m);
            }
        }
        let mut admitted = Vec::new();
        let mut deferred: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        let mut counted: HashMap<(i64, i64), (i64, i32)> = HashMap::new();
        let mut orphans = Vec::new();
        for j in picked {
            let Some(s) = subs.get(&(j.team_id, j.subject_id)) else {
                // its subscription was removed while it was being recorded
                orphans.push((j.team_id, j.id));
                continue;
            };
            let (start, count) = counted.entry((s.team_id, s.id)).or_insert_with(|| {
                if now >= s.window_start + rules.window_ms {
                    (now, 0)
                } else {
                    (s.window_start, s.window_count)
                }
            });
            if *count < s.limit_per_window {
                *count += 1;
                admitted.push(j);
            } else {
                deferred
                    .entry(*start + rules.window_ms)
                    .or_default()
                    .push((j.team_id, j.id));
            }
        }
        for ((team, id), (start, count)) in &counted {
            sub::Entity::update_many()
                .col_expr(sub::Column::WindowStart, Expr::value(*start))
                .col_expr(sub::Column::WindowCount, Expr::value(*count))
                .filter(sub::Column::TeamId.eq(*team))
                .filter(sub::Column::Id.eq(*id))
                .exec(&*w)
                .await
                .map_err(db_err)?;
        }
        for (at, ids) in &deferred {
            jobs::defer(&w, ids, *at).await?;
        }
        jobs::remove(&w, &orphans).await?;
        let leased = jobs::lease(&w, admitted, owner, now + lease_ms).await?;
        let events = self
            .events(&*w, leased.iter().map(|j| (j.team_id, j.event_id)))
            .await?;
        w.commit().await?;
        Ok(leased
            .into_iter()
            .filter_map(|job| {
                let subscription = subs.get(&(job.team_id, job.subject_id))?.clone().into();
                let event = events.get(&(job.team_id, job.event_id))?.clone();
                Some(Delivery {
                    job,
                    subscription,
                    event,
                })
            })
            .collect())
    }
}

/// Takes a named lease for the caller's write: on PostgreSQL its row stays locked until the
/// write ends, and another process trying meanwhile is told no at once. On SQLite the write
/// turn already admits one writer at a time.
async fn take_lease(w: &Write<'_>, name: &str, owner: i32, now: i64) -> Result<bool, Error> {
    lease::Entity::insert(lease::ActiveModel {
        name: Set(name.to_string()),
        owner: Set(owner),
        until_time: Set(now),
    })
    .on_conflict(
        OnConflict::column(lease::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&**w)
    .await
    .map_err(db_err)?;
    let held = lease::Entity::find_by_id(name.to_string())
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&**w)
        .await
        .map_err(db_err)?;
    if held.is_none() {
        return Ok(false);
    }
    lease::Entity::update_many()
        .col_expr(lease::Column::Owner, Expr::value(owner))
        .col_expr(lease::Column::UntilTime, Expr::value(now))
        .filter(lease::Column::Name.eq(name))
        .exec(&**w)
        .await
        .map_err(db_err)?;
    Ok(true)
}

/// The subscribers, as principals (role, office, ponds), by (team, user); deactivated users
/// are left out.
async fn subscribers(
    w: &Write<'_>,
    keys: HashSet<(i64, i64)>,
) -> Result<HashMap<(i64, i64), Principal>, Error> {
    let mut out = HashMap::new();
    for (team, ids) in by_team(keys) {
        let ponds = lead_pond::Entity::find()
            .filter(lead_pond::Column::TeamId.eq(team))
            .all(&**w)
            .await
            .map_err(db_err)?;
        for u in user::Entity::find()
            .filter(user::Column::TeamId.eq(team))
            .filter(user::Column::Id.is_in(ids))
            .all(&**w)
            .await
            .map_err(db_err)?
        {
            if u.status != 1 {
                continue;
            }
            let p = crate::auth::principal_of(
                &u,
                &ponds,
                CredentialKind::ApiKey,
                None,
                String::new(),
                0,
            );
            out.insert((team, u.id), p);
        }
    }
    Ok(out)
}
