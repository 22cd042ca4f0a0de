//! The people of a team and its organisation (sections 5.1, 5.6, 5.10, 5.13).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::MetaData;

/// An agent's professional details.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mls_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// A member of a team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    /// `Active`, or `Inactive` for a member whose team a broker removed.
    pub account_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_info: Option<AgentInfo>,
    /// Live leads assigned to the member.
    pub assigned_lead_count: i32,
    pub email: String,
    /// First letter of the name, for alphabetic grouping.
    pub first_letter: String,
    pub first_name: String,
    /// The member's office (0: none).
    pub group_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The member record's id (the user id: a user belongs to one team).
    pub id: i64,
    /// Who invited the member (absent for a team's first admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitor_user_id: Option<i64>,
    pub is_admin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub member_user_id: i64,
    /// Live leads assigned to the member and not contacted yet.
    pub new_lead_count: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The permission profile id (1 Company Admin, 2 Standard User, 3 Assistant, 4 Lender).
    pub role: i32,
    /// Admin, Agent, Assistant or Lender.
    pub role_name: String,
    /// 1: active.
    pub status: i32,
    /// The member's tags, as ids of the team's tags (`POST /v1.0/agent/{agentId}/tag/add`,
    /// from Lofty's published document, where `AccountInfo.tagIds` names an agent's tags);
    /// absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_ids: Vec<i64>,
    pub team_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone_id: Option<String>,
    /// The dialer number of the member (openhouse has no dialer: empty).
    pub virtual_number: String,
}

/// A page of a team's members.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct MemberListResponse {
    #[serde(rename = "_metadata")]
    pub metadata: MetaData,
    pub members: Vec<UserResponse>,
}

/// The body of `PUT /v1.0/users/{userId}`: what is sent changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_info: Option<AgentInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The URL of the member's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_portrait: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// An IANA time zone, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "America/Los_Angeles")]
    pub time_zone_id: Option<String>,
}

/// One social media account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Social media of an agent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SocialMedias {
    #[serde(default)]
    pub items: Vec<Item>,
}

/// The body of `POST` and `PUT /v1.0/agent`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_change_sending_email_address: Option<bool>,
    /// The agent's email (unique in the team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The office the agent joins (0: directly under the team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The permission profile (`GET /v1.0/org/permission/profiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_introduction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_medias: Option<SocialMedias>,
    /// The agent to edit (`PUT` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_member_user_id: Option<i64>,
}

/// An agent account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountResponse {
    pub agent_id: i64,
    pub allow_change_sending_email_address: bool,
    pub email_address: String,
    pub first_name: String,
    pub group_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub profile_id: i64,
    /// 1: a user with a seat; 2: display only.
    pub seat_type: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_email_address: Option<String>,
    pub team_id: i64,
}

/// The account part of an AgentProfile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_change_domain: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub email_address: String,
    pub first_name: String,
    /// The office the agent joins (0 or absent: directly under the team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_url: Option<String>,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// A permission profile id; wins over `roleName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i64>,
    /// A permission profile's name ("Company Admin", "Standard User", ...).
    pub role_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<i64>>,
}

/// A file attached to an agent's profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
}

/// Where and how an agent works.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_attachments: Option<Vec<FileInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_disclaimers: Option<Vec<FileInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_introduction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// An agent's photos.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PersonalPhotos {
    #[serde(default)]
    pub urls: Vec<String>,
}

/// The body of `POST /v1.0/agent/profile/add`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentProfile {
    pub account_info: AccountInfo,
    /// 1: a user (takes a seat); 2: display only.
    #[schema(minimum = 1, maximum = 2)]
    pub account_type: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_roster_num: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_sync: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_back_office: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_photos: Option<PersonalPhotos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_sync: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_medias: Option<SocialMedias>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_info: Option<WorkInfo>,
}

/// `Result«long»`: the answer of `POST /v1.0/agent/profile/add`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResultLong {
    /// The new agent's user id.
    pub data: i64,
    /// 0: success.
    pub error_code: i32,
    /// Details of a failure (absent on success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_data: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// A permission profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PermissionProfile {
    pub id: i64,
    pub name: String,
}

/// The company record of a team.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CompanyOpenVo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Header / banner image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// The caller's team (others' are refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
}

/// An office: `PUT /v1.0/org/office` adds one, `POST /v1.0/org/office` updates one (by `id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OfficeOpenVo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_manage_sub: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The office to update (update only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The office it belongs to (0 or absent: directly under the team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// A member whose website the office uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_owner_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
}

/// The answer to the organisation changes: `code` 0 and `message` "success"; `data` carries the
/// office (with its id) for office changes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OrganizationOpResponse {
    pub code: i32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<OfficeOpenVo>,
}

/// An office the caller may see, in the organisation tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VisibleOrgInfo {
    pub group_id: i64,
    pub group_name: String,
    /// 0: directly under the team.
    pub parent_id: i64,
}

/// The caller's place in a single team's organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseInfo {
    /// The caller's office (0: none).
    pub group_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    pub profile_id: i64,
    pub profile_name: String,
    /// Every office of the team for an admin; the caller's office and those under it otherwise.
    pub visible_org_info_list: Vec<VisibleOrgInfo>,
}

/// The broker account a team belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MultiTeamInfo {
    pub multi_team_id: i64,
    pub multi_team_name: String,
}

/// `GET /v1.0/org`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInfo {
    /// The team's own organisation (single-team orgType).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_info: Option<EnterpriseInfo>,
    /// The broker account, for a team under one or a broker with teams under it (MULTI_TEAM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_team_info: Option<MultiTeamInfo>,
    /// 1: SIGNAL_INSTANCE (a single team), 2: MULTI_TEAM.
    pub org_type: i64,
}

/// The body of `POST /v1.0/broker/team`: a team under the caller's broker account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTeam {
    /// The new team's admin.
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    /// How many members with a seat the team may have (1 or more).
    #[schema(minimum = 1)]
    pub seat_limit: i32,
    pub team_name: String,
}

/// The new team: its admin's credentials, shown once (as `openhouse team create` prints them).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTeamCreated {
    pub team_id: i64,
    pub user_id: i64,
    pub api_key: String,
    pub access_token: String,
    pub vendor_key: String,
}

/// The answer to `DELETE /v1.0/broker/team/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTeamRemoved {
    pub deleted: bool,
    pub team_id: i64,
}

/// An app connected to the team (a vendor key), with the member who connected it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VendorInfo {
    /// The member who connected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_address: Option<String>,
    /// The app's name.
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The vendor's id in the team.
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The role of the member who connected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
}

/// The body of `POST /v1.0/agent/send-notification`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityNotificationRequest {
    /// Shown with `link` when both are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub lead_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// 48 Viewed a listing 3 times; 50 Searched; 52 Saved a listing; 46 Requested to sell a
    /// house; 47 Requested home evaluation; 65 Left a message; 66 Requested a showing; 27 Saved a
    /// search; 89 Used mortgage calculator multiple times; 165 Re-inquired on text code; 166 Back
    /// to site - viewed a listing; 162 Requested CMA; 164 Requested financing options; 167
    /// Submitted a form; 168 Viewed CMA.
    #[schema(example = 48)]
    pub notification_type: i32,
}

/// `{"code": 0, "msg": "success"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationStatus {
    pub code: i32,
    pub msg: String,
}

/// The answer to `POST /v1.0/agent/send-notification`: `data` is true when the lead had an agent
/// to notify.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SendNotificationResponse {
    pub status: NotificationStatus,
    pub data: bool,
}

/// The OAuth tokens an API key was exchanged for (5.11.2).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OauthTokenInfo {
    /// refresh token value
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The expire time of the refreshtoken
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_expire_time: Option<crate::Timestamp>,
    /// token value
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The expire time of the token
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expire_time: Option<crate::Timestamp>,
}
