//! What else hangs on a lead (sections 5.5.5, 5.5.7, 5.5.12 – 5.5.16) and the team features
//! (section 5.9).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::LeadProperty;

/// What a lead did on the website, or (openhouse) `Alert`: a listing alert openhouse recorded
/// because a listing matching the lead's inquiry was imported or changed price or status. An
/// `Alert` is never posted (a 400), only shown.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum ActivityType {
    Search,
    Browse,
    Favorite,
    Request,
    Submission,
    Alert,
}

/// What a lead did on the website: the types a posted activity may have.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum PostedActivityType {
    Search,
    Browse,
    Favorite,
    Request,
    Submission,
}

impl ActivityType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "Search",
            Self::Browse => "Browse",
            Self::Favorite => "Favorite",
            Self::Request => "Request",
            Self::Submission => "Submission",
            Self::Alert => "Alert",
        }
    }
}

/// The body of `POST /v1.0/leads/{leadId}/activity`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadActivityReq {
    /// When it happened, epoch milliseconds.
    #[schema(example = 1518078026000_i64, minimum = 0)]
    pub created: i64,
    /// The page's URL (left out, `""` or `null`: none, for an activity without a page).
    #[schema(example = "https://lofty.com")]
    #[serde(default)]
    pub link: String,
    /// The listing it concerns, kept with the activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<LeadProperty>,
    /// The page name of a submission (re-inquiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_name: Option<String>,
    /// A preview picture's URL (left out, `""` or `null`: none).
    #[schema(example = "https://lofty.com/default.jpg")]
    #[serde(default)]
    pub picture: String,
    /// The date of a requested showing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_date: Option<String>,
    /// The search text, or what was done.
    #[schema(example = "Search")]
    pub text: String,
    #[serde(rename = "type")]
    #[schema(value_type = PostedActivityType)]
    pub kind: ActivityType,
}

/// An activity of a lead, newest first in `GET /v1.0/leads/{leadId}/activities`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadActivityRes {
    pub created: i64,
    /// The activity's id.
    pub id: i64,
    pub link: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing: Option<LeadProperty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_name: Option<String>,
    pub picture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_date: Option<String>,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: ActivityType,
}

/// One assignee of `POST /v1.0/leads/{leadId}/assignment` (the contract's spelling).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadAssigineeRequest {
    /// The assignee's account (email); absent or empty removes whoever has the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "info@lofty-mail.me")]
    pub assiginee: Option<String>,
    /// Agent, Assistant or Lender.
    #[schema(example = "Agent")]
    pub role: String,
}

/// The body of `POST /v1.0/leads/assignee`: a lead to find.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadAssigneeRequest {
    /// `MMM d, yyyy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Jun 5, 2001")]
    pub birthday: Option<String>,
    pub email: String,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20)]
    pub phone: Option<String>,
}

/// A member in a role on a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomRoleAssignee {
    pub agent_full_name: String,
    /// The member's account (email).
    pub assignee: String,
    pub assignee_id: i64,
    pub permission_profile_name: String,
    /// Agent, Assistant or Lender.
    pub role: String,
    /// 1 Agent, 2 Lender, 4 Assistant.
    pub role_id: i32,
}

/// A lead that matched, with who is in which role on it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadCustomRoleAssigneeInfo {
    pub custom_role_assignees: Vec<CustomRoleAssignee>,
    pub first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub lead_id: i64,
    pub lead_user_id: i64,
}

/// The body of `POST /v1.0/leads/specified-url`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkRequest {
    #[serde(rename = "leadId")]
    pub lead_id: i64,
    /// The page to log the lead in to (http or https).
    #[serde(rename = "loftyWebsiteURL")]
    #[schema(example = "https://www.example-realty.com/listing/123")]
    pub lofty_website_url: String,
}

/// What a login token says, once verified.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginTokenInfo {
    pub lead_id: i64,
    pub team_id: i64,
    /// When the token stops working, epoch milliseconds.
    pub expire_time: i64,
}

/// A lead pond: leads shared by a set of agents.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadPond {
    /// The agents who may work the pond's leads.
    #[serde(default)]
    pub agent_ids: Vec<i64>,
    /// The pond's id (ignored when creating one).
    #[serde(default)]
    pub id: i64,
    pub pond_name: String,
    /// The member who owns the pond (absent when creating: the caller).
    #[serde(default)]
    pub pond_owner_id: i64,
}

/// Leads to put into a pond, or to take out of any (`pondId` 0).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PondLeadsRequest {
    pub lead_ids: Vec<i64>,
}

/// A tag in use in the team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserLeadTag {
    pub create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_user_id: Option<i64>,
    /// Set when the tag is shown on one lead; absent in the team's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<i64>,
    pub tag_id: i64,
    pub tag_name: String,
    pub update_time: String,
    /// 0: visible to the team.
    pub visible_type: i32,
}
