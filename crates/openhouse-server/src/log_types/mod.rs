//! Manual logs of calls, emails and texts (section 5.16 of the contract). Each is also a
//! communication record of the lead.

use axum::Json;
use axum::extract::State;
use openhouse_api::{LogType, LogTypeCreated, LogTypeRequest, LogTypeResponse};
use openhouse_store::comms::{CommPage, NewCommunication};
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_log, list_logs))
        .routes(routes!(get_log, delete_log))
}

/// Add a log call/email/text
///
/// Records a call, email or text with the lead by hand. `content` keeps its first 5000
/// characters; a call needs `leadPhoneNumber` (at most 20 characters). The lead's last touch,
/// contacted flag and LastCall/LastEmail/LastContact order follow.
#[utoipa::path(
    post,
    path = "/v1.0/logType",
    tag = "LogType",
    request_body = LogTypeRequest,
    responses((status = 200, description = "The new entry", body = LogTypeCreated), Errors)
)]
pub async fn create_log(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<LogTypeRequest>,
) -> ApiResult<Json<LogTypeCreated>> {
    let c = state
        .store
        .record_communication(
            &who,
            NewCommunication {
                lead_id: r.lead_id,
                channel: r.log_type.channel(),
                manual: true,
                direction: r.outbound_or_inbound.unwrap_or_default(),
                content: r.content,
                outcome: r.calling_outcome,
                lead_phone: r.lead_phone_number,
                email_subject: r.email_subject,
                from_email: r.from_email,
                to_email: r.to_email,
                pinned: r.is_pin.unwrap_or(false),
                recording_url: r.recording_url,
            },
        )
        .await?;
    Ok(Json(LogTypeCreated {
        log_type: render::log(&c),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListLogsParams {
    /// ID of the lead.
    pub lead_id: i64,
    /// logCall, logEmail or logText.
    pub log_type: LogType,
    /// Start index (default 0).
    #[serde(default)]
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// Page size, 1 to 1000 (default 10).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// When above 0: the entries after this id (oldest first), instead of the offset.
    #[serde(default)]
    pub current_id: Option<i64>,
}

/// Search for log call/email/text
///
/// The lead's manual logs of one channel, oldest first: by `offset`, or after `currentId`
/// (no gaps or repeats while entries are added).
#[utoipa::path(
    get,
    path = "/v1.0/logType",
    tag = "LogType",
    params(ListLogsParams),
    responses((status = 200, description = "A page of the lead's manual logs", body = Vec<LogTypeResponse>), Errors)
)]
pub async fn list_logs(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListLogsParams>,
) -> ApiResult<Json<Vec<LogTypeResponse>>> {
    let page = CommPage::check(p.limit, p.offset, p.current_id)?;
    let rows = state
        .store
        .lead_communications(&who, p.lead_id, p.log_type.channel(), true, page)
        .await?;
    Ok(Json(rows.iter().map(render::log).collect()))
}

/// Get log call/email/text by Id
#[utoipa::path(
    get,
    path = "/v1.0/logType/{logTypeId}",
    tag = "LogType",
    params(("logTypeId" = i64, Path, description = "ID of Log type")),
    responses((status = 200, description = "The entry", body = LogTypeResponse), Errors)
)]
pub async fn get_log(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<LogTypeResponse>> {
    Ok(Json(render::log(
        &state.store.communication(&who, id, true).await?,
    )))
}

/// Delete a log type
#[utoipa::path(
    delete,
    path = "/v1.0/logType/{logTypeId}",
    tag = "LogType",
    params(("logTypeId" = i64, Path, description = "The ID of the log type to delete")),
    responses((status = 200, description = "The entry is deleted"), Errors)
)]
pub async fn delete_log(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<()> {
    state.store.delete_communication(&who, id, true).await?;
    Ok(())
}
