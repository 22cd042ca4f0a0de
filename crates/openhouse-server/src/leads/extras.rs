//! What else hangs on a lead: activities, assignment, inquiry, property, login links, and the
//! lookup of a lead's assignees (sections 5.5.5, 5.5.7, 5.5.12 – 5.5.16).

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    CustomRole, CustomRoleAssignee, EditLeadRequest, LeadActivityReq, LeadActivityRes,
    LeadAssigineeRequest, LeadAssigneeRequest, LeadCustomRoleAssigneeInfo, LeadInquiry,
    LeadProperty, LeadResponse, LinkRequest, LoginTokenInfo,
};
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::{Lead, LeadPatch};
use openhouse_domain::people::Profile;
use openhouse_domain::search::{LeadFilter, LeadQuery, LeadSort};
use openhouse_domain::{Error, ErrorKind, error::codes};
use openhouse_store::features::LOGIN_TOKEN_TTL_MS;
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

pub use openhouse_domain::lead::{ROLE_AGENT, ROLE_ASSISTANT, ROLE_LENDER};

async fn lead_now(state: &AppState, who: &Principal, lead_id: i64) -> Result<LeadResponse, Error> {
    let lead = state.store.get_lead(who, lead_id, false).await?;
    Ok(super::respond(state, who, &[lead]).await?.remove(0))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ActivitiesParams {
    /// The page, from 0; 100 activities a page.
    #[serde(default)]
    #[param(minimum = 0)]
    pub cur_page: Option<i64>,
}

/// Search for activities
///
/// The lead's activities, newest first, 100 a page (`curPage` from 0).
#[utoipa::path(
    get,
    path = "/v1.0/leads/{leadId}/activities",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId"), ActivitiesParams),
    responses((status = 200, description = "A page of activities", body = Vec<LeadActivityRes>), Errors)
)]
pub async fn list_activities(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<ActivitiesParams>,
) -> ApiResult<Json<Vec<LeadActivityRes>>> {
    let page = openhouse_domain::search::Paging::by_page(
        "curPage",
        p.cur_page,
        None,
        openhouse_store::features::ACTIVITY_PAGE as u32,
        openhouse_store::features::ACTIVITY_PAGE as u32,
    )?;
    let rows = state
        .store
        .lead_activities(&who, lead_id, page.number())
        .await?;
    Ok(Json(rows.iter().map(render::activity).collect()))
}

/// Add activity
///
/// Records what the lead did on a website (Search, Browse, Favorite, Request, Submission), with
/// the listing it concerns. It counts in the Activity sort orders of the lead search and moves
/// the lead's last visit and last touch forward. Answers the stored activity.
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/activity",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = LeadActivityReq,
    responses((status = 200, description = "The stored activity", body = LeadActivityRes), Errors)
)]
pub async fn add_activity(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(a): ApiJson<LeadActivityReq>,
) -> ApiResult<Json<LeadActivityRes>> {
    if let Some(l) = &a.listing {
        openhouse_domain::lead::clean_property(l)?;
    }
    Ok(Json(render::activity(
        &state.store.add_activity(&who, lead_id, a).await?,
    )))
}

/// Place an inquiry
///
/// Sets what the lead is looking for (merged into the inquiry it has). Answers the lead.
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/inquiry",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = LeadInquiry,
    responses((status = 200, description = "The lead as it now is", body = LeadResponse), Errors)
)]
pub async fn place_inquiry(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(i): ApiJson<LeadInquiry>,
) -> ApiResult<Json<LeadResponse>> {
    let patch = LeadPatch::from_edit(&EditLeadRequest {
        inquiry: Some(i),
        ..Default::default()
    })?;
    state.store.edit_lead(&who, lead_id, &patch).await?;
    Ok(Json(lead_now(&state, &who, lead_id).await?))
}

/// Place a property
///
/// Adds a property to the lead, or updates the one with the same `id` (or the same address).
/// Answers the lead.
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/property",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = LeadProperty,
    responses((status = 200, description = "The lead as it now is", body = LeadResponse), Errors)
)]
pub async fn place_property(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(p): ApiJson<LeadProperty>,
) -> ApiResult<Json<LeadResponse>> {
    let patch = LeadPatch::from_edit(&EditLeadRequest {
        property: Some(p),
        ..Default::default()
    })?;
    state.store.edit_lead(&who, lead_id, &patch).await?;
    Ok(Json(lead_now(&state, &who, lead_id).await?))
}

/// Assign a lead
///
/// Places team members on the lead by account (email): role Agent (the assigned agent), Lender
/// or Assistant. An empty account takes the role away. An unknown account or role is a 400 and
/// nothing changes. Answers the lead.
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/assignment",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = Vec<LeadAssigineeRequest>,
    responses((status = 200, description = "The lead as it now is", body = LeadResponse), Errors)
)]
pub async fn assign(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(list): ApiJson<Vec<LeadAssigineeRequest>>,
) -> ApiResult<Json<LeadResponse>> {
    // a lead the caller cannot see is a 404 whatever the body says
    state.store.get_lead(&who, lead_id, false).await?;
    if list.is_empty() {
        return Err(Error::invalid("at least one assignee is required").into());
    }
    let mut patch = LeadPatch::default();
    let mut roles = Vec::new();
    for a in &list {
        let user =
            match a
                .assiginee
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(email) => Some(state.store.member_by_email(&who, email).await.map_err(
                    |_| {
                        Error::new(
                            ErrorKind::BadRequest,
                            codes::USER_NOT_EXIST,
                            format!("no member of the team has the account {email}"),
                        )
                    },
                )?),
                None => None,
            };
        let id = user.as_ref().map_or(0, |u| u.user.id);
        match a.role.trim().to_lowercase().as_str() {
            "agent" => patch.assigned_user_id = Some(id),
            "lender" => patch.lender_user_id = Some(id),
            "assistant" => roles.push(CustomRole {
                assignee: user.as_ref().map(|u| u.user.email.clone()),
                assignee_id: Some(id),
                role: "Assistant".into(),
                role_id: ROLE_ASSISTANT,
            }),
            other => {
                return Err(Error::invalid(format!(
                    "role '{other}' is not Agent, Assistant or Lender"
                ))
                .into());
            }
        }
    }
    if !roles.is_empty() {
        patch.custom_roles = Some(roles);
    }
    state.store.edit_lead(&who, lead_id, &patch).await?;
    Ok(Json(lead_now(&state, &who, lead_id).await?))
}

/// The members in roles on a lead: its agent, lender and custom roles.
pub(crate) async fn role_assignees(
    state: &AppState,
    who: &Principal,
    l: &Lead,
) -> Result<Vec<CustomRoleAssignee>, Error> {
    let mut out = Vec::new();
    let mut wanted: Vec<(i64, &str, i32)> = Vec::new();
    if let Some(a) = l.assigned_user_id {
        wanted.push((a, "Agent", ROLE_AGENT));
    }
    if let Some(a) = l.lender_user_id {
        wanted.push((a, "Lender", ROLE_LENDER));
    }
    for r in &l.doc.custom_roles {
        if let Some(a) = r.assignee_id {
            wanted.push((
                a,
                if r.role_id == ROLE_ASSISTANT {
                    "Assistant"
                } else {
                    r.role.as_str()
                },
                r.role_id,
            ));
        }
    }
    for (id, role, role_id) in wanted {
        if let Ok(m) = state.store.member(who, id).await {
            out.push(CustomRoleAssignee {
                agent_full_name: match &m.user.last_name {
                    Some(l) => format!("{} {l}", m.user.first_name),
                    None => m.user.first_name.clone(),
                },
                assignee: m.user.email.clone(),
                assignee_id: id,
                permission_profile_name: Profile::by_id(m.user.profile_id)
                    .unwrap_or(Profile::of_role(m.role))
                    .name()
                    .to_string(),
                role: role.to_string(),
                role_id,
            });
        }
    }
    Ok(out)
}

/// Search for assignee by lead info
///
/// Finds the caller's leads by email (exactly, any case), or by phone when no lead has the
/// email, and answers each with the members in roles on it.
#[utoipa::path(
    post,
    path = "/v1.0/leads/assignee",
    tag = "Leads",
    request_body = LeadAssigneeRequest,
    responses((status = 200, description = "The leads found, with their assignees", body = Vec<LeadCustomRoleAssigneeInfo>), Errors)
)]
pub async fn find_assignees(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<LeadAssigneeRequest>,
) -> ApiResult<Json<Vec<LeadCustomRoleAssigneeInfo>>> {
    let email = openhouse_domain::people::check_email("email", &r.email)?;
    if r.first_name.trim().is_empty() {
        return Err(Error::invalid("firstName is required").into());
    }
    if let Some(b) = r.birthday.as_deref().filter(|b| !b.trim().is_empty()) {
        openhouse_domain::time::parse_birthday("birthday", b)?;
    }
    let query = |filter: LeadFilter| LeadQuery {
        filter,
        sort: LeadSort::CreateTime,
        desc: true,
        limit: 100,
        offset: 0,
        after: None,
        served: 0,
    };
    let mut found = state
        .store
        .search_leads(
            &who,
            &query(LeadFilter {
                email: Some(email),
                precise: true,
                ..Default::default()
            }),
        )
        .await?
        .leads;
    if found.is_empty()
        && let Some(phone) = r.phone.as_deref().map(str::trim).filter(|p| !p.is_empty())
    {
        if phone.chars().count() > 20 {
            return Err(Error::too_long("phone", 20).into());
        }
        found = state
            .store
            .search_leads(
                &who,
                &query(LeadFilter {
                    phone: Some(phone.to_string()),
                    precise: true,
                    ..Default::default()
                }),
            )
            .await?
            .leads;
    }
    let mut out = Vec::with_capacity(found.len());
    for l in &found {
        out.push(LeadCustomRoleAssigneeInfo {
            custom_role_assignees: role_assignees(&state, &who, l).await?,
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            lead_id: l.id,
            lead_user_id: l.id,
        });
    }
    Ok(Json(out))
}

/// Retrieve the specified URL with a login token
///
/// Answers the website URL (a JSON string) with a `loginToken` parameter: signed by this server,
/// naming the lead and the team, good for 24 hours. `GET /v1.0/leads/specified-url/verify` tells
/// whether a token is genuine and current.
#[utoipa::path(
    post,
    path = "/v1.0/leads/specified-url",
    tag = "Leads",
    request_body = LinkRequest,
    responses((status = 200, description = "The URL with the login token", body = String), Errors)
)]
pub async fn specified_url(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<LinkRequest>,
) -> ApiResult<Json<String>> {
    Ok(Json(
        state
            .store
            .login_url(&who, r.lead_id, &r.lofty_website_url, LOGIN_TOKEN_TTL_MS)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// The `loginToken` of a URL made by `POST /v1.0/leads/specified-url`.
    #[serde(rename = "loginToken")]
    #[param(rename = "loginToken")]
    pub login_token: String,
}

/// Verify a login token
///
/// openhouse's counterpart of the login links: whether a token was made by this server for a
/// lead of the caller's team and has not expired (else 400 INVALID_PARAMETER).
#[utoipa::path(
    get,
    path = "/v1.0/leads/specified-url/verify",
    tag = "Leads",
    params(VerifyParams),
    responses((status = 200, description = "The lead the token logs in", body = LoginTokenInfo), Errors)
)]
pub async fn verify_login_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<VerifyParams>,
) -> ApiResult<Json<LoginTokenInfo>> {
    let (lead_id, expire_time) = state.store.verify_login_token(&who, &p.login_token).await?;
    Ok(Json(LoginTokenInfo {
        lead_id,
        team_id: who.team_id,
        expire_time,
    }))
}
