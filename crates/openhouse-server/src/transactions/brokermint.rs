use axum::Json;
use axum::extract::State;
use openhouse_api::{BrokermintResponse, Contacts, IncomingTransaction};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller};
use crate::openapi::Errors;

/// Edit a lead from brokermint
///
/// Upserts the contact as a lead: the lead an earlier call linked to `externalId`, else the
/// most recently changed lead (that the caller may see) with `email`, else a new lead
/// (`firstName` required; assigned to the caller; PERSONAL unless `bmPrivate` is false). Blank
/// fields count as not sent; email and phone are added to the lead's. The same call again
/// changes nothing (`message` unchanged). Answers what it did (the contract says `string`).
#[utoipa::path(
    put,
    path = "/v1.0/brokermint/lead",
    tag = "Leads",
    request_body = Contacts,
    responses((status = 200, description = "What the call did", body = BrokermintResponse), Errors)
)]
pub async fn sync_contact(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(c): ApiJson<Contacts>,
) -> ApiResult<Json<BrokermintResponse>> {
    let (lead_id, outcome) = state.store.brokermint_contact(&who, &c).await?;
    Ok(Json(BrokermintResponse {
        code: 0,
        message: outcome.as_str().into(),
        lead_id,
        transaction_id: None,
    }))
}

/// Update a transaction from brokermint
///
/// Upserts the transaction by its `id` (required): the transaction an earlier call made for
/// that Brokermint id, else the openhouse transaction with that id, else a new one on the
/// agent's lead (`agentId`, default the caller: their most recently changed lead that came from
/// Brokermint; none: 404 20006). `price` is homePrice, `closedAt` closeDate, `closingDate`
/// expectedCloseDate, `expirationDate` expiration, `acceptanceDate` contractDate; `address`,
/// `city`, `state`, `zip` overwrite those of the property address; `status` Closed or Cancelled
/// moves the transaction to that stage; `agentId` becomes its assignedAgent. The same call
/// again changes nothing. Answers what it did (the contract says `string`).
#[utoipa::path(
    put,
    path = "/v1.0/brokermint/transaction",
    tag = "Leads",
    request_body = IncomingTransaction,
    responses((status = 200, description = "What the call did", body = BrokermintResponse), Errors)
)]
pub async fn sync_transaction(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(t): ApiJson<IncomingTransaction>,
) -> ApiResult<Json<BrokermintResponse>> {
    let (lead, t, outcome) = state.store.brokermint_transaction(&who, &t).await?;
    Ok(Json(BrokermintResponse {
        code: 0,
        message: outcome.as_str().into(),
        lead_id: lead.id,
        transaction_id: Some(t.id),
    }))
}
