//! Listings (section 5.15): the team's listings as `GET /v1.0/listing` answers them, and the rows
//! `openhouse listings import` reads. The contract gives the operation but not its body; the
//! shapes are the published document's (`ListingSearchResponse`, `ListingMetaData`,
//! `ListingItem`), with openhouse's own fields marked as such.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One listing (the published document's `ListingItem`). Every field but `mlsListingId` is
/// optional on import; `listingId` is given by openhouse.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListingItem {
    /// Listing ID (openhouse's, stable across imports of the same MLS number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1179625482")]
    pub listing_id: Option<String>,
    /// MLS listing ID: what an import upserts by.
    #[serde(default)]
    #[schema(example = "ML82040728")]
    pub mls_listing_id: String,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "5164 Montreal DR")]
    pub listing_street_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "San Jose")]
    pub listing_city: Option<String>,
    /// State abbreviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "CA")]
    pub listing_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_zipcode: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chime_area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_division_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chime_complex: Option<String>,
    /// The building the listing is in (openhouse; what `buildingName` matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_name: Option<String>,
    /// Listing price, in whole currency units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1950000")]
    pub price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baths: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqft: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_year: Option<i32>,
    /// Lot size in square feet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_available_acres: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details_describe: Option<String>,
    /// Active, Coming Soon, Pending, Contingent (on the market); Sold, Closed (sold);
    /// Withdrawn, Expired, Off Market. Default Active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Active")]
    pub listing_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "For Sale")]
    pub purchase_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Residential")]
    pub property_type_primary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Single Family Home")]
    pub property_type_secondary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_list: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_house_schedules: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_house_schedules_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_house_schedules_end: Option<String>,
    /// The listing agent: a member's user id in openhouse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_org_name: Option<String>,
    /// A co-listing agent: a member's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_agent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_agent_org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_agent_org_name: Option<String>,
    /// HOA fee (-1 if N/A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoa_fee: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoa_fee_frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condo_fee: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condo_fee_frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chime_maintenance_fee: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub garage_parking_spaces: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interior_features: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exterior: Option<String>,
    /// MLS list date, epoch milliseconds (0 if unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mls_list_date_l: Option<i64>,
    /// Sold price (openhouse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_price: Option<String>,
    /// Sold date, `yyyy-MM-dd` (openhouse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_date: Option<String>,
    /// The syndication feeds the listing is published to while on the market: LuxVT, AptCom,
    /// AllOnMarket (openhouse; what `GET /v1.0/getPublishedListings` serves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_feeds: Option<Vec<String>>,
}

/// A page of listings of one kind (active or sold).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListingHub {
    pub listing: Vec<ListingItem>,
}

/// Totals and paging of a listing search (`ListingMetaData`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListingMetaData {
    #[schema(example = "listing")]
    pub collection: String,
    pub limit: i32,
    /// Active and sold listings that match.
    pub total: i64,
    pub active_total: i64,
    pub sold_total: i64,
    /// Pass as `nextPageKey` for the next page of active listings; absent after the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_key: Option<String>,
    /// Pass as `soldNextPageKey` for the next page of sold listings; absent after the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_next_page_key: Option<String>,
    /// With `showCondition=true`: the search as understood (openhouse echoes the filters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<serde_json::Value>,
}

/// The answer of `GET /v1.0/listing` (`ListingSearchResponse`; the field names are the
/// published document's, `listIng` included).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ListingSearchResponse {
    /// Active listings that match (every status but Sold and Closed).
    #[serde(rename = "listIng")]
    pub listing: ListingHub,
    /// Sold listings that match.
    #[serde(rename = "soldListing")]
    pub sold_listing: ListingHub,
    #[serde(rename = "get_listingMetadata")]
    pub metadata: ListingMetaData,
}

/// The body of `POST /v2.0/listings/search` (from Lofty's published document).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListingQueryRequest {
    /// `my`: the caller's listings (as listing agent or co-agent); `office`: their office's;
    /// `all` (default): the team's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "all")]
    pub search_scope: Option<String>,
    /// Sold listings instead of active ones (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_flag: Option<bool>,
    /// Conditions, all of which a listing meets: `location` (`{"city": [...], "state": [...],
    /// "zipCode": [...], "county": [...]}`, any of each), `price`, `beds`, `baths`, `sqFt`
    /// (`"min,max"`, either may be empty), `daysOnSite` (`",30"`: listed in the last 30 days),
    /// `propertyType` and `purchaseType` (lists of labels, any of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub filter_conditions: Option<serde_json::Map<String, serde_json::Value>>,
    /// PRICE_DESC, PRICE_ASC, BEDROOMS_DESC, BATHS_DESC, SQFT_DESC, BUILT_YEAR_DESC,
    /// MLS_LIST_DATE_L_DESC, RELEVANCE, QUALITY_DESC, OPEN_HOUSE_DESC (the last three: oldest
    /// listing first); ties by listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_fields: Option<Vec<String>>,
    /// The `ListingItem` fields to return (default all); `listingId` always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_fields: Option<Vec<String>>,
    /// From 1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub page_num: Option<i32>,
    /// 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 100)]
    pub page_size: Option<i32>,
}

/// The paging of a `POST /v2.0/listings/search` answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListingV2Metadata {
    pub collection: String,
    pub page_size: i32,
    pub page_num: i64,
    pub total_count: i64,
    pub total_page: i64,
    pub has_more: bool,
}

/// The answer of `POST /v2.0/listings/search` (from Lofty's published document).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ListingV2SearchResponse {
    /// The listings of the page, each with the fields asked for.
    #[schema(value_type = Vec<ListingItem>)]
    pub listing: Vec<serde_json::Value>,
    pub metadata: ListingV2Metadata,
}
