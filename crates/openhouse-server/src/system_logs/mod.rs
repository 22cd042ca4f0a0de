//! System logs (section 5.18 of the contract): a lead's history as the journal recorded it.

use axum::extract::State;
use axum::{Extension, Json};
use openhouse_api::SystemLogResponse;
use openhouse_domain::search::Paging;
use openhouse_domain::{Error, time, timeline};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;
use crate::wire::HasMore;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(system_logs))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SystemLogParams {
    /// ID of the lead.
    pub lead_id: i64,
    /// Earliest entry, epoch milliseconds, inclusive (-1: no bound).
    #[serde(default)]
    pub start_time: Option<i64>,
    /// Latest entry, epoch milliseconds, inclusive (-1: no bound).
    #[serde(default)]
    pub end_time: Option<i64>,
    /// Page number, the first is 0.
    #[serde(default)]
    #[param(minimum = 0)]
    pub page_number: Option<i64>,
    /// Entries per page, 1 to 1000 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<i64>,
}

/// Search for system logs
///
/// The lead's system log, newest first: every change recorded to the lead and what hangs on it.
#[utoipa::path(
    get,
    path = "/v1.0/systemLogs",
    tag = "System Logs",
    params(SystemLogParams),
    responses((status = 200, description = "A page of the lead's system log", body = Vec<SystemLogResponse>), Errors)
)]
pub async fn system_logs(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<SystemLogParams>,
) -> ApiResult<(Extension<HasMore>, Json<Vec<SystemLogResponse>>)> {
    // negative: no bound (the documented -1); otherwise a time in the accepted range
    let bound = |field: &str, v: Option<i64>| -> Result<Option<i64>, Error> {
        v.filter(|t| *t >= 0)
            .map(|t| time::check_epoch_ms(field, t))
            .transpose()
    };
    let start = bound("startTime", p.start_time)?;
    let end = bound("endTime", p.end_time)?;
    let paging = Paging::by_page("pageNumber", p.page_number, p.page_size, 100, 1000)?;
    let (lead, entries, more) = state
        .store
        .system_log(&who, p.lead_id, start, end, paging.number(), paging.limit)
        .await?;
    let names: std::collections::HashMap<i64, std::sync::Arc<openhouse_store::auth::UserInfo>> = {
        let mut ids: Vec<i64> = entries.iter().filter_map(|e| e.actor_user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        state
            .store
            .users(who.team_id, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let lead_name = lead.full_name();
    Ok((
        Extension(HasMore(more)),
        Json(
            entries
                .into_iter()
                .map(|e| {
                    let (code, desc) = timeline::timeline_type(&e.action);
                    let actor = e.actor_user_id.and_then(|a| names.get(&a));
                    SystemLogResponse {
                        agent_id: e.actor_user_id,
                        can_sticky: false,
                        content: e.detail.to_string(),
                        create_time: e.create_time,
                        from_first_name: actor.map(|u| u.first_name.clone()),
                        from_id: e.actor_user_id,
                        from_last_name: actor.and_then(|u| u.last_name.clone()),
                        from_type: if e.actor_user_id.is_some() { 1 } else { 0 },
                        id: e.id,
                        lead_full_name: lead_name.clone(),
                        lead_id: e.lead_id,
                        sticky: false,
                        timeline_time: e.create_time,
                        timeline_type: code,
                        timeline_type_desc: desc.to_string(),
                        to_first_name: Some(lead.first_name.clone()),
                        to_id: Some(lead.id),
                        to_last_name: lead.last_name.clone(),
                        to_type: 2,
                        update_time: e.create_time,
                    }
                })
                .collect(),
        ),
    ))
}
