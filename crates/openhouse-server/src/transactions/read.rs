use axum::Json;
use axum::extract::State;
use openhouse_api::{CustomFieldResponse, LeadTransaction, LeadTransactionPropertyAddress};
use openhouse_domain::Error;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiPath, Caller};
use crate::openapi::Errors;

/// query transaction by leadId AND transactionId
///
/// A transaction of a lead the caller may see. A transaction of another lead (or none) is
/// 404 200060 TRANSACTION_NOT_EXIST; a lead the caller cannot see, or one in the trash, 404
/// 20006 LEAD_NOT_EXIST.
#[utoipa::path(
    get,
    path = "/v1.0/leads/{leadId}/transaction/{transactionId}",
    tag = "Leads",
    params(
        ("leadId" = i64, Path, description = "leadId"),
        ("transactionId" = i64, Path, description = "transactionId"),
    ),
    responses((status = 200, description = "The transaction", body = LeadTransaction), Errors)
)]
pub async fn get_transaction(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath((lead_id, id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<LeadTransaction>> {
    let (lead, t) = state.store.lead_transaction(&who, lead_id, id).await?;
    Ok(Json(t.show(&lead)))
}

/// query transactions by leadId
///
/// The lead's transactions, newest first.
#[utoipa::path(
    get,
    path = "/v1.0/leads/{leadId}/transactions",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    responses((status = 200, description = "The lead's transactions", body = Vec<LeadTransaction>), Errors)
)]
pub async fn list_transactions(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
) -> ApiResult<Json<Vec<LeadTransaction>>> {
    let (lead, list) = state.store.lead_transactions(&who, lead_id).await?;
    Ok(Json(list.iter().map(|t| t.show(&lead)).collect()))
}

/// Query address of transaction's property by transactionId
///
/// The address set with POST /v1.0/leads/{leadId}/transaction/property/address (or by
/// Brokermint); none set yet: 404 20007 RESOURCE_NOT_EXIST.
#[utoipa::path(
    get,
    path = "/v1.0/leads/{leadId}/transaction/{transactionId}/property/address",
    tag = "Leads",
    params(
        ("leadId" = i64, Path, description = "leadId"),
        ("transactionId" = i64, Path, description = "transactionId"),
    ),
    responses((status = 200, description = "The address", body = LeadTransactionPropertyAddress), Errors)
)]
pub async fn get_property_address(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath((lead_id, id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<LeadTransactionPropertyAddress>> {
    let (_, t) = state.store.lead_transaction(&who, lead_id, id).await?;
    let address = t
        .doc
        .property_address
        .ok_or_else(|| Error::not_found("property address"))?;
    Ok(Json(LeadTransactionPropertyAddress {
        transaction_id: Some(t.id),
        ..address
    }))
}

/// query transaction all custom fields
///
/// The custom fields the team's transactions can carry (`openhouse transaction-field add`
/// defines them), oldest first. Their ids go in LeadTransaction.customFields.
#[utoipa::path(
    get,
    path = "/v1.0/transaction/customfields",
    tag = "Leads",
    responses((status = 200, description = "The team's transaction custom fields", body = Vec<CustomFieldResponse>), Errors)
)]
pub async fn custom_fields(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<CustomFieldResponse>>> {
    let fields = state.store.transaction_custom_fields(who.team_id).await?;
    Ok(Json(fields.iter().map(|f| f.show()).collect()))
}
