use axum::Json;
use axum::extract::State;
use openhouse_api::{CalendarListResponseEnvelope, CalendarListResponseV2};
use openhouse_domain::calendar::TimeInput;
use openhouse_domain::search::Paging;
use openhouse_domain::{Error, time};
use openhouse_store::calendar::CalendarQuery;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;

pub const PAGE_SIZE_DEFAULT: i64 = 20;
pub const PAGE_SIZE_MAX: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CalendarListParams {
    /// Lead ID: that lead's entries (the lead must be visible to the caller). Without it, the
    /// entries assigned to the caller.
    #[param(example = 123456)]
    pub lead_id: Option<i64>,
    /// Start of the window, ISO 8601 with offset: entries that end at or after it. At least one
    /// of startTime or endTime (or their Ms forms) is required.
    #[param(example = "2026-01-01T00:00:00+08:00")]
    pub start_time: Option<String>,
    /// End of the window, ISO 8601 with offset: entries that start at or before it.
    #[param(example = "2026-12-31T23:59:59+08:00")]
    pub end_time: Option<String>,
    /// Start of the window in epoch milliseconds. Used when startTime is not provided.
    #[param(example = 1704038400000_i64)]
    pub start_time_ms: Option<i64>,
    /// End of the window in epoch milliseconds. Used when endTime is not provided.
    #[param(example = 1735660799000_i64)]
    pub end_time_ms: Option<i64>,
    /// IANA time zone to show the times in (default: each entry's own).
    #[param(example = "America/Los_Angeles")]
    pub time_zone_code: Option<String>,
    /// Include finished entries (default false: only unfinished ones).
    pub include_finished: Option<bool>,
    /// Page number, from 0.
    #[param(minimum = 0, maximum = 1000000)]
    pub page: Option<i64>,
    /// Page size, 1 to 500 (default 20).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<i64>,
    /// Sort field: startTime (the only one).
    #[param(example = "startTime")]
    pub sort: Option<String>,
    /// Latest start first (default true).
    pub desc: Option<bool>,
}

/// List Calendar Events
///
/// A page of calendar entries (tasks and appointments): the caller's own (assigned to them, on
/// leads they can see), or a lead's when `leadId` is given. At least one of startTime or endTime
/// (or startTimeMs / endTimeMs) is required: an entry is in the window when it starts at or
/// before its end and ends at or after its start. Tasks without a deadline are on no calendar.
#[utoipa::path(
    get,
    path = "/v2.0/calendar",
    tag = "Calendar V2 API",
    params(CalendarListParams),
    responses((status = 200, description = "Page of calendar entries with pagination metadata", body = CalendarListResponseEnvelope), Errors)
)]
pub async fn list_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<CalendarListParams>,
) -> ApiResult<Json<CalendarListResponseEnvelope>> {
    let from = TimeInput::from_fields(
        "startTime",
        p.start_time.as_deref(),
        "startTimeMs",
        p.start_time_ms,
    )?
    .map(TimeInput::ms);
    let to = TimeInput::from_fields("endTime", p.end_time.as_deref(), "endTimeMs", p.end_time_ms)?
        .map(TimeInput::ms);
    if from.is_none() && to.is_none() {
        return Err(Error::invalid(
            "startTime or endTime (or startTimeMs / endTimeMs) is required",
        )
        .into());
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(Error::invalid("endTime must not be before startTime").into());
    }
    let paging = Paging::by_page(
        "page",
        p.page,
        p.page_size,
        PAGE_SIZE_DEFAULT as u32,
        PAGE_SIZE_MAX as u32,
    )?;
    if p.sort
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("startTime"))
    {
        return Err(Error::invalid("sort must be startTime").into());
    }
    let zone = match p.time_zone_code.as_deref().filter(|z| !z.trim().is_empty()) {
        Some(z) => Some(time::parse_zone("timeZoneCode", z)?),
        None => None,
    };
    let q = CalendarQuery {
        lead_id: p.lead_id,
        from,
        to,
        include_finished: p.include_finished.unwrap_or(false),
        desc: p.desc.unwrap_or(true),
        page: paging.number(),
        page_size: paging.limit,
    };
    let found = state.store.calendar(&who, &q).await?;
    Ok(Json(CalendarListResponseEnvelope {
        data: CalendarListResponseV2 {
            total: found.total as i64,
            page: paging.number() as i32,
            page_size: paging.limit as i32,
            items: found
                .entries
                .iter()
                .map(|(t, name)| super::item(t, name, zone))
                .collect(),
        },
    }))
}
