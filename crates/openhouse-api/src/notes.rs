//! Notes (section 5.7) and system logs (section 5.18).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of `POST /v1.0/notes` and `PUT /v1.0/notes/{noteId}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteRequest {
    /// Note content; only the first 2000 characters are kept.
    #[schema(example = "example_note", min_length = 1, pattern = r"\S")]
    pub content: String,
    /// Pin this note or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pin: Option<bool>,
    /// The ID of the lead this note is related to (on edit, when given, it must be the note's lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 563172647619608_i64)]
    pub lead_id: Option<i64>,
}

/// A note as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NoteResponse {
    pub content: String,
    pub create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_name: Option<String>,
    pub delete_flag: bool,
    /// The id of the timeline entry (the note's id for a note, the log entry's for a system note)
    pub id: i64,
    pub is_pin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_editor_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_editor_name: Option<String>,
    pub last_update: String,
    pub lead_id: i64,
    /// The id to use with GET/PUT/DELETE /v1.0/notes/{noteId}; absent on system notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_id: Option<i64>,
    pub system_note: bool,
}

/// The id of a created note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteIdResponse {
    pub note_id: i64,
}

/// One entry of a lead's system log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SystemLogResponse {
    /// The user who made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    pub can_sticky: bool,
    /// What changed, as a JSON document in a string.
    pub content: String,
    /// Epoch milliseconds.
    pub create_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_last_name: Option<String>,
    /// 0 other, 1 agent, 2 lead
    pub from_type: i32,
    pub id: i64,
    pub lead_full_name: String,
    pub lead_id: i64,
    pub sticky: bool,
    /// Epoch milliseconds.
    pub timeline_time: i64,
    pub timeline_type: i32,
    /// The name of the timeline type, e.g. LeadUpdated.
    pub timeline_type_desc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_last_name: Option<String>,
    /// 0 other, 1 agent, 2 lead
    pub to_type: i32,
    /// Epoch milliseconds.
    pub update_time: i64,
}
