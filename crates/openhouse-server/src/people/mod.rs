//! Members and users (section 5.6), agent accounts (sections 5.1 and 5.10).

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    AccountRequest, AccountResponse, AddAgentTagResponse, AgentProfile, AgentTagRequest,
    MemberListResponse, ResultLong, UserRequest, UserResponse,
};
use openhouse_domain::auth::Role;
use openhouse_domain::people::Profile;
use openhouse_domain::{Error, search};
use openhouse_store::people::{NewAgent, UserChange};
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

#[allow(deprecated)] // GET /v1.0/users/{userId} is deprecated by the contract, and served
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(members))
        .routes(routes!(member_by_account))
        .routes(routes!(get_user, edit_user))
        .routes(routes!(create_agent, edit_agent))
        .routes(routes!(add_agent_profile))
        .routes(routes!(add_agent_tags))
}

/// Add tags to an agent
///
/// From Lofty's published document. Adds 1 to 20 tags (each at most 64 characters) to an agent
/// of the caller's team (admins only: 403 otherwise; another team's agent: 404
/// USER_NOT_EXIST). An agent's tags are the team's tags, the same set as leads' (by name, any
/// case): with `autoCreate` a name new to the team is made a tag of it; without, such a name is
/// a 400 and nothing is added. Tags the agent has already stay. The member then shows them in
/// `tagIds` (`GET /v1.0/members`, `/v1.0/me`, ...). Failures answer `{"code", "message"}` with
/// a 4xx as every operation does; success is `{"data": true, "errorCode": 0}`.
#[utoipa::path(
    post,
    path = "/v1.0/agent/{agentId}/tag/add",
    tag = "Agent User (published)",
    params(("agentId" = i64, Path, minimum = 1, description = "User ID of the agent to tag")),
    request_body = AgentTagRequest,
    responses((status = 200, description = "The tags were added", body = AddAgentTagResponse), Errors)
)]
pub async fn add_agent_tags(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(agent_id): ApiPath<i64>,
    ApiJson(r): ApiJson<AgentTagRequest>,
) -> ApiResult<Json<AddAgentTagResponse>> {
    state
        .store
        .add_agent_tags(&who, agent_id, &r.tag_names, r.auto_create)
        .await?;
    Ok(Json(AddAgentTagResponse {
        data: true,
        error_code: 0,
        error_msg: None,
    }))
}

/// Get current user's info
#[utoipa::path(get, path = "/v1.0/me", tag = "Members", responses((status = 200, description = "The caller", body = UserResponse), Errors))]
pub async fn me(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(render::user(
        &state.store.member(&who, who.user_id).await?,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MembersParams {
    /// Only the members of these offices and of the offices under them.
    #[serde(default)]
    pub group_ids: Vec<i64>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Start index (default 0).
    #[serde(default)]
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Get team members
///
/// The members of the caller's team by id, with the total in `_metadata`.
#[utoipa::path(
    get,
    path = "/v1.0/members",
    tag = "Members",
    params(MembersParams),
    responses((status = 200, description = "A page of members", body = MemberListResponse), Errors)
)]
pub async fn members(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<MembersParams>,
) -> ApiResult<Json<MemberListResponse>> {
    let page = search::Paging::by_offset(p.limit, p.offset, 25, 100)?;
    let (rows, total) = state
        .store
        .members(&who, &p.group_ids, page.offset, page.limit)
        .await?;
    Ok(Json(MemberListResponse {
        metadata: page.metadata("members", total),
        members: rows.iter().map(render::user).collect(),
    }))
}

/// Get member by account
///
/// A member of the caller's team by login email (any case); none: 404 USER_NOT_EXIST.
#[utoipa::path(
    get,
    path = "/v1.0/members/{account}",
    tag = "Members",
    params(("account" = String, Path, description = "The member's email")),
    responses((status = 200, description = "The member", body = UserResponse), Errors)
)]
pub async fn member_by_account(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(account): ApiPath<String>,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(render::user(
        &state.store.member_by_email(&who, &account).await?,
    )))
}

/// Get user by Id
///
/// Deprecated: use `GET /v1.0/members/{account}` or `GET /v1.0/members`.
#[utoipa::path(
    get,
    path = "/v1.0/users/{userId}",
    tag = "Members",
    params(("userId" = i64, Path, description = "The ID of the user")),
    responses((status = 200, description = "The member", body = UserResponse), Errors)
)]
#[deprecated]
pub async fn get_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(render::user(&state.store.member(&who, id).await?)))
}

/// Edit a user
///
/// Changes what is sent: a user themselves, or an admin anyone of the team. `timeZoneId` must be
/// an IANA time zone; the email must not be another member's. Answers the member as it now is.
#[utoipa::path(
    put,
    path = "/v1.0/users/{userId}",
    tag = "Members",
    params(("userId" = i64, Path, description = "The ID of the user")),
    request_body = UserRequest,
    responses((status = 200, description = "The member as it now is", body = UserResponse), Errors)
)]
pub async fn edit_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<UserRequest>,
) -> ApiResult<Json<UserResponse>> {
    let change = UserChange {
        email: r.email,
        first_name: r.first_name,
        last_name: r.last_name,
        phone: r.phone_number,
        time_zone: r.time_zone_id,
        head_portrait: r.head_portrait,
        agent_info: r.agent_info,
        ..Default::default()
    };
    let m = state.store.update_user(&who, id, change).await?;
    Ok(Json(render::user(&m)))
}

fn profile_of(id: Option<i64>) -> Result<Profile, Error> {
    let id = id.ok_or_else(|| Error::invalid("profileId is required"))?;
    Profile::by_id(id).ok_or_else(|| {
        Error::invalid(format!(
            "profileId {id} is not a permission profile of the team"
        ))
    })
}

fn account_rest(r: &AccountRequest) -> UserChange {
    UserChange {
        phone: r.phone.clone(),
        address: r.address.clone(),
        personal_website: r.personal_website.clone(),
        self_introduction: r.self_introduction.clone(),
        sending_email_address: r.sending_email_address.clone(),
        allow_change_sending_email_address: r.allow_change_sending_email_address,
        social_medias: r.social_medias.clone(),
        agent_info: (r.license_id.is_some() || r.position.is_some()).then(|| {
            openhouse_api::AgentInfo {
                license_id: r.license_id.clone(),
                position: r.position.clone(),
                ..Default::default()
            }
        }),
        ..Default::default()
    }
}

/// Create an new account
///
/// Invites a member into the caller's team (admins only): into an office (`groupId`, 0 for
/// none) with a permission profile (`profileId`). Takes a seat; a team at its seat limit, an
/// email already in the team, an unknown office or profile: 400.
#[utoipa::path(
    post,
    path = "/v1.0/agent",
    tag = "User Account",
    request_body = AccountRequest,
    responses((status = 200, description = "The new account", body = AccountResponse), Errors)
)]
pub async fn create_agent(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<AccountRequest>,
) -> ApiResult<Json<AccountResponse>> {
    let new = NewAgent {
        email: r
            .email_address
            .clone()
            .ok_or_else(|| Error::invalid("emailAddress is required"))?,
        first_name: r
            .first_name
            .clone()
            .ok_or_else(|| Error::invalid("firstName is required"))?,
        last_name: Some(
            r.last_name
                .clone()
                .ok_or_else(|| Error::invalid("lastName is required"))?,
        ),
        office_id: r
            .group_id
            .ok_or_else(|| Error::invalid("groupId is required"))?,
        profile: profile_of(r.profile_id)?,
        seat_type: 1,
        rest: account_rest(&r),
    };
    let m = state.store.add_agent(&who, new).await?;
    Ok(Json(render::account(&m)))
}

/// Edit an account
///
/// Changes a member of the caller's team (admins only), chosen by `teamMemberUserId`: what is
/// sent changes, including the office (`groupId`) and the permission profile (`profileId`).
#[utoipa::path(
    put,
    path = "/v1.0/agent",
    tag = "User Account",
    request_body = AccountRequest,
    responses((status = 200, description = "The account as it now is", body = AccountResponse), Errors)
)]
pub async fn edit_agent(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<AccountRequest>,
) -> ApiResult<Json<AccountResponse>> {
    if who.role != Role::Admin {
        return Err(Error::forbidden("only an admin of the team may edit accounts").into());
    }
    let id = r
        .team_member_user_id
        .ok_or_else(|| Error::invalid("teamMemberUserId is required"))?;
    let mut change = account_rest(&r);
    change.email = r.email_address.clone();
    change.first_name = r.first_name.clone();
    change.last_name = r.last_name.clone();
    change.office_id = r.group_id.map(|g| g.max(0));
    change.profile = r.profile_id.map(|p| profile_of(Some(p))).transpose()?;
    let m = state.store.update_user(&who, id, change).await?;
    Ok(Json(render::account(&m)))
}

/// Create a new agent with profile message
///
/// Adds an agent (admins only) from a full profile: account, work info, photos, social media.
/// `accountType` 1 is a user (takes a seat), 2 display only. The profile is `roleId`, else
/// `roleName` ("Company Admin", "Standard User", "Assistant", "Lender"). Answers the new user's
/// id in `data`.
#[utoipa::path(
    post,
    path = "/v1.0/agent/profile/add",
    tag = "Agent User",
    request_body = AgentProfile,
    responses((status = 200, description = "The new agent's id", body = ResultLong), Errors)
)]
pub async fn add_agent_profile(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<AgentProfile>,
) -> ApiResult<Json<ResultLong>> {
    let a = &r.account_info;
    let profile = match a.role_id {
        Some(id) => profile_of(Some(id))?,
        None => Profile::by_name(&a.role_name).ok_or_else(|| {
            Error::invalid(format!(
                "roleName '{}' is not a permission profile of the team",
                a.role_name
            ))
        })?,
    };
    let work = r.work_info.clone();
    let new = NewAgent {
        email: a.email_address.clone(),
        first_name: a.first_name.clone(),
        last_name: Some(a.last_name.clone()),
        office_id: a.group_id.unwrap_or(0).max(0),
        profile,
        seat_type: r.account_type,
        rest: UserChange {
            phone: a.phone_number.clone(),
            phone_code: a.phone_code.clone(),
            phone_country: a.phone_country.clone(),
            head_portrait: a.head_url.clone(),
            sending_email_address: a.sending_email.clone(),
            allow_change_sending_email_address: a.allow_change_domain,
            social_medias: r.social_medias.clone(),
            personal_photos: r.personal_photos.clone(),
            agent_info: Some(openhouse_api::AgentInfo {
                agent_pid: r.agent_pid.clone(),
                company_address: work.as_ref().and_then(|w| w.company_address.clone()),
                company_name: work.as_ref().and_then(|w| w.company_name.clone()),
                license_id: work.as_ref().and_then(|w| w.license_id.clone()),
                mls_agent_id: None,
                position: work.as_ref().and_then(|w| w.position.clone()),
            }),
            address: work.as_ref().and_then(|w| w.address.clone()),
            personal_website: work.as_ref().and_then(|w| w.personal_website.clone()),
            self_introduction: work.as_ref().and_then(|w| w.personal_introduction.clone()),
            work_info: work,
            ..Default::default()
        },
    };
    let m = state.store.add_agent(&who, new).await?;
    Ok(Json(ResultLong {
        data: m.user.id,
        error_code: 0,
        error_data: None,
        error_msg: None,
    }))
}
