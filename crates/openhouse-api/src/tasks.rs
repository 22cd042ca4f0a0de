//! Tasks (section 5.8).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of task.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum TaskType {
    Other,
    Call,
    Email,
    Text,
}

impl TaskType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Other => "Other",
            Self::Call => "Call",
            Self::Email => "Email",
            Self::Text => "Text",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Other, Self::Call, Self::Email, Self::Text]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// Who on the lead's team a task is for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum AssignedRole {
    Agent,
    Assistant,
}

impl AssignedRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "Agent",
            Self::Assistant => "Assistant",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Agent, Self::Assistant]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// The body of `POST /v1.0/tasks` and `PUT /v1.0/tasks/{taskId}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest {
    /// Role the task is assigned to (default Agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_role: Option<AssignedRole>,
    /// Description of the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Send an email to my lead")]
    pub content: Option<String>,
    /// Deadline, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1508580010000_i64, minimum = 0)]
    pub deadline: Option<i64>,
    /// True finishes the task (on edit nothing else changes); false reopens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_flag: Option<bool>,
    /// The lead of the task (required on create; on edit, when given, it must be the task's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<i64>,
    /// Other, Call, Email or Text (default Other).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<TaskType>,
}

/// A task as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskResponse {
    pub assigned_role: AssignedRole,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<i64>,
    /// The task's content (as `content`).
    pub body: String,
    pub content: String,
    pub create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<i64>,
    /// `yyyy-MM-dd HH:mm:ss` UTC; absent without a deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub delete_flag: bool,
    pub finish_flag: bool,
    /// `yyyy-MM-dd HH:mm:ss` UTC; absent while the task is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
    pub id: i64,
    pub last_update: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_email: Option<String>,
    pub lead_first_name: String,
    pub lead_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_last_name: Option<String>,
    pub lead_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_phone: Option<String>,
    pub lead_user_id: i64,
    /// Open and past its deadline.
    pub overdue_flag: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_type: Option<i32>,
    /// The task's type (as `type`).
    pub subject: String,
    pub team_id: i64,
    #[serde(rename = "type")]
    pub task_type: TaskType,
}

/// The id of a created task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskIdResponse {
    pub task_id: i64,
}
