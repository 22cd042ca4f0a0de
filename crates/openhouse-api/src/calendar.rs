//! Appointments (section 5.8.1) and the calendar operations of Lofty's published document
//! (`/v2.0/calendar`) through which tasks and appointments are made and changed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An appointment as `GET /v1.0/appts` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// The Id of the appointment
    pub id: i64,
    /// The description of the appointment
    pub descr: String,
    /// The location of the appointment
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The create time of the appointment (`yyyy-MM-dd HH:mm:ss` UTC)
    #[schema(example = "2026-03-01 22:00:00")]
    pub create_time: String,
    /// The last update time of the appointment (`yyyy-MM-dd HH:mm:ss` UTC)
    #[schema(example = "2026-03-01 22:00:00")]
    pub last_update: String,
    /// The start time of the appointment, epoch milliseconds
    pub deadline: i64,
    /// The end time of the appointment, epoch milliseconds
    pub end_time: i64,
    /// Whether the appointment time is all day
    pub all_day: bool,
    /// If the appointment is finished or not
    pub finish_flag: bool,
    /// If the appointment is deleted or not (always false: a deleted appointment is gone)
    pub delete_flag: bool,
    /// Not finished and its end (or start) in the past
    pub overdue: bool,
    /// The finish time, epoch milliseconds; absent while the appointment is open
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<i64>,
    /// The lead(Id) associated with the appointment
    pub lead_id: i64,
    /// The user's Id of the appointment assigned to
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign_to_uid: Option<i64>,
    /// The user role of the appointment assigned to: 1 Agent, 4 Assistant (the numbers of
    /// Lofty's lead routing types)
    #[schema(example = 1)]
    pub assign_role_type: i32,
    /// The user ID of this appointment creator
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<i64>,
}

/// The kind of a calendar entry.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum CalendarType {
    Task,
    Appointment,
}

/// The body of `POST /v2.0/calendar`: `type` decides whether a Task or an Appointment is made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarRequestV2 {
    /// Calendar type: TASK or APPOINTMENT (any case)
    #[serde(rename = "type")]
    #[schema(example = "TASK")]
    pub calendar_type: String,
    /// Content/Description of the calendar event
    #[schema(example = "Follow up with client about property")]
    pub content: String,
    /// Lead ID associated with this calendar event
    #[schema(example = 563172647619608_i64)]
    pub lead_id: i64,
    /// Start time in ISO8601 format with offset. Preferred over startAtMs when both are provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2027-03-01T14:00:00-08:00")]
    pub start_at: Option<String>,
    /// End time in ISO8601 format with offset. Preferred over endAtMs when both are provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2027-03-01T15:00:00-08:00")]
    pub end_at: Option<String>,
    /// Start time as Unix timestamp in milliseconds. Used when startAt is not provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1803938400000_i64)]
    pub start_at_ms: Option<i64>,
    /// End time as Unix timestamp in milliseconds. Used when endAt is not provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1803942000000_i64)]
    pub end_at_ms: Option<i64>,
    /// IANA time zone code
    #[schema(example = "America/Los_Angeles")]
    pub time_zone_code: String,
    /// Task way type: Call, Email, Text, Other (required for TASK; ignored for APPOINTMENT)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Call")]
    pub task_way: Option<String>,
    /// Assigned role: Agent (default) or Assistant (only for TASK)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Agent")]
    pub assigned_role: Option<String>,
    /// Location/Address (only for APPOINTMENT)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "123 Main St, Los Angeles, CA")]
    pub address: Option<String>,
}

/// The body of `PUT /v2.0/calendar/{calendarId}`: only non-empty fields are applied.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarUpdateRequestV2 {
    /// Updated content/description
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Updated start time in ISO8601 format with offset. Preferred over startAtMs when both are provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at: Option<String>,
    /// Updated end time in ISO8601 format with offset. Preferred over endAtMs when both are provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_at: Option<String>,
    /// Updated start time as Unix timestamp in milliseconds. Used when startAt is not provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_ms: Option<i64>,
    /// Updated end time as Unix timestamp in milliseconds. Used when endAt is not provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_at_ms: Option<i64>,
    /// Updated IANA time zone code
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone_code: Option<String>,
    /// Updated reminder type (accepted; openhouse sends no reminders and does not keep it)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_type: Option<String>,
    /// Updated reminder time (accepted; openhouse sends no reminders and does not keep it)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_time: Option<String>,
    /// Updated lead ID: moves the entry to another lead the caller can see
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<i64>,
    /// Updated address (for APPOINTMENT)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Calendar creation result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarCreateResult {
    /// Calendar ID with type suffix: use it as-is to update, finish or delete the entry
    #[schema(example = "12345-task")]
    pub id: String,
    /// Calendar type
    #[serde(rename = "type")]
    pub calendar_type: CalendarType,
    /// Success message
    #[schema(example = "Calendar created successfully")]
    pub message: String,
}

/// Calendar creation response envelope.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateCalendarResponseEnvelope {
    pub data: CalendarCreateResult,
}

/// One entry of the calendar: a Task or an Appointment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CalendarItemV2 {
    /// Calendar ID with type suffix (e.g., '12345-task' or '12345-appointment')
    #[schema(example = "12345-task")]
    pub id: String,
    /// Calendar type (TASK or APPOINTMENT)
    #[serde(rename = "type")]
    pub calendar_type: CalendarType,
    /// The numeric ID of the task or appointment (the id of `/v1.0/tasks` and `/v1.0/appts`)
    pub task_id: i64,
    /// Event content/description
    pub content: String,
    /// Event title, from the event type and the lead's name
    #[schema(example = "Appointment with Ann Lee")]
    pub title: String,
    /// Whether the calendar item is finished
    pub finished: bool,
    /// Start time in ISO8601 format
    #[schema(example = "2027-03-01T14:00:00-08:00")]
    pub start_at: String,
    /// End time in ISO8601 format (the start for a task without an end)
    #[schema(example = "2027-03-01T15:00:00-08:00")]
    pub end_at: String,
    /// Start time as Unix timestamp in milliseconds
    pub start_at_ms: i64,
    /// End time as Unix timestamp in milliseconds
    pub end_at_ms: i64,
    /// The IANA time zone the times are shown in
    #[schema(example = "America/Los_Angeles")]
    pub time_zone_code: String,
    /// Lead ID
    pub lead_id: i64,
}

/// Calendar list response with pagination.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarListResponseV2 {
    /// Total count of calendars matching the query
    pub total: i64,
    /// Current page number (starts from 0)
    pub page: i32,
    /// Page size
    pub page_size: i32,
    /// List of calendar items
    pub items: Vec<CalendarItemV2>,
}

/// Response envelope for GET /v2.0/calendar.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarListResponseEnvelope {
    pub data: CalendarListResponseV2,
}

/// Simple message envelope used by PUT / DELETE / finish / unfinish calendar endpoints.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarMessageResponseEnvelope {
    /// Result message for the calendar operation.
    #[schema(example = "Calendar updated successfully")]
    pub message: String,
}
