//! Leads: the aggregate row (indexed columns + a JSON document for the long tail) and its
//! search indexes (emails, phones, segments, tags), always written together in one transaction
//! with the journal entry of the change.
//!
//! Every read of a lead goes through [`visible`], the one place that decides what a caller may
//! see; a lead outside it is indistinguishable from one that does not exist.

use std::collections::HashSet;
use std::sync::Arc;

use openhouse_api::{Language, OwnershipScope};
use openhouse_domain::auth::Principal;
use openhouse_domain::event::Kind;
use openhouse_domain::lead::{Lead, LeadDoc, LeadPatch, LeadStats, LeadTag, diff, phone_key};
use openhouse_domain::search::{Criterion, LeadFilter, LeadQuery, LeadSort, Position};
use openhouse_domain::visibility::{self, Grant};
use openhouse_domain::{Error, ErrorKind, error::codes};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set,
    Value,
};
use serde_json::json;

use crate::entities::{lead, lead_pond, note, office, tag, user};
use crate::journal::{Entry, Write};
use crate::render::{self, Names, Resource};
use crate::search_index::Resolved;
use crate::transactions::TransactionChange;
use crate::{Store, db_err, dialect};

/// One page of a lead search.
#[derive(Debug, Clone)]
pub struct LeadPage {
    pub leads: Vec<Arc<Lead>>,
    /// How many leads match in all.
    pub total: u64,
    /// Where this page ended, when more may follow.
    pub last: Option<Position>,
}

/// The condition every lead read is filtered by: the caller's team, and within it one of the
/// caller's grants ([`openhouse_domain::visibility`], the one definition of who sees a lead).
pub fn visible(who: &Principal) -> Condition {
    let team = Condition::all().add(lead::Column::TeamId.eq(who.team_id));
    let mut any = Condition::any();
    for g in visibility::grants(who) {
        any = any.add(grant_condition(g));
    }
    team.add(any)
}

/// One grant as SQL over the leads table: what [`Grant::holds`] says of one lead in memory.
fn grant_condition(g: Grant) -> Condition {
    use lead::Column as C;
    let scoped = |scope: OwnershipScope, id: i64| {
        Condition::all()
            .add(C::OwnershipScope.eq(scope.as_str()))
            .add(C::OwnershipId.eq(id))
    };
    match g {
        Grant::WholeTeam => Condition::all(),
        Grant::TeamScope => {
            Condition::all().add(C::OwnershipScope.eq(OwnershipScope::Team.as_str()))
        }
        Grant::Agent(u) => Condition::all().add(C::AssignedUserId.eq(u)),
        Grant::Lender(u) => Condition::all().add(C::LenderUserId.eq(u)),
        Grant::Assistant(u) => Condition::all().add(C::AssistantUserId.eq(u)),
        Grant::Personal(u) => scoped(OwnershipScope::Personal, u),
        Grant::Office(o) => scoped(OwnershipScope::Office, o),
        Grant::Pond(p) => Condition::all().add(C::PondId.eq(p)),
    }
}

/// [`visible`] for one lead in memory: [`visibility::sees`].
pub fn visible_to(who: &Principal, l: &Lead) -> bool {
    visibility::sees(who, l)
}

fn sort_column(sort: LeadSort) -> lead::Column {
    use lead::Column as C;
    match sort {
        LeadSort::Default | LeadSort::CreateTime => C::CreateTime,
        LeadSort::UpdateTime => C::UpdateTime,
        LeadSort::LastContact => C::LastTouch,
        LeadSort::LastCall => C::LastCall,
        LeadSort::LastEmail => C::LastEmail,
        LeadSort::LastActivity => C::LastActivity,
        LeadSort::Inquries => C::InquiryCount,
        LeadSort::DeleteTime => C::DeleteTime,
        LeadSort::AssignTime => C::AssignTime,
        LeadSort::Score => C::Score,
        LeadSort::Activity => C::ActivityCount,
        LeadSort::Communication => C::CommunicationCount,
        LeadSort::HasDrip => C::HasDrip,
        LeadSort::HasAlert => C::HasAlert,
        LeadSort::Task => C::TaskCount,
        LeadSort::Lender => C::LenderUserId,
        LeadSort::ActivitySearch => C::ActivitySearchCount,
        LeadSort::ActivityViews => C::ActivityViewCount,
        LeadSort::ActivityFavorites => C::ActivityFavoriteCount,
        LeadSort::DripStatus => C::DripStatus,
        LeadSort::DripOpenRate => C::DripOpenRate,
        LeadSort::AlertFrequency => C::AlertFrequency,
        LeadSort::AlertOpenRate => C::AlertOpenRate,
        LeadSort::ScoreV2 => C::ScoreV2,
        LeadSort::SmartPlanStatus => C::SmartPlanStatus,
    }
}

pub(crate) fn to_lead(m: lead::Model) -> Result<Lead, Error> {
    let doc: LeadDoc = serde_json::from_str(&m.doc).map_err(|e| {
        tracing::error!(lead = m.id, error = %e, "unreadable lead document");
        Error::internal("internal error")
    })?;
    Ok(Lead {
        team_id: m.team_id,
        id: m.id,
        first_name: m.first_name,
        last_name: m.last_name,
        source: m.source,
        stage: m.stage,
        language: m.language.as_deref().and_then(Language::parse),
        assigned_user_id: (m.assigned_user_id > 0).then_some(m.assigned_user_id),
        lender_user_id: (m.lender_user_id > 0).then_some(m.lender_user_id),
        ownership_scope: OwnershipScope::parse(&m.ownership_scope),
        ownership_id: (m.ownership_id > 0).then_some(m.ownership_id),
        create_time: m.create_time,
        update_time: m.update_time,
        assign_time: m.assign_time,
        delete_time: m.delete_time,
        pond_id: m.pond_id,
        stats: LeadStats {
            last_touch: m.last_touch,
            last_visit: m.last_visit,
            last_call: m.last_call,
            last_email: m.last_email,
            last_activity: m.last_activity,
            contacted: m.contacted,
            score: m.score,
        },
        doc,
    })
}

/// The columns a lead write owns. Activity counters and statistics are left alone: other
/// records (activities, calls, tasks) maintain them with targeted updates.
fn owned_columns(l: &Lead, am: &mut lead::ActiveModel) {
    am.first_name = Set(l.first_name.clone());
    am.last_name = Set(l.last_name.clone());
    am.source = Set(l.source.clone());
    am.stage = Set(l.stage.clone());
    am.language = Set(l.language.map(|x| x.as_str().to_string()));
    am.assigned_user_id = Set(l.assigned_user_id.unwrap_or(0));
    am.lender_user_id = Set(l.lender_user_id.unwrap_or(0));
    am.pond_id = Set(l.pond_id);
    am.assistant_user_id = Set(l.assistant_user_id().unwrap_or(0));
    am.ownership_scope = Set(l
        .ownership_scope
        .unwrap_or(OwnershipScope::Personal)
        .as_str()
        .to_string());
    am.ownership_id = Set(l.ownership_id.unwrap_or(0));
    am.update_time = Set(l.update_time);
    am.assign_time = Set(l.assign_time);
    am.delete_time = Set(l.delete_time);
    am.doc = Set(serde_json::to_string(&l.doc).expect("serializable"));
}

/// Names a write has already read while checking what it writes (the users a patch names, the
/// pond it puts the lead in): the lead's resource takes them from here rather than reading them
/// again.
#[derive(Debug, Default)]
pub(crate) struct Known {
    pub users: Names,
    pub ponds: Names,
}

/// How tag names and segments are matched: trimmed, ignoring case.
pub(crate) fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// An index table's rows of a lead: (table, the key columns after `team_id` and `lead_id`,
/// the rows' values of those columns).
pub(crate) type IndexRows = (&'static str, &'static [&'static str], Vec<Vec<Value>>);

/// A lead's rows in each of its index tables. The one definition the single writes
/// ([`Store::reindex`]) and the bulk import ([`Deferred`]) share.
pub(crate) fn index_rows(l: &Lead) -> [IndexRows; 4] {
    let text = |keys: Vec<String>| -> Vec<Vec<Value>> {
        keys.into_iter()
            .filter(|k| !k.is_empty())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|k| vec![Value::from(k)])
            .collect()
    };
    let emails = l.doc.emails.iter().map(|e| e.to_lowercase()).collect();
    let phones = l.doc.phones.iter().map(|p| phone_key(p)).collect();
    let segments = l.doc.segments.iter().map(|s| name_key(s)).collect();
    let tags = l
        .doc
        .tags
        .iter()
        .map(|t| vec![Value::from(t.id), Value::from(t.create_time)])
        .collect();
    [
        ("lead_emails", &["email_key"], text(emails)),
        ("lead_phones", &["phone_key"], text(phones)),
        ("lead_segments", &["name_key"], text(segments)),
        ("lead_tags", &["tag_id", "create_time"], tags),
    ]
}

/// The row of a new lead: its own columns, and every counter and statistic at 0.
fn new_lead_row(l: &Lead) -> lead::ActiveModel {
    let mut am = lead::ActiveModel {
        team_id: Set(l.team_id),
        id: Set(l.id),
        create_time: Set(l.create_time),
        lender_user_id: Set(0),
        contacted: Set(false),
        ..Default::default()
    };
    owned_columns(l, &mut am);
    for c in [
        lead::Column::LastTouch,
        lead::Column::LastVisit,
        lead::Column::LastCall,
        lead::Column::LastEmail,
        lead::Column::LastActivity,
        lead::Column::Score,
        lead::Column::ScoreV2,
        lead::Column::InquiryCount,
        lead::Column::ActivityCount,
        lead::Column::ActivitySearchCount,
        lead::Column::ActivityViewCount,
        lead::Column::ActivityFavoriteCount,
        lead::Column::CommunicationCount,
        lead::Column::TaskCount,
        lead::Column::HasDrip,
        lead::Column::DripStatus,
        lead::Column::DripOpenRate,
        lead::Column::HasAlert,
        lead::Column::AlertFrequency,
        lead::Column::AlertOpenRate,
        lead::Column::SmartPlanStatus,
    ] {
        am.set(c, Value::BigInt(Some(0)));
    }
    am
}

/// New leads' statements held back to be written many rows a statement (the bulk import):
/// what [`Store::create_lead_in`] would execute lead by lead, in the same write.
#[derive(Default)]
pub(crate) struct Deferred {
    leads: Vec<lead::ActiveModel>,
    index: [Vec<Vec<Value>>; 4],
    entries: Vec<Entry>,
    /// Rows per statement: SQLite takes at most 32,766 values a statement.
    rows_per_statement: usize,
}

impl Deferred {
    pub(crate) fn new() -> Self {
        Self {
            rows_per_statement: 500,
            ..Default::default()
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.leads.is_empty()
    }

    fn push(&mut self, l: &Lead, entry: Entry) {
        self.leads.push(new_lead_row(l));
        for (i, (_, _, rows)) in index_rows(l).into_iter().enumerate() {
            self.index[i].extend(rows.into_iter().map(|r| {
                let mut v = vec![Value::from(l.team_id), Value::from(l.id)];
                v.extend(r);
                v
            }));
        }
        self.entries.push(entry);
    }

    /// Writes what was held back, in the write it was gathered in: leads, index rows, journal
    /// entries, many rows a statement, each statement built while the one before runs.
    pub(crate) async fn flush(
        &mut self,
        w: &mut Write<'_>,
        who: &Principal,
        now: i64,
    ) -> Result<(), Error> {
        let n = self.rows_per_statement.max(1);
        let backend = w.get_database_backend();
        let mut leads = std::mem::take(&mut self.leads).into_iter().peekable();
        let lead_statements = std::iter::from_fn(move || {
            leads.peek()?;
            let chunk: Vec<_> = leads.by_ref().take(n).collect();
            Some(QueryTrait::build(
                &lead::Entity::insert_many(chunk),
                backend,
            ))
        });
        let shape = index_rows(&Lead::default());
        let index = std::mem::take(&mut self.index);
        let index_statements =
            shape
                .into_iter()
                .zip(index)
                .flat_map(move |((table, cols, _), rows)| {
                    let mut rows = rows.into_iter().peekable();
                    // a few values a row: more rows a statement than the leads'
                    std::iter::from_fn(move || {
                        rows.peek()?;
                        let mut insert = Query::insert();
                        insert.into_table(table).columns(
                            ["team_id", "lead_id"]
                                .into_iter()
                                .chain(cols.iter().copied()),
                        );
                        for row in rows.by_ref().take(n * 4) {
                            insert.values_panic(row.into_iter().map(Expr::val));
                        }
                        Some(backend.build(&insert))
                    })
                });
        let entries = std::mem::take(&mut self.entries);
        // a team without webhook subscriptions: nothing to deliver, so the entries are written
        // dispatched rather than left for the dispatcher to mark one by one (a million after a
        // large import, minutes of background writes)
        let dispatched = !w.store().team_subscribes(w, who.team_id).await?;
        let entry_statements = w.entry_statements(who, now, entries, n, dispatched);
        w.execute_pipelined(
            lead_statements
                .chain(index_statements)
                .chain(entry_statements),
        )
        .await
    }
}

impl Store {
    /// Checks that `user_id` is a user of the caller's team: 400 USER_NOT_EXIST otherwise.
    /// Answers the user's display name.
    pub(crate) async fn check_user(
        &self,
        txn: &DatabaseTransaction,
        team_id: i64,
        field: &str,
        user_id: i64,
    ) -> Result<String, Error> {
        let found = user::Entity::find_by_id((team_id, user_id))
            .one(txn)
            .await
            .map_err(db_err)?;
        match found {
            Some(u) => Ok(crate::auth::display_name(
                &u.first_name,
                u.last_name.as_deref(),
            )),
            None => Err(Error::new(
                ErrorKind::BadRequest,
                codes::USER_NOT_EXIST,
                format!("{field}: user {user_id} does not exist"),
            )),
        }
    }

    /// A lead as the API shows it, for the journal entry of a write that changed it: the names
    /// it shows come from `known`, else from the user cache, else from the write (at most one
    /// query for users and one for the pond).
    pub(crate) async fn lead_resource(
        &self,
        txn: &DatabaseTransaction,
        l: &Lead,
        known: &Known,
    ) -> Result<Resource, Error> {
        let wanted = [l.assigned_user_id, l.lender_user_id];
        let mut names: Names = Names::new();
        let mut missing = Vec::new();
        for id in wanted.into_iter().flatten() {
            match known.users.get(&id) {
                Some(n) => {
                    names.insert(id, n.clone());
                }
                None => missing.push(id),
            }
        }
        if !missing.is_empty() {
            names.extend(self.names_in(txn, l.team_id, missing).await?);
        }
        let ponds = match known.ponds.get(&l.pond_id) {
            Some(n) => Names::from([(l.pond_id, n.clone())]),
            None if l.pond_id > 0 => self.pond_names_on(txn, l.team_id, &[l.pond_id]).await?,
            None => Names::new(),
        };
        Ok(render::lead(l, &names, &ponds).into())
    }

    /// Checks what a patch refers to — users, the owning office, the pond — and the custom
    /// attribute values against the team's custom fields; answers the patch with those values
    /// in the fields' own names and types, and the names of the agent, lender and pond it names.
    async fn check_patch(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        patch: &LeadPatch,
    ) -> Result<(LeadPatch, Known), Error> {
        let mut patch = patch.clone();
        let mut known = Known::default();
        if let Some(a) = patch.assigned_user_id.filter(|a| *a > 0) {
            let name = self
                .check_user(txn, who.team_id, "assignedUserId", a)
                .await?;
            known.users.insert(a, name);
        }
        if let Some(a) = patch.lender_user_id.filter(|a| *a > 0) {
            let name = self.check_user(txn, who.team_id, "lenderUserId", a).await?;
            known.users.insert(a, name);
        }
        for r in patch.custom_roles.iter().flatten() {
            if let Some(a) = r.assignee_id.filter(|a| *a > 0) {
                self.check_user(txn, who.team_id, "assignee", a).await?;
            }
        }
        if let Some((OwnershipScope::Personal, Some(owner))) = patch.ownership {
            self.check_user(txn, who.team_id, "ownershipId", owner)
                .await?;
        }
        if let Some((OwnershipScope::Office, Some(office_id))) = patch.ownership {
            let found = office::Entity::find_by_id((who.team_id, office_id))
                .one(txn)
                .await
                .map_err(db_err)?;
            if found.is_none() {
                return Err(Error::invalid(format!(
                    "ownershipId: {office_id} is not an office of the team"
                )));
            }
        }
        if let Some(p) = patch.pond_id.filter(|p| *p > 0) {
            let found = lead_pond::Entity::find_by_id((who.team_id, p))
                .one(txn)
                .await
                .map_err(db_err)?
                .ok_or_else(|| Error::not_found("lead pond"))?;
            known.ponds.insert(p, found.name);
        }
        if let Some(attrs) = patch.custom_attributes.as_mut() {
            self.check_custom_attributes(txn, who.team_id, attrs)
                .await?;
        }
        Ok((patch, known))
    }

    /// Finds or creates the team's tags by name; returns them, (id, name), in the order asked.
    /// Existing tags are only read (from the tag cache when it has them all): inserting them
    /// again, even with ON CONFLICT DO NOTHING, would make concurrent writers that share a tag
    /// wait for each other on PostgreSQL.
    pub(crate) async fn resolve_tags(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        names: &[String],
        now: i64,
    ) -> Result<Vec<(i64, String)>, Error> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = names.iter().map(|n| name_key(n)).collect();
        let cached: Vec<(i64, String)> = keys
            .iter()
            .map_while(|k| self.cache.tag(who.team_id, k))
            .collect();
        if cached.len() == keys.len() {
            return Ok(cached);
        }
        let find = || {
            tag::Entity::find()
                .filter(tag::Column::TeamId.eq(who.team_id))
                .filter(tag::Column::NameKey.is_in(keys.clone()))
                .all(txn)
        };
        let mut found = find().await.map_err(db_err)?;
        let missing: Vec<(&String, &String)> = names
            .iter()
            .zip(&keys)
            .filter(|(_, k)| !found.iter().any(|t| &t.name_key == *k))
            .collect();
        if !missing.is_empty() {
            let rows = missing.into_iter().map(|(n, k)| tag::ActiveModel {
                team_id: Set(who.team_id),
                id: Set(self.next_id()),
                name: Set(n.clone()),
                name_key: Set(k.clone()),
                creator_user_id: Set(Some(who.user_id)),
                create_time: Set(now),
                update_time: Set(now),
            });
            tag::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([tag::Column::TeamId, tag::Column::NameKey])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await
                .map_err(db_err)?;
            found = find().await.map_err(db_err)?;
        }
        // only tags that existed before this write are cached: a new one would be wrong in
        // the cache if the write rolled back
        let new_here =
            |t: &tag::Model| t.create_time == now && t.creator_user_id == Some(who.user_id);
        for t in &found {
            if !new_here(t) {
                self.cache
                    .keep_tag(who.team_id, t.name_key.clone(), t.id, t.name.clone());
            }
        }
        Ok(keys
            .iter()
            .filter_map(|k| found.iter().find(|t| &t.name_key == k))
            .map(|t| (t.id, t.name.clone()))
            .collect())
    }

    /// Applies the tag part of a patch: replace and/or add.
    async fn apply_tags(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        lead: &mut Lead,
        patch: &LeadPatch,
        now: i64,
    ) -> Result<(), Error> {
        let mut names: Vec<String> = match &patch.tags.replace {
            Some(r) => r.clone(),
            None if patch.tags.add.is_empty() => return Ok(()),
            None => lead.doc.tags.iter().map(|t| t.name.clone()).collect(),
        };
        for a in &patch.tags.add {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(a)) {
                names.push(a.clone());
            }
        }
        let tags = self.resolve_tags(txn, who, &names, now).await?;
        lead.doc.tags = tags
            .into_iter()
            .map(|(id, name)| {
                let kept = lead.doc.tags.iter().find(|o| o.id == id);
                LeadTag {
                    id,
                    name,
                    creator_user_id: kept.map_or(Some(who.user_id), |k| k.creator_user_id),
                    create_time: kept.map_or(now, |k| k.create_time),
                }
            })
            .collect();
        Ok(())
    }

    /// Rewrites the search index rows of whatever changed between `before` and `after`.
    async fn reindex(
        &self,
        txn: &DatabaseTransaction,
        before: Option<&Lead>,
        after: &Lead,
    ) -> Result<(), Error> {
        let old = before.map(index_rows);
        for (i, (table, cols, rows)) in index_rows(after).into_iter().enumerate() {
            if old.as_ref().is_none_or(|o| o[i].2 != rows) {
                replace_index(
                    txn,
                    table,
                    cols,
                    after.team_id,
                    after.id,
                    rows,
                    before.is_none(),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Stores what a patch carries besides the lead itself: a note and a transaction (a new
    /// one; on edit, the lead's transaction `transactionId` names, when it does).
    async fn store_attachments(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        lead: &Lead,
        patch: &LeadPatch,
        now: i64,
    ) -> Result<(), Error> {
        let lead_id = lead.id;
        if let Some((content, pinned)) = &patch.note {
            let m = note::ActiveModel {
                team_id: Set(who.team_id),
                id: Set(self.next_id()),
                lead_id: Set(lead_id),
                content: Set(content.clone()),
                pinned: Set(*pinned),
                creator_user_id: Set(Some(who.user_id)),
                last_editor_user_id: Set(Some(who.user_id)),
                create_time: Set(now),
                update_time: Set(now),
            }
            .insert(&**w)
            .await
            .map_err(db_err)?;
            // a note like any other: journaled, so list 9 hears of it
            self.journal_new_note(w, who, m, now).await?;
        }
        if let Some(t) = &patch.transaction {
            let existing = match t.transaction_id {
                Some(tid) => Some(self.transaction_of_lead(&**w, who, lead_id, tid).await?),
                None => None,
            };
            let sent = match serde_json::to_value(t) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            self.put_transaction(
                w,
                who,
                lead,
                existing,
                &TransactionChange::fields(&sent),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Creates a lead; returns its id.
    pub async fn create_lead(&self, who: &Principal, patch: &LeadPatch) -> Result<i64, Error> {
        if let Some(pending) = self.pending() {
            return self.create_lead_grouped(pending, who, patch).await;
        }
        if patch.routing.is_some() {
            // a routed create runs to its end even when its caller goes away: the rotation
            // position it takes would be lost with it (the grouped creates above run in a task
            // of their own already)
            let (store, who, patch) = (self.clone(), who.clone(), patch.clone());
            return tokio::spawn(async move { store.create_lead_alone(&who, &patch).await })
                .await
                .unwrap_or_else(|_| Err(Error::internal("internal error")));
        }
        self.create_lead_alone(who, patch).await
    }

    /// A create in a write of its own (PostgreSQL).
    async fn create_lead_alone(&self, who: &Principal, patch: &LeadPatch) -> Result<i64, Error> {
        let mut again = false;
        loop {
            let mut w = self.write().await?;
            // the time is taken in the write turn, like the id: so leads' create times follow
            // their ids, which the search index's default order relies on to be fast
            let now = self.now();
            let done = match self.create_lead_in(&mut w, who, patch, now, None).await {
                Ok(id) => w.commit().await.map(|()| id),
                Err(e) => Err(e),
            };
            match done {
                // routed by a configuration that had just changed: once more, with the new one
                // (read in the write, so the second run cannot meet this again)
                Err(e) if e.code == codes::ROUTING_CHANGED && !again => {
                    self.forget_routing(who.team_id);
                    again = true;
                }
                done => return done,
            }
        }
    }

    /// Creates a lead within a write; `origin`, when given, is recorded with the change.
    ///
    /// Every check comes before the first write (a transaction the patch carries is checked
    /// first, then written after the lead): [`crate::group_commit`] relies on that to run many
    /// creates in one transaction, and routing on it to take a rotation position only for a
    /// lead that will be written.
    pub(crate) async fn create_lead_in(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        patch: &LeadPatch,
        now: i64,
        origin: Option<serde_json::Value>,
    ) -> Result<i64, Error> {
        self.create_lead_into(w, who, patch, now, origin, None)
            .await
            .map(|(id, _)| id)
    }

    /// [`Store::create_lead_in`], with the lead's row, index rows and journal entry held back
    /// in `defer` when given (the bulk import writes them many a statement): the same checks
    /// and the same lead. A patch with a note or a transaction is not deferred (those records
    /// follow the lead's row). Answers the id and the lead's email keys.
    pub(crate) async fn create_lead_into(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        patch: &LeadPatch,
        now: i64,
        origin: Option<serde_json::Value>,
        mut defer: Option<&mut Deferred>,
    ) -> Result<(i64, Vec<String>), Error> {
        if patch.note.is_some() || patch.transaction.is_some() {
            defer = None;
        }
        let id = self.next_id();
        let mut l = Lead {
            team_id: who.team_id,
            id,
            create_time: now,
            ..Default::default()
        };
        let (patch, mut known) = self.check_patch(w, who, patch).await?;
        let patch = &patch;
        l.apply(patch, now, || self.next_id());
        if l.ownership_scope.is_none() {
            l.ownership_scope = Some(OwnershipScope::Personal);
            l.ownership_id = Some(who.user_id);
        }
        if let Some(scope) = patch.routing {
            self.check_routing_scope(w, who.team_id, scope).await?;
        }
        if let Some(t) = &patch.transaction {
            // checked here too, before the first write: a refused create then took nothing,
            // not even a routing position (the write below checks it again, as every write does)
            if let Some(tid) = t.transaction_id {
                self.transaction_of_lead(&**w, who, id, tid).await?;
            }
            let sent = match serde_json::to_value(t) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            self.checked_fields(
                w,
                who,
                &Default::default(),
                &TransactionChange::fields(&sent),
            )
            .await?;
        }
        self.apply_tags(w, who, &mut l, patch, now).await?;
        let routed = match patch.routing {
            Some(scope) => {
                self.route_new_lead(w, &mut l, scope, now, &mut known.users)
                    .await?
            }
            None => Vec::new(),
        };
        if defer.is_none() {
            lead::Entity::insert(new_lead_row(&l))
                .exec_without_returning(&**w)
                .await
                .map_err(db_err)?;
            self.reindex(w, None, &l).await?;
        }
        w.wrote(&l);
        // the lead as created is the entry's resource: the detail holds only what that does
        // not say (where the lead came from, what routing decided), so the journal carries the
        // lead once (see journal::shown_detail for what the entry shows)
        let mut view = serde_json::Map::new();
        if let Some(o) = origin {
            view.insert("origin".into(), o);
        }
        // what routing decided is part of the creation (the lead is written routed): the
        // entry names each decision, and only offers, which are events of their own, follow
        let (decided, offers): (Vec<_>, Vec<_>) = routed
            .into_iter()
            .partition(|(_, _, offered)| offered.is_none());
        if !decided.is_empty() {
            view.insert(
                "routing".into(),
                json!(decided.iter().map(|(_, o, _)| o).collect::<Vec<_>>()),
            );
        }
        let resource = self.lead_resource(w, &l, &known).await?;
        // the offers' entries carry the lead too
        let offered = (!offers.is_empty()).then(|| resource.clone());
        let entry = Entry {
            lead_id: id,
            action: Kind::LeadCreated,
            detail: json!(view),
            resource,
        };
        let emails = l.doc.emails.iter().map(|e| e.to_lowercase()).collect();
        match defer {
            Some(d) => {
                d.push(&l, entry);
                if let Some(resource) = offered {
                    // an offer's entries follow the creation's: write what was held back first
                    d.flush(w, who, now).await?;
                    self.journal_routing(w, who, &l, &resource, offers, now)
                        .await?;
                }
            }
            None => {
                w.record(who, now, entry).await?;
                if let Some(resource) = offered {
                    self.journal_routing(w, who, &l, &resource, offers, now)
                        .await?;
                }
            }
        }
        self.store_attachments(w, who, &l, patch, now).await?;
        Ok((id, emails))
    }

    /// A lead the caller may see (trashed ones only `with_trash`); 404 LEAD_NOT_EXIST otherwise.
    pub async fn get_lead(
        &self,
        who: &Principal,
        id: i64,
        with_trash: bool,
    ) -> Result<Arc<Lead>, Error> {
        let cached = match self.cache.lead(who.team_id, id) {
            // a copy kept here may predate another process's write: first catch up with them
            Some(_) if self.tail().is_some() => {
                self.caught_up().await?;
                self.cache.lead(who.team_id, id)
            }
            c => c,
        };
        let lead = match cached {
            Some(l) => l,
            None => {
                let epoch = self.cache.epoch();
                let l = self
                    .read_lead(who.team_id, id)
                    .await?
                    .ok_or_else(Error::lead_not_found)?;
                self.cache.keep_lead(l.clone(), epoch);
                l
            }
        };
        if !visible_to(who, &lead) || (lead.delete_time > 0 && !with_trash) {
            return Err(Error::lead_not_found());
        }
        Ok(lead)
    }

    /// A record that hangs on a lead (a note, a task, a log), by its id in the caller's team. It
    /// is as visible as its lead: one of a lead the caller cannot see, or of a trashed lead, is
    /// not there for them (404 RESOURCE_NOT_EXIST, like one that does not exist).
    pub(crate) async fn on_visible_lead<E>(
        &self,
        who: &Principal,
        id: i64,
        what: &str,
        lead_of: impl Fn(&E::Model) -> i64,
    ) -> Result<(E::Model, Arc<Lead>), Error>
    where
        E: EntityTrait,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<(i64, i64)>,
    {
        let m = E::find_by_id((who.team_id, id))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .pop()
            .ok_or_else(|| Error::not_found(what))?;
        let lead = self
            .get_lead(who, lead_of(&m), false)
            .await
            .map_err(|_| Error::not_found(what))?;
        Ok((m, lead))
    }

    /// A lead the caller may see and change, locked for the rest of the transaction.
    pub(crate) async fn load_for_write(
        &self,
        txn: &DatabaseTransaction,
        who: &Principal,
        id: i64,
    ) -> Result<Lead, Error> {
        let m = lead::Entity::find()
            .filter(visible(who))
            .filter(lead::Column::Id.eq(id))
            .filter(lead::Column::DeleteTime.eq(0))
            .lock_exclusive()
            .one(txn)
            .await
            .map_err(db_err)?
            .ok_or_else(Error::lead_not_found)?;
        to_lead(m)
    }

    /// Edits a lead: only what the patch sets changes.
    pub async fn edit_lead(
        &self,
        who: &Principal,
        id: i64,
        patch: &LeadPatch,
    ) -> Result<(), Error> {
        let now = self.now();
        let mut w = self.write().await?;
        let before = self.load_for_write(&w, who, id).await?;
        self.edit_lead_in(&mut w, who, before, patch, now, None)
            .await?;
        w.commit().await
    }

    /// Edits a lead loaded for write (with [`Store::load_for_write`]) within that write;
    /// `origin`, when given, is recorded with the change.
    pub(crate) async fn edit_lead_in(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        before: Lead,
        patch: &LeadPatch,
        now: i64,
        origin: Option<serde_json::Value>,
    ) -> Result<(), Error> {
        let id = before.id;
        let (patch, known) = &self.check_patch(w, who, patch).await?;
        if let Some(pid) = patch
            .property
            .as_ref()
            .and_then(|p| p.id)
            .filter(|p| *p > 0)
            && !before.doc.properties.iter().any(|p| p.id == Some(pid))
        {
            return Err(Error::new(
                ErrorKind::NotFound,
                codes::LEAD_PROPERTY_NOT_EXIST,
                format!("property {pid} does not belong to this lead"),
            ));
        }
        let mut after = before.clone();
        let reassigned = after.apply(patch, now, || self.next_id());
        self.apply_tags(w, who, &mut after, patch, now).await?;
        let mut am: lead::ActiveModel = lead::ActiveModel {
            team_id: sea_orm::ActiveValue::Unchanged(who.team_id),
            id: sea_orm::ActiveValue::Unchanged(id),
            ..Default::default()
        };
        owned_columns(&after, &mut am);
        am.update(&**w).await.map_err(db_err)?;
        self.reindex(w, Some(&before), &after).await?;
        w.wrote(&after);
        let changes = diff(&before.audit_view(), &after.audit_view());
        let old_tags: Vec<&str> = before.doc.tags.iter().map(|t| t.name.as_str()).collect();
        let new_tags: Vec<&str> = after.doc.tags.iter().map(|t| t.name.as_str()).collect();
        let added: Vec<&&str> = new_tags.iter().filter(|t| !old_tags.contains(t)).collect();
        let removed: Vec<&&str> = old_tags.iter().filter(|t| !new_tags.contains(t)).collect();
        let mut detail = json!({"changes": changes, "tagsAdded": added, "tagsRemoved": removed});
        if let Some(o) = origin {
            detail["origin"] = o;
        }
        // the update and the assignment are one write: both entries carry the lead after it
        let resource = self.lead_resource(w, &after, known).await?;
        let assigned = reassigned.then(|| resource.clone());
        w.record(
            who,
            now,
            Entry {
                lead_id: id,
                action: Kind::LeadUpdated,
                detail,
                resource,
            },
        )
        .await?;
        if let Some(resource) = assigned {
            w.record(
                who,
                now,
                Entry {
                    lead_id: id,
                    action: Kind::LeadAssigned,
                    detail: json!({"from": before.assigned_user_id, "to": after.assigned_user_id}),
                    resource,
                },
            )
            .await?;
        }
        self.store_attachments(w, who, &after, patch, now).await
    }

    /// Moves a lead to the trash, keeping the reason.
    pub async fn trash_lead(&self, who: &Principal, id: i64, reason: &str) -> Result<(), Error> {
        let now = self.now();
        let mut w = self.write().await?;
        let mut l = self.load_for_write(&w, who, id).await?;
        l.delete_time = now;
        l.update_time = now;
        l.doc.delete_reason = Some(reason.to_string());
        let mut am = lead::ActiveModel {
            team_id: sea_orm::ActiveValue::Unchanged(who.team_id),
            id: sea_orm::ActiveValue::Unchanged(id),
            ..Default::default()
        };
        owned_columns(&l, &mut am);
        am.update(&*w).await.map_err(db_err)?;
        w.wrote(&l);
        // as `GET /v1.0/leads/{leadId}?withTrash=true` shows it from now on
        let resource = self.lead_resource(&w, &l, &Known::default()).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: id,
                action: Kind::LeadTrashed,
                detail: json!({"reason": reason}),
                resource,
            },
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Ids of the team's tags with these names (names that are no tag are left out).
    async fn tag_ids(&self, team_id: i64, names: &[String]) -> Result<Vec<i64>, Error> {
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for k in names.iter().map(|n| name_key(n)) {
            match self.cache.tag(team_id, &k) {
                Some((id, _)) => ids.push(id),
                None => unknown.push(k),
            }
        }
        if !unknown.is_empty() {
            let rows = tag::Entity::find()
                .filter(tag::Column::TeamId.eq(team_id))
                .filter(tag::Column::NameKey.is_in(unknown))
                .all(&self.db)
                .await
                .map_err(db_err)?;
            for t in rows {
                ids.push(t.id);
                self.cache.keep_tag(team_id, t.name_key, t.id, t.name);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// A search filter with the names it uses resolved to what the rows hold (tag ids, the
    /// offices `groupIds` stands for), or None when it can match nothing.
    async fn resolve<'f>(
        &self,
        who: &Principal,
        f: &'f LeadFilter,
    ) -> Result<Option<Resolved<'f>>, Error> {
        let team = who.team_id;
        let mut r = Resolved {
            filter: f,
            any_tags: None,
            all_tags: Vec::new(),
            offices: None,
        };
        if !f.any_tags.is_empty() {
            let ids = self.tag_ids(team, &f.any_tags).await?;
            if ids.is_empty() {
                return Ok(None);
            }
            r.any_tags = Some(ids);
        }
        if !f.all_tags.is_empty() {
            let ids = self.tag_ids(team, &f.all_tags).await?;
            let wanted: HashSet<String> = f.all_tags.iter().map(|n| name_key(n)).collect();
            if ids.len() < wanted.len() {
                return Ok(None);
            }
            r.all_tags = ids;
        }
        if f.phone.as_deref().is_some_and(|p| phone_key(p).is_empty()) {
            return Ok(None);
        }
        if !f.group_ids.is_empty() {
            // the offices asked for, and with querySubGroup the offices under them too
            r.offices = Some(if f.query_sub_group {
                let all = self.offices(team).await?;
                let mut tree: Vec<i64> = crate::people::office_subtree(&all, &f.group_ids)
                    .into_iter()
                    .collect();
                tree.extend(f.group_ids.iter().copied());
                tree.sort_unstable();
                tree.dedup();
                tree
            } else {
                f.group_ids.clone()
            });
        }
        Ok(Some(r))
    }

    /// A resolved search filter as a query.
    fn filtered(&self, who: &Principal, r: &Resolved<'_>) -> Select<lead::Entity> {
        let team = who.team_id;
        let mut sel = lead::Entity::find()
            .filter(visible(who))
            .filter(lead::Column::DeleteTime.eq(0));
        let in_index = |table: &'static str, cond: Condition| {
            Expr::col((lead::Entity, lead::Column::Id)).in_subquery(
                Query::select()
                    .column("lead_id")
                    .from(table)
                    .cond_where(
                        Condition::all()
                            .add(Expr::col("team_id").eq(team))
                            .add(cond),
                    )
                    .to_owned(),
            )
        };
        use lead::Column as C;
        for c in r.criteria() {
            sel = sel.filter(match c {
                Criterion::AnyTag(ids) => Condition::all().add(in_index(
                    "lead_tags",
                    Condition::all().add(Expr::col("tag_id").is_in(ids)),
                )),
                Criterion::Tag(id) => Condition::all().add(in_index(
                    "lead_tags",
                    Condition::all().add(Expr::col("tag_id").eq(id)),
                )),
                Criterion::Segment(keys) => Condition::all().add(in_index(
                    "lead_segments",
                    Condition::all().add(Expr::col("name_key").is_in(keys)),
                )),
                Criterion::Email { text, precise } => {
                    let c = if precise {
                        Expr::col("email_key").eq(text)
                    } else {
                        Expr::col("email_key").like(dialect::contains(&text))
                    };
                    Condition::all().add(in_index("lead_emails", Condition::all().add(c)))
                }
                Criterion::Phone { digits, precise } => {
                    let c = if precise {
                        Expr::col("phone_key").eq(digits)
                    } else {
                        Expr::col("phone_key").like(dialect::contains(&digits))
                    };
                    Condition::all().add(in_index("lead_phones", Condition::all().add(c)))
                }
                Criterion::AssignedTo(a) => Condition::all().add(C::AssignedUserId.eq(a)),
                Criterion::Contacted(x) => Condition::all().add(C::Contacted.eq(x)),
                Criterion::InOffice(offices) => Condition::all()
                    .add(C::OwnershipScope.eq(OwnershipScope::Office.as_str()))
                    .add(C::OwnershipId.is_in(offices)),
                Criterion::Language(l) => Condition::all().add(C::Language.is_in(l)),
                Criterion::Source(s) => Condition::all().add(C::Source.eq(s)),
                Criterion::Stage(s) => Condition::all().add(C::Stage.is_in(s)),
                Criterion::CreatedSince(t) => Condition::all().add(C::CreateTime.gte(t)),
                Criterion::UpdatedSince(t) => Condition::all().add(C::UpdateTime.gte(t)),
            });
        }
        sel
    }

    /// Runs a lead search: one page and the total. Where the search index holds the filter, it
    /// gives the total, and in the default order the page too; SQL does the rest.
    pub async fn search_leads(&self, who: &Principal, q: &LeadQuery) -> Result<LeadPage, Error> {
        let Some(r) = self.resolve(who, &q.filter).await? else {
            return Ok(LeadPage {
                leads: Vec::new(),
                total: 0,
                last: None,
            });
        };
        let by_create_time = matches!(q.sort, LeadSort::Default | LeadSort::CreateTime);
        // the index, the kept totals and the lead cache hold every write committed before now
        self.caught_up().await?;
        let mut total = None;
        if let Some(index) = &self.index
            && r.indexable()
            && let Some(a) = index.search(who, &r, q, by_create_time)
        {
            if by_create_time {
                let ids: Vec<i64> = a.page.iter().map(|(_, id)| *id).collect();
                let full = a.page.len() == q.limit as usize;
                return Ok(LeadPage {
                    leads: self.leads_in_order(who.team_id, &ids).await?,
                    total: a.total,
                    last: a.page.last().filter(|_| full).map(|(value, id)| Position {
                        value: *value,
                        id: *id,
                    }),
                });
            }
            total = Some(a.total);
        }
        let sel = self.filtered(who, &r);
        let total = match total {
            Some(n) => n,
            None => self.count_matches(who, q, &sel).await?,
        };
        let col = sort_column(q.sort);
        let order = if q.desc {
            sea_orm::Order::Desc
        } else {
            sea_orm::Order::Asc
        };
        let mut page = sel;
        if let Some(after) = q.after {
            // a row-value comparison, (sort, id) < (value, id), which SQLite and PostgreSQL both
            // answer with one index range instead of filtering an OR
            let key = Expr::tuple([
                Expr::col((lead::Entity, col)),
                Expr::col((lead::Entity, lead::Column::Id)),
            ]);
            let last = Expr::tuple([Expr::val(after.value), Expr::val(after.id)]);
            page = page.filter(match Position::next_when(q.desc) {
                std::cmp::Ordering::Less => key.lt(last),
                _ => key.gt(last),
            });
        }
        let rows = page
            .order_by(col, order.clone())
            .order_by(lead::Column::Id, order)
            .offset(q.offset)
            .limit(q.limit as u64)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let last = rows.last().map(|m| Position {
            value: as_i64(&m.get(col)),
            id: m.id,
        });
        let full = rows.len() as u64 == q.limit as u64;
        let leads = rows
            .into_iter()
            .map(|m| to_lead(m).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LeadPage {
            leads,
            total,
            last: if full { last } else { None },
        })
    }

    /// How many leads a search matches, counted in SQL (and kept a while: counting is the
    /// expensive half of a search page, and scrolling asks for the same total page after page).
    async fn count_matches(
        &self,
        who: &Principal,
        q: &LeadQuery,
        sel: &Select<lead::Entity>,
    ) -> Result<u64, Error> {
        // the total depends on what the caller sees and the filter only: both are the key (the
        // caller's grants, not their id: the same member in another office or pond sees other
        // leads)
        let key = format!(
            "{:?}:{}",
            visibility::grants(who),
            serde_json::to_string(&q.filter).expect("serializable")
        );
        if let Some(n) = self.cache.count(who.team_id, &key) {
            return Ok(n);
        }
        let epoch = self.cache.epoch();
        let n = sel.clone().count(&self.db).await.map_err(db_err)?;
        self.cache.keep_count(who.team_id, key, n, epoch);
        Ok(n)
    }

    /// One lead of a team from the database (on PostgreSQL in one statement with the reads
    /// asked beside it: see [`crate::read_batch`]).
    async fn read_lead(&self, team_id: i64, id: i64) -> Result<Option<Arc<Lead>>, Error> {
        match self.lead_reads() {
            Some(r) => r.lead(team_id, id).await,
            None => Ok(self.read_leads(team_id, &[id]).await?.pop().map(Arc::new)),
        }
    }

    /// Leads of a team by id, outside any write (those that do not exist are left out): on
    /// SQLite through the in-process reader, elsewhere (PostgreSQL, an in-memory SQLite
    /// database) through sea-orm.
    async fn read_leads(&self, team_id: i64, ids: &[i64]) -> Result<Vec<Lead>, Error> {
        match self.reader() {
            Some(r) => r.leads(team_id, ids)?.into_iter().map(to_lead).collect(),
            None => leads_by_id(&self.db, team_id, ids).await,
        }
    }

    /// Leads of a team in the order of `ids`, from the lead cache where it has them.
    async fn leads_in_order(&self, team_id: i64, ids: &[i64]) -> Result<Vec<Arc<Lead>>, Error> {
        let mut found: Vec<Option<Arc<Lead>>> =
            ids.iter().map(|id| self.cache.lead(team_id, *id)).collect();
        let missing: Vec<i64> = ids
            .iter()
            .zip(&found)
            .filter(|(_, l)| l.is_none())
            .map(|(id, _)| *id)
            .collect();
        let read = self.read_leads(team_id, &missing).await?;
        for l in read {
            if let Some(i) = ids.iter().position(|id| *id == l.id) {
                found[i] = Some(Arc::new(l));
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// Leads of a team by id, in no particular order (those that do not exist are left out).
pub(crate) async fn leads_by_id<C: ConnectionTrait>(
    conn: &C,
    team_id: i64,
    ids: &[i64],
) -> Result<Vec<Lead>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    lead::Entity::find()
        .filter(lead::Column::TeamId.eq(team_id))
        .filter(lead::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(to_lead)
        .collect()
}

/// The leads that (team, lead) pairs name, read by team, [`NAMED_AT_ONCE`] ids a statement
/// (pairs with lead 0, changes of a team's own, name none; leads that do not exist are left out).
pub(crate) async fn leads_named<C: ConnectionTrait>(
    conn: &C,
    pairs: impl IntoIterator<Item = (i64, i64)>,
) -> Result<Vec<Lead>, Error> {
    let mut out = Vec::new();
    for (team, ids) in crate::journal::by_team(pairs.into_iter().filter(|(_, l)| *l != 0)) {
        for chunk in ids.chunks(NAMED_AT_ONCE) {
            out.extend(leads_by_id(conn, team, chunk).await?);
        }
    }
    Ok(out)
}

/// The most lead ids [`leads_named`] puts in one statement (well within both databases' limits
/// on bound values).
const NAMED_AT_ONCE: usize = 1000;

/// Replaces a lead's rows in one of its index tables: (team_id, lead_id, `cols`...). A new
/// lead has none to delete.
async fn replace_index(
    txn: &DatabaseTransaction,
    table: &'static str,
    cols: &[&'static str],
    team: i64,
    lead_id: i64,
    rows: Vec<Vec<Value>>,
    new_lead: bool,
) -> Result<(), Error> {
    if !new_lead {
        let delete = Query::delete()
            .from_table(table)
            .and_where(Expr::col("team_id").eq(team))
            .and_where(Expr::col("lead_id").eq(lead_id))
            .to_owned();
        txn.execute(&delete).await.map_err(db_err)?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert.into_table(table).columns(
        ["team_id", "lead_id"]
            .into_iter()
            .chain(cols.iter().copied()),
    );
    for row in rows {
        let values: Vec<Expr> = [Value::from(team), Value::from(lead_id)]
            .into_iter()
            .chain(row)
            .map(Expr::val)
            .collect();
        insert.values_panic(values);
    }
    txn.execute(&insert).await.map_err(db_err)?;
    Ok(())
}

fn as_i64(v: &Value) -> i64 {
    match v {
        Value::BigInt(Some(x)) => *x,
        Value::Int(Some(x)) => *x as i64,
        Value::Bool(Some(b)) => *b as i64,
        _ => 0,
    }
}
