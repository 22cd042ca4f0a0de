//! Team features (section 5.9): lead ponds, custom fields, the tags in use.

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    CustomAttribute, LeadPond, PipelineListResponse, PipelineResponse, PondLeadsRequest,
    UserLeadTag,
};
use openhouse_domain::search::Paging;
use openhouse_domain::{Error, time};
use openhouse_store::render;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_ponds))
        .routes(routes!(get_pond))
        .routes(routes!(create_pond))
        .routes(routes!(put_leads_in_pond))
        .routes(routes!(add_custom_field))
        .routes(routes!(list_custom_fields))
        .routes(routes!(list_tags))
        .routes(routes!(lead_pipelines))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PipelineParams {
    /// Only the stages whose name contains this, in any case (blank: all).
    #[serde(default)]
    pub name: Option<String>,
    /// The page, from 0 (default 0).
    #[serde(default)]
    #[param(minimum = 0)]
    pub curr_page: Option<i64>,
    /// Stages a page, 1 to 1000 (default 10).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<i64>,
}

/// List Lead Pipelines
///
/// From Lofty's published document. The team's lead pipeline: every stage a lead of the team
/// (not in the trash) is in, by name, `currPage` from 0, with the total in `_metadata`. A
/// stage's `id` is derived from its name and is what the leads in it show as `stageId`.
#[utoipa::path(
    get,
    path = "/v1.0/teamFeatures/lead-pipelines",
    tag = "TeamFeatures (published)",
    params(PipelineParams),
    responses((status = 200, description = "A page of the team's stages", body = PipelineListResponse), Errors)
)]
pub async fn lead_pipelines(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<PipelineParams>,
) -> ApiResult<Json<PipelineListResponse>> {
    let page = Paging::by_page("currPage", p.curr_page, p.page_size, 10, 1000)?;
    let (stages, total) = state
        .store
        .lead_pipelines(
            &who,
            p.name.as_deref().unwrap_or(""),
            page.offset,
            page.limit,
        )
        .await?;
    Ok(Json(PipelineListResponse {
        metadata: page.metadata("pipelines", total),
        pipelines: stages
            .into_iter()
            .map(|s| PipelineResponse {
                id: s.id,
                name: s.name,
            })
            .collect(),
    }))
}

/// list lead pond
///
/// The team's lead ponds the caller may see: all for an admin, the ones a member owns or works
/// otherwise.
#[utoipa::path(
    get,
    path = "/v1.0/team-features/lead-ponds",
    tag = "TeamFeatures",
    responses((status = 200, description = "The ponds", body = Vec<LeadPond>), Errors)
)]
pub async fn list_ponds(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<LeadPond>>> {
    Ok(Json(
        state
            .store
            .ponds(&who)
            .await?
            .iter()
            .map(render::pond)
            .collect(),
    ))
}

/// Search lead pond
#[utoipa::path(
    get,
    path = "/v1.0/team-features/lead-pond/{id}",
    tag = "TeamFeatures",
    params(("id" = i64, Path, description = "id")),
    responses((status = 200, description = "The pond", body = LeadPond), Errors)
)]
pub async fn get_pond(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<LeadPond>> {
    Ok(Json(render::pond(&state.store.pond(&who, id).await?)))
}

/// Create a lead pond
///
/// openhouse's way to make a pond (Lofty's API only reads them): admins only; the caller owns
/// it and `agentIds` (members of the team) work it. `id` and `pondOwnerId` are ignored.
#[utoipa::path(
    post,
    path = "/v1.0/team-features/lead-pond",
    tag = "TeamFeatures",
    request_body = LeadPond,
    responses((status = 200, description = "The new pond", body = LeadPond), Errors)
)]
pub async fn create_pond(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(p): ApiJson<LeadPond>,
) -> ApiResult<Json<LeadPond>> {
    let made = state
        .store
        .create_pond(&who, &p.pond_name, &p.agent_ids)
        .await?;
    Ok(Json(render::pond(&made)))
}

/// Put leads into a pond
///
/// openhouse's way to move leads into a pond (`id` 0: out of any pond), all or none: each lead
/// must be one the caller can see and change. Leads show `pondId` and `pondName`.
#[utoipa::path(
    post,
    path = "/v1.0/team-features/lead-pond/{id}/leads",
    tag = "TeamFeatures",
    params(("id" = i64, Path, description = "The pond (0: none)")),
    request_body = PondLeadsRequest,
    responses((status = 200, description = "The pond", body = LeadPond), Errors)
)]
pub async fn put_leads_in_pond(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<PondLeadsRequest>,
) -> ApiResult<Json<LeadPond>> {
    if id < 0 {
        return Err(Error::invalid("the pond id is 0 or more").into());
    }
    let found = if id > 0 {
        Some(state.store.pond(&who, id).await?)
    } else {
        None
    };
    if r.lead_ids.is_empty() || r.lead_ids.len() > 100 {
        return Err(Error::invalid("leadIds takes 1 to 100 leads").into());
    }
    state.store.move_to_pond(&who, id, &r.lead_ids).await?;
    Ok(Json(found.as_ref().map(render::pond).unwrap_or(LeadPond {
        agent_ids: vec![],
        id: 0,
        pond_name: String::new(),
        pond_owner_id: 0,
    })))
}

/// add new custom field
///
/// Adds a custom field to the team (admins only): `attributeType` number, text, date,
/// single_select, multi_select, percentage or currency; a select takes its options in `params`
/// (`{"option": ["item1", "item2"]}`). Leads then carry values in `customAttributes`, checked
/// against the field (a select's value must be one of its options). Answers the field.
#[utoipa::path(
    post,
    path = "/v1.0/teamFeatures/custom-field",
    tag = "TeamFeatures",
    request_body = CustomAttribute,
    responses((status = 200, description = "The new field", body = CustomAttribute), Errors)
)]
pub async fn add_custom_field(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(a): ApiJson<CustomAttribute>,
) -> ApiResult<Json<CustomAttribute>> {
    Ok(Json(state.store.add_custom_field(&who, &a).await?))
}

/// Search custom field
#[utoipa::path(
    get,
    path = "/v1.0/teamFeatures/listCustomField",
    tag = "TeamFeatures",
    responses((status = 200, description = "The team's custom fields", body = Vec<CustomAttribute>), Errors)
)]
pub async fn list_custom_fields(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<CustomAttribute>>> {
    Ok(Json(state.store.custom_fields(who.team_id).await?))
}

/// Search existing tag
///
/// Every tag on a lead of the team, by name, with who made it and when.
#[utoipa::path(
    get,
    path = "/v1.0/teamFeatures/listTag",
    tag = "TeamFeatures",
    responses((status = 200, description = "The tags in use", body = Vec<UserLeadTag>), Errors)
)]
pub async fn list_tags(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<UserLeadTag>>> {
    let tags = state.store.tags_in_use(&who).await?;
    Ok(Json(
        tags.into_iter()
            .map(|t| UserLeadTag {
                create_time: time::format_ms(t.create_time),
                creator_user_id: t.creator_user_id,
                lead_id: None,
                tag_id: t.id,
                tag_name: t.name,
                update_time: time::format_ms(t.update_time),
                visible_type: 0,
            })
            .collect(),
    ))
}
