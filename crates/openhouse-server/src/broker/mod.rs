//! Broker accounts (section 5.14), vendors (section 5.11.1) and opportunity notifications
//! (section 5.17).

use axum::Json;
use axum::extract::State;
use openhouse_api::{
    BrokerTeam, BrokerTeamCreated, BrokerTeamRemoved, NotificationStatus, OauthTokenInfo,
    OpportunityNotificationRequest, SendNotificationResponse, VendorInfo,
};
use openhouse_domain::people::role_name;
use openhouse_store::people::{ChildTeam, NewNotification};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::openapi::Errors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_team))
        .routes(routes!(remove_team))
        .routes(routes!(vendor_list))
        .routes(routes!(token_info_by_old_key))
        .routes(routes!(send_notification))
}

/// Create team under the broker account
///
/// Makes a team under the caller's team (admins of a team that is not itself under a broker),
/// with its admin and a seat limit that adding members respects. Answers the new admin's
/// credentials, once. The teams of one broker see nothing of each other.
#[utoipa::path(
    post,
    path = "/v1.0/broker/team",
    tag = "Broker",
    request_body = BrokerTeam,
    responses((status = 200, description = "The new team", body = BrokerTeamCreated), Errors)
)]
pub async fn create_team(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(b): ApiJson<BrokerTeam>,
) -> ApiResult<Json<BrokerTeamCreated>> {
    let t = state
        .store
        .create_child_team(
            &who,
            &ChildTeam {
                name: b.team_name,
                admin_email: b.email,
                admin_first_name: b.first_name,
                admin_last_name: b.last_name,
                admin_phone: b.phone,
                seat_limit: b.seat_limit,
            },
        )
        .await?;
    Ok(Json(BrokerTeamCreated {
        team_id: t.team_id,
        user_id: t.user_id,
        api_key: t.api_key,
        access_token: t.access_token,
        vendor_key: t.vendor_key,
    }))
}

/// Remove team from the broker account
///
/// The team's credentials stop working at once. Only a team of the caller's broker account.
#[utoipa::path(
    delete,
    path = "/v1.0/broker/team/{id}",
    tag = "Broker",
    params(("id" = i64, Path, description = "The team's id")),
    responses((status = 200, description = "Removed", body = BrokerTeamRemoved), Errors)
)]
pub async fn remove_team(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BrokerTeamRemoved>> {
    state.store.remove_child_team(&who, id).await?;
    Ok(Json(BrokerTeamRemoved {
        deleted: true,
        team_id: id,
    }))
}

/// query vendor info
///
/// The apps connected to the caller's team (its vendor keys), with the member who connected each.
#[utoipa::path(
    get,
    path = "/v1.0/vendor/list",
    tag = "Vendor",
    responses((status = 200, description = "The team's vendors", body = Vec<VendorInfo>), Errors)
)]
pub async fn vendor_list(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<VendorInfo>>> {
    let vendors = state.store.vendors(&who).await?;
    Ok(Json(
        vendors
            .into_iter()
            .map(|v| {
                let u = v.user.as_ref();
                VendorInfo {
                    agent_user_id: u.map(|m| m.user.id),
                    company_address: None,
                    company_name: v.name,
                    email: u.map(|m| m.user.email.clone()),
                    first_name: u.map(|m| m.user.first_name.clone()),
                    id: v.id,
                    last_name: u.and_then(|m| m.user.last_name.clone()),
                    phone_code: u.and_then(|m| m.doc.phone_code.clone()),
                    phone_country: u.and_then(|m| m.doc.phone_country.clone()),
                    phone_number: u.and_then(|m| m.user.phone.clone()),
                    role_name: u.map(|m| role_name(m.role).to_string()),
                }
            })
            .collect(),
    ))
}

/// get oauth token info by old apikey
///
/// Exchanges the calling API key (`Authorization: token <key>`) for OAuth tokens of the app
/// whose `vendorKey` the request carries (header or query parameter; an app of the caller's
/// team, made with `openhouse app create`): an access token (`Authorization: Bearer`, one hour)
/// and a refresh token (90 days) for `POST /oauth/token` with `grant_type=refresh_token`.
/// Without such a vendor key: 403 200100 VENDOR_HAS_NO_PERMISSION.
#[utoipa::path(
    get,
    path = "/v1.0/vendor/oauth/token-info/byold",
    tag = "Vendor",
    params(("vendorKey" = Option<String>, Query, description = "The app's vendor key (or the vendorKey header)")),
    responses((status = 200, description = "The tokens", body = OauthTokenInfo), Errors)
)]
pub async fn token_info_by_old_key(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: axum::http::HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> ApiResult<Json<OauthTokenInfo>> {
    let key = crate::gate::vendor_key_of(&headers, query.as_deref());
    let pair = state.store.token_for_old_key(&who, key.as_deref()).await?;
    Ok(Json(OauthTokenInfo {
        refresh_token: Some(pair.refresh_token),
        refresh_token_expire_time: Some(openhouse_domain::time::java_date(
            pair.refresh_expire_time,
        )),
        token: Some(pair.access_token),
        token_expire_time: Some(openhouse_domain::time::java_date(pair.access_expire_time)),
    }))
}

/// sendOpportunityNotification
///
/// Stores a notification for the agent assigned to a lead the caller can see, and notes it in the
/// lead's system log. `data` is false when the lead has no agent. An unknown `notificationType`
/// is a 400.
#[utoipa::path(
    post,
    path = "/v1.0/agent/send-notification",
    tag = "Opportunity",
    request_body = OpportunityNotificationRequest,
    responses((status = 200, description = "Done", body = SendNotificationResponse), Errors)
)]
pub async fn send_notification(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<OpportunityNotificationRequest>,
) -> ApiResult<Json<SendNotificationResponse>> {
    let sent = state
        .store
        .notify_agent(
            &who,
            &NewNotification {
                lead_id: r.lead_id,
                notification_type: r.notification_type,
                message: r.message,
                description: r.description,
                link: r.link,
            },
        )
        .await?;
    Ok(Json(SendNotificationResponse {
        status: NotificationStatus {
            code: 0,
            msg: "success".into(),
        },
        data: sent,
    }))
}
