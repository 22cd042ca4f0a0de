use axum::Json;
use axum::extract::State;
use openhouse_api::{LeadIdResponse, LeadRequest};
use openhouse_domain::lead::LeadPatch;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CreateLeadParams {
    /// Hide the lead from this vendor's integrations.
    pub hide_vendor_id: Option<i64>,
}

/// Create a new lead
///
/// Lead routing will not be applied unless the leadRouting flag is set to true. When
/// `assignedUserId` is given the lead is assigned to that agent directly. `ownershipScope`
/// defaults to PERSONAL, owned by the caller. A `property` block needs at least one of city,
/// state, zipCode, streetAddress (200057 PROPERTY_ADDRESS_EMPTY otherwise; no lead is created).
/// `content` adds a note to the new lead; `leadTransaction` adds a transaction.
#[utoipa::path(
    post,
    path = "/v1.0/leads",
    tag = "Leads",
    params(CreateLeadParams),
    request_body = LeadRequest,
    responses((status = 200, description = "The new lead's id", body = LeadIdResponse), Errors)
)]
pub async fn create_lead(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(params): ApiQuery<CreateLeadParams>,
    ApiJson(req): ApiJson<LeadRequest>,
) -> ApiResult<Json<LeadIdResponse>> {
    let patch = LeadPatch::from_create(&req, params.hide_vendor_id)?;
    let lead_id = state.store.create_lead(&who, &patch).await?;
    Ok(Json(LeadIdResponse { lead_id }))
}
