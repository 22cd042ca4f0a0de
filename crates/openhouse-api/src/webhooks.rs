//! Webhooks (section 5.12), and openhouse's own additions: a subscription's signing secret, its
//! delivery log and redelivery.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of `POST /v1.0/webhook`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
    /// The url link that you receive information. Must be `https` and must not resolve to a
    /// loopback, private, link-local or other internal address (unless the server runs with
    /// `--webhook-allow-private`).
    #[schema(example = "https://example.com/webhooks/lofty")]
    pub callback_url: String,
    /// Limitation of webhook notifications in 30 mins for each, max is 5000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 100, minimum = 1, maximum = 5000)]
    pub limit: Option<i32>,
    /// The list that you want to subscribe. ListId: agent info(1), lead info(2), lead
    /// activity(3), alert(4), transaction(5), call(6), email(7), text(8), note(9), task(10),
    /// appointment(11), changePipeline(12)
    #[schema(example = 2, minimum = 1, maximum = 12)]
    pub list_id: i32,
    /// Recipient resolution mode: `0` (default) = leads assigned to the subscribing user, or
    /// every lead for company owners/admins; `1` = also every lead in the subscriber's ownership
    /// scope (team, office, personally owned). From Lofty's published document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 0, minimum = 0, maximum = 1)]
    pub permission_mode: Option<i32>,
}

/// A subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookResponse {
    /// The url link that you receive information
    pub callback_url: String,
    /// Limitation of webhook notifications in 30 mins for each, max is 5000
    pub limit: i32,
    /// The ID of the list
    pub list_id: i32,
    /// Recipient resolution mode (0 or 1), as given at subscription.
    pub permission_mode: i32,
    /// the subscribe id
    pub subscribe_id: i64,
    /// The ID of the team
    pub team_id: i64,
    /// The ID of the vendor: the app the subscribing credential was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<i64>,
    /// openhouse: the secret that signs this subscription's deliveries (Standard Webhooks,
    /// `whsec_…`). Returned once, in the answer to `POST /v1.0/webhook`; keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAttempt {
    /// When it was made (epoch milliseconds).
    pub time: i64,
    /// The receiver's HTTP status; 0 when there was none (timeout, refused connection).
    pub status: i32,
    /// What went wrong, when something did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// openhouse: one event's delivery to a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// The event (the same `eventId` as in the payload).
    pub event_id: i64,
    /// The event type (`lead.created`, ...).
    pub event_type: String,
    /// `pending` (waiting or retrying), `delivered`, or `failed` (retried for 24 hours without
    /// a 2xx; redeliver to try again).
    pub status: String,
    pub attempts: i32,
    /// The receiver's last HTTP status (0: none yet, or no answer).
    pub last_status: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the next attempt is due (epoch milliseconds), while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<i64>,
    /// When the event happened (epoch milliseconds).
    pub create_time: i64,
    /// When it was delivered or given up (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_time: Option<i64>,
    /// Every attempt (the first ten and the latest forty when there were more).
    pub history: Vec<WebhookAttempt>,
}

/// openhouse: a subscription's deliveries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
}
