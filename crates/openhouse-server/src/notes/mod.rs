//! Notes (section 5.7 of the contract).

mod read;
mod write;

use std::collections::HashMap;

use openhouse_api::NoteResponse;
use openhouse_domain::{time, timeline};
use openhouse_store::notes::{LogEntry, Note};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_note, read::list_notes))
        .routes(routes!(
            read::get_note,
            write::edit_note,
            write::delete_note
        ))
}

pub(crate) fn note_response(n: &Note, names: &HashMap<i64, String>) -> NoteResponse {
    NoteResponse {
        content: n.content.clone(),
        create_time: time::format_ms(n.create_time),
        creator_id: n.creator_user_id,
        creator_name: n.creator_user_id.and_then(|u| names.get(&u).cloned()),
        delete_flag: false,
        id: n.id,
        is_pin: n.pinned,
        last_editor_id: n.last_editor_user_id,
        last_editor_name: n.last_editor_user_id.and_then(|u| names.get(&u).cloned()),
        last_update: time::format_ms(n.update_time),
        lead_id: n.lead_id,
        note_id: Some(n.id),
        system_note: false,
    }
}

/// A system log entry shown as a note.
pub(crate) fn system_note(e: &LogEntry, names: &HashMap<i64, String>) -> NoteResponse {
    NoteResponse {
        content: timeline::describe(&e.action, &e.detail),
        create_time: time::format_ms(e.create_time),
        creator_id: e.actor_user_id,
        creator_name: e.actor_user_id.and_then(|u| names.get(&u).cloned()),
        delete_flag: false,
        id: e.id,
        is_pin: false,
        last_editor_id: None,
        last_editor_name: None,
        last_update: time::format_ms(e.create_time),
        lead_id: e.lead_id,
        note_id: None,
        system_note: true,
    }
}
