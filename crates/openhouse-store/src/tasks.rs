//! Tasks on leads. A task is as visible as its lead. The lead's open-task count (the `Task`
//! sort order of the lead search) follows every change.

use openhouse_api::{AssignedRole, TaskType};
use std::sync::Arc;

use openhouse_domain::auth::Principal;
use openhouse_domain::lead::Lead;
use openhouse_domain::{Error, time};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use crate::entities::{lead, task};
use crate::journal::Entry;
use crate::{Store, db_err};

pub const CONTENT_MAX: usize = 5000;

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
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
}

impl Task {
    pub fn overdue(&self, now: i64) -> bool {
        !self.finished && self.deadline > 0 && self.deadline < now
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
        if self.deadline.is_some_and(|d| d < 0) {
            return Err(Error::invalid("deadline must be epoch milliseconds"));
        }
        Ok(())
    }
}

impl From<task::Model> for Task {
    fn from(m: task::Model) -> Self {
        Self {
            id: m.id,
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
        }
    }
}

fn detail(t: &task::Model) -> serde_json::Value {
    json!({"taskId": t.id, "type": t.task_type, "content": t.content.chars().take(200).collect::<String>(),
           "deadline": t.deadline, "finished": t.finished})
}

impl Store {
    /// Sets the lead's open-task count.
    async fn count_open_tasks(
        &self,
        txn: &DatabaseTransaction,
        team_id: i64,
        lead_id: i64,
    ) -> Result<(), Error> {
        let open = task::Entity::find()
            .filter(task::Column::TeamId.eq(team_id))
            .filter(task::Column::LeadId.eq(lead_id))
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
        let now = time::now_ms();
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
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        self.count_open_tasks(&w, who.team_id, lead_id).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id,
                action: "task.created",
                detail: detail(&m),
            },
        )
        .await?;
        w.commit().await?;
        Ok(m.id)
    }

    async fn find_task(&self, who: &Principal, task_id: i64) -> Result<task::Model, Error> {
        Ok(self
            .on_visible_lead::<task::Entity>(who, task_id, "task", |t| t.lead_id)
            .await?
            .0)
    }

    /// A task the caller may see, with its lead.
    pub async fn task(&self, who: &Principal, task_id: i64) -> Result<(Task, Arc<Lead>), Error> {
        let (t, lead) = self
            .on_visible_lead::<task::Entity>(who, task_id, "task", |t| t.lead_id)
            .await?;
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
            .order_by_asc(task::Column::Finished)
            .order_by_asc(task::Column::Deadline)
            .order_by_asc(task::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((lead, rows.into_iter().map(Task::from).collect()))
    }

    /// Changes a task. Finishing it (finish = true) records the finish time and changes nothing
    /// else; finish = false reopens it.
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
        let now = time::now_ms();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, current.lead_id).await?;
        let before = task::Entity::find_by_id((who.team_id, task_id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("task"))?;
        let mut am: task::ActiveModel = before.clone().into();
        let action = if change.finish == Some(true) {
            if !before.finished {
                am.finished = Set(true);
                am.finish_time = Set(now);
            }
            "task.finished"
        } else {
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
            if change.finish == Some(false) {
                am.finished = Set(false);
                am.finish_time = Set(0);
            }
            "task.updated"
        };
        am.update_time = Set(now);
        let after = am.update(&*w).await.map_err(db_err)?;
        self.count_open_tasks(&w, who.team_id, after.lead_id)
            .await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: after.lead_id,
                action,
                detail: json!({"before": detail(&before), "after": detail(&after)}),
            },
        )
        .await?;
        w.commit().await
    }

    /// Deletes a task.
    pub async fn delete_task(&self, who: &Principal, task_id: i64) -> Result<(), Error> {
        let current = self.find_task(who, task_id).await?;
        let now = time::now_ms();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, current.lead_id).await?;
        let gone = task::Entity::delete_by_id((who.team_id, task_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        if gone.rows_affected == 0 {
            return Err(Error::not_found("task"));
        }
        self.count_open_tasks(&w, who.team_id, current.lead_id)
            .await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: current.lead_id,
                action: "task.deleted",
                detail: detail(&current),
            },
        )
        .await?;
        w.commit().await
    }
}
