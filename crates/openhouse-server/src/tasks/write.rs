use axum::Json;
use axum::extract::State;
use openhouse_api::{TaskIdResponse, TaskRequest};
use openhouse_domain::Error;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

/// Add a new task
///
/// `leadId` is required; `type` defaults to Other and `assignedRole` to Agent (the lead's agent,
/// or the caller when the lead has none). `deadline` is epoch milliseconds.
#[utoipa::path(
    post,
    path = "/v1.0/tasks",
    tag = "Tasks & Appointments",
    request_body = TaskRequest,
    responses((status = 200, description = "The new task's id", body = TaskIdResponse), Errors)
)]
pub async fn create_task(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<TaskRequest>,
) -> ApiResult<Json<TaskIdResponse>> {
    let lead_id = req
        .lead_id
        .ok_or_else(|| Error::invalid("leadId is required"))?;
    let task_id = state
        .store
        .create_task(&who, lead_id, &super::change(&req))
        .await?;
    Ok(Json(TaskIdResponse { task_id }))
}

/// Update a task
///
/// If the finish flag is true, the task is finished (its finish time recorded) and nothing else
/// changes; false reopens it. Otherwise only the fields sent change.
#[utoipa::path(
    put,
    path = "/v1.0/tasks/{taskId}",
    tag = "Tasks & Appointments",
    params(("taskId" = i64, Path, description = "The ID of the Task to update")),
    request_body = TaskRequest,
    responses((status = 200, description = "The task is changed"), Errors)
)]
pub async fn edit_task(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(task_id): ApiPath<i64>,
    ApiJson(req): ApiJson<TaskRequest>,
) -> ApiResult<()> {
    state
        .store
        .edit_task(&who, task_id, &super::change(&req), req.lead_id)
        .await?;
    Ok(())
}

/// Delete a task
#[utoipa::path(
    delete,
    path = "/v1.0/tasks/{taskId}",
    tag = "Tasks & Appointments",
    params(("taskId" = i64, Path, description = "The ID of the Task to delete")),
    responses((status = 200, description = "The task is deleted"), Errors)
)]
pub async fn delete_task(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(task_id): ApiPath<i64>,
) -> ApiResult<()> {
    state.store.delete_task(&who, task_id).await?;
    Ok(())
}
