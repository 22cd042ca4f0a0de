//! Tasks on leads. A task is as visible as its lead. The lead's open-task count (the `Task`
//! sort order of the lead search) follows every change.
//!
//! The `tasks` table also holds appointments (`kind` = 'appointment', see [`crate::calendar`]):
//! everything here reads and writes tasks only, so an appointment is never a task of
//! `/v1.0/tasks` nor counted among a lead's open tasks.

use openhouse_api::{AssignedRole, TaskType};
use std::sync::Arc;

use openhouse_domain::auth::Principal;
use openhouse_domain::calendar::EntryKind;
use openhouse_domain::event::Kind;
use openhouse_domain::lead::Lead;
use openhouse_domain::{Error, time};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use crate::entities::{lead, task};
use crate::journal::{Entry, Write};
use crate::render::{self, Resource};
use crate::{Store, db_err};

pub const CONTENT_MAX: usize = 5000;

/// A row of `tasks`: a task or an appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub kind: EntryKind,
    pub lead_id: i64,
    pub task_type: TaskType,
    pub content: String,
    pub assigned_role: AssignedRole,
    pub assigned_user_id: Option<i64>,
    pub creator_user_id: Option<i64>,
    /// Epoch ms; 0: none.
    pub deadline: i64,
    pub finished: bool,
    /// Epoch ms; 0 while open.
    pub finish_time: i64,
    pub create_time: i64,
    pub update_time: i64,
    /// Epoch ms; 0: none (`deadline` is the start).
    pub end_time: i64,
    /// An appointment whose start and end are midnight.
    pub all_day: bool,
    pub address: Option<String>,
    /// The IANA zone it was made in (calendar entries only).
    pub time_zone: Option<String>,
}

impl Task {
    /// Open and past its deadline; an appointment: open and past its end (or start).
    pub fn overdue(&self, now: i64) -> bool {
        let due = match self.kind {
            EntryKind::Appointment if self.end_time > 0 => self.end_time,
            _ => self.deadline,
        };
        !self.finished && due > 0 && due < now
    }

    /// The end shown on a calendar: the start for a task without one.
    pub fn end_or_start(&self) -> i64 {
        if self.end_time > 0 {
            self.end_time
        } else {
            self.deadline
        }
    }
}

/// What to set on a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskChange {
    pub content: Option<String>,
    pub deadline: Option<i64>,
    pub task_type: Option<TaskType>,
    pub assigned_role: Option<AssignedRole>,
    pub finish: Option<bool>,
}

impl TaskChange {
    fn is_empty(&self) -> bool {
        self.content.is_none()
            && self.deadline.is_none()
            && self.task_type.is_none()
            && self.assigned_role.is_none()
            && self.finish.is_none()
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(c) = &self.content
            && c.chars().count() > CONTENT_MAX
        {
            return Err(Error::too_long("content", CONTENT_MAX));
        }
        if let Some(d) = self.deadline {
            time::check_epoch_ms("deadline", d)?;
            if d < 0 {
                return Err(Error::invalid("deadline must be epoch milliseconds"));
            }
        }
        Ok(())
    }
}

impl From<task::Model> for Task {
    fn from(m: task::Model) -> Self {
        Self {
            id: m.id,
            kind: EntryKind::parse(&m.kind).unwrap_or(EntryKind::Task),
            lead_id: m.lead_id,
            task_type: TaskType::parse(&m.task_type).unwrap_or(TaskType::Other),
            content: m.content,
            assigned_role: AssignedRole::parse(&m.assigned_role).unwrap_or(AssignedRole::Agent),
            assigned_user_id: m.assigned_user_id,
            creator_user_id: m.creator_user_id,
            deadline: m.deadline,
            finished: m.finished,
            finish_time: m.finish_time,
            create_time: m.create_time,
            update_time: m.update_time,
            end_time: m.end_time,
            all_day: m.all_day,
            address: m.address,
            time_zone: m.time_zone,
        }
    }
}

/// What the journal keeps of a task or an appointment.
pub(crate) fn detail(t: &task::Model) -> serde_json::Value {
    let content = t.content.chars().take(200).collect::<String>();
    if t.kind == EntryKind::Appointment.as_str() {
        return json!({"appointmentId": t.id, "leadId": t.lead_id, "content": content, "start": t.deadline,
                      "end": t.end_time, "allDay": t.all_day, "address": t.address, "finished": t.finished});
    }
    let mut d = json!({"taskId": t.id, "leadId": t.lead_id, "type": t.task_type, "content": content,
                       "deadline": t.deadline, "finished": t.finished, "assignedRole": t.assigned_role});
    if t.end_time > 0 {
        d["end"] = json!(t.end_time);
    }
    d
}

/// What the journal keeps of a change to a task or an appointment: both states, and (the
/// states keep excerpts) whether the whole content changed.
pub(crate) fn change_detail(before: &task::Model, after: &task::Model) -> serde_json::Value {
    json!({"before": detail(before), "after": detail(after),
           "contentChanged": before.content != after.content})
}

/// Rows that are tasks (not appointments).
pub(crate) fn is_task() -> Expr {
    task::Column::Kind.eq(EntryKind::Task.as_str())
}

impl Store {
    /// A task or an appointment as the API shows it, for the journal entry of a write: a task
    /// on `lead` (its assignee's name read in the write), overdue or not at `now`.
    pub(crate) async fn task_resource(
        &self,
        w: &Write<'_>,
        m: &task::Model,
        lead: &Lead,
        now: i64,
    ) -> Result<Resource, Error> {
        let t = Task::from(m.clone());
        if t.kind == EntryKind::Appointment {
            return Ok(render::appointment(&t, now).into());
        }
        let names = self.names_in(&**w, m.team_id, t.assigned_user_id).await?;
        Ok(render::task(&t, lead, &names, now).into())
    }

    /// Sets the lead's open-task count (tasks only: appointments do not count).
    pub(crate) async fn count_open_tasks(
        &self,
        txn: &DatabaseTransaction,
        team_id: i64,
        lead_id: i64,
    ) -> Result<(), Error> {
        let open = task::Entity::find()
            .filter(task::Column::TeamId.eq(team_id))
            .filter(task::Column::LeadId.eq(lead_id))
            .filter(is_task())
            .filter(task::Column::Finished.eq(false))
            .count(txn)
            .await
            .map_err(db_err)?;
        lead::Entity::update_many()
            .col_expr(lead::Column::TaskCount, Expr::value(open as i64))
            .filter(lead::Column::TeamId.eq(team_id))
            .filter(lead::Column::Id.eq(lead_id))
            .exec(txn)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Adds a task to a lead the caller may see. An Agent task goes to the lead's agent (or the
    /// caller when the lead has none).
    pub async fn create_task(
        &self,
        who: &Principal,
        lead_id: i64,
        change: &TaskChange,
    ) -> Result<i64, Error> {
        change.check()?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, lead_id).await?;
        let role = change.assigned_role.unwrap_or(AssignedRole::Agent);
        let finished = change.finish.unwrap_or(false);
        let m = task::ActiveModel {
            team_id: Set(who.team_id),
            id: Set(self.next_id()),
            lead_id: Set(lead_id),
            task_type: Set(change
                .task_type
                .unwrap_or(TaskType::Other)
                .as_str()
                .to_string()),
            content: Set(change
                .content
                .clone()
                .unwrap_or_default()
                .trim()
                .to_string()),
            assigned_role: Set(role.as_str().to_string()),
            assigned_user_id: Set(match role {
                AssignedRole::Agent => lead.assigned_user_id.or(Some(who.user_id)),
                AssignedRole::Assistant => None,
            }),
            creator_user_id: Set(Some(who.user_id)),
            deadline: Set(change.deadline.unwrap_or(0)),
            finished: Set(finished),
            finish_time: Set(if finished { now } else { 0 }),
            create_time: Set(now),
            update_time: Set(now),
            kind: Set(EntryKind::Task.as_str().to_string()),
            end_time: Set(0),
            all_day: Set(false),
            address: Set(None),
            time_zone: Set(None),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        self.count_open_tasks(&w, who.team_id, lead_id).await?;
        let resource = self.task_resource(&w, &m, &lead, now).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id,
                action: Kind::TaskCreated,
                detail: detail(&m),
                resource,
            },
        )
        .await?;
        w.commit().await?;
        Ok(m.id)
    }

    async fn find_task(&self, who: &Principal, task_id: i64) -> Result<task::Model, Error> {
        Ok(self.visible_task(who, task_id).await?.0)
    }

    /// A task (not an appointment) whose lead the caller may see; else 404 as if it did not exist.
    async fn visible_task(
        &self,
        who: &Principal,
        task_id: i64,
    ) -> Result<(task::Model, Arc<Lead>), Error> {
        let (t, lead) = self
            .on_visible_lead::<task::Entity>(who, task_id, "task", |t| t.lead_id)
            .await?;
        if t.kind != EntryKind::Task.as_str() {
            return Err(Error::not_found("task"));
        }
        Ok((t, lead))
    }

    /// A task the caller may see, with its lead.
    pub async fn task(&self, who: &Principal, task_id: i64) -> Result<(Task, Arc<Lead>), Error> {
        let (t, lead) = self.visible_task(who, task_id).await?;
        Ok((t.into(), lead))
    }

    /// A lead and its tasks: open ones first, by deadline.
    pub async fn lead_tasks(
        &self,
        who: &Principal,
        lead_id: i64,
    ) -> Result<(Arc<Lead>, Vec<Task>), Error> {
        let lead = self.get_lead(who, lead_id, false).await?;
        let rows = task::Entity::find()
            .filter(task::Column::TeamId.eq(who.team_id))
            .filter(task::Column::LeadId.eq(lead_id))
            .filter(is_task())
            .order_by_asc(task::Column::Finished)
            .order_by_asc(task::Column::Deadline)
            .order_by_asc(task::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((lead, rows.into_iter().map(Task::from).collect()))
    }

    /// Changes a task. Finishing it (finish = true) records the finish time and changes nothing
    /// else; finish = false reopens it, after any other change given. Finishing and reopening
    /// are the calendar's ([`Store::finish_in`]): one lifecycle, one set of journal events, and
    /// an entry already in the state asked for is left as it is.
    pub async fn edit_task(
        &self,
        who: &Principal,
        task_id: i64,
        change: &TaskChange,
        lead_id: Option<i64>,
    ) -> Result<(), Error> {
        change.check()?;
        let current = self.find_task(who, task_id).await?;
        if lead_id.is_some_and(|l| l != current.lead_id) {
            return Err(Error::invalid("leadId is not the lead of this task"));
        }
        if change.is_empty() {
            return Err(Error::invalid("nothing to change"));
        }
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, current.lead_id).await?;
        let before = task::Entity::find_by_id((who.team_id, task_id))
            .filter(is_task())
            .one(&*w)
            .await
            .map_err(db_err)?
            .filter(|t| t.lead_id == lead.id)
            .ok_or_else(|| Error::not_found("task"))?;
        if change.finish == Some(true) {
            self.finish_in(&mut w, who, &before, &lead, true, now)
                .await?;
            return w.commit().await;
        }
        let edits = change.content.is_some()
            || change.deadline.is_some()
            || change.task_type.is_some()
            || change.assigned_role.is_some();
        let mut current = before.clone();
        if edits {
            let mut am: task::ActiveModel = before.clone().into();
            if let Some(c) = &change.content {
                am.content = Set(c.trim().to_string());
            }
            if let Some(d) = change.deadline {
                am.deadline = Set(d);
            }
            if let Some(t) = change.task_type {
                am.task_type = Set(t.as_str().to_string());
            }
            if let Some(r) = change.assigned_role {
                am.assigned_role = Set(r.as_str().to_string());
            }
            am.update_time = Set(now);
            let after = am.update(&*w).await.map_err(db_err)?;
            let resource = self.task_resource(&w, &after, &lead, now).await?;
            w.record(
                who,
                now,
                Entry {
                    lead_id: after.lead_id,
                    action: Kind::TaskUpdated,
                    detail: change_detail(&before, &after),
                    resource,
                },
            )
            .await?;
            current = after;
        }
        if change.finish == Some(false) {
            self.finish_in(&mut w, who, &current, &lead, false, now)
                .await?;
        }
        w.commit().await
    }

    /// Deletes a task: the calendar's deletion ([`Store::delete_entry_as`]), answering 404.
    pub async fn delete_task(&self, who: &Principal, task_id: i64) -> Result<(), Error> {
        let id = openhouse_domain::calendar::CalendarId {
            kind: EntryKind::Task,
            id: task_id,
        };
        self.delete_entry_as(who, id, || Error::not_found("task"))
            .await
    }
}
