//! The base of the OpenAPI document: info, security schemes, and the error responses every
//! operation shares. Operations and schemas are added by the handlers' own annotations.

use std::collections::BTreeMap;

use openhouse_api::{ErrorBody, TooManyRequestsBody};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "openhouse",
        version = "1.0",
        description = "A self-hostable server for the Lofty Open API v1.0. Authenticate with \
            `Authorization: Bearer <accessToken>` or `Authorization: token <apiKey>`; a \
            `vendorKey` header or query parameter selects the higher rate limit."
    ),
    modifiers(&Security),
    security(("bearer" = []), ("token" = [])),
    tags(
        (name = "Leads", description = "Operations about leads"),
        (name = "Notes", description = "Operations about lead notes"),
        (name = "System Logs", description = "A lead's history of changes"),
        (name = "Tasks & Appointments", description = "Operations about tasks and appointments"),
        (name = "Calendar V2 API", description = "Tasks and appointments on the calendar: how appointments are made and changed"),
        (name = "LogType", description = "Operations about lead log call, log email, log text"),
        (name = "Calls", description = "Operations about calls"),
        (name = "Communication", description = "Calls, emails and texts with leads"),
        (name = "Members", description = "The members of a team"),
        (name = "User Account", description = "Agent accounts"),
        (name = "Agent User", description = "Agents with a full profile"),
        (name = "Agent Organization", description = "Offices, the company record, permission profiles"),
        (name = "Broker", description = "Teams under a broker account"),
        (name = "TeamFeatures", description = "Lead ponds, custom fields, tags"),
        (name = "Vendor", description = "The apps connected to a team"),
        (name = "Opportunity", description = "Opportunity notifications for agents"),
        (name = "Webhooks", description = "Use webhooks to be notified about events that happen in a team. Deliveries are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with backoff for 24 hours, and sent in order for each lead."),
        (name = "Webhooks (openhouse)", description = "openhouse's own, not in the Lofty API: a subscription's delivery log and redelivery."),
        (name = "LeadRouting", description = "Operations about lead routing"),
        (name = "Listing", description = "The team's listings: searched by agent, office, listing, MLS number, building and street; published as XML feeds"),
        (name = "Listing V2", description = "From Lofty's published document, not in the v1.0 contract: searching listings by location, ranges and types."),
        (name = "Messaging (published)", description = "From Lofty's published document, not in the v1.0 contract: sending an email or a text to a lead through the server's SMTP server (`--smtp-url`) and SMS gateway (`--sms-gateway-url`); each one sent is recorded in the lead's communication history. Scope `messaging`."),
        (name = "Calls (published)", description = "From Lofty's published document, not in the v1.0 contract: a call's recording URL. Scope `calls`, as the other call operations."),
        (name = "TeamFeatures (published)", description = "From Lofty's published document, not in the v1.0 contract: the team's lead pipeline (the stages its leads are in). Scope `teamfeatures`."),
        (name = "Agent User (published)", description = "From Lofty's published document, not in the v1.0 contract: adding tags to an agent, shown in the member's `tagIds`. Scope `agent-user`."),
        (name = "LeadRouting (openhouse)", description = "openhouse's own, not in the Lofty API: adding, ordering and deleting routing rules, the routing time zone, and the offers of Next Up and Blast Alert with their claims."),
    )
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`token <apiKey>`",
            ))),
        );
    }
}

fn json_response<T: ToSchema>(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(T::schema()))
                .build(),
        )
        .build()
        .into()
}

/// The error responses every API operation may give.
pub struct Errors;

impl IntoResponses for Errors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut m = BTreeMap::new();
        m.insert("400".into(), json_response::<ErrorBody>("Invalid parameters (20012 INVALID_PARAMETER, 20042 LIMIT_NOT_VALID, 20043 PARAMETER_TOO_LONG, ...)"));
        m.insert(
            "401".into(),
            json_response::<ErrorBody>("Missing or invalid credential"),
        );
        m.insert(
            "403".into(),
            json_response::<ErrorBody>(
                "The credential lacks the permission (20017 PERMISSION_DENIED)",
            ),
        );
        m.insert("404".into(), json_response::<ErrorBody>("Not found, or not visible to the caller (20006 LEAD_NOT_EXIST, 20007 RESOURCE_NOT_EXIST)"));
        m.insert(
            "413".into(),
            json_response::<ErrorBody>("The body is too large"),
        );
        m.insert(
            "415".into(),
            json_response::<ErrorBody>("The body is not JSON"),
        );
        m.insert(
            "429".into(),
            json_response::<TooManyRequestsBody>(
                "Too Many Requests; `Retry-After` says in how many seconds one more request is admitted",
            ),
        );
        m
    }
}

// ToSchema's schema() needs PartialSchema in scope for some types.
#[allow(dead_code)]
fn _assert_partial<T: PartialSchema>() {}
