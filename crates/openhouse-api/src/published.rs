//! Bodies of operations that come from Lofty's later published document and are not in the
//! v1.0 contract: sending an email or a text to a lead, a call's recording URL, the team's lead
//! pipeline, and adding tags to an agent. Field names are the published document's.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::MetaData;

/// The body of `POST /v1.0/message/email/send`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSendRequest {
    /// Email subject: one line, at most 1000 characters.
    #[schema(example = "Welcome to our service")]
    pub subject: String,
    /// Email content (plain text), at most 5000 characters.
    #[schema(example = "Hello, this is a test email")]
    pub content: String,
    /// The lead to write to.
    #[schema(example = 563172647619608_i64)]
    pub lead_id: i64,
    /// One of the lead's emails to write to (any case); absent, or not one of the lead's: the
    /// lead's primary (first) email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "recipient@example.com")]
    pub to_email: Option<String>,
}

/// What `POST /v1.0/message/email/send` answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmailSendResponse {
    /// The ID of the email message: its id in the lead's email history
    /// (`GET /v1.0/communication/email`).
    pub message_id: String,
    /// The address it was sent to.
    pub to_email: String,
    pub subject: String,
}

/// The body of `POST /v1.0/message/sms/send`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmsRequest {
    /// One of the lead's phones to text (matched on its digits); absent, or not one of the
    /// lead's: the lead's primary (first) phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "5865865860")]
    pub phone_number: Option<String>,
    /// The country calling code of the phone (digits), put in front of a phone that does not
    /// start with `+` when the message is handed to the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1")]
    pub phone_code: Option<String>,
    /// The text, at most 1600 characters.
    #[schema(example = "Hello, this is a test message")]
    pub content: String,
    /// The lead to text.
    #[schema(example = 563172647619608_i64)]
    pub lead_id: i64,
}

/// What `POST /v1.0/message/sms/send` answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SmsResponse {
    /// The ID of the SMS message: its id in the lead's text history
    /// (`GET /v1.0/communication/text`).
    pub message_id: String,
    /// The lead's phone it was sent to.
    pub phone_number: String,
    /// The country calling code used ("" when none was given).
    pub phone_code: String,
}

/// Where a call's recording can be downloaded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CallRecordingUrl {
    /// ID of the call.
    pub id: i64,
    /// The recording's URL; "" when the call has no recording.
    pub url: String,
}

/// What `GET /v1.0/call/url/{callId}` answers: the recording under `calls`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CallUrlResponse {
    pub calls: CallRecordingUrl,
}

/// A stage of the team's lead pipeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PipelineResponse {
    /// The stage's id: the leads in it show it as `stageId`.
    pub id: i64,
    /// The stage, as leads' `stage` have it.
    pub name: String,
}

/// A page of the team's lead pipeline. The published schema names the metadata
/// `get_metadata`, its description `_metadata` (as every other list): openhouse answers
/// `_metadata`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PipelineListResponse {
    #[serde(rename = "_metadata")]
    pub metadata: MetaData,
    pub pipelines: Vec<PipelineResponse>,
}

/// The body of `POST /v1.0/agent/{agentId}/tag/add`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentTagRequest {
    /// Tag names to add to the agent: 1 to 20, each at most 64 characters.
    #[serde(default)]
    #[schema(example = json!(["VIP", "Premium"]))]
    pub tag_names: Vec<String>,
    /// Create the names that are no tag of the team yet; false (the default): such a name is a
    /// 400 and nothing is added.
    #[serde(default)]
    pub auto_create: bool,
}

/// What `POST /v1.0/agent/{agentId}/tag/add` answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AddAgentTagResponse {
    /// Whether all the tags were added.
    pub data: bool,
    /// 0: success.
    pub error_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}
