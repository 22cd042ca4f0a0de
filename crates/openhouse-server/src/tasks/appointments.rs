use axum::extract::State;
use axum::{Extension, Json};
use openhouse_api::Appointment;
use openhouse_domain::{Error, time};
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;
use crate::wire::Items;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListAppointmentsParams {
    /// Lead id
    pub lead_id: i64,
}

/// Get appointments of lead
///
/// The lead's next appointment, in the contract's shape (one `Appointment`): the open one that
/// starts first (an overdue one included), else, when all are finished, the one that started
/// last. A lead without appointments: 404 RESOURCE_NOT_EXIST. Every appointment of a lead is
/// listed by `GET /v2.0/calendar?leadId=`, through which appointments are made and changed, as
/// in Lofty's published API. In the `published` wire mode: all of the lead's appointments, by
/// start time, `[]` when it has none.
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
) -> ApiResult<(Extension<Items>, Json<Appointment>)> {
    // by start time, then id
    let (_, appointments) = state.store.lead_appointments(&who, p.lead_id).await?;
    let now = time::now_ms();
    let next = appointments
        .iter()
        .find(|t| !t.finished)
        .or_else(|| appointments.last())
        .ok_or_else(|| Error::not_found("appointment"))?;
    // every one, for the published wire mode's list
    let all = Items::of(
        &appointments
            .iter()
            .map(|t| render::appointment(t, now))
            .collect::<Vec<_>>(),
    )?;
    Ok((Extension(all), Json(render::appointment(next, now))))
}
