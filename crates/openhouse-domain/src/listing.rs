//! Listings: what a listing must hold to be stored, the keys it is searched by, where it is on
//! the market, and the page keys of a listing search. One definition for the import, the API
//! and the feeds.

use base64::Engine as _;
use openhouse_api::ListingItem;

use crate::Error;

/// The syndication feeds of `GET /v1.0/getPublishedListings`.
pub const FEEDS: [&str; 3] = ["LuxVT", "AptCom", "AllOnMarket"];

/// The longest MLS listing ID.
pub const MLS_ID_MAX: usize = 64;
/// The longest text of any one field.
pub const TEXT_MAX: usize = 20_000;

/// Where a listing is, by its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Market {
    /// Active, Coming Soon, Pending, Contingent, and any status openhouse does not know.
    On,
    /// Sold, Closed.
    Sold,
    /// Withdrawn, Expired, Canceled, Off Market.
    Off,
}

impl Market {
    pub fn of(status: &str) -> Self {
        match status.trim().to_ascii_lowercase().as_str() {
            "sold" | "closed" => Self::Sold,
            "withdrawn" | "expired" | "canceled" | "cancelled" | "off market" => Self::Off,
            _ => Self::On,
        }
    }
}

/// A listing checked for storage, with the columns it is searched by (lower-cased keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The item as stored (trimmed, status defaulted; `listingId` not set).
    pub item: ListingItem,
    pub mls_key: String,
    pub status: String,
    pub market: Market,
    /// Whole currency units (0: none given).
    pub price: i64,
    pub beds: f64,
    pub baths: f64,
    pub sqft: f64,
    pub city_key: String,
    pub state_key: String,
    pub zip_key: String,
    pub county_key: String,
    pub street_key: String,
    pub building_key: String,
    /// Every property type of the listing, lower-cased, each between `|`.
    pub property_key: String,
    pub purchase_key: String,
    pub built_year: i32,
    /// `mlsListDateL` (0: unknown).
    pub list_date: i64,
    /// The listing agent's user id (0: none).
    pub agent_id: i64,
    pub co_agent_id: i64,
    /// The feeds, each between `,`.
    pub feeds: String,
}

fn key(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_lowercase()
}

fn trimmed(s: &mut Option<String>) {
    if let Some(v) = s {
        let t = v.trim();
        if t.is_empty() {
            *s = None;
        } else if t.len() != v.len() {
            *v = t.to_string();
        }
    }
}

fn amount(name: &str, v: Option<f64>) -> Result<f64, String> {
    match v {
        None => Ok(0.0),
        Some(x) if x.is_finite() && (0.0..1e12).contains(&x) => Ok(x),
        Some(x) => Err(format!("{name} is a number from 0, not {x}")),
    }
}

fn member_id(name: &str, v: &Option<String>) -> Result<i64, String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name} is a member's user id, not '{s}'")),
    }
}

/// Checks an imported listing. The message names the field at fault.
pub fn check(mut item: ListingItem) -> Result<Checked, String> {
    item.listing_id = None;
    let mls = item.mls_listing_id.trim().to_string();
    if mls.is_empty() {
        return Err("mlsListingId is required".into());
    }
    if mls.chars().count() > MLS_ID_MAX || mls.chars().any(char::is_control) {
        return Err(format!(
            "mlsListingId is at most {MLS_ID_MAX} printable characters"
        ));
    }
    item.mls_listing_id = mls.clone();
    for s in [
        &mut item.listing_street_name,
        &mut item.listing_city,
        &mut item.listing_state,
        &mut item.county,
        &mut item.area,
        &mut item.building_name,
        &mut item.price,
        &mut item.listing_status,
        &mut item.property_type_primary,
        &mut item.purchase_type,
        &mut item.property_type_secondary,
        &mut item.agent_id,
        &mut item.co_agent_id,
        &mut item.sold_price,
        &mut item.sold_date,
    ] {
        trimmed(s);
    }
    let too_long = serde_json::to_value(&item).ok().and_then(|v| {
        v.as_object().and_then(|o| {
            o.iter()
                .find(|(_, v)| v.as_str().is_some_and(|s| s.chars().count() > TEXT_MAX))
                .map(|(k, _)| k.clone())
        })
    });
    if let Some(k) = too_long {
        return Err(format!("{k} is at most {TEXT_MAX} characters"));
    }
    let price = match item.price.as_deref() {
        None => 0,
        Some(p) => match p.parse::<f64>() {
            Ok(x) if x.is_finite() && (0.0..1e15).contains(&x) => x.round() as i64,
            _ => return Err(format!("price is a number from 0, not '{p}'")),
        },
    };
    if let Some(p) = item.sold_price.as_deref()
        && !p.parse::<f64>().is_ok_and(|x| x.is_finite() && x >= 0.0)
    {
        return Err(format!("soldPrice is a number from 0, not '{p}'"));
    }
    if let Some(d) = item.sold_date.as_deref()
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        return Err(format!("soldDate is a date like 2024-05-31, not '{d}'"));
    }
    let beds = amount("beds", item.beds)?;
    let baths = amount("baths", item.baths)?;
    let sqft = amount("sqft", item.sqft)?;
    let status = item
        .listing_status
        .get_or_insert_with(|| "Active".to_string())
        .clone();
    if status.chars().count() > 64 {
        return Err("listingStatus is at most 64 characters".into());
    }
    let mut feeds = String::new();
    for f in item.published_feeds.iter().flatten() {
        let known = FEEDS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(f.trim()))
            .ok_or_else(|| format!("publishedFeeds are {}, not '{f}'", FEEDS.join(", ")))?;
        if !feeds.contains(&format!(",{known},")) {
            feeds = if feeds.is_empty() {
                format!(",{known},")
            } else {
                format!("{feeds}{known},")
            };
        }
    }
    let mut types: Vec<String> = item
        .property_types
        .iter()
        .flatten()
        .chain(item.property_type_primary.iter())
        .chain(item.property_type_secondary.iter())
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    types.sort();
    types.dedup();
    let property_key = if types.is_empty() {
        String::new()
    } else {
        format!("|{}|", types.join("|"))
    };
    let zip_key = item
        .listing_zipcode
        .iter()
        .flatten()
        .map(|z| z.trim().to_lowercase())
        .find(|z| !z.is_empty())
        .unwrap_or_default();
    Ok(Checked {
        mls_key: mls.to_lowercase(),
        market: Market::of(&status),
        status,
        price,
        beds,
        baths,
        sqft,
        city_key: key(&item.listing_city),
        state_key: key(&item.listing_state),
        zip_key,
        county_key: key(&item.county),
        street_key: key(&item.listing_street_name),
        building_key: key(&item.building_name),
        property_key,
        purchase_key: key(&item.purchase_type),
        built_year: item.built_year.unwrap_or(0).max(0),
        list_date: item.mls_list_date_l.unwrap_or(0).max(0),
        agent_id: member_id("agentId", &item.agent_id)?,
        co_agent_id: member_id("coAgentId", &item.co_agent_id)?,
        feeds,
        item,
    })
}

/// Whether a listing is one a lead's inquiry asks about (what a listing alert is sent for):
/// every criterion the inquiry gives holds — one of its locations (each field given equal, any
/// case; a street address contained), price, beds and baths within its bounds, one of its
/// property types. A listing that lacks a figure the inquiry bounds does not match; an inquiry
/// that gives no criterion matches nothing (it would alert on every listing).
pub fn inquiry_matches(inquiry: &openhouse_api::LeadInquiry, l: &Checked) -> bool {
    Inquiry::of(inquiry).is_some_and(|i| i.matches(l))
}

/// One location of an inquiry, lower-cased; `None`: not given.
#[derive(Debug, Clone)]
struct Place {
    city: Option<String>,
    county: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    street: Option<String>,
}

/// A lead's inquiry made ready to match many listings ([`inquiry_matches`] is defined by it).
#[derive(Debug, Clone)]
pub struct Inquiry {
    places: Vec<Place>,
    types: Vec<String>,
    price: (Option<f64>, Option<f64>),
    beds: (Option<f64>, Option<f64>),
    baths: (Option<f64>, Option<f64>),
}

impl Inquiry {
    /// The inquiry's criteria; None when it gives none.
    pub fn of(inquiry: &openhouse_api::LeadInquiry) -> Option<Inquiry> {
        let given = |s: &Option<String>| {
            s.as_deref()
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        };
        let places: Vec<Place> = inquiry
            .locations
            .iter()
            .flatten()
            .map(|loc| Place {
                city: given(&loc.city),
                county: given(&loc.county),
                state: given(&loc.state_code),
                zip: given(&loc.zip_code),
                street: given(&loc.street_address),
            })
            .collect();
        let types: Vec<String> = inquiry
            .property_type
            .iter()
            .flatten()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .map(|t| format!("|{t}|"))
            .collect();
        let baths = |s: &Option<String>| s.as_deref().and_then(|b| b.trim().parse::<f64>().ok());
        let positive = |p: Option<i64>| p.filter(|p| *p > 0).map(|p| p as f64);
        let i = Inquiry {
            places,
            types,
            price: (positive(inquiry.price_min), positive(inquiry.price_max)),
            beds: (
                inquiry.bedrooms_min.map(f64::from),
                inquiry.bedrooms_max.map(f64::from),
            ),
            baths: (baths(&inquiry.bathrooms_min), baths(&inquiry.bathrooms_max)),
        };
        let bounded = [i.price, i.beds, i.baths]
            .iter()
            .any(|(min, max)| min.is_some() || max.is_some());
        // a location entry is a criterion even when all its fields are blank (it then matches
        // any place), as it always was
        (!i.places.is_empty() || !i.types.is_empty() || bounded).then_some(i)
    }

    /// Whether the listing is one the inquiry asks about.
    pub fn matches(&self, l: &Checked) -> bool {
        let within = |value: f64, (min, max): (Option<f64>, Option<f64>)| {
            (min.is_none() && max.is_none())
                || (value > 0.0 && min.is_none_or(|m| value >= m) && max.is_none_or(|m| value <= m))
        };
        if !(within(l.price as f64, self.price)
            && within(l.beds, self.beds)
            && within(l.baths, self.baths))
        {
            return false;
        }
        if !self.types.is_empty() && !self.types.iter().any(|t| l.property_key.contains(t)) {
            return false;
        }
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        self.places.is_empty()
            || self.places.iter().any(|p| {
                eq(&p.city, &l.city_key)
                    && eq(&p.county, &l.county_key)
                    && eq(&p.state, &l.state_key)
                    && p.zip.as_deref().is_none_or(|z| {
                        l.item
                            .listing_zipcode
                            .iter()
                            .flatten()
                            .any(|have| have.trim().eq_ignore_ascii_case(z))
                    })
                    && p.street.as_deref().is_none_or(|s| l.street_key.contains(s))
            })
    }
}

/// Why a lead is alerted about a listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum AlertReason {
    /// New to the team's listings, on the market.
    New,
    /// Its price changed while on the market (`from`: the price before).
    PriceChanged { from: i64 },
    /// Its status changed (`from`: the status before).
    StatusChanged { from: String },
}

impl AlertReason {
    /// The word webhook events and the system log carry.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::PriceChanged { .. } => "priceChanged",
            Self::StatusChanged { .. } => "statusChanged",
        }
    }
}

/// Whether a stored listing's change calls for alerts, and why: a listing imported new is
/// alerted when it is on the market (a sold or withdrawn listing is history, not news); a
/// stored one when its status changed (any status: a lead watching a home wants to know it
/// went pending or sold), or its price while it is on the market. `before` is the stored
/// (status, price); None for a new listing.
pub fn alert_reason(before: Option<(&str, i64)>, after: &Checked) -> Option<AlertReason> {
    match before {
        None => (after.market == Market::On).then_some(AlertReason::New),
        Some((status, _)) if !status.trim().eq_ignore_ascii_case(after.status.trim()) => {
            Some(AlertReason::StatusChanged {
                from: status.to_string(),
            })
        }
        Some((_, price)) if price != after.price && after.market == Market::On => {
            Some(AlertReason::PriceChanged { from: price })
        }
        Some(_) => None,
    }
}

fn dollars(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("${out}")
}

/// The listing's address in one line: street, city, state and zip code as given.
pub fn address_line(l: &Checked) -> String {
    let zip = l.item.listing_zipcode.iter().flatten().next().cloned();
    let state_zip: Vec<String> = [l.item.listing_state.clone(), zip]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect();
    let mut parts: Vec<String> = [
        l.item.listing_street_name.clone(),
        l.item.listing_city.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect();
    if !state_zip.is_empty() {
        parts.push(state_zip.join(" "));
    }
    if parts.is_empty() {
        format!("MLS# {}", l.item.mls_listing_id)
    } else {
        parts.join(", ")
    }
}

/// What an alert says, e.g. `Price changed: 12 Oak St, Austin, TX 78701 $500,000 → $450,000`.
pub fn alert_text(reason: &AlertReason, l: &Checked) -> String {
    let at = address_line(l);
    match reason {
        AlertReason::New if l.price > 0 => format!("New listing: {at} {}", dollars(l.price)),
        AlertReason::New => format!("New listing: {at}"),
        AlertReason::PriceChanged { from } => format!(
            "Price changed: {at} {} → {}",
            dollars(*from),
            dollars(l.price)
        ),
        AlertReason::StatusChanged { from } => {
            format!("Status changed: {at} {from} → {}", l.status)
        }
    }
}

/// The listing as a lead's property, as an alert activity carries it (`listingId`: the
/// listing's id in openhouse).
pub fn alert_property(listing_id: i64, l: &Checked) -> openhouse_api::LeadProperty {
    let text = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    openhouse_api::LeadProperty {
        listing_id: Some(listing_id.to_string()),
        street_address: text(&l.item.listing_street_name),
        city: text(&l.item.listing_city),
        state: text(&l.item.listing_state),
        zip_code: l.item.listing_zipcode.iter().flatten().next().cloned(),
        county: text(&l.item.county),
        price: (l.price > 0).then_some(l.price),
        bedrooms: (l.beds > 0.0).then_some(l.beds.round() as i32),
        bathrooms: (l.baths > 0.0).then_some(l.baths),
        square_feet: (l.sqft > 0.0).then_some(l.sqft.round() as i64),
        property_type: text(&l.item.property_type_primary)
            .or_else(|| l.item.property_types.iter().flatten().next().cloned()),
        listing_status: Some(l.status.clone()),
        picture_url: l.item.picture_list.iter().flatten().next().cloned(),
        ..Default::default()
    }
}

const PAGE_KEY_PREFIX: &str = "listing:";

/// The page key that continues after the listing `last_id`.
pub fn page_key(last_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{PAGE_KEY_PREFIX}{last_id}"))
}

/// The listing id a page key continues after; `None` or "" is the first page. `name` is the
/// parameter's, for the message.
pub fn after(name: &str, key: Option<&str>) -> Result<i64, Error> {
    let Some(k) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(0);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(k)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(PAGE_KEY_PREFIX)?.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::invalid(format!("{name} is not a key this server gave")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(mls: &str) -> ListingItem {
        ListingItem {
            mls_listing_id: mls.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_listing_is_checked_and_keyed() {
        let c = check(ListingItem {
            listing_city: Some(" San Jose ".into()),
            price: Some("1950000".into()),
            beds: Some(3.0),
            property_types: Some(vec!["Condo".into(), "condo".into()]),
            property_type_secondary: Some("Townhouse".into()),
            published_feeds: Some(vec!["luxvt".into(), "LuxVT".into(), "AptCom".into()]),
            agent_id: Some("42".into()),
            ..item(" ML1 ")
        })
        .unwrap();
        assert_eq!(c.mls_key, "ml1");
        assert_eq!(c.item.mls_listing_id, "ML1");
        assert_eq!(c.status, "Active");
        assert_eq!(c.market, Market::On);
        assert_eq!(c.city_key, "san jose");
        assert_eq!(c.item.listing_city.as_deref(), Some("San Jose"));
        assert_eq!(c.price, 1_950_000);
        assert_eq!(c.property_key, "|condo|townhouse|");
        assert_eq!(c.feeds, ",LuxVT,AptCom,");
        assert_eq!(c.agent_id, 42);
    }

    #[test]
    fn bad_listings_are_refused_with_the_field() {
        assert!(check(item(" ")).unwrap_err().contains("mlsListingId"));
        let bad = |i: ListingItem| check(i).unwrap_err();
        assert!(
            bad(ListingItem {
                price: Some("cheap".into()),
                ..item("A")
            })
            .contains("price")
        );
        assert!(
            bad(ListingItem {
                beds: Some(-1.0),
                ..item("A")
            })
            .contains("beds")
        );
        assert!(
            bad(ListingItem {
                agent_id: Some("bob".into()),
                ..item("A")
            })
            .contains("agentId")
        );
        assert!(
            bad(ListingItem {
                sold_date: Some("May 5".into()),
                ..item("A")
            })
            .contains("soldDate")
        );
        assert!(
            bad(ListingItem {
                published_feeds: Some(vec!["Zillow".into()]),
                ..item("A")
            })
            .contains("publishedFeeds")
        );
        assert_eq!(Market::of("Closed"), Market::Sold);
        assert_eq!(Market::of("Expired"), Market::Off);
        assert_eq!(Market::of("Coming Soon"), Market::On);
    }

    #[test]
    fn an_inquiry_matches_listings_by_every_criterion_it_gives() {
        use openhouse_api::{LeadInquiry, Location};
        let l = check(ListingItem {
            listing_city: Some("Austin".into()),
            listing_state: Some("TX".into()),
            listing_zipcode: Some(vec!["78701".into()]),
            listing_street_name: Some("12 Congress Ave".into()),
            price: Some("450000".into()),
            beds: Some(3.0),
            baths: Some(2.5),
            property_types: Some(vec!["Condo".into()]),
            ..item("A")
        })
        .unwrap();
        let austin = Location {
            city: Some("austin".into()),
            state_code: Some("TX".into()),
            ..Default::default()
        };
        let ask = |f: &dyn Fn(&mut LeadInquiry)| {
            let mut q = LeadInquiry {
                locations: Some(vec![austin.clone()]),
                ..Default::default()
            };
            f(&mut q);
            inquiry_matches(&q, &l)
        };
        assert!(ask(&|_| {}));
        assert!(ask(&|q| {
            q.price_min = Some(400_000);
            q.price_max = Some(500_000);
            q.bedrooms_min = Some(3);
            q.bathrooms_min = Some("2".into());
            q.property_type = Some(vec!["Single Family Home".into(), "condo".into()]);
        }));
        assert!(!ask(&|q| q.price_max = Some(400_000)));
        assert!(!ask(&|q| q.bedrooms_min = Some(4)));
        assert!(!ask(&|q| q.bathrooms_max = Some("2".into())));
        assert!(!ask(&|q| q.property_type = Some(vec!["Townhouse".into()])));
        assert!(!ask(&|q| {
            q.locations = Some(vec![Location {
                city: Some("Dallas".into()),
                ..Default::default()
            }])
        }));
        // one of several locations is enough; a zip code or a street part narrows
        assert!(ask(&|q| {
            q.locations = Some(vec![
                Location {
                    city: Some("Dallas".into()),
                    ..Default::default()
                },
                Location {
                    zip_code: Some("78701".into()),
                    street_address: Some("congress".into()),
                    ..Default::default()
                },
            ])
        }));
        // nothing asked: no alert for every listing
        assert!(!inquiry_matches(&LeadInquiry::default(), &l));
        // a bound the listing has no figure for
        let bare = check(item("B")).unwrap();
        assert!(!inquiry_matches(
            &LeadInquiry {
                price_max: Some(1_000_000),
                ..Default::default()
            },
            &bare
        ));
    }

    #[test]
    fn alerts_go_out_for_new_listings_on_the_market_and_for_price_and_status_changes() {
        let on = check(ListingItem {
            price: Some("450000".into()),
            listing_street_name: Some("12 Oak St".into()),
            listing_city: Some("Austin".into()),
            listing_state: Some("TX".into()),
            listing_zipcode: Some(vec!["78701".into()]),
            ..item("A1")
        })
        .unwrap();
        assert_eq!(alert_reason(None, &on), Some(AlertReason::New));
        assert_eq!(
            alert_text(&AlertReason::New, &on),
            "New listing: 12 Oak St, Austin, TX 78701 $450,000"
        );
        let sold = check(ListingItem {
            listing_status: Some("Sold".into()),
            ..item("A2")
        })
        .unwrap();
        assert_eq!(alert_reason(None, &sold), None, "history, not news");
        assert_eq!(
            alert_reason(Some(("Active", 450_000)), &on),
            None,
            "unchanged"
        );
        assert_eq!(
            alert_reason(Some(("Active", 500_000)), &on),
            Some(AlertReason::PriceChanged { from: 500_000 })
        );
        assert_eq!(
            alert_text(&AlertReason::PriceChanged { from: 500_000 }, &on),
            "Price changed: 12 Oak St, Austin, TX 78701 $500,000 → $450,000"
        );
        assert_eq!(
            alert_reason(Some(("active", 1)), &on),
            Some(AlertReason::PriceChanged { from: 1 }),
            "a status differing in case only is no change"
        );
        assert_eq!(
            alert_reason(Some(("Active", 0)), &sold),
            Some(AlertReason::StatusChanged {
                from: "Active".into()
            })
        );
        let withdrawn_cheaper = check(ListingItem {
            listing_status: Some("Withdrawn".into()),
            price: Some("1".into()),
            ..item("A3")
        })
        .unwrap();
        assert_eq!(
            alert_reason(Some(("Withdrawn", 5)), &withdrawn_cheaper),
            None,
            "a price off the market is no news"
        );
        let p = alert_property(77, &on);
        assert_eq!(p.listing_id.as_deref(), Some("77"));
        assert_eq!(p.price, Some(450_000));
        assert_eq!(p.zip_code.as_deref(), Some("78701"));
        assert_eq!(dollars(1_234_567), "$1,234,567");
        assert_eq!(dollars(999), "$999");
    }

    #[test]
    fn page_keys_round_trip_and_garbage_is_refused() {
        assert_eq!(after("nextPageKey", Some(&page_key(77))).unwrap(), 77);
        assert_eq!(after("nextPageKey", None).unwrap(), 0);
        assert_eq!(after("nextPageKey", Some("")).unwrap(), 0);
        assert!(after("nextPageKey", Some("garbage!")).is_err());
        assert!(after("nextPageKey", Some(&page_key(-1))).is_err());
    }
}
