use axum::Json;
use axum::extract::State;
use openhouse_api::Appointment;
use openhouse_domain::{Error, calendar, time};
use openhouse_store::tasks::Task;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListAppointmentsParams {
    /// Lead id
    pub lead_id: i64,
}

pub(crate) fn appointment(t: &Task, now: i64) -> Appointment {
    Appointment {
        id: t.id,
        descr: t.content.clone(),
        address: t.address.clone(),
        create_time: time::format_ms(t.create_time),
        last_update: time::format_ms(t.update_time),
        deadline: t.deadline,
        end_time: t.end_time,
        all_day: t.all_day,
        finish_flag: t.finished,
        delete_flag: false,
        overdue: t.overdue(now),
        finish_time: t.finished.then_some(t.finish_time),
        lead_id: t.lead_id,
        assign_to_uid: t.assigned_user_id,
        assign_role_type: calendar::role_type(t.assigned_role),
        creator_id: t.creator_user_id,
    }
}

/// Get appointments of lead
///
/// The lead's next appointment, in the contract's shape (one `Appointment`): the open one that
/// starts first (an overdue one included), else, when all are finished, the one that started
/// last. A lead without appointments: 404 RESOURCE_NOT_EXIST. Every appointment of a lead is
/// listed by `GET /v2.0/calendar?leadId=`, through which appointments are made and changed, as
/// in Lofty's published API.
#[utoipa::path(
    get,
    path = "/v1.0/appts",
    tag = "Tasks & Appointments",
    params(ListAppointmentsParams),
    responses((status = 200, description = "The lead's next appointment", body = Appointment), Errors)
)]
pub async fn list_appointments(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListAppointmentsParams>,
) -> ApiResult<Json<Appointment>> {
    // by start time, then id
    let (_, appointments) = state.store.lead_appointments(&who, p.lead_id).await?;
    let next = appointments
        .iter()
        .find(|t| !t.finished)
        .or_else(|| appointments.last())
        .ok_or_else(|| Error::not_found("appointment"))?;
    Ok(Json(appointment(next, time::now_ms())))
}
