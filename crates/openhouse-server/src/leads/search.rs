//! `GET /v1.0/leads`, `/v1.0/leads/createTime` and `/v1.0/leads/updateTime`: one search, three
//! sets of parameters.

use axum::Json;
use axum::extract::State;
use openhouse_api::{LeadListResponse, MetaData};
use openhouse_domain::auth::Principal;
use openhouse_domain::search::{self, LeadFilter, LeadQuery, LeadSort, ScrollOwner};
use openhouse_domain::{Error, time};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;

/// List values come as repeated parameters (`anyTags=a&anyTags=b`) or comma-separated
/// (`anyTags=a,b`), or both.
fn list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Search for leads with all these tag names.
    pub all_tags: Vec<String>,
    /// Search for leads with any of these tag names.
    pub any_tags: Vec<String>,
    /// Search for leads assigned to this user (-1: any; 0: unassigned).
    pub assigned_user_id: Option<i64>,
    /// Search for leads by whether they have been contacted.
    pub contacted: Option<bool>,
    /// Descending sort (true, the default) or ascending (false).
    pub desc: Option<bool>,
    /// Search by email address (exact with preciseSearchFlag, else contains).
    pub email: Option<String>,
    /// Search for leads by office ids.
    pub group_ids: Vec<i64>,
    /// Search for leads by group names (deprecated: use segments).
    pub groups: Vec<String>,
    /// Search for leads with any of these languages (abbreviations).
    pub languages: Vec<String>,
    /// Page size, range [1, 100], default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Start index of the page (default 0; -1 also means 0).
    #[param(minimum = -1)]
    pub offset: Option<i64>,
    /// Search by phone number (digits compared; exact with preciseSearchFlag, else contains).
    pub phone: Option<String>,
    /// Whether email and phone must match exactly.
    pub precise_search_flag: Option<bool>,
    /// Include leads of sub-offices of groupIds (default true).
    pub query_sub_group: Option<bool>,
    /// The scrollId of the previous page: continues that search after its last lead.
    pub scroll_id: Option<String>,
    /// Search for leads by segment names.
    pub segments: Vec<String>,
    /// Sort order: Default, LastContact, LastCall, LastEmail, LastActivity, CreateTime, Inquries,
    /// DeleteTime, AssignTime, Score, Activity, Communication, HasDrip, HasAlert, Task, Lender,
    /// ActivitySearch, ActivityViews, ActivityFavorites, DripStatus, DripOpenRate,
    /// AlertFrequency, AlertOpenRate, SCOREV2 or SmartPlanStatus.
    pub sort: Option<String>,
    /// Search for leads by source name.
    pub source: Option<String>,
    /// Search for leads by pipeline stage names.
    pub stage: Vec<String>,
}

/// The filters `/createTime` and `/updateTime` share with the main search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct TimeSearchParams {
    /// Search for leads with all these tag names.
    pub all_tags: Vec<String>,
    /// Search for leads with any of these tag names.
    pub any_tags: Vec<String>,
    /// Search for leads by whether they have been contacted.
    pub contacted: Option<bool>,
    /// Search by email address (exact).
    pub email: Option<String>,
    /// Search for leads by group names (deprecated: use segments).
    pub groups: Vec<String>,
    /// Page size, range [1, 100], default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Start index of the page (default 0; -1 also means 0).
    #[param(minimum = -1)]
    pub offset: Option<i64>,
    /// Search by phone number (exact, digits compared).
    pub phone: Option<String>,
    /// The scrollId of the previous page.
    pub scroll_id: Option<String>,
    /// Search for leads by segment names.
    pub segments: Vec<String>,
    /// Search for leads by source name.
    pub source: Option<String>,
    /// Search for leads by stage names.
    pub stage: Vec<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct CreateTimeParam {
    /// Minimum create time, `yyyy-MM-dd HH:mm:ss` read in UTC-7 (default 1900-01-01 00:00:00).
    pub lead_create_time: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct UpdateTimeParam {
    /// Minimum update time, `yyyy-MM-dd HH:mm:ss` read in UTC-7 (default 1900-01-01 00:00:00).
    pub lead_update_time: Option<String>,
}

async fn run(state: &AppState, who: &Principal, q: LeadQuery) -> ApiResult<Json<LeadListResponse>> {
    let page = state.store.search_leads(who, &q).await?;
    let offset = if q.after.is_some() {
        q.served
    } else {
        q.offset
    };
    let served = offset.saturating_add(page.leads.len() as u64);
    let scroll_id = match page.last.filter(|_| served < page.total) {
        Some(last) => Some(q.scroll_id(state.scroll_key().await?, owner(who), last, served)),
        None => None,
    };
    let leads = super::respond(state, who, &page.leads).await?;
    let paging = search::Paging {
        offset,
        limit: q.limit as u64,
    };
    Ok(Json(LeadListResponse {
        metadata: MetaData {
            scroll_id,
            ..paging.metadata("leads", page.total)
        },
        leads,
    }))
}

/// Whom a scroll id is given to: it continues for the same team and user only.
fn owner(who: &Principal) -> ScrollOwner {
    ScrollOwner {
        team_id: who.team_id,
        user_id: who.user_id,
    }
}

/// Parses a scroll id (signed by this server for this caller, else 400), keeping the page size
/// the caller asks for now, if any.
async fn scrolled(
    state: &AppState,
    who: &Principal,
    scroll_id: &Option<String>,
    limit: Option<i64>,
) -> Result<Option<LeadQuery>, Error> {
    match opt_text(scroll_id) {
        Some(id) => {
            let limit = limit
                .map(|l| search::check_limit(Some(l), search::LIMIT_DEFAULT, search::LIMIT_MAX))
                .transpose()?;
            let key = state.scroll_key().await?;
            Ok(Some(LeadQuery::from_scroll_id(
                &id,
                key,
                owner(who),
                limit,
            )?))
        }
        None => Ok(None),
    }
}

/// Search for leads
///
/// Filters combine with AND; list filters match any of their values (allTags: all). Page with
/// `offset`/`limit`, or follow `_metadata.scrollId`: a scroll walks the whole result with no
/// gaps or repeats even while leads are added.
#[utoipa::path(
    get,
    path = "/v1.0/leads",
    tag = "Leads",
    params(SearchParams),
    responses((status = 200, description = "A page of leads", body = LeadListResponse), Errors)
)]
pub async fn search_leads(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<LeadListResponse>> {
    if let Some(q) = scrolled(&state, &who, &p.scroll_id, p.limit).await? {
        return run(&state, &who, q).await;
    }
    let filter = LeadFilter {
        all_tags: list(&p.all_tags),
        any_tags: list(&p.any_tags),
        assigned_user_id: p.assigned_user_id,
        contacted: p.contacted,
        email: opt_text(&p.email),
        phone: opt_text(&p.phone),
        precise: p.precise_search_flag.unwrap_or(false),
        segments: list(&p.segments)
            .into_iter()
            .chain(list(&p.groups))
            .collect(),
        group_ids: p.group_ids.clone(),
        query_sub_group: p.query_sub_group.unwrap_or(true),
        languages: list(&p.languages),
        source: opt_text(&p.source),
        stages: list(&p.stage),
        created_min: None,
        updated_min: None,
    };
    let q = LeadQuery {
        filter,
        sort: match opt_text(&p.sort) {
            Some(s) => LeadSort::parse(&s)?,
            None => LeadSort::Default,
        },
        desc: p.desc.unwrap_or(true),
        limit: search::check_limit(p.limit, search::LIMIT_DEFAULT, search::LIMIT_MAX)?,
        offset: search::check_offset(p.offset)?,
        after: None,
        served: 0,
    };
    run(&state, &who, q).await
}

fn time_query(
    p: &TimeSearchParams,
    sort: LeadSort,
    created_min: Option<i64>,
    updated_min: Option<i64>,
) -> Result<LeadQuery, Error> {
    Ok(LeadQuery {
        filter: LeadFilter {
            all_tags: list(&p.all_tags),
            any_tags: list(&p.any_tags),
            contacted: p.contacted,
            email: opt_text(&p.email),
            phone: opt_text(&p.phone),
            precise: true,
            segments: list(&p.segments)
                .into_iter()
                .chain(list(&p.groups))
                .collect(),
            source: opt_text(&p.source),
            stages: list(&p.stage),
            created_min,
            updated_min,
            ..Default::default()
        },
        sort,
        desc: false,
        limit: search::check_limit(p.limit, search::LIMIT_DEFAULT, search::LIMIT_MAX)?,
        offset: search::check_offset(p.offset)?,
        after: None,
        served: 0,
    })
}

/// Search for leads by create time
///
/// Leads created at or after `leadCreateTime`, oldest first: for incremental synchronisation.
#[utoipa::path(
    get,
    path = "/v1.0/leads/createTime",
    tag = "Leads",
    params(CreateTimeParam, TimeSearchParams),
    responses((status = 200, description = "A page of leads", body = LeadListResponse), Errors)
)]
pub async fn search_by_create_time(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(t): ApiQuery<CreateTimeParam>,
    ApiQuery(p): ApiQuery<TimeSearchParams>,
) -> ApiResult<Json<LeadListResponse>> {
    if let Some(q) = scrolled(&state, &who, &p.scroll_id, p.limit).await? {
        return run(&state, &who, q).await;
    }
    let min = opt_text(&t.lead_create_time)
        .map(|v| time::parse_min_time("leadCreateTime", &v))
        .transpose()?;
    run(
        &state,
        &who,
        time_query(&p, LeadSort::CreateTime, min, None)?,
    )
    .await
}

/// Search for leads by update time
///
/// Leads changed at or after `leadUpdateTime`, least recently changed first.
#[utoipa::path(
    get,
    path = "/v1.0/leads/updateTime",
    tag = "Leads",
    params(UpdateTimeParam, TimeSearchParams),
    responses((status = 200, description = "A page of leads", body = LeadListResponse), Errors)
)]
pub async fn search_by_update_time(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(t): ApiQuery<UpdateTimeParam>,
    ApiQuery(p): ApiQuery<TimeSearchParams>,
) -> ApiResult<Json<LeadListResponse>> {
    if let Some(q) = scrolled(&state, &who, &p.scroll_id, p.limit).await? {
        return run(&state, &who, q).await;
    }
    let min = opt_text(&t.lead_update_time)
        .map(|v| time::parse_min_time("leadUpdateTime", &v))
        .transpose()?;
    run(
        &state,
        &who,
        time_query(&p, LeadSort::UpdateTime, None, min)?,
    )
    .await
}
