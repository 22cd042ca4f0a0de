//! Tasks and appointments (section 5.8 of the contract). Appointments are only read here
//! (`/v1.0/appts`); they are made and changed through the calendar (`crate::calendar`).

mod appointments;
mod read;
mod write;

use std::collections::HashMap;

use openhouse_api::{TaskRequest, TaskResponse};
use openhouse_domain::lead::Lead;
use openhouse_domain::time;
use openhouse_store::tasks::{Task, TaskChange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_task, read::list_tasks))
        .routes(routes!(
            read::get_task,
            write::edit_task,
            write::delete_task
        ))
        .routes(routes!(appointments::list_appointments))
}

pub(crate) fn change(req: &TaskRequest) -> TaskChange {
    TaskChange {
        content: req.content.clone(),
        deadline: req.deadline,
        task_type: req.task_type,
        assigned_role: req.assigned_role,
        finish: req.finish_flag,
    }
}

pub(crate) fn task_response(t: &Task, lead: &Lead, names: &HashMap<i64, String>) -> TaskResponse {
    let now = time::now_ms();
    TaskResponse {
        assigned_role: t.assigned_role,
        assigned_user: t.assigned_user_id.and_then(|u| names.get(&u).cloned()),
        assigned_user_id: t.assigned_user_id,
        body: t.content.clone(),
        content: t.content.clone(),
        create_time: time::format_ms(t.create_time),
        creator_id: t.creator_user_id,
        deadline: time::format_opt_ms(t.deadline),
        delete_flag: false,
        finish_flag: t.finished,
        finish_time: t.finished.then(|| time::format_ms(t.finish_time)),
        id: t.id,
        last_update: time::format_ms(t.update_time),
        lead_email: lead.doc.emails.first().cloned(),
        lead_first_name: lead.first_name.clone(),
        lead_id: lead.id,
        lead_last_name: lead.last_name.clone(),
        lead_name: lead.full_name(),
        lead_phone: lead.doc.phones.first().cloned(),
        lead_user_id: lead.id,
        overdue_flag: t.overdue(now),
        pipeline_id: None,
        query_id: None,
        query_info: None,
        reminder_type: None,
        subject: t.task_type.as_str().to_string(),
        team_id: lead.team_id,
        task_type: t.task_type,
    }
}
