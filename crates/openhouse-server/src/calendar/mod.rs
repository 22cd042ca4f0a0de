//! The calendar operations of Lofty's published document (`/v2.0/calendar`): tasks and
//! appointments made, listed, changed, finished and deleted by composite ids (`12345-task`,
//! `12345-appointment`). A task made here is a task of `/v1.0/tasks`; an appointment is read
//! by `/v1.0/appts`.

mod read;
mod write;

use openhouse_api::{CalendarItemV2, CalendarType};
use openhouse_domain::calendar::{CalendarId, EntryKind};
use openhouse_domain::time::{self, Zone};
use openhouse_store::tasks::Task;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_calendar, read::list_calendar))
        .routes(routes!(write::update_calendar, write::delete_calendar))
        .routes(routes!(write::finish_calendar))
        .routes(routes!(write::unfinish_calendar))
}

pub(crate) fn calendar_type(kind: EntryKind) -> CalendarType {
    match kind {
        EntryKind::Task => CalendarType::Task,
        EntryKind::Appointment => CalendarType::Appointment,
    }
}

/// An entry as the calendar shows it, its times in `zone` when the caller asked for one, else in
/// the zone it was made in (UTC for tasks made through `/v1.0/tasks`).
pub(crate) fn item(t: &Task, lead_name: &str, zone: Option<Zone>) -> CalendarItemV2 {
    let zone = zone
        .or_else(|| {
            t.time_zone
                .as_deref()
                .and_then(|z| time::parse_zone("timeZoneCode", z).ok())
        })
        .unwrap_or(Zone::UTC);
    let what = match t.kind {
        EntryKind::Task => "Task",
        EntryKind::Appointment => "Appointment",
    };
    let end = t.end_or_start();
    CalendarItemV2 {
        id: CalendarId::new(t.kind, t.id).to_string(),
        calendar_type: calendar_type(t.kind),
        task_id: t.id,
        content: t.content.clone(),
        title: if lead_name.is_empty() {
            what.to_string()
        } else {
            format!("{what} with {lead_name}")
        },
        finished: t.finished,
        start_at: time::format_iso_in(t.deadline, zone),
        end_at: time::format_iso_in(end, zone),
        start_at_ms: t.deadline,
        end_at_ms: end,
        time_zone_code: zone.name().to_string(),
        lead_id: t.lead_id,
    }
}
