use axum::Json;
use axum::extract::State;
use openhouse_api::{NoteIdResponse, NoteRequest};
use openhouse_domain::Error;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

/// Add a note
///
/// `leadId` and `content` are required; content keeps its first 2000 characters.
#[utoipa::path(
    post,
    path = "/v1.0/notes",
    tag = "Notes",
    request_body = NoteRequest,
    responses((status = 200, description = "The new note's id", body = NoteIdResponse), Errors)
)]
pub async fn create_note(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<Json<NoteIdResponse>> {
    let lead_id = req
        .lead_id
        .ok_or_else(|| Error::invalid("leadId is required"))?;
    let note_id = state
        .store
        .create_note(&who, lead_id, &req.content, req.is_pin.unwrap_or(false))
        .await?;
    Ok(Json(NoteIdResponse { note_id }))
}

/// Edit a note
///
/// Sets the content and, when given, the pin. A `leadId`, when given, must be the note's lead.
#[utoipa::path(
    put,
    path = "/v1.0/notes/{noteId}",
    tag = "Notes",
    params(("noteId" = i64, Path, description = "The ID of the note to update")),
    request_body = NoteRequest,
    responses((status = 200, description = "The note is changed"), Errors)
)]
pub async fn edit_note(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(note_id): ApiPath<i64>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<()> {
    state
        .store
        .edit_note(&who, note_id, &req.content, req.is_pin, req.lead_id)
        .await?;
    Ok(())
}

/// Delete a note
#[utoipa::path(
    delete,
    path = "/v1.0/notes/{noteId}",
    tag = "Notes",
    params(("noteId" = i64, Path, description = "The ID of the note to delete")),
    responses((status = 200, description = "The note is deleted"), Errors)
)]
pub async fn delete_note(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(note_id): ApiPath<i64>,
) -> ApiResult<()> {
    state.store.delete_note(&who, note_id).await?;
    Ok(())
}
