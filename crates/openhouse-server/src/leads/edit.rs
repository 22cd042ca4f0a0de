use axum::Json;
use axum::extract::State;
use openhouse_api::{EditLeadRequest, LeadIdResponse};
use openhouse_domain::lead::LeadPatch;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

/// Edit a lead
///
/// Only the fields sent change. `tags` replaces the lead's tags, `tagsAdd` adds to them.
/// A `property` with an `id` updates that property of the lead (200108 LEAD_PROPERTY_NOT_EXIST
/// if it is not the lead's); without one it merges by address or adds a property.
#[utoipa::path(
    put,
    path = "/v1.0/leads/{leadId}",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "The ID of the lead to update.")),
    request_body = EditLeadRequest,
    responses((status = 200, description = "The edited lead's id", body = LeadIdResponse), Errors)
)]
pub async fn edit_lead(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(req): ApiJson<EditLeadRequest>,
) -> ApiResult<Json<LeadIdResponse>> {
    let patch = LeadPatch::from_edit(&req)?;
    state.store.edit_lead(&who, lead_id, &patch).await?;
    Ok(Json(LeadIdResponse { lead_id }))
}
