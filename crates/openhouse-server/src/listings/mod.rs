//! Listings (section 5.15): the team's listings searched by agent, office, listing or MLS
//! number, building and street.

use axum::Json;
use axum::extract::State;
use openhouse_api::{ListingHub, ListingMetaData, ListingSearchResponse};
use openhouse_domain::Error;
use openhouse_domain::auth::Role;
use openhouse_domain::error::{ErrorKind, codes};
use openhouse_domain::listing::{after, page_key};
use openhouse_store::listings::ListingQuery;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;

pub mod feed;
pub mod search_v2;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_listings))
        .routes(routes!(feed::published_listings))
        .routes(routes!(search_v2::search))
}

/// The most MLS numbers one search takes.
const MLS_IDS_MAX: usize = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListingParams {
    /// The listings of the agent (`userId`, the caller by default): as listing agent or
    /// co-agent.
    #[serde(default)]
    pub agent_listings: Option<bool>,
    /// The listings of the agent's office (every member of it).
    #[serde(default)]
    pub office_listings: Option<bool>,
    /// Whose listings: a member of the caller's team (default 0, the caller). Another member's
    /// needs an admin.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// One active listing, by its `listingId`.
    #[serde(default)]
    pub listing_id: Option<String>,
    /// One sold listing, by its `listingId`. Not with `listingId`.
    #[serde(default)]
    pub sold_listing_id: Option<String>,
    /// MLS listing IDs, comma-separated (at most 1000).
    #[serde(default)]
    pub mls_listing_ids: Option<String>,
    /// The street address contains this (any case).
    #[serde(default)]
    pub street: Option<String>,
    /// The building's name contains this (any case).
    #[serde(default)]
    pub building_name: Option<String>,
    /// The street address contains this building address (any case).
    #[serde(default)]
    pub building_address: Option<String>,
    /// Echo the search as understood in `get_listingMetadata.condition`.
    #[serde(default)]
    pub show_condition: Option<bool>,
    /// Listings of each kind a page, 1 to 1000 (default 25).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The next page of active listings: `get_listingMetadata.nextPageKey` of the last one.
    #[serde(default)]
    pub next_page_key: Option<String>,
    /// The next page of sold listings: `get_listingMetadata.soldNextPageKey` of the last one
    /// (from Lofty's published document).
    #[serde(default)]
    pub sold_next_page_key: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
}

fn listing_id(name: &str, v: &Option<String>) -> Result<Option<i64>, Error> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(format!("{name} is a listing id, not '{s}'"))),
    }
}

/// getByUserId
///
/// Searches the team's listings: active ones (every status but Sold and Closed, and not
/// Withdrawn, Expired, Canceled or Off Market) in `listIng`, sold ones in `soldListing`, each
/// with its own page key. At least one of agentListings, officeListings, listingId,
/// soldListingId, mlsListingIds, buildingName or buildingAddress says which; every criterion
/// given narrows the search (officeListings takes in the agent's). Pages run oldest listing
/// first and neither skip nor repeat a listing while others are imported.
#[utoipa::path(
    get,
    path = "/v1.0/listing",
    tag = "Listing",
    params(ListingParams),
    responses((status = 200, description = "Active and sold listings, and the totals", body = ListingSearchResponse), Errors)
)]
pub async fn search_listings(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<ListingParams>,
) -> ApiResult<Json<ListingSearchResponse>> {
    let limit = openhouse_domain::search::check_limit(p.limit, 25, 1000)?;
    let listing = listing_id("listingId", &p.listing_id)?;
    let sold_listing = listing_id("soldListingId", &p.sold_listing_id)?;
    if listing.is_some() && sold_listing.is_some() {
        return Err(Error::invalid("listingId and soldListingId cannot be given together").into());
    }
    let mls_keys: Vec<String> = p
        .mls_listing_ids
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if mls_keys.len() > MLS_IDS_MAX {
        return Err(
            Error::invalid(format!("mlsListingIds takes at most {MLS_IDS_MAX} IDs")).into(),
        );
    }
    let agent = p.agent_listings.unwrap_or(false);
    let office = p.office_listings.unwrap_or(false);
    let (building_name, building_address) = (text(&p.building_name), text(&p.building_address));
    if !agent
        && !office
        && listing.is_none()
        && sold_listing.is_none()
        && mls_keys.is_empty()
        && building_name.is_none()
        && building_address.is_none()
    {
        return Err(Error::invalid(
            "say which listings: agentListings, officeListings, listingId, soldListingId, mlsListingIds, buildingName or buildingAddress",
        )
        .into());
    }
    let user_id = match p.user_id.unwrap_or(0) {
        0 => who.user_id,
        id => id,
    };
    if user_id != who.user_id {
        if who.role != Role::Admin {
            return Err(Error::forbidden(
                "only an admin searches another member's listings (userId)",
            )
            .into());
        }
        state.store.member(&who, user_id).await.map_err(|e| {
            if e.kind == ErrorKind::NotFound {
                Error::new(
                    ErrorKind::NotFound,
                    codes::USER_NOT_EXIST,
                    format!("user {user_id} is no member of the team"),
                )
            } else {
                e
            }
        })?;
    }
    let agents = if office {
        Some(state.store.office_members(who.team_id, user_id).await?)
    } else if agent {
        Some(vec![user_id])
    } else {
        None
    };
    let q = ListingQuery {
        agents,
        listing_id: listing,
        sold_listing_id: sold_listing,
        mls_keys,
        street: text(&p.street),
        building_name,
        building_address,
        limit: limit as u64,
        after: after("nextPageKey", p.next_page_key.as_deref())?,
        sold_after: after("soldNextPageKey", p.sold_next_page_key.as_deref())?,
    };
    let page = state.store.search_listings(who.team_id, &q).await?;
    let condition = p.show_condition.unwrap_or(false).then(|| {
        json!({
            "userId": user_id,
            "agentListings": agent,
            "officeListings": office,
            "listingId": q.listing_id,
            "soldListingId": q.sold_listing_id,
            "mlsListingIds": q.mls_keys,
            "street": q.street,
            "buildingName": q.building_name,
            "buildingAddress": q.building_address,
        })
    });
    Ok(Json(ListingSearchResponse {
        listing: ListingHub {
            listing: page.active,
        },
        sold_listing: ListingHub { listing: page.sold },
        metadata: ListingMetaData {
            collection: "listing".into(),
            limit: limit as i32,
            total: (page.active_total + page.sold_total) as i64,
            active_total: page.active_total as i64,
            sold_total: page.sold_total as i64,
            next_page_key: page.next.map(page_key),
            sold_next_page_key: page.sold_next.map(page_key),
            condition,
        },
    }))
}
