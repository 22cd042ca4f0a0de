//! The calendar: tasks and appointments, both rows of `tasks` (`kind` tells them apart), made and
//! changed through `/v2.0/calendar` and named there by composite ids. An entry is as visible as
//! its lead; one the caller cannot reach is, to them, one that does not exist (400
//! INVALID_PARAMETER, as the published document answers "target not found").

use std::collections::HashMap;
use std::sync::Arc;

use openhouse_api::{AssignedRole, TaskType};
use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::calendar::{self, CalendarId, EntryKind, Schedule, TimeInput};
use openhouse_domain::event::Kind;
use openhouse_domain::lead::Lead;
use openhouse_domain::time::{self, Zone};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::entities::{lead, task};
use crate::journal::Entry;
use crate::tasks::{CONTENT_MAX, Task, change_detail, detail};
use crate::{Store, db_err, leads};

pub const ADDRESS_MAX: usize = 1000;

/// What the calendar answers for an entry that does not exist, is another team's, is of
/// another kind than its id says, or hangs on a lead the caller cannot see.
pub fn no_entry() -> Error {
    Error::invalid("calendar entry does not exist")
}

/// How the API that asks answers for an entry that is not there or not the caller's to see:
/// the calendar with [`no_entry`] (400), `/v1.0/tasks` with a 404. Tasks and appointments have
/// one lifecycle ([`Store::finish_entry_as`], [`Store::delete_entry_as`]) whichever API drives it.
pub(crate) type Missing = fn() -> Error;

/// `missing` in place of a not-found error; any other error (a storage fault) stays what it is.
fn missing_as(missing: Missing) -> impl Fn(Error) -> Error {
    move |e| {
        if e.kind == openhouse_domain::error::ErrorKind::NotFound {
            missing()
        } else {
            e
        }
    }
}

fn check_text(content: Option<&str>, address: Option<&str>) -> Result<(), Error> {
    if content.is_some_and(|c| c.chars().count() > CONTENT_MAX) {
        return Err(Error::too_long("content", CONTENT_MAX));
    }
    if address.is_some_and(|a| a.chars().count() > ADDRESS_MAX) {
        return Err(Error::too_long("address", ADDRESS_MAX));
    }
    Ok(())
}

/// A new task or appointment.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub lead_id: i64,
    pub content: String,
    pub schedule: Schedule,
    pub zone: Zone,
    /// Tasks only.
    pub task_type: TaskType,
    /// Tasks only: appointments go to the lead's agent.
    pub assigned_role: AssignedRole,
    /// Appointments only.
    pub address: Option<String>,
}

/// What to change on an entry; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EntryEdit {
    pub content: Option<String>,
    pub start: Option<TimeInput>,
    pub end: Option<TimeInput>,
    pub zone: Option<Zone>,
    pub lead_id: Option<i64>,
    /// Appointments only; ignored for a task.
    pub address: Option<String>,
}

impl EntryEdit {
    pub fn is_empty(&self) -> bool {
        self.content.is_none()
            && self.start.is_none()
            && self.end.is_none()
            && self.zone.is_none()
            && self.lead_id.is_none()
            && self.address.is_none()
    }
}

/// Which entries a calendar page shows.
#[derive(Debug, Clone)]
pub struct CalendarQuery {
    /// That lead's entries; without it, the entries assigned to the caller.
    pub lead_id: Option<i64>,
    /// Entries that end at or after this time (epoch ms).
    pub from: Option<i64>,
    /// Entries that start at or before this time (epoch ms).
    pub to: Option<i64>,
    pub include_finished: bool,
    /// Latest start first.
    pub desc: bool,
    pub page: u64,
    pub page_size: u64,
}

/// A page of the calendar: the total matching, and the entries with their lead's name.
pub struct CalendarPage {
    pub total: u64,
    pub entries: Vec<(Task, String)>,
}

fn full_name(first: String, last: Option<String>) -> String {
    match last {
        Some(l) if !l.is_empty() => format!("{first} {l}"),
        _ => first,
    }
}

impl Store {
    /// Makes a task or an appointment on a lead the caller may see. A task for the Agent role
    /// (and every appointment) goes to the lead's agent, or to the caller when the lead has none.
    pub async fn create_entry(&self, who: &Principal, e: &NewEntry) -> Result<CalendarId, Error> {
        let content = e.content.trim().to_string();
        let address = e
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        check_text(Some(&content), address.as_deref())?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, e.lead_id).await?;
        let appointment = e.kind == EntryKind::Appointment;
        let role = if appointment {
            AssignedRole::Agent
        } else {
            e.assigned_role
        };
        let m = task::ActiveModel {
            team_id: Set(who.team_id),
            id: Set(self.next_id()),
            lead_id: Set(e.lead_id),
            task_type: Set(if appointment {
                TaskType::Other
            } else {
                e.task_type
            }
            .as_str()
            .to_string()),
            content: Set(content),
            assigned_role: Set(role.as_str().to_string()),
            assigned_user_id: Set(match role {
                AssignedRole::Agent => lead.assigned_user_id.or(Some(who.user_id)),
                AssignedRole::Assistant => None,
            }),
            creator_user_id: Set(Some(who.user_id)),
            deadline: Set(e.schedule.start),
            finished: Set(false),
            finish_time: Set(0),
            create_time: Set(now),
            update_time: Set(now),
            kind: Set(e.kind.as_str().to_string()),
            end_time: Set(e.schedule.end),
            all_day: Set(appointment && e.schedule.all_day),
            address: Set(if appointment { address } else { None }),
            time_zone: Set(Some(e.zone.name().to_string())),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        if !appointment {
            self.count_open_tasks(&w, who.team_id, e.lead_id).await?;
        }
        let action = if appointment {
            Kind::AppointmentCreated
        } else {
            Kind::TaskCreated
        };
        let resource = self.task_resource(&w, &m, &lead, now).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: e.lead_id,
                action,
                detail: detail(&m),
                resource,
            },
        )
        .await?;
        w.commit().await?;
        Ok(CalendarId::new(e.kind, m.id))
    }

    /// The entry a composite id names, if the caller may see its lead.
    async fn find_entry(
        &self,
        who: &Principal,
        id: CalendarId,
        missing: Missing,
    ) -> Result<task::Model, Error> {
        let (m, _) = self
            .on_visible_lead::<task::Entity>(who, id.id, "calendar entry", |t| t.lead_id)
            .await
            .map_err(missing_as(missing))?;
        if m.kind != id.kind.as_str() {
            return Err(missing());
        }
        Ok(m)
    }

    /// The entry again, inside the write that changes it.
    async fn entry_for_write(
        &self,
        w: &crate::journal::Write<'_>,
        who: &Principal,
        id: CalendarId,
        missing: Missing,
    ) -> Result<task::Model, Error> {
        task::Entity::find_by_id((who.team_id, id.id))
            .filter(task::Column::Kind.eq(id.kind.as_str()))
            .one(&**w)
            .await
            .map_err(db_err)?
            .ok_or_else(missing)
    }

    /// Changes an entry: only what is given (nothing given: nothing is written). Times given must
    /// be later than now; an appointment's all-day mark follows its times. A new lead must be one
    /// the caller may see; the entry keeps its assignee.
    pub async fn edit_entry(
        &self,
        who: &Principal,
        id: CalendarId,
        edit: &EntryEdit,
    ) -> Result<(), Error> {
        check_text(edit.content.as_deref(), edit.address.as_deref())?;
        let current = self.find_entry(who, id, no_entry).await?;
        if edit.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut w = self.write().await?;
        let to_lead = edit.lead_id.filter(|l| *l != current.lead_id);
        // two leads are locked in id order, so two moves the other way round cannot deadlock
        let mut ids = vec![current.lead_id];
        ids.extend(to_lead);
        ids.sort_unstable();
        let mut locked = Vec::with_capacity(ids.len());
        for l in ids {
            if l == current.lead_id {
                locked.push(
                    self.load_for_write(&w, who, l)
                        .await
                        .map_err(missing_as(no_entry))?,
                );
            } else {
                locked.push(self.load_for_write(&w, who, l).await?);
            }
        }
        let before = self.entry_for_write(&w, who, id, no_entry).await?;
        if before.lead_id != current.lead_id {
            return Err(no_entry());
        }
        let zone = match (edit.zone, before.time_zone.as_deref()) {
            (Some(z), _) => z,
            (None, Some(code)) => time::parse_zone("timeZoneCode", code).unwrap_or(Zone::UTC),
            (None, None) => Zone::UTC,
        };
        let kept = Schedule {
            start: before.deadline,
            end: before.end_time,
            all_day: before.all_day,
        };
        let schedule = calendar::schedule(id.kind, edit.start, edit.end, Some(kept), zone, now)?;
        let mut am: task::ActiveModel = before.clone().into();
        if let Some(c) = &edit.content {
            am.content = Set(c.trim().to_string());
        }
        am.deadline = Set(schedule.start);
        am.end_time = Set(schedule.end);
        am.all_day = Set(schedule.all_day);
        if let Some(z) = edit.zone {
            am.time_zone = Set(Some(z.name().to_string()));
        }
        if id.kind == EntryKind::Appointment
            && let Some(a) = &edit.address
        {
            am.address = Set(Some(a.trim().to_string()).filter(|a| !a.is_empty()));
        }
        if let Some(l) = to_lead {
            am.lead_id = Set(l);
        }
        am.update_time = Set(now);
        let after = am.update(&*w).await.map_err(db_err)?;
        if id.kind == EntryKind::Task {
            self.count_open_tasks(&w, who.team_id, before.lead_id)
                .await?;
            if let Some(l) = to_lead {
                self.count_open_tasks(&w, who.team_id, l).await?;
            }
        }
        let action = if id.kind == EntryKind::Appointment {
            Kind::AppointmentUpdated
        } else {
            Kind::TaskUpdated
        };
        let change = change_detail(&before, &after);
        // both leads' entries carry the entry as it now is (on its new lead, when it moved)
        let lead = locked
            .iter()
            .find(|l| l.id == after.lead_id)
            .ok_or_else(no_entry)?;
        let resource = self.task_resource(&w, &after, lead, now).await?;
        let moved = to_lead.map(|l| (l, resource.clone()));
        w.record(
            who,
            now,
            Entry {
                lead_id: before.lead_id,
                action,
                detail: change.clone(),
                resource,
            },
        )
        .await?;
        if let Some((l, resource)) = moved {
            w.record(
                who,
                now,
                Entry {
                    lead_id: l,
                    action,
                    detail: change,
                    resource,
                },
            )
            .await?;
        }
        w.commit().await
    }

    /// Finishes an entry (recording when) or reopens it, as `finishFlag` does on
    /// `/v1.0/tasks`. One already in that state is left as it is.
    pub async fn finish_entry(
        &self,
        who: &Principal,
        id: CalendarId,
        finished: bool,
    ) -> Result<(), Error> {
        self.finish_entry_as(who, id, finished, no_entry).await
    }

    /// [`Store::finish_entry`], answering `missing` for an entry that is not there.
    pub(crate) async fn finish_entry_as(
        &self,
        who: &Principal,
        id: CalendarId,
        finished: bool,
        missing: Missing,
    ) -> Result<(), Error> {
        let current = self.find_entry(who, id, missing).await?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self
            .load_for_write(&w, who, current.lead_id)
            .await
            .map_err(missing_as(missing))?;
        let before = self.entry_for_write(&w, who, id, missing).await?;
        if before.lead_id != lead.id {
            return Err(missing());
        }
        self.finish_in(&mut w, who, &before, &lead, finished, now)
            .await?;
        w.commit().await
    }

    /// Finishes or reopens an entry in the caller's write (its lead locked): the one place an
    /// entry's finish state changes, with its journal event (finished / reopened) and the
    /// lead's count of open tasks. One already in that state is left as it is, unjournaled.
    pub(crate) async fn finish_in(
        &self,
        w: &mut crate::journal::Write<'_>,
        who: &Principal,
        before: &task::Model,
        lead: &Lead,
        finished: bool,
        now: i64,
    ) -> Result<(), Error> {
        if before.finished == finished {
            return Ok(());
        }
        let kind = if before.kind == EntryKind::Appointment.as_str() {
            EntryKind::Appointment
        } else {
            EntryKind::Task
        };
        let mut am: task::ActiveModel = before.clone().into();
        am.finished = Set(finished);
        am.finish_time = Set(if finished { now } else { 0 });
        am.update_time = Set(now);
        let after = am.update(&**w).await.map_err(db_err)?;
        if kind == EntryKind::Task {
            self.count_open_tasks(w, who.team_id, after.lead_id).await?;
        }
        let action = match (kind, finished) {
            (EntryKind::Task, true) => Kind::TaskFinished,
            (EntryKind::Task, false) => Kind::TaskUnfinished,
            (EntryKind::Appointment, true) => Kind::AppointmentFinished,
            (EntryKind::Appointment, false) => Kind::AppointmentUnfinished,
        };
        let resource = self.task_resource(w, &after, lead, now).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: after.lead_id,
                action,
                detail: change_detail(before, &after),
                resource,
            },
        )
        .await
    }

    /// Deletes an entry.
    pub async fn delete_entry(&self, who: &Principal, id: CalendarId) -> Result<(), Error> {
        self.delete_entry_as(who, id, no_entry).await
    }

    /// [`Store::delete_entry`], answering `missing` for an entry that is not there: the one
    /// deletion of tasks and appointments, whichever API asks.
    pub(crate) async fn delete_entry_as(
        &self,
        who: &Principal,
        id: CalendarId,
        missing: Missing,
    ) -> Result<(), Error> {
        let current = self.find_entry(who, id, missing).await?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self
            .load_for_write(&w, who, current.lead_id)
            .await
            .map_err(missing_as(missing))?;
        // read again under the lead's lock: the event keeps the entry as it was last
        let last = self.entry_for_write(&w, who, id, missing).await?;
        if last.lead_id != current.lead_id {
            return Err(missing());
        }
        task::Entity::delete_by_id((who.team_id, id.id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        if id.kind == EntryKind::Task {
            self.count_open_tasks(&w, who.team_id, current.lead_id)
                .await?;
        }
        let action = if id.kind == EntryKind::Appointment {
            Kind::AppointmentDeleted
        } else {
            Kind::TaskDeleted
        };
        let resource = self.task_resource(&w, &last, &lead, now).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: current.lead_id,
                action,
                detail: detail(&last),
                resource,
            },
        )
        .await?;
        w.commit().await
    }

    /// A lead the caller may see and its appointments, by start time.
    pub async fn lead_appointments(
        &self,
        who: &Principal,
        lead_id: i64,
    ) -> Result<(Arc<Lead>, Vec<Task>), Error> {
        let lead = self.get_lead(who, lead_id, false).await?;
        let rows = task::Entity::find()
            .filter(task::Column::TeamId.eq(who.team_id))
            .filter(task::Column::LeadId.eq(lead_id))
            .filter(task::Column::Kind.eq(EntryKind::Appointment.as_str()))
            .order_by_asc(task::Column::Deadline)
            .order_by_asc(task::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((lead, rows.into_iter().map(Task::from).collect()))
    }

    /// A page of the calendar. Entries without a start (tasks made without a deadline) are on
    /// no calendar. Without a lead, the caller's entries are those assigned to them on leads they
    /// may see (a trashed lead's are not shown).
    pub async fn calendar(
        &self,
        who: &Principal,
        q: &CalendarQuery,
    ) -> Result<CalendarPage, Error> {
        let mut cond = Condition::all()
            .add(task::Column::TeamId.eq(who.team_id))
            .add(task::Column::Deadline.gt(0));
        match q.lead_id {
            Some(lead_id) => {
                self.get_lead(who, lead_id, false).await?;
                cond = cond.add(task::Column::LeadId.eq(lead_id));
            }
            None => {
                let seen = lead::Entity::find()
                    .select_only()
                    .column(lead::Column::Id)
                    .filter(leads::visible(who))
                    .filter(lead::Column::DeleteTime.eq(0))
                    .into_query();
                cond = cond
                    .add(task::Column::AssignedUserId.eq(who.user_id))
                    .add(task::Column::LeadId.in_subquery(seen));
            }
        }
        if let Some(to) = q.to {
            cond = cond.add(task::Column::Deadline.lte(to));
        }
        if let Some(from) = q.from {
            cond = cond.add(
                Condition::any()
                    .add(task::Column::Deadline.gte(from))
                    .add(task::Column::EndTime.gte(from)),
            );
        }
        if !q.include_finished {
            cond = cond.add(task::Column::Finished.eq(false));
        }
        let select = task::Entity::find().filter(cond);
        let total = select.clone().count(&self.db).await.map_err(db_err)?;
        let order = if q.desc {
            sea_orm::Order::Desc
        } else {
            sea_orm::Order::Asc
        };
        let rows = select
            .order_by(task::Column::Deadline, order.clone())
            .order_by(task::Column::Id, order)
            .offset(q.page.saturating_mul(q.page_size))
            .limit(q.page_size)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut lead_ids: Vec<i64> = rows.iter().map(|r| r.lead_id).collect();
        lead_ids.sort_unstable();
        lead_ids.dedup();
        let names: HashMap<i64, String> = if lead_ids.is_empty() {
            HashMap::new()
        } else {
            lead::Entity::find()
                .select_only()
                .columns([
                    lead::Column::Id,
                    lead::Column::FirstName,
                    lead::Column::LastName,
                ])
                .filter(lead::Column::TeamId.eq(who.team_id))
                .filter(lead::Column::Id.is_in(lead_ids))
                .into_tuple::<(i64, String, Option<String>)>()
                .all(&self.db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|(id, first, last)| (id, full_name(first, last)))
                .collect()
        };
        let entries = rows
            .into_iter()
            .map(|r| {
                let name = names.get(&r.lead_id).cloned().unwrap_or_default();
                (Task::from(r), name)
            })
            .collect();
        Ok(CalendarPage { total, entries })
    }
}
