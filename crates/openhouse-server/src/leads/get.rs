use axum::Json;
use axum::extract::State;
use openhouse_api::LeadResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct GetLeadParams {
    /// Whether to include a lead in the trash.
    pub with_trash: Option<bool>,
}

/// Retrieve a lead by Id
#[utoipa::path(
    get,
    path = "/v1.0/leads/{leadId}",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "The ID of the lead to get."), GetLeadParams),
    responses((status = 200, description = "The lead", body = LeadResponse), Errors)
)]
pub async fn get_lead(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<GetLeadParams>,
) -> ApiResult<Json<LeadResponse>> {
    let lead = state
        .store
        .get_lead(&who, lead_id, params.with_trash.unwrap_or(false))
        .await?;
    let mut shown = super::respond(&state, &who, &[lead]).await?;
    Ok(Json(shown.remove(0)))
}
