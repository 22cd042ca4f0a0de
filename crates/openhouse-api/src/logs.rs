//! Manual logs of calls, emails and texts (section 5.16).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The channel of a manual log.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum LogType {
    LogCall,
    LogEmail,
    LogText,
}

impl LogType {
    /// The communication channel it records.
    pub fn channel(self) -> &'static str {
        match self {
            Self::LogCall => "call",
            Self::LogEmail => "email",
            Self::LogText => "text",
        }
    }
    pub fn from_channel(c: &str) -> Option<Self> {
        match c {
            "call" => Some(Self::LogCall),
            "email" => Some(Self::LogEmail),
            "text" => Some(Self::LogText),
            _ => None,
        }
    }
}

/// Which way a communication went, from the agent's side. Read in any case (`Inbound`, as
/// Lofty's published document shows a call's direction, is `inbound`).
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Outbound,
    Inbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outbound => "outbound",
            Self::Inbound => "inbound",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("outbound") {
            Some(Self::Outbound)
        } else if s.eq_ignore_ascii_case("inbound") {
            Some(Self::Inbound)
        } else {
            None
        }
    }
}

impl<'de> Deserialize<'de> for Direction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s)
            .ok_or_else(|| serde::de::Error::unknown_variant(&s, &["outbound", "inbound"]))
    }
}

/// How a call went.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum CallingOutcome {
    Talked,
    VoiceMessage,
    NoAnswer,
    BadNumber,
    #[serde(rename = "DNCNumber")]
    DncNumber,
    #[serde(rename = "DNCContact")]
    DncContact,
}

impl CallingOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Talked => "Talked",
            Self::VoiceMessage => "VoiceMessage",
            Self::NoAnswer => "NoAnswer",
            Self::BadNumber => "BadNumber",
            Self::DncNumber => "DNCNumber",
            Self::DncContact => "DNCContact",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// The body of `POST /v1.0/logType`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogTypeRequest {
    /// How the call went (logCall only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_outcome: Option<CallingOutcome>,
    /// What was said or written; only the first 5000 characters are kept.
    #[schema(min_length = 1, pattern = r"\S")]
    pub content: String,
    /// Email subject (logEmail only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    /// Sender address (logEmail only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_email: Option<String>,
    /// Pin this entry on the lead's timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pin: Option<bool>,
    /// The lead it concerns.
    pub lead_id: i64,
    /// The number called (required for logCall; at most 20 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20)]
    pub lead_phone_number: Option<String>,
    pub log_type: LogType,
    /// outbound (default) or inbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_or_inbound: Option<Direction>,
    /// openhouse's own (logCall only): where the call's recording can be downloaded, an
    /// http(s) URL of at most 2000 characters; `GET /v1.0/call/url/{callId}` answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// Recipient address (logEmail only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_email: Option<String>,
}

/// A manual log as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogTypeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_outcome: Option<CallingOutcome>,
    pub content: String,
    pub create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_email: Option<String>,
    pub id: i64,
    pub is_pin: bool,
    pub lead_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_phone_number: Option<String>,
    pub log_type: LogType,
    pub outbound_or_inbound: Direction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_email: Option<String>,
}

/// The answer to `POST /v1.0/logType`: the new entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogTypeCreated {
    pub log_type: LogTypeResponse,
}
