//! The webhook operations of the API (5.12), and openhouse's delivery log and redelivery.

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    WebhookAttempt, WebhookDelivery, WebhookDeliveryList, WebhookRequest, WebhookResponse,
};
use openhouse_domain::{Error, time};
use openhouse_store::jobs;
use openhouse_store::webhooks::{NewSubscription, Subscription};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::signing;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::openapi::Errors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(list_webhooks))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
}

fn response(s: Subscription, secret: bool) -> WebhookResponse {
    WebhookResponse {
        callback_url: s.callback_url,
        limit: s.limit,
        list_id: s.list_id,
        permission_mode: s.permission_mode,
        subscribe_id: s.id,
        team_id: s.team_id,
        vendor_id: s.vendor_id,
        secret: secret.then_some(s.secret),
    }
}

/// add a new webhook
///
/// Subscribes the caller to a list of events of their team. The answer carries, this once,
/// the `secret` that signs the subscription's deliveries (openhouse's addition). A bad
/// `listId` (WEBHOOK_TYPE_ERROR), a callback URL that is not https or resolves to an internal
/// address (WEBHOOK_CALLBACK_URL_INVALID), a `limit` outside 1-5000, or a team at its
/// subscription quota (WEBHOOK_EXCEED_LIMIT) is a 400 and stores nothing.
#[utoipa::path(
    post,
    path = "/v1.0/webhook",
    tag = "Webhooks",
    request_body = WebhookRequest,
    responses((status = 200, description = "The subscription, with its signing secret", body = WebhookResponse), Errors)
)]
pub async fn add_webhook(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(req): ApiJson<WebhookRequest>,
) -> ApiResult<Json<WebhookResponse>> {
    if !(1..=12).contains(&req.list_id) {
        return Err(Error::invalid("WEBHOOK_TYPE_ERROR: listId must be one of 1 to 12").into());
    }
    let limit = req.limit.unwrap_or(100);
    if !(1..=5000).contains(&limit) {
        return Err(Error::limit_not_valid(1, 5000).into());
    }
    let permission_mode = req.permission_mode.unwrap_or(0);
    if !(0..=1).contains(&permission_mode) {
        return Err(Error::invalid("permissionMode must be 0 or 1").into());
    }
    let hooks = &state.webhooks;
    let url = hooks
        .targets
        .check(&req.callback_url)
        .await
        .map_err(|r| Error::invalid(format!("WEBHOOK_CALLBACK_URL_INVALID: {r}")))?;
    let s = state
        .store
        .add_subscription(
            &who,
            NewSubscription {
                list_id: req.list_id,
                callback_url: url.to_string(),
                limit,
                permission_mode,
                secret: signing::new_secret(),
            },
            hooks.config.max_subscriptions,
            time::now_ms(),
        )
        .await?;
    Ok(Json(response(s, true)))
}

/// Delete a webhook
///
/// Another team's subscription does not exist (404). Deliveries not yet made are not made.
#[utoipa::path(
    delete,
    path = "/v1.0/webhook/{subscribeId}",
    tag = "Webhooks",
    params(("subscribeId" = i64, Path, description = "The subscribeId of the webhook to delete")),
    responses((status = 200, description = "The subscription is deleted"), Errors)
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<()> {
    state.store.remove_subscription(&who, id).await?;
    Ok(())
}

/// get all webhook from current team
#[utoipa::path(
    get,
    path = "/v1.0/webhooks",
    tag = "Webhooks",
    responses((status = 200, description = "The team's subscriptions, oldest first (without their secrets)", body = Vec<WebhookResponse>), Errors)
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<WebhookResponse>>> {
    let subs = state.store.subscriptions(&who).await?;
    Ok(Json(subs.into_iter().map(|s| response(s, false)).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// At most this many (1-500, default 50).
    pub limit: Option<i64>,
    /// Skip this many of the newest.
    pub offset: Option<i64>,
}

/// A subscription's deliveries
///
/// openhouse's own: each event sent (or to be sent) to the subscription, newest first, with
/// its attempts, the receiver's status codes, the last error and when the next attempt is due.
#[utoipa::path(
    get,
    path = "/v1.0/webhook/{subscribeId}/deliveries",
    tag = "Webhooks (openhouse)",
    params(("subscribeId" = i64, Path, description = "The subscription"), DeliveryParams),
    responses((status = 200, description = "The deliveries", body = WebhookDeliveryList), Errors)
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<DeliveryParams>,
) -> ApiResult<Json<WebhookDeliveryList>> {
    let page = openhouse_domain::search::Paging::by_offset(p.limit, p.offset, 50, 500)?;
    let rows = state
        .store
        .deliveries(&who, id, page.limit, page.offset)
        .await?;
    let deliveries = rows
        .into_iter()
        .map(|(r, e)| WebhookDelivery {
            event_id: r.event_id,
            event_type: e
                .map(|e| e.kind.event_type().to_string())
                .unwrap_or_default(),
            status: match r.state {
                jobs::DONE => "delivered",
                jobs::FAILED => "failed",
                _ => "pending",
            }
            .into(),
            attempts: r.attempts,
            last_status: r.last_status,
            last_error: (!r.last_error.is_empty()).then_some(r.last_error),
            next_attempt: (r.state == jobs::PENDING).then_some(r.run_at),
            create_time: r.create_time,
            done_time: (r.done_time > 0).then_some(r.done_time),
            history: r
                .history
                .into_iter()
                .map(|a| WebhookAttempt {
                    time: a.time,
                    status: a.status,
                    error: (!a.error.is_empty()).then_some(a.error),
                    duration_ms: a.duration_ms,
                })
                .collect(),
        })
        .collect();
    Ok(Json(WebhookDeliveryList { deliveries }))
}

/// Redeliver an event
///
/// openhouse's own: sends a subscription's delivery of an event again, now, and retries it for
/// another 24 hours (a failed one, or one already delivered). 404 when the subscription has no
/// delivery of that event.
#[utoipa::path(
    post,
    path = "/v1.0/webhook/{subscribeId}/deliveries/{eventId}/redeliver",
    tag = "Webhooks (openhouse)",
    params(
        ("subscribeId" = i64, Path, description = "The subscription"),
        ("eventId" = i64, Path, description = "The event"),
    ),
    responses((status = 200, description = "The delivery is due again"), Errors)
)]
pub async fn redeliver(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
) -> ApiResult<()> {
    let hooks = &state.webhooks;
    state
        .store
        .redeliver(&who, id, event_id, hooks.config.rules, time::now_ms())
        .await?;
    hooks.deliver.notify_one();
    Ok(())
}
