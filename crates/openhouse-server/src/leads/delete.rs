use axum::Json;
use axum::extract::State;
use openhouse_api::LeadTrashResponse;
use openhouse_domain::Error;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteLeadParams {
    /// The reason to trash this lead.
    pub reason: String,
}

/// Delete a lead
///
/// Moves the lead to the trash with the reason given; it is then shown only with `withTrash`.
#[utoipa::path(
    delete,
    path = "/v1.0/leads/{leadId}",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "The ID of the lead to trash."), DeleteLeadParams),
    responses((status = 200, description = "The lead is in the trash", body = LeadTrashResponse), Errors)
)]
pub async fn delete_lead(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DeleteLeadParams>,
) -> ApiResult<Json<LeadTrashResponse>> {
    let reason = params.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason is required").into());
    }
    if reason.chars().count() > 1000 {
        return Err(Error::too_long("reason", 1000).into());
    }
    state.store.trash_lead(&who, lead_id, reason).await?;
    Ok(Json(LeadTrashResponse {
        deleted: true,
        lead_id: lead_id.to_string(),
    }))
}
