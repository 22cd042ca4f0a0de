//! Calls (section 5.2) and the communication history (section 5.3): the calls, emails and texts
//! recorded with leads, whether logged by hand (`/v1.0/logType`) or otherwise.

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    CallHistory, CallListResponse, CallRecordingUrl, CallResponse, CallUrlResponse,
    CommunicationRequest, EmailResponse, PageResult, TextResponse,
};
use openhouse_domain::search::Paging;
use openhouse_domain::{Error, time};
use openhouse_store::comms::{AgentWindow, CALL, CommPage, Communication, EMAIL, TEXT};
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
        .routes(routes!(list_calls))
        .routes(routes!(get_call))
        .routes(routes!(call_recording_url))
        .routes(routes!(agent_communication))
        .routes(routes!(call_history))
        .routes(routes!(call_history_v2))
        .routes(routes!(email_history))
        .routes(routes!(text_history))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListCallsParams {
    /// Finds calls related to a lead ID.
    #[serde(default)]
    pub lead_id: Option<i64>,
    /// Number of results to return, 1 to 1000 (default 10).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The number of rows to skip (default 0).
    #[serde(default)]
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Search for calls
///
/// A lead's calls, newest first, with the total in `_metadata`. Without a lead (or with 0):
/// 404 LEAD_NOT_EXIST, as Lofty answers.
#[utoipa::path(
    get,
    path = "/v1.0/calls",
    tag = "Calls",
    params(ListCallsParams),
    responses((status = 200, description = "A page of the lead's calls", body = CallListResponse), Errors)
)]
pub async fn list_calls(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListCallsParams>,
) -> ApiResult<Json<CallListResponse>> {
    let page = Paging::by_offset(p.limit, p.offset, 10, 1000)?;
    let lead_id = p
        .lead_id
        .filter(|id| *id > 0)
        .ok_or_else(Error::lead_not_found)?;
    let (calls, total) = state
        .store
        .lead_calls(&who, lead_id, page.offset, page.limit)
        .await?;
    Ok(Json(CallListResponse {
        metadata: page.metadata("calls", total),
        calls: calls.iter().map(render::call).collect(),
    }))
}

/// Retrieve a call by Id
#[utoipa::path(
    get,
    path = "/v1.0/calls/{callId}",
    tag = "Calls",
    params(("callId" = i64, Path, description = "The ID of the call")),
    responses((status = 200, description = "The call", body = CallResponse), Errors)
)]
pub async fn get_call(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CallResponse>> {
    Ok(Json(render::call(&state.store.call(&who, id).await?)))
}

/// Get a call recording URL
///
/// From Lofty's published document. Where the call's recording can be downloaded, under
/// `calls`; `url` is "" when the call has none. A call is recorded with one when it is logged
/// with `recordingUrl` (`POST /v1.0/logType`, openhouse's own field), and that URL is answered
/// as it was given (openhouse keeps no audio). A call of another team, or of a lead the caller
/// cannot see: 404, as for `GET /v1.0/calls/{callId}`.
#[utoipa::path(
    get,
    path = "/v1.0/call/url/{callId}",
    tag = "Calls (published)",
    params(("callId" = i64, Path, minimum = 1, description = "ID of the call")),
    responses((status = 200, description = "The recording URL", body = CallUrlResponse), Errors)
)]
pub async fn call_recording_url(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CallUrlResponse>> {
    let call = state.store.call(&who, id).await?;
    Ok(Json(CallUrlResponse {
        calls: CallRecordingUrl {
            id: call.id,
            url: call.recording_url.unwrap_or_default(),
        },
    }))
}

/// Search for communication by agent
///
/// The calls, emails or texts (or ALL) in a window of at most 24 hours (`startTime` to
/// `endTime`, epoch ms, both inclusive), oldest first: the caller's own, or with `teamView` the
/// whole team's (admins only; others get 403). Only leads the caller can see, not in the trash.
/// A longer window, or one that ends before it starts, is a 400.
#[utoipa::path(
    post,
    path = "/v1.0/agent/communication",
    tag = "Communication",
    request_body = CommunicationRequest,
    responses((status = 200, description = "A page of communications", body = PageResult), Errors)
)]
pub async fn agent_communication(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<CommunicationRequest>,
) -> ApiResult<Json<PageResult>> {
    let page = Paging::by_offset(r.limit.map(i64::from), r.offset.map(i64::from), 10, 1000)?;
    let window = AgentWindow {
        channel: r.kind.channel(),
        start: time::check_epoch_ms("startTime", r.start_time)?,
        end: time::check_epoch_ms("endTime", r.end_time)?,
        team_view: r.team_view.unwrap_or(false),
        offset: page.offset,
        limit: page.limit,
    };
    let mut rows = state.store.agent_communications(&who, window).await?;
    let has_more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    Ok(Json(PageResult {
        has_more,
        limit: page.limit as i32,
        offset: page.offset as i32,
        page_data: rows.iter().map(render::communication).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// ID of Lead.
    pub lead_id: i64,
    /// Page size, 1 to 1000 (default 10).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Start index (default 0).
    #[serde(default)]
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// When above 0: the entries after this id, oldest first, instead of the offset (no gaps or
    /// repeats while entries are added).
    #[serde(default)]
    #[param(minimum = 0)]
    pub current_id: Option<i64>,
}

/// A page of one channel of a lead's history, oldest first.
async fn history(
    state: &AppState,
    who: &openhouse_domain::auth::Principal,
    p: &HistoryParams,
    channel: &str,
) -> Result<Vec<Communication>, Error> {
    let page = CommPage::check(p.limit, p.offset, p.current_id)?;
    state
        .store
        .lead_communications(who, p.lead_id, channel, false, page)
        .await
}

/// Search for call history
#[utoipa::path(
    get,
    path = "/v1.0/communication/call",
    tag = "Communication",
    params(HistoryParams),
    responses((status = 200, description = "The lead's calls, oldest first", body = Vec<CallResponse>), Errors)
)]
pub async fn call_history(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> ApiResult<Json<Vec<CallResponse>>> {
    Ok(Json(
        history(&state, &who, &p, CALL)
            .await?
            .iter()
            .map(render::call)
            .collect(),
    ))
}

/// Search for call history v2
#[utoipa::path(
    get,
    path = "/v1.0/communication/call/v2",
    tag = "Communication",
    params(HistoryParams),
    responses((status = 200, description = "The lead's calls, oldest first", body = Vec<CallHistory>), Errors)
)]
pub async fn call_history_v2(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> ApiResult<Json<Vec<CallHistory>>> {
    Ok(Json(
        history(&state, &who, &p, CALL)
            .await?
            .iter()
            .map(render::call_history)
            .collect(),
    ))
}

/// Search for email history
#[utoipa::path(
    get,
    path = "/v1.0/communication/email",
    tag = "Communication",
    params(HistoryParams),
    responses((status = 200, description = "The lead's emails, oldest first", body = Vec<EmailResponse>), Errors)
)]
pub async fn email_history(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> ApiResult<Json<Vec<EmailResponse>>> {
    Ok(Json(
        history(&state, &who, &p, EMAIL)
            .await?
            .iter()
            .map(render::email)
            .collect(),
    ))
}

/// Search for text history
#[utoipa::path(
    get,
    path = "/v1.0/communication/text",
    tag = "Communication",
    params(HistoryParams),
    responses((status = 200, description = "The lead's texts, oldest first", body = Vec<TextResponse>), Errors)
)]
pub async fn text_history(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> ApiResult<Json<Vec<TextResponse>>> {
    Ok(Json(
        history(&state, &who, &p, TEXT)
            .await?
            .iter()
            .map(render::text)
            .collect(),
    ))
}
