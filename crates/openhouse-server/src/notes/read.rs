use axum::Json;
use axum::extract::State;
use openhouse_api::NoteResponse;
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListNotesParams {
    /// ID of the lead.
    pub lead_id: i64,
    /// Include system notes (the lead's system log) or not.
    #[serde(default)]
    pub include_system_note: Option<bool>,
}

/// Search for notes
///
/// The lead's notes, pinned first, then newest first; with `includeSystemNote=true` also the
/// lead's system log as system notes (newest first, after the notes).
#[utoipa::path(
    get,
    path = "/v1.0/notes",
    tag = "Notes",
    params(ListNotesParams),
    responses((status = 200, description = "The lead's notes", body = Vec<NoteResponse>), Errors)
)]
pub async fn list_notes(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListNotesParams>,
) -> ApiResult<Json<Vec<NoteResponse>>> {
    let (notes, system) = state
        .store
        .lead_notes(&who, p.lead_id, p.include_system_note.unwrap_or(false))
        .await?;
    let people = notes
        .iter()
        .flat_map(|n| [n.creator_user_id, n.last_editor_user_id])
        .chain(system.iter().map(|e| e.actor_user_id))
        .flatten()
        .collect::<Vec<i64>>();
    let names = crate::user_names(&state, &who, people).await?;
    let mut out: Vec<NoteResponse> = notes.iter().map(|n| render::note(n, &names)).collect();
    out.extend(system.iter().map(|e| render::system_note(e, &names)));
    Ok(Json(out))
}

/// Get note by Id
#[utoipa::path(
    get,
    path = "/v1.0/notes/{noteId}",
    tag = "Notes",
    params(("noteId" = i64, Path, description = "ID of Note")),
    responses((status = 200, description = "The note", body = NoteResponse), Errors)
)]
pub async fn get_note(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(note_id): ApiPath<i64>,
) -> ApiResult<Json<NoteResponse>> {
    let n = state.store.note(&who, note_id).await?;
    let names = crate::user_names(
        &state,
        &who,
        [n.creator_user_id, n.last_editor_user_id]
            .into_iter()
            .flatten(),
    )
    .await?;
    Ok(Json(render::note(&n, &names)))
}
