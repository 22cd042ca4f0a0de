//! `GET /v1.0/getPublishedListings`: the team's published listings as an XML syndication feed,
//! written with quick-xml (every text and attribute escaped; characters XML 1.0 cannot carry
//! are left out) and streamed a page of listings at a time, so a large feed never sits in
//! memory whole. The first page is read before the answer starts, so a storage fault is still
//! a 503.
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <listings feed="LuxVT" teamId="7">
//!   <listing id="81" mlsListingId="ML1">
//!     <status>Active</status><price>1950000</price>
//!     <address><street>…</street><city>…</city><state>…</state><zip>…</zip></address>
//!     …
//!   </listing>
//! </listings>
//! ```

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use openhouse_api::ListingItem;
use openhouse_domain::Error;
use openhouse_domain::listing::FEEDS;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::openapi::Errors;

/// Listings read a page at a time.
const PAGE: u64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// LuxVT|AptCom|AllOnMarket
    #[serde(rename = "type")]
    pub feed: Option<String>,
}

/// Text XML 1.0 can carry: control characters other than tab, newline and carriage return are
/// left out (escaping cannot make them legal).
fn xml_text(s: &str) -> std::borrow::Cow<'_, str> {
    let ok = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if s.chars().all(ok) {
        s.into()
    } else {
        s.chars().filter(|c| ok(*c)).collect::<String>().into()
    }
}

fn write(w: &mut Writer<Vec<u8>>, e: Event<'_>) {
    w.write_event(e).expect("writing XML to memory");
}

/// `<name>text</name>`, when there is a text.
fn element(w: &mut Writer<Vec<u8>>, name: &str, text: Option<&str>) {
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        write(w, Event::Start(BytesStart::new(name)));
        write(w, Event::Text(BytesText::new(&xml_text(t))));
        write(w, Event::End(BytesEnd::new(name)));
    }
}

fn number(n: Option<f64>) -> Option<String> {
    n.map(|n| {
        if n.fract() == 0.0 {
            format!("{}", n as i64)
        } else {
            format!("{n}")
        }
    })
}

fn list(w: &mut Writer<Vec<u8>>, outer: &str, inner: &str, items: Option<&Vec<String>>) {
    let items: Vec<&String> = items
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return;
    }
    write(w, Event::Start(BytesStart::new(outer)));
    for i in items {
        element(w, inner, Some(i));
    }
    write(w, Event::End(BytesEnd::new(outer)));
}

/// One `<listing>`.
fn listing(w: &mut Writer<Vec<u8>>, l: &ListingItem) {
    let mut start = BytesStart::new("listing");
    start.push_attribute((
        "id",
        xml_text(l.listing_id.as_deref().unwrap_or("")).as_ref(),
    ));
    start.push_attribute(("mlsListingId", xml_text(&l.mls_listing_id).as_ref()));
    write(w, Event::Start(start));
    element(w, "status", l.listing_status.as_deref());
    element(w, "purchaseType", l.purchase_type.as_deref());
    element(w, "price", l.price.as_deref());
    write(w, Event::Start(BytesStart::new("address")));
    element(w, "street", l.listing_street_name.as_deref());
    element(w, "building", l.building_name.as_deref());
    element(w, "city", l.listing_city.as_deref());
    element(w, "county", l.county.as_deref());
    element(w, "state", l.listing_state.as_deref());
    for z in l.listing_zipcode.iter().flatten() {
        element(w, "zip", Some(z));
    }
    write(w, Event::End(BytesEnd::new("address")));
    element(w, "beds", number(l.beds).as_deref());
    element(w, "baths", number(l.baths).as_deref());
    element(w, "sqft", number(l.sqft).as_deref());
    element(
        w,
        "builtYear",
        l.built_year.map(|y| y.to_string()).as_deref(),
    );
    element(
        w,
        "propertyType",
        l.property_type_secondary
            .as_deref()
            .or(l.property_type_primary.as_deref()),
    );
    list(w, "propertyTypes", "type", l.property_types.as_ref());
    element(w, "description", l.details_describe.as_deref());
    list(w, "photos", "photo", l.picture_list.as_ref());
    if l.open_house_schedules.is_some() || l.open_house_schedules_start.is_some() {
        let mut oh = BytesStart::new("openHouse");
        if let Some(s) = &l.open_house_schedules_start {
            oh.push_attribute(("start", xml_text(s).as_ref()));
        }
        if let Some(e) = &l.open_house_schedules_end {
            oh.push_attribute(("end", xml_text(e).as_ref()));
        }
        write(w, Event::Start(oh));
        if let Some(t) = &l.open_house_schedules {
            write(w, Event::Text(BytesText::new(&xml_text(t))));
        }
        write(w, Event::End(BytesEnd::new("openHouse")));
    }
    if l.agent_id.is_some() || l.agent_name.is_some() {
        let mut a = BytesStart::new("agent");
        if let Some(id) = &l.agent_id {
            a.push_attribute(("id", xml_text(id).as_ref()));
        }
        write(w, Event::Start(a));
        element(w, "name", l.agent_name.as_deref());
        element(w, "office", l.agent_org_name.as_deref());
        write(w, Event::End(BytesEnd::new("agent")));
    }
    element(
        w,
        "listDate",
        l.mls_list_date_l
            .filter(|d| *d > 0)
            .map(|d| d.to_string())
            .as_deref(),
    );
    write(w, Event::End(BytesEnd::new("listing")));
}

fn page_bytes(items: &[ListingItem]) -> Bytes {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    for l in items {
        listing(&mut w, l);
    }
    Bytes::from(w.into_inner())
}

/// Get published listings
///
/// The team's published listings for one syndication channel, as XML: the listings on the
/// market (every status but Sold, Closed, Withdrawn, Expired, Canceled and Off Market) whose
/// `publishedFeeds` name the channel, oldest first. An unknown `type` is a 400.
#[utoipa::path(
    get,
    path = "/v1.0/getPublishedListings",
    tag = "Listing",
    params(FeedParams),
    responses((status = 200, description = "The feed", body = String, content_type = "application/xml"), Errors)
)]
pub async fn published_listings(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> ApiResult<Response> {
    let asked = p.feed.unwrap_or_default();
    let feed = FEEDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(asked.trim()))
        .ok_or_else(|| Error::invalid(format!("type is {}, not '{asked}'", FEEDS.join(", "))))?;
    let first = state
        .store
        .published_listings(who.team_id, feed, 0, PAGE)
        .await?;
    let mut head = Writer::new(Vec::new());
    write(
        &mut head,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut root = BytesStart::new("listings");
    root.push_attribute(("feed", *feed));
    root.push_attribute(("teamId", who.team_id.to_string().as_str()));
    write(&mut head, Event::Start(root));
    let mut head = head.into_inner();
    head.push(b'\n');
    let team_id = who.team_id;
    let store = state.store.clone();
    let stream = feed_stream(head, first, move |after| {
        let store = store.clone();
        async move { store.published_listings(team_id, feed, after, PAGE).await }
    });
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(r)
}

/// The feed's bytes: `head`, each page of listings (the first already read; the next read
/// after the last id of the one before), then the closing tag. A storage fault after the first
/// page ends the stream with an error, so the client sees a broken transfer, never a feed that
/// looks whole.
fn feed_stream<F, Fut>(
    head: Vec<u8>,
    first: Vec<ListingItem>,
    next: F,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>>
where
    F: Fn(i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Vec<ListingItem>, Error>> + Send,
{
    enum Step {
        Head(Vec<u8>, Vec<ListingItem>),
        Page(Vec<ListingItem>),
        Done,
    }
    futures_util::stream::unfold(Step::Head(head, first), move |step| {
        let fetch = match &step {
            Step::Page(items) if items.len() as u64 == PAGE => items
                .last()
                .and_then(|l| l.listing_id.as_deref()?.parse::<i64>().ok()),
            _ => None,
        };
        let next_page = fetch.map(&next);
        async move {
            match step {
                Step::Head(head, first) => Some((Ok(Bytes::from(head)), Step::Page(first))),
                Step::Page(items) => {
                    let bytes = page_bytes(&items);
                    let following = match next_page {
                        None => Step::Done,
                        Some(f) => match f.await {
                            Ok(more) if !more.is_empty() => Step::Page(more),
                            Ok(_) => Step::Done,
                            Err(e) => {
                                // the stream ends with the error, without the closing tag
                                return Some((Err(std::io::Error::other(e.message)), Step::Done));
                            }
                        },
                    };
                    let bytes = if matches!(following, Step::Done) {
                        let mut b = bytes.to_vec();
                        b.extend_from_slice(b"</listings>\n");
                        Bytes::from(b)
                    } else {
                        bytes
                    };
                    Some((Ok(bytes), following))
                }
                Step::Done => None,
            }
        }
    })
}
