use axum::Json;
use axum::extract::State;
use openhouse_api::{
    AssignedRole, CalendarCreateResult, CalendarMessageResponseEnvelope, CalendarRequestV2,
    CalendarUpdateRequestV2, CreateCalendarResponseEnvelope, TaskType,
};
use openhouse_domain::calendar::{self, CalendarId, EntryKind, TimeInput};
use openhouse_domain::{Error, time};
use openhouse_store::calendar::{EntryEdit, NewEntry};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

fn message(m: &str) -> Json<CalendarMessageResponseEnvelope> {
    Json(CalendarMessageResponseEnvelope {
        message: m.to_string(),
    })
}

/// Create Calendar Event
///
/// Makes a Task or an Appointment on a lead the caller can see, chosen by `type` (TASK or
/// APPOINTMENT, any case). `content`, `leadId`, `timeZoneCode` (an IANA zone), the start
/// (`startAt`, ISO 8601 with offset, or `startAtMs`) and the end (`endAt` or `endAtMs`) are
/// required; both times must be later than now and the end not before the start. A TASK needs
/// `taskWay` (Call, Email, Text, Other: the task's type) and may name `assignedRole` (Agent, the
/// default, or Assistant). An APPOINTMENT may carry an `address`, and is all day when its start
/// and end are both midnight at the offsets they declare (in `timeZoneCode` for millisecond
/// times). `data.id` is the composite id (`<id>-task`, `<id>-appointment`) the other calendar
/// operations take.
#[utoipa::path(
    post,
    path = "/v2.0/calendar",
    tag = "Calendar V2 API",
    request_body = CalendarRequestV2,
    responses((status = 200, description = "Calendar created: CalendarCreateResult under 'data'", body = CreateCalendarResponseEnvelope), Errors)
)]
pub async fn create_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<CalendarRequestV2>,
) -> ApiResult<Json<CreateCalendarResponseEnvelope>> {
    let kind = EntryKind::parse_type(&req.calendar_type)?;
    if req.content.trim().is_empty() {
        return Err(Error::invalid("content is required").into());
    }
    let zone = time::parse_zone("timeZoneCode", &req.time_zone_code)?;
    let (task_type, assigned_role) = match kind {
        EntryKind::Task => {
            let way = given(&req.task_way)
                .ok_or_else(|| Error::invalid("taskWay is required for a TASK"))?;
            let role = given(&req.assigned_role)
                .map(calendar::parse_assigned_role)
                .transpose()?;
            (
                calendar::parse_task_way(way)?,
                role.unwrap_or(AssignedRole::Agent),
            )
        }
        EntryKind::Appointment => (TaskType::Other, AssignedRole::Agent),
    };
    let start = TimeInput::from_fields(
        "startAt",
        req.start_at.as_deref(),
        "startAtMs",
        req.start_at_ms,
    )?;
    let end = TimeInput::from_fields("endAt", req.end_at.as_deref(), "endAtMs", req.end_at_ms)?;
    let schedule = calendar::schedule(kind, start, end, None, zone, time::now_ms())?;
    let entry = NewEntry {
        kind,
        lead_id: req.lead_id,
        content: req.content,
        schedule,
        zone,
        task_type,
        assigned_role,
        address: req.address,
    };
    let id = state.store.create_entry(&who, &entry).await?;
    Ok(Json(CreateCalendarResponseEnvelope {
        data: CalendarCreateResult {
            id: id.to_string(),
            calendar_type: super::calendar_type(kind),
            message: "Calendar created successfully".into(),
        },
    }))
}

/// Update Calendar Event
///
/// Changes a Task or Appointment: only the non-empty fields sent are applied. Times sent must be
/// later than now, and the end not before the start; an appointment's all-day mark follows its
/// times. `leadId` moves the entry to another lead the caller can see. `reminderType` and
/// `reminderTime` are accepted but not kept (openhouse sends no reminders). An id that is
/// malformed, or names no entry the caller can see, is a 400 (20012).
#[utoipa::path(
    put,
    path = "/v2.0/calendar/{calendarId}",
    tag = "Calendar V2 API",
    params(("calendarId" = String, Path, description = "Composite calendar ID returned by POST /v2.0/calendar: '<numericId>-task' or '<numericId>-appointment'", example = "12345-task")),
    request_body = CalendarUpdateRequestV2,
    responses((status = 200, description = "Calendar updated", body = CalendarMessageResponseEnvelope), Errors)
)]
pub async fn update_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(calendar_id): ApiPath<String>,
    ApiJson(req): ApiJson<CalendarUpdateRequestV2>,
) -> ApiResult<Json<CalendarMessageResponseEnvelope>> {
    let id = CalendarId::parse(&calendar_id)?;
    let edit = EntryEdit {
        content: given(&req.content).map(str::to_string),
        start: TimeInput::from_fields(
            "startAt",
            req.start_at.as_deref(),
            "startAtMs",
            req.start_at_ms,
        )?,
        end: TimeInput::from_fields("endAt", req.end_at.as_deref(), "endAtMs", req.end_at_ms)?,
        zone: given(&req.time_zone_code)
            .map(|z| time::parse_zone("timeZoneCode", z))
            .transpose()?,
        lead_id: req.lead_id.filter(|l| *l > 0),
        address: given(&req.address).map(str::to_string),
    };
    if edit.is_empty() && given(&req.reminder_type).is_none() && given(&req.reminder_time).is_none()
    {
        return Err(Error::invalid("nothing to change").into());
    }
    state.store.edit_entry(&who, id, &edit).await?;
    Ok(message("Calendar updated successfully"))
}

/// Delete Calendar Event
///
/// Deletes a Task or Appointment by its composite ID.
#[utoipa::path(
    delete,
    path = "/v2.0/calendar/{calendarId}",
    tag = "Calendar V2 API",
    params(("calendarId" = String, Path, description = "Composite calendar ID: '<numericId>-task' or '<numericId>-appointment'", example = "12345-task")),
    responses((status = 200, description = "Calendar deleted", body = CalendarMessageResponseEnvelope), Errors)
)]
pub async fn delete_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(calendar_id): ApiPath<String>,
) -> ApiResult<Json<CalendarMessageResponseEnvelope>> {
    let id = CalendarId::parse(&calendar_id)?;
    state.store.delete_entry(&who, id).await?;
    Ok(message("Calendar deleted successfully"))
}

/// Finish Calendar Event
///
/// Marks a Task or Appointment as finished, recording when (for a task, what `finishFlag: true`
/// does on `/v1.0/tasks`).
#[utoipa::path(
    post,
    path = "/v2.0/calendar/{calendarId}/finish",
    tag = "Calendar V2 API",
    params(("calendarId" = String, Path, description = "Composite calendar ID: '<numericId>-task' or '<numericId>-appointment'", example = "12345-task")),
    responses((status = 200, description = "Calendar marked as finished", body = CalendarMessageResponseEnvelope), Errors)
)]
pub async fn finish_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(calendar_id): ApiPath<String>,
) -> ApiResult<Json<CalendarMessageResponseEnvelope>> {
    let id = CalendarId::parse(&calendar_id)?;
    state.store.finish_entry(&who, id, true).await?;
    Ok(message("Calendar finished successfully"))
}

/// Unfinish Calendar Event
///
/// Reverts a Task or Appointment to not finished; its finish time is cleared.
#[utoipa::path(
    post,
    path = "/v2.0/calendar/{calendarId}/unfinish",
    tag = "Calendar V2 API",
    params(("calendarId" = String, Path, description = "Composite calendar ID: '<numericId>-task' or '<numericId>-appointment'", example = "12345-task")),
    responses((status = 200, description = "Calendar marked as not completed", body = CalendarMessageResponseEnvelope), Errors)
)]
pub async fn unfinish_calendar(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(calendar_id): ApiPath<String>,
) -> ApiResult<Json<CalendarMessageResponseEnvelope>> {
    let id = CalendarId::parse(&calendar_id)?;
    state.store.finish_entry(&who, id, false).await?;
    Ok(message("Calendar unfinished successfully"))
}
