//! Calls, emails and texts with leads as history (sections 5.2 and 5.3).
//!
//! Directions are written `Outbound` / `Inbound` here (the published document's values), except in
//! `CallHistory`, whose contract example is lowercase.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{CallDirectionName, CallStatusName, CallingOutcome, MetaData};

/// A call with a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallResponse {
    /// The related Agent ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// The outcome of the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_outcome: Option<CallingOutcome>,
    /// When the call was recorded (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub create_time: String,
    /// The dialer's record of the call (absent for a logged call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialer_call_record_id: Option<i64>,
    /// `Outbound` or `Inbound`.
    #[schema(example = "Outbound", value_type = CallDirectionName)]
    pub direction: String,
    /// Seconds (absent when not known, as for a logged call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// Time from dialing to connection (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_time: Option<String>,
    /// End of the call (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub end_time: String,
    /// The ID of the call.
    pub id: i64,
    /// Answered by a machine (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_machine_answered: Option<bool>,
    /// The lead(Id) associated with the call.
    pub lead_id: i64,
    /// The number of the lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_phone_number: Option<String>,
    /// What the agent noted about the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Cost in USD (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// The agent's rating of the call, 0–5 (absent when not rated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_score: Option<i32>,
    /// Whether the call was recorded.
    pub recording_switch: bool,
    /// The number shown to the lead (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_user_number: Option<String>,
    /// Start of the call (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub start_time: String,
    /// Final status: Completed, VoiceMail, NoAnswer or Failed (from the outcome of a logged call).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Completed", value_type = Option<CallStatusName>)]
    pub status: Option<String>,
    /// Last change (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub update_time: String,
    /// The Id of the user on the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// The agent's number (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_phone_number: Option<String>,
}

/// A page of a lead's calls (`GET /v1.0/calls`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CallListResponse {
    #[serde(rename = "_metadata")]
    pub metadata: MetaData,
    pub calls: Vec<CallResponse>,
}

/// A call as `GET /v1.0/communication/call/v2` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallHistory {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    pub create_time: String,
    /// `outbound` or `inbound`.
    #[schema(example = "outbound")]
    pub direction: String,
    pub id: i64,
    pub lead_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_phone_number: Option<String>,
}

/// An email with a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmailResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// `Outbound` or `Inbound`.
    #[schema(example = "Outbound")]
    pub direction: String,
    /// When it happened (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub email_event_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    /// `Manual` (sent or logged by a person) or `Auto`.
    #[schema(example = "Manual")]
    pub email_type: String,
    /// `Sent` for an outbound email, `Received` for an inbound one.
    #[schema(example = "Sent")]
    pub event_type: String,
    /// Sent from the lead pond.
    pub from_pond: bool,
    pub id: i64,
    pub lead_id: i64,
}

/// A text message with a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TextResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// `Outbound` or `Inbound`.
    #[schema(example = "Outbound")]
    pub direction: String,
    pub id: i64,
    pub lead_id: i64,
    /// What the text said.
    pub text_content: String,
    /// Delivery status: `Delivered` for an outbound text, `Received` for an inbound one.
    #[schema(example = "Delivered")]
    pub text_outcome: String,
    /// When it was sent (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub text_time: String,
    /// `Manual` or `Auto`.
    #[schema(example = "Manual")]
    pub text_type: String,
}

/// Which communications `POST /v1.0/agent/communication` looks for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum CommunicationKind {
    Call,
    Email,
    Text,
    /// All three.
    All,
}

impl CommunicationKind {
    /// The channel it selects; `None` for all.
    pub fn channel(self) -> Option<&'static str> {
        match self {
            Self::Call => Some("call"),
            Self::Email => Some("email"),
            Self::Text => Some("text"),
            Self::All => None,
        }
    }
}

/// The body of `POST /v1.0/agent/communication`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationRequest {
    /// End of the window, epoch milliseconds, inclusive; at most 24 hours after `startTime`.
    #[schema(example = 946710000000_i64, minimum = 0)]
    pub end_time: i64,
    /// Page size, 1 to 1000 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1000)]
    pub limit: Option<i32>,
    /// Start index (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub offset: Option<i32>,
    /// Start of the window, epoch milliseconds, inclusive.
    #[schema(example = 946710000000_i64, minimum = 0)]
    pub start_time: i64,
    /// The whole team's communications instead of the caller's own (admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_view: Option<bool>,
    /// CALL, EMAIL, TEXT (or ALL).
    #[serde(rename = "type")]
    pub kind: CommunicationKind,
}

/// One entry of a communication timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// Call duration (absent when not known, as for a logged call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_duration: Option<String>,
    /// How a call went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<CallingOutcome>,
    /// When it happened (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub communication_time: String,
    /// `AUTO`, `MANUAL` or `LOGGED` (logged by hand through `/v1.0/logType`).
    #[schema(example = "LOGGED")]
    pub communication_type: String,
    /// `Outbound` or `Inbound`.
    #[schema(example = "Outbound")]
    pub direction: String,
    /// `Call`, `Text`, `Sent Email` or `Received Email`.
    #[schema(example = "Call")]
    pub event_type: String,
    pub from_pond: bool,
    pub id: i64,
    pub lead_id: i64,
    /// The status of a call or text (see CallResponse.status, TextResponse.textOutcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A page of communications.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PageResult {
    /// More entries follow this page.
    pub has_more: bool,
    pub limit: i32,
    pub offset: i32,
    pub page_data: Vec<CommunicationResponse>,
}
