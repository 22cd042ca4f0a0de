use axum::Json;
use axum::extract::State;
use openhouse_api::{LeadTransaction, LeadTransactionPropertyAddress};
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

/// Add a transaction
///
/// Adds a transaction to a lead the caller may see. `transactionName` is required (not blank,
/// no '<' or '>': 200062); `transactionType` defaults to Purchase and `transactionStatus` to
/// the first stage of its pipeline (another stage: 200125); amounts are not negative, dates
/// are epoch milliseconds; commissions are checked (20012), custom fields against the team's.
/// `transactionId`, `created`, `updated`, `leadName` and `assignedAgent` are ignored. Answers
/// the transaction as stored (the contract says `string`).
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/transaction",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = LeadTransaction,
    responses((status = 200, description = "The new transaction", body = LeadTransaction), Errors)
)]
pub async fn create_transaction(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(sent): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<LeadTransaction>> {
    let (lead, t) = state.store.create_transaction(&who, lead_id, &sent).await?;
    Ok(Json(t.show(&lead)))
}

/// Update a transaction
///
/// Changes the fields sent and nothing else (`null` or `""` is not sent, as everywhere in the
/// API: the field stays as it was). `customFields` and
/// `commissions`, when sent, replace the transaction's (send a commission line's `id` back to
/// keep it). The rules of creation apply to the result. Answers the transaction as stored (the
/// contract says `string`).
#[utoipa::path(
    put,
    path = "/v1.0/leads/{leadId}/transaction/{transactionId}",
    tag = "Leads",
    params(
        ("leadId" = i64, Path, description = "leadId"),
        ("transactionId" = i64, Path, description = "transactionId"),
    ),
    request_body = LeadTransaction,
    responses((status = 200, description = "The transaction", body = LeadTransaction), Errors)
)]
pub async fn edit_transaction(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath((lead_id, id)): ApiPath<(i64, i64)>,
    ApiJson(sent): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<LeadTransaction>> {
    let (lead, t) = state
        .store
        .edit_transaction(&who, lead_id, id, &sent)
        .await?;
    Ok(Json(t.show(&lead)))
}

/// Update address of transaction's property
///
/// Replaces the address of the property of the lead's transaction `transactionId` (required,
/// in the body): fields left out are cleared; at least one of city, state, zipCode,
/// streetAddress (200057). Answers the address as stored (the contract says `string`).
#[utoipa::path(
    post,
    path = "/v1.0/leads/{leadId}/transaction/property/address",
    tag = "Leads",
    params(("leadId" = i64, Path, description = "leadId")),
    request_body = LeadTransactionPropertyAddress,
    responses((status = 200, description = "The address", body = LeadTransactionPropertyAddress), Errors)
)]
pub async fn set_property_address(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(lead_id): ApiPath<i64>,
    ApiJson(address): ApiJson<LeadTransactionPropertyAddress>,
) -> ApiResult<Json<LeadTransactionPropertyAddress>> {
    let (_, t) = state
        .store
        .set_transaction_address(&who, lead_id, &address)
        .await?;
    Ok(Json(LeadTransactionPropertyAddress {
        transaction_id: Some(t.id),
        ..t.doc.property_address.unwrap_or_default()
    }))
}
