//! Tasks and appointments (section 5.8 of the contract). Appointments are only read here
//! (`/v1.0/appts`); they are made and changed through the calendar (`crate::calendar`).

mod appointments;
mod read;
mod write;

use openhouse_api::TaskRequest;
use openhouse_store::tasks::TaskChange;
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
