//! The routing operations of the API (5.4), and openhouse's own additions (tag "LeadRouting
//! (openhouse)").

use axum::extract::State;
use axum::{Extension, Json};
use openhouse_api::{
    AssignMember, AssignRole, RoutingOffer, RoutingOrderRequest, RoutingRule, RoutingRuleRequest,
    RoutingSettings, SupplementRoutingRule, SupplementRoutingRuleRequest,
};
use openhouse_domain::routing::BusinessType;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;
use crate::wire::Items;

/// A list the contract answers with one element of (5.4.1-5.4.3 name `AssignMember`,
/// `AssignRole` and `RoutingRule` as their answers, where other list operations of the contract
/// say `< X > array`): the first of the list, and every one for the published wire mode, which
/// answers with the array (`wire::Step::List`). Nothing to list: 404 RESOURCE_NOT_EXIST
/// (published: `[]`).
fn first_of<T: serde::Serialize>(
    list: Vec<T>,
    what: &str,
) -> ApiResult<(Extension<Items>, Json<T>)> {
    let all = Items::of(&list)?;
    let first = list
        .into_iter()
        .next()
        .ok_or_else(|| openhouse_domain::Error::not_found(what))?;
    Ok((Extension(all), Json(first)))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(member_list))
        .routes(routes!(role_list))
        .routes(routes!(rule_list))
        .routes(routes!(get_supplement, edit_supplement))
        .routes(routes!(edit_rule, add_rule))
        .routes(routes!(delete_rule))
        .routes(routes!(order_rules))
        .routes(routes!(get_settings, set_settings))
        .routes(routes!(list_offers))
        .routes(routes!(claim))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoleParams {
    /// Role id, This parameter is required when type == 4
    #[param(default = -1)]
    pub role_id: Option<i32>,
}

/// The type and role of a path: 400 BUSINESS_TYPE_ERROR, INVAID_ROLE_ID.
fn type_role(t: i32, role: Option<i32>) -> Result<(BusinessType, i32), openhouse_domain::Error> {
    let t = BusinessType::parse(t)?;
    let role = t.role(role.filter(|r| *r != -1))?;
    Ok((t, role))
}

/// Get Assign Member List
///
/// The members leads of the type can be routed to: agents (and admins) for AGENT_LEAD, with
/// the team's lead ponds (type 3); lenders for LENDER_LEAD; assistants for ASSISTANT_LEAD.
/// Company admins only (PERMISSION_DENIED otherwise). The contract answers with one
/// `AssignMember`: the first of the list (by id; 404 RESOURCE_NOT_EXIST when there is none). In
/// the `published` wire mode (`X-Openhouse-Wire: published`): every one, as an array.
#[utoipa::path(
    get,
    path = "/v1.0/routing/member/list/{type}",
    tag = "LeadRouting",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)"), RoleParams),
    responses((status = 200, description = "The first member (published mode: every one)", body = AssignMember), Errors)
)]
pub async fn member_list(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiQuery(q): ApiQuery<RoleParams>,
) -> ApiResult<(Extension<Items>, Json<AssignMember>)> {
    let (t, role) = type_role(t, q.role_id)?;
    first_of(
        state.store.routing_members(&who, t, role).await?,
        "assign member",
    )
}

/// Get Assign Role List
///
/// The roles ASSISTANT_LEAD rules assign (their ids are the `roleId` of the routing operations).
/// The contract answers with one `AssignRole`: the first (`{"id": 4, "name": "Assistant"}`). In
/// the `published` wire mode: every one, as an array.
#[utoipa::path(
    get,
    path = "/v1.0/routing/role/list",
    tag = "LeadRouting",
    responses((status = 200, description = "The first role (published mode: every one)", body = AssignRole), Errors)
)]
pub async fn role_list(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<(Extension<Items>, Json<AssignRole>)> {
    first_of(state.store.routing_roles(&who).await?, "assign role")
}

/// Get Routing List
///
/// The rules of a type in the order they are tried: the first that matches a new lead routes
/// it. `assignGroupId`, `priority` and `roleId` are openhouse's additions to RoutingRule. The
/// contract answers with one `RoutingRule`: the first by priority, the one a new lead is tried
/// against first (404 RESOURCE_NOT_EXIST when the type has no rule). In the `published` wire
/// mode (`X-Openhouse-Wire: published`): every rule by priority, as an array (`[]` for none).
/// `PUT /v1.0/routing/rule-order/{type}` (openhouse's) answers with the whole list in both.
#[utoipa::path(
    get,
    path = "/v1.0/routing/rule/list/{type}",
    tag = "LeadRouting",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)"), RoleParams),
    responses((status = 200, description = "The first rule by priority (published mode: every rule, by priority)", body = RoutingRule), Errors)
)]
pub async fn rule_list(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiQuery(q): ApiQuery<RoleParams>,
) -> ApiResult<(Extension<Items>, Json<RoutingRule>)> {
    let (t, role) = type_role(t, q.role_id)?;
    first_of(
        state.store.routing_rules(&who, t, role).await?,
        "routing rule",
    )
}

/// Get default rule
///
/// What happens to a lead of the type no rule matches (`strategyType` 0: nothing set, such
/// leads stay unassigned).
#[utoipa::path(
    get,
    path = "/v1.0/routing/rule/supplement/{type}",
    tag = "LeadRouting",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)"), RoleParams),
    responses((status = 200, description = "The default rule", body = SupplementRoutingRule), Errors)
)]
pub async fn get_supplement(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiQuery(q): ApiQuery<RoleParams>,
) -> ApiResult<Json<SupplementRoutingRule>> {
    let (t, role) = type_role(t, q.role_id)?;
    Ok(Json(state.store.routing_default(&who, t, role).await?))
}

/// Edit default routing rule
///
/// Next_Up and BLAST_ALERT are not for ASSISTANT_LEAD; DEFAULT_ASSIGNEE takes exactly one of
/// `assigneeAgentId` and (AGENT_LEAD only) `assigneeGroupId`, an office whose members then take
/// turns; `touchMinutes` is 1-60 or a multiple of 60 up to 1440.
#[utoipa::path(
    put,
    path = "/v1.0/routing/rule/supplement/{type}",
    tag = "LeadRouting",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)")),
    request_body = SupplementRoutingRuleRequest,
    responses((status = 200, description = "ok", body = String), Errors)
)]
pub async fn edit_supplement(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiJson(req): ApiJson<SupplementRoutingRuleRequest>,
) -> ApiResult<Json<String>> {
    let t = BusinessType::parse(t)?;
    state.store.set_routing_default(&who, t, &req).await?;
    Ok(Json("ok".into()))
}

/// Edit routing rule
///
/// Sets a rule's active hours and strategy (what is not sent stays). Active days are 1
/// (Monday) to 7, hours 0-23, read in the team's routing time zone; Lead Pond is for
/// AGENT_LEAD only, Next Up and Blast Alert not for ASSISTANT_LEAD; `memberWeights` name
/// members routable for the type.
#[utoipa::path(
    put,
    path = "/v1.0/routing/rule/{type}",
    tag = "LeadRouting",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)")),
    request_body = RoutingRuleRequest,
    responses((status = 200, description = "ok", body = String), Errors)
)]
pub async fn edit_rule(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiJson(req): ApiJson<RoutingRuleRequest>,
) -> ApiResult<Json<String>> {
    let t = BusinessType::parse(t)?;
    state.store.edit_routing_rule(&who, t, &req).await?;
    Ok(Json("ok".into()))
}

/// Add a routing rule (openhouse)
///
/// openhouse's own: the contract has no way to make a rule. Takes a RoutingRule without `id`;
/// `priority` places it (default: last), `assignGroupId` scopes it (-1, the default: the
/// company; or an office), `roleId` (4) for ASSISTANT_LEAD. Answers the rule as listed.
#[utoipa::path(
    post,
    path = "/v1.0/routing/rule/{type}",
    tag = "LeadRouting (openhouse)",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)")),
    request_body = RoutingRule,
    responses((status = 200, description = "The new rule", body = RoutingRule), Errors)
)]
pub async fn add_rule(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiJson(req): ApiJson<RoutingRule>,
) -> ApiResult<Json<RoutingRule>> {
    let (t, role) = type_role(t, req.role_id)?;
    Ok(Json(
        state.store.add_routing_rule(&who, t, role, &req).await?,
    ))
}

/// Delete a routing rule (openhouse)
#[utoipa::path(
    delete,
    path = "/v1.0/routing/rule/{type}/{ruleId}",
    tag = "LeadRouting (openhouse)",
    params(
        ("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)"),
        ("ruleId" = i64, Path, description = "The rule")
    ),
    responses((status = 200, description = "ok", body = String), Errors)
)]
pub async fn delete_rule(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath((t, id)): ApiPath<(i32, i64)>,
) -> ApiResult<Json<String>> {
    let t = BusinessType::parse(t)?;
    state.store.remove_routing_rule(&who, t, id).await?;
    Ok(Json("ok".into()))
}

/// Order the routing rules (openhouse)
///
/// Every rule of the type (and role) once, in the order they are to be tried. Answers the
/// rules in their new order.
#[utoipa::path(
    put,
    path = "/v1.0/routing/rule-order/{type}",
    tag = "LeadRouting (openhouse)",
    params(("type" = i32, Path, description = "Routing type:AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)"), RoleParams),
    request_body = RoutingOrderRequest,
    responses((status = 200, description = "The rules, by priority", body = Vec<RoutingRule>), Errors)
)]
pub async fn order_rules(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(t): ApiPath<i32>,
    ApiQuery(q): ApiQuery<RoleParams>,
    ApiJson(req): ApiJson<RoutingOrderRequest>,
) -> ApiResult<Json<Vec<RoutingRule>>> {
    let (t, role) = type_role(t, q.role_id)?;
    Ok(Json(
        state
            .store
            .order_routing_rules(&who, t, role, &req.rule_ids)
            .await?,
    ))
}

/// Routing settings (openhouse)
///
/// The IANA time zone rules' active hours are read in (default America/Los_Angeles).
#[utoipa::path(
    get,
    path = "/v1.0/routing/settings",
    tag = "LeadRouting (openhouse)",
    responses((status = 200, description = "The settings", body = RoutingSettings), Errors)
)]
pub async fn get_settings(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<RoutingSettings>> {
    Ok(Json(state.store.routing_settings(&who).await?))
}

/// Set the routing settings (openhouse)
#[utoipa::path(
    put,
    path = "/v1.0/routing/settings",
    tag = "LeadRouting (openhouse)",
    request_body = RoutingSettings,
    responses((status = 200, description = "The settings", body = RoutingSettings), Errors)
)]
pub async fn set_settings(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<RoutingSettings>,
) -> ApiResult<Json<RoutingSettings>> {
    Ok(Json(state.store.set_routing_settings(&who, &req).await?))
}

/// Open offers (openhouse)
///
/// Leads Next Up or Blast Alert offer to the caller and no one has claimed yet (admins: all
/// of the team's).
#[utoipa::path(
    get,
    path = "/v1.0/routing/offers",
    tag = "LeadRouting (openhouse)",
    responses((status = 200, description = "The open offers", body = Vec<RoutingOffer>), Errors)
)]
pub async fn list_offers(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<RoutingOffer>>> {
    Ok(Json(state.store.routing_offers(&who).await?))
}

/// Claim an offered lead (openhouse)
///
/// The caller takes a lead offered to them: they become its agent (lender, assistant). Of two
/// claims at once exactly one wins; the other, like a claim of a lead not offered to the caller
/// (any more), is a 409. A note or a logged call, email or text by the offered member on the
/// lead claims it too.
#[utoipa::path(
    post,
    path = "/v1.0/routing/offers/{leadId}/claim",
    tag = "LeadRouting (openhouse)",
    params(("leadId" = i64, Path, description = "The offered lead")),
    responses(
        (status = 200, description = "ok", body = String),
        (status = 409, description = "The lead is not offered to the caller (any more)", body = openhouse_api::ErrorBody),
        Errors
    )
)]
pub async fn claim(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
) -> ApiResult<Json<String>> {
    state.store.claim_lead(&who, lead_id).await?;
    Ok(Json("ok".into()))
}
