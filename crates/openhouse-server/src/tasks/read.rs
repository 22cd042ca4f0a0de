use axum::Json;
use axum::extract::State;
use openhouse_api::TaskResponse;
use openhouse_domain::time;
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListTasksParams {
    /// The ID of the lead to get tasks of.
    pub lead_id: i64,
}

/// Get tasks of lead
///
/// Open tasks first, by deadline, then finished ones.
#[utoipa::path(
    get,
    path = "/v1.0/tasks",
    tag = "Tasks & Appointments",
    params(ListTasksParams),
    responses((status = 200, description = "The lead's tasks", body = Vec<TaskResponse>), Errors)
)]
pub async fn list_tasks(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListTasksParams>,
) -> ApiResult<Json<Vec<TaskResponse>>> {
    let (lead, tasks) = state.store.lead_tasks(&who, p.lead_id).await?;
    let people: Vec<i64> = tasks.iter().filter_map(|t| t.assigned_user_id).collect();
    let names = crate::user_names(&state, &who, people).await?;
    let now = time::now_ms();
    Ok(Json(
        tasks
            .iter()
            .map(|t| render::task(t, &lead, &names, now))
            .collect(),
    ))
}

/// Get task by Id
#[utoipa::path(
    get,
    path = "/v1.0/tasks/{taskId}",
    tag = "Tasks & Appointments",
    params(("taskId" = i64, Path, description = "The ID of the task to get")),
    responses((status = 200, description = "The task", body = TaskResponse), Errors)
)]
pub async fn get_task(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(task_id): ApiPath<i64>,
) -> ApiResult<Json<TaskResponse>> {
    let (t, lead) = state.store.task(&who, task_id).await?;
    let names = crate::user_names(&state, &who, t.assigned_user_id).await?;
    Ok(Json(render::task(&t, &lead, &names, time::now_ms())))
}
