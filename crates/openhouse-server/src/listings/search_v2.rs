//! `POST /v2.0/listings/search` (from Lofty's published document): the same listings, searched
//! by location, ranges and types, sorted, a page at a time.

use axum::Json;
use axum::extract::State;
use openhouse_api::{ListingQueryRequest, ListingV2Metadata, ListingV2SearchResponse};
use openhouse_domain::Error;
use openhouse_store::listings::{ListingFilter, ListingSort};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller};
use crate::openapi::Errors;

const CONDITIONS: &str =
    "location, price, beds, baths, sqFt, daysOnSite, propertyType, purchaseType";

/// `"min,max"` (either side may be empty), or a number (the least).
fn range(name: &str, v: &Value) -> Result<(Option<f64>, Option<f64>), Error> {
    let bad = || Error::invalid(format!("filterConditions.{name} is \"min,max\", not {v}"));
    let side = |s: &str| -> Result<Option<f64>, Error> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(bad)
    };
    match v {
        Value::Number(n) => Ok((n.as_f64(), None)),
        Value::String(s) => {
            let (a, b) = s.split_once(',').unwrap_or((s, ""));
            Ok((side(a)?, side(b)?))
        }
        _ => Err(bad()),
    }
}

/// A list of labels (or one), lower-cased.
fn labels(name: &str, v: &Value) -> Result<Vec<String>, Error> {
    let one = |x: &Value| {
        x.as_str()
            .map(|s| s.trim().to_lowercase())
            .ok_or_else(|| Error::invalid(format!("filterConditions.{name} holds strings")))
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        Value::Null => Ok(Vec::new()),
        other => Ok(vec![one(other)?]),
    }
}

fn sort(s: &str) -> Result<Option<ListingSort>, Error> {
    Ok(Some(match s.trim().to_ascii_uppercase().as_str() {
        "PRICE_DESC" => ListingSort::PriceDesc,
        "PRICE_ASC" => ListingSort::PriceAsc,
        "BEDROOMS_DESC" => ListingSort::BedsDesc,
        "BATHS_DESC" => ListingSort::BathsDesc,
        "SQFT_DESC" => ListingSort::SqftDesc,
        "BUILT_YEAR_DESC" => ListingSort::BuiltYearDesc,
        "MLS_LIST_DATE_L_DESC" => ListingSort::ListDateDesc,
        "RELEVANCE" | "QUALITY_DESC" | "OPEN_HOUSE_DESC" => return Ok(None),
        other => {
            return Err(Error::invalid(format!(
                "sortFields: '{other}' is no sort; they are PRICE_DESC, PRICE_ASC, BEDROOMS_DESC, BATHS_DESC, SQFT_DESC, BUILT_YEAR_DESC, MLS_LIST_DATE_L_DESC, RELEVANCE, QUALITY_DESC, OPEN_HOUSE_DESC"
            )));
        }
    }))
}

/// Search Listings
///
/// Searches the team's listings (from Lofty's published document): active ones, or sold ones
/// with `soldFlag`; within the caller's (`my`), their office's (`office`) or the team's (`all`)
/// listings; every condition of `filterConditions` narrows. Unknown conditions, sorts or
/// scopes are a 400.
#[utoipa::path(
    post,
    path = "/v2.0/listings/search",
    tag = "Listing V2",
    request_body = ListingQueryRequest,
    responses((status = 200, description = "A page of listings", body = ListingV2SearchResponse), Errors)
)]
pub async fn search(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<ListingQueryRequest>,
) -> ApiResult<Json<ListingV2SearchResponse>> {
    let page_num = r.page_num.unwrap_or(1);
    if page_num < 1 {
        return Err(Error::invalid("pageNum starts from 1").into());
    }
    // pages from 1 here
    let paging = openhouse_domain::search::Paging::by_page(
        "pageNum",
        Some(i64::from(page_num) - 1),
        r.page_size.map(i64::from),
        25,
        100,
    )?;
    let page_size = paging.limit as i32;
    let agents = match r.search_scope.as_deref().unwrap_or("all").trim() {
        s if s.eq_ignore_ascii_case("all") => None,
        s if s.eq_ignore_ascii_case("my") => Some(vec![who.user_id]),
        s if s.eq_ignore_ascii_case("office") => {
            Some(state.store.office_members(who.team_id, who.user_id).await?)
        }
        other => {
            return Err(
                Error::invalid(format!("searchScope is my, office or all, not '{other}'")).into(),
            );
        }
    };
    let mut f = ListingFilter {
        agents,
        sold: r.sold_flag.unwrap_or(false),
        offset: paging.offset,
        limit: paging.limit,
        ..Default::default()
    };
    for (name, v) in r.filter_conditions.iter().flatten() {
        match name.as_str() {
            "location" => {
                let Value::Object(parts) = v else {
                    return Err(Error::invalid(
                        "filterConditions.location is {\"city\": [...], \"state\": [...], \"zipCode\": [...], \"county\": [...]}",
                    )
                    .into());
                };
                for (k, v) in parts {
                    let list = labels(&format!("location.{k}"), v)?;
                    match k.as_str() {
                        "city" => f.cities = list,
                        "state" | "stateCode" => f.states = list,
                        "zipCode" | "zipcode" | "zip" => f.zips = list,
                        "county" => f.counties = list,
                        other => {
                            return Err(Error::invalid(format!(
                                "filterConditions.location has city, state, zipCode and county, not {other}"
                            ))
                            .into());
                        }
                    }
                }
            }
            "price" => f.price = range(name, v)?,
            "beds" => f.beds = range(name, v)?,
            "baths" => f.baths = range(name, v)?,
            "sqFt" => f.sqft = range(name, v)?,
            "daysOnSite" => {
                let (_, within) = range(name, v)?;
                if let Some(days) = within {
                    f.listed_since = Some(state.store.now() - (days * 86_400_000.0) as i64);
                }
            }
            "propertyType" => f.property_types = labels(name, v)?,
            "purchaseType" => f.purchase_types = labels(name, v)?,
            other => {
                return Err(Error::invalid(format!(
                    "filterConditions has {CONDITIONS}, not {other}"
                ))
                .into());
            }
        }
    }
    for s in r.sort_fields.iter().flatten() {
        if let Some(o) = sort(s)? {
            f.sort.push(o);
        }
    }
    let (items, total) = state.store.filter_listings(who.team_id, &f).await?;
    let fields: Vec<&String> = r.return_fields.iter().flatten().collect();
    let listing = items
        .into_iter()
        .map(|i| {
            let v = serde_json::to_value(i).unwrap_or_default();
            match v {
                Value::Object(m) if !fields.is_empty() => Value::Object(
                    m.into_iter()
                        .filter(|(k, _)| k == "listingId" || fields.contains(&k))
                        .collect(),
                ),
                other => other,
            }
        })
        .collect();
    let total_page = (total as i64 + i64::from(page_size) - 1) / i64::from(page_size);
    Ok(Json(ListingV2SearchResponse {
        listing,
        metadata: ListingV2Metadata {
            collection: "listing".into(),
            page_size,
            page_num: i64::from(page_num),
            total_count: total as i64,
            total_page,
            has_more: i64::from(page_num) < total_page,
        },
    }))
}
