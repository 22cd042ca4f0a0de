//! The organisation of a team (section 5.13): offices nested by `parentId`, the company record,
//! permission profiles.

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    CompanyOpenVo, EnterpriseInfo, MultiTeamInfo, OfficeOpenVo, OrganizationInfo,
    OrganizationOpResponse, PermissionProfile, VisibleOrgInfo,
};
use openhouse_domain::auth::Role;
use openhouse_domain::people::Profile;
use openhouse_store::people::{Office, office_subtree};
use openhouse_store::render;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller};
use crate::openapi::Errors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org))
        .routes(routes!(edit_company))
        .routes(routes!(add_office, update_office))
        .routes(routes!(permission_profiles))
}

/// 1: a single team (Lofty's SIGNAL_INSTANCE); 2: a team in a broker's multi-team account.
pub const SINGLE_TEAM: i64 = 1;
pub const MULTI_TEAM: i64 = 2;

fn success(data: Option<&Office>) -> OrganizationOpResponse {
    OrganizationOpResponse {
        code: 0,
        message: "success".into(),
        data: data.map(render::office),
    }
}

/// Get User Organization
///
/// The caller's place in the organisation: their office and profile, and the offices they may
/// see (every office for an admin; their own office and those under it otherwise). A team under
/// a broker, or a broker with teams under it, also gets `multiTeamInfo` and orgType 2.
#[utoipa::path(get, path = "/v1.0/org", tag = "Agent Organization", responses((status = 200, description = "The organisation", body = OrganizationInfo), Errors))]
pub async fn org(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<OrganizationInfo>> {
    let me = state.store.member(&who, who.user_id).await?;
    let offices = state.store.offices(who.team_id).await?;
    let visible = if who.role == Role::Admin {
        offices.iter().map(|o| o.id).collect()
    } else {
        office_subtree(&offices, &[me.user.office_id])
    };
    let profile = Profile::by_id(me.user.profile_id).unwrap_or(Profile::of_role(me.role));
    let enterprise = EnterpriseInfo {
        group_id: me.user.office_id,
        group_name: me.office_name.clone(),
        profile_id: profile.id(),
        profile_name: profile.name().to_string(),
        visible_org_info_list: offices
            .iter()
            .filter(|o| visible.contains(&o.id))
            .map(|o| VisibleOrgInfo {
                group_id: o.id,
                group_name: o.name.clone(),
                parent_id: o.parent_id,
            })
            .collect(),
    };
    let broker = state.store.broker_of(who.team_id).await?;
    Ok(Json(OrganizationInfo {
        org_type: if broker.is_some() {
            MULTI_TEAM
        } else {
            SINGLE_TEAM
        },
        enterprise_info: Some(enterprise),
        multi_team_info: broker.map(|(id, name)| MultiTeamInfo {
            multi_team_id: id,
            multi_team_name: name,
        }),
    }))
}

/// Edit Agent Company
///
/// Changes the team's company record (admins only): what is sent changes.
#[utoipa::path(
    post,
    path = "/v1.0/org/company",
    tag = "Agent Organization",
    request_body = CompanyOpenVo,
    responses((status = 200, description = "Done", body = OrganizationOpResponse), Errors)
)]
pub async fn edit_company(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(v): ApiJson<CompanyOpenVo>,
) -> ApiResult<Json<OrganizationOpResponse>> {
    state.store.update_company(&who, &v).await?;
    Ok(Json(success(None)))
}

/// Add Agent Office
///
/// Adds an office (admins only) under the team (`parentId` 0 or absent) or under one of its
/// offices. `data` is the new office with its `id`.
#[utoipa::path(
    put,
    path = "/v1.0/org/office",
    tag = "Agent Organization",
    request_body = OfficeOpenVo,
    responses((status = 200, description = "The new office in `data`", body = OrganizationOpResponse), Errors)
)]
pub async fn add_office(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(v): ApiJson<OfficeOpenVo>,
) -> ApiResult<Json<OrganizationOpResponse>> {
    let o = state.store.add_office(&who, &v).await?;
    Ok(Json(success(Some(&o))))
}

/// Update Agent Office
///
/// Changes an office (admins only), chosen by `id`: what is sent changes. It cannot move under
/// itself or under one of its own offices. `data` is the office as it now is.
#[utoipa::path(
    post,
    path = "/v1.0/org/office",
    tag = "Agent Organization",
    request_body = OfficeOpenVo,
    responses((status = 200, description = "The office in `data`", body = OrganizationOpResponse), Errors)
)]
pub async fn update_office(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(v): ApiJson<OfficeOpenVo>,
) -> ApiResult<Json<OrganizationOpResponse>> {
    let o = state.store.update_office(&who, &v).await?;
    Ok(Json(success(Some(&o))))
}

/// Get Permission Profiles
///
/// The profiles a member can be given (`profileId` of `/v1.0/agent`): Company Admin, Standard
/// User (agent), Assistant, Lender.
#[utoipa::path(
    get,
    path = "/v1.0/org/permission/profiles",
    tag = "Agent Organization",
    responses((status = 200, description = "The profiles", body = Vec<PermissionProfile>), Errors)
)]
pub async fn permission_profiles(Caller(_who): Caller) -> ApiResult<Json<Vec<PermissionProfile>>> {
    Ok(Json(
        Profile::ALL
            .iter()
            .map(|p| PermissionProfile {
                id: p.id(),
                name: p.name().to_string(),
            })
            .collect(),
    ))
}
