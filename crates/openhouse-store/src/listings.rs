//! The team's listings: imported (upserted by MLS number, a batch per transaction) and searched
//! (`GET /v1.0/listing`) with keyset paging by listing id, so a walk through the pages neither
//! skips nor repeats a listing while others are added (new listings get higher ids).

use std::collections::{HashMap, HashSet};

use openhouse_api::ListingItem;
use openhouse_domain::Error;
use openhouse_domain::listing::{self, AlertReason, Checked, Market};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::dialect::contains;
use crate::entities::{listing as row, listing_agent as link, user};
use crate::{Store, db_err};

/// What an import of a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    /// Rows whose listing was already stored exactly so.
    pub unchanged: u64,
    /// Rows refused, by line, with why; the rest of the batch is imported.
    pub errors: Vec<(u64, String)>,
    /// Listings new on the market or whose price or status changed: the listings the import's
    /// alert jobs concern.
    pub alerted: u64,
}

impl ImportReport {
    pub fn add(&mut self, other: ImportReport) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.errors.extend(other.errors);
        self.alerted += other.alerted;
    }
}

/// A listing search: which listings (every given criterion narrows) and where each page starts.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// Listings whose listing agent or co-agent is one of these members; None: the team's.
    pub agents: Option<Vec<i64>>,
    /// Only this active listing.
    pub listing_id: Option<i64>,
    /// Only this sold listing.
    pub sold_listing_id: Option<i64>,
    /// Only these MLS numbers (lower-cased).
    pub mls_keys: Vec<String>,
    /// The street address contains this (lower-cased).
    pub street: Option<String>,
    /// The building's name contains this (lower-cased).
    pub building_name: Option<String>,
    /// The street address contains this (lower-cased).
    pub building_address: Option<String>,
    pub limit: u64,
    /// Active listings after this id.
    pub after: i64,
    /// Sold listings after this id.
    pub sold_after: i64,
}

/// A page of active listings and one of sold listings, with the totals that match and the id
/// each next page starts after (None after the last).
#[derive(Debug, Clone, Default)]
pub struct ListingPage {
    pub active: Vec<ListingItem>,
    pub sold: Vec<ListingItem>,
    pub active_total: u64,
    pub sold_total: u64,
    pub next: Option<i64>,
    pub sold_next: Option<i64>,
}

fn market_code(m: Market) -> i32 {
    match m {
        Market::On => 1,
        Market::Sold => 2,
        Market::Off => 3,
    }
}

/// The listing as the API shows it.
pub fn item_of(r: &row::Model) -> ListingItem {
    let mut item: ListingItem = serde_json::from_str(&r.doc).unwrap_or_default();
    item.listing_id = Some(r.id.to_string());
    item
}

fn columns(team_id: i64, id: i64, c: &Checked, now: i64) -> row::ActiveModel {
    row::ActiveModel {
        team_id: Set(team_id),
        id: Set(id),
        mls_key: Set(c.mls_key.clone()),
        status: Set(c.status.clone()),
        market: Set(market_code(c.market)),
        price: Set(c.price),
        beds: Set(c.beds),
        baths: Set(c.baths),
        sqft: Set(c.sqft),
        city_key: Set(c.city_key.clone()),
        state_key: Set(c.state_key.clone()),
        zip_key: Set(c.zip_key.clone()),
        county_key: Set(c.county_key.clone()),
        street_key: Set(c.street_key.clone()),
        building_key: Set(c.building_key.clone()),
        property_key: Set(c.property_key.clone()),
        purchase_key: Set(c.purchase_key.clone()),
        built_year: Set(c.built_year),
        list_date: Set(c.list_date),
        agent_id: Set(c.agent_id),
        co_agent_id: Set(c.co_agent_id),
        feeds: Set(c.feeds.clone()),
        doc: Set(serde_json::to_string(&c.item).expect("a listing serializes")),
        create_time: Set(now),
        update_time: Set(now),
    }
}

/// Listings whose listing agent or co-agent is one of `agents` (through `listing_agents`).
fn listed_by(team_id: i64, agents: &[i64]) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Query;
    row::Column::Id.in_subquery(
        Query::select()
            .column(link::Column::ListingId)
            .from(link::Entity)
            .and_where(link::Column::TeamId.eq(team_id))
            .and_where(link::Column::UserId.is_in(agents.to_vec()))
            .to_owned(),
    )
}

/// The agent links of a listing.
fn links(team_id: i64, listing_id: i64, c: &Checked) -> Vec<link::ActiveModel> {
    let mut users = vec![c.agent_id, c.co_agent_id];
    users.retain(|u| *u != 0);
    users.dedup();
    users
        .into_iter()
        .map(|user_id| link::ActiveModel {
            team_id: Set(team_id),
            user_id: Set(user_id),
            listing_id: Set(listing_id),
        })
        .collect()
}

/// The listings of `team_id` in `market` that `q` selects: the one definition the page and
/// the count share.
fn selected(team_id: i64, q: &ListingQuery, market: Market) -> Select<row::Entity> {
    let mut s = row::Entity::find()
        .filter(row::Column::TeamId.eq(team_id))
        .filter(row::Column::Market.eq(market_code(market)));
    if let Some(agents) = &q.agents {
        s = s.filter(listed_by(team_id, agents));
    }
    let only = match market {
        Market::Sold => q.sold_listing_id,
        _ => q.listing_id,
    };
    if let Some(id) = only {
        s = s.filter(row::Column::Id.eq(id));
    } else if q.listing_id.is_some() || q.sold_listing_id.is_some() {
        // one listing was asked for, of the other kind: none of this kind
        s = s.filter(row::Column::Id.eq(0i64));
    }
    if !q.mls_keys.is_empty() {
        s = s.filter(row::Column::MlsKey.is_in(q.mls_keys.clone()));
    }
    for (col, value) in [
        (row::Column::StreetKey, &q.street),
        (row::Column::BuildingKey, &q.building_name),
        (row::Column::StreetKey, &q.building_address),
    ] {
        if let Some(v) = value {
            s = s.filter(col.like(contains(v)));
        }
    }
    s
}

impl Store {
    /// Imports a batch of listings into `team_id`, in one transaction: each row is checked
    /// (a bad one is reported with its line and left out), then upserted by MLS number; a later
    /// row of the same MLS number wins. A listing agent must be a member of the team. The same
    /// transaction writes the job that sends the batch's listing alerts ([`crate::alerts`]).
    pub async fn import_listings(
        &self,
        team_id: i64,
        rows: Vec<(u64, ListingItem)>,
    ) -> Result<ImportReport, Error> {
        let mut report = ImportReport::default();
        let members: HashSet<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::TeamId.eq(team_id))
            .into_tuple::<i64>()
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .collect();
        // the last row of each MLS number, in the order they came
        let mut order: Vec<String> = Vec::new();
        let mut latest: HashMap<String, Checked> = HashMap::new();
        for (line, item) in rows {
            let checked = listing::check(item).and_then(|c| {
                for (name, id) in [("agentId", c.agent_id), ("coAgentId", c.co_agent_id)] {
                    if id != 0 && !members.contains(&id) {
                        return Err(format!("{name} {id} is no member of the team"));
                    }
                }
                Ok(c)
            });
            match checked {
                Ok(c) => {
                    let key = c.mls_key.clone();
                    if latest.insert(key.clone(), c).is_some() {
                        // an earlier row of the batch, replaced by this one
                        report.updated += 1;
                    } else {
                        order.push(key);
                    }
                }
                Err(e) => report.errors.push((line, e)),
            }
        }
        if latest.is_empty() {
            return Ok(report);
        }
        let now = self.now();
        let w = self.write().await?;
        let txn: &sea_orm::DatabaseTransaction = &w;
        // the listings that call for alerts, and why
        let mut alerted: Vec<(i64, AlertReason)> = Vec::new();
        let keys: Vec<String> = latest.keys().cloned().collect();
        let mut existing: HashMap<String, row::Model> = HashMap::new();
        for chunk in keys.chunks(500) {
            for r in row::Entity::find()
                .filter(row::Column::TeamId.eq(team_id))
                .filter(row::Column::MlsKey.is_in(chunk.to_vec()))
                .all(txn)
                .await
                .map_err(db_err)?
            {
                existing.insert(r.mls_key.clone(), r);
            }
        }
        let mut inserts = Vec::new();
        let mut new_links = Vec::new();
        for key in &order {
            let c = &latest[key];
            match existing.get(key) {
                None => {
                    let id = self.next_id();
                    if let Some(r) = listing::alert_reason(None, c) {
                        alerted.push((id, r));
                    }
                    new_links.extend(links(team_id, id, c));
                    inserts.push(columns(team_id, id, c, now));
                }
                Some(old) => {
                    let mut new = columns(team_id, old.id, c, now);
                    new.create_time = Set(old.create_time);
                    let same = serde_json::to_string(&c.item).ok().as_deref() == Some(&old.doc);
                    if same {
                        report.unchanged += 1;
                        continue;
                    }
                    row::Entity::update(new).exec(txn).await.map_err(db_err)?;
                    if let Some(r) = listing::alert_reason(Some((&old.status, old.price)), c) {
                        alerted.push((old.id, r));
                    }
                    if (old.agent_id, old.co_agent_id) != (c.agent_id, c.co_agent_id) {
                        link::Entity::delete_many()
                            .filter(link::Column::TeamId.eq(team_id))
                            .filter(link::Column::ListingId.eq(old.id))
                            .exec(txn)
                            .await
                            .map_err(db_err)?;
                        new_links.extend(links(team_id, old.id, c));
                    }
                    report.updated += 1;
                }
            }
        }
        report.inserted += inserts.len() as u64;
        let mut inserts = inserts.into_iter().peekable();
        while inserts.peek().is_some() {
            // well below SQLite's 32,766 bound parameters a statement
            let chunk: Vec<row::ActiveModel> = inserts.by_ref().take(500).collect();
            row::Entity::insert_many(chunk)
                .exec_without_returning(txn)
                .await
                .map_err(db_err)?;
        }
        for chunk in new_links.chunks(1000) {
            link::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await
                .map_err(db_err)?;
        }
        report.alerted += alerted.len() as u64;
        if let Some(job) = crate::alerts::alert_job(team_id, now, alerted) {
            crate::jobs::enqueue(&w, now, vec![job]).await?;
        }
        w.commit().await?;
        Ok(report)
    }

    /// A page of active listings and one of sold listings that `q` selects, oldest first.
    pub async fn search_listings(
        &self,
        team_id: i64,
        q: &ListingQuery,
    ) -> Result<ListingPage, Error> {
        let mut page = ListingPage::default();
        for (market, after) in [(Market::On, q.after), (Market::Sold, q.sold_after)] {
            let total = selected(team_id, q, market)
                .count(&self.db)
                .await
                .map_err(db_err)?;
            let mut rows = selected(team_id, q, market)
                .filter(row::Column::Id.gt(after))
                .order_by_asc(row::Column::Id)
                .limit(q.limit + 1)
                .all(&self.db)
                .await
                .map_err(db_err)?;
            let more = rows.len() as u64 > q.limit;
            rows.truncate(q.limit as usize);
            let next = if more {
                rows.last().map(|r| r.id)
            } else {
                None
            };
            let items = rows.iter().map(item_of).collect();
            match market {
                Market::Sold => {
                    page.sold = items;
                    page.sold_total = total;
                    page.sold_next = next;
                }
                _ => {
                    page.active = items;
                    page.active_total = total;
                    page.next = next;
                }
            }
        }
        Ok(page)
    }

    /// The members of the team in the same office as `user_id` (themselves included).
    pub async fn office_members(&self, team_id: i64, user_id: i64) -> Result<Vec<i64>, Error> {
        let Some(u) = user::Entity::find_by_id((team_id, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(Vec::new());
        };
        user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::OfficeId.eq(u.office_id))
            .into_tuple::<i64>()
            .all(&self.db)
            .await
            .map_err(db_err)
    }
}

impl Store {
    /// A page of the on-market listings of `team_id` published to `feed`, after the listing
    /// `after` by id: what `GET /v1.0/getPublishedListings` streams.
    pub async fn published_listings(
        &self,
        team_id: i64,
        feed: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<ListingItem>, Error> {
        Ok(row::Entity::find()
            .filter(row::Column::TeamId.eq(team_id))
            .filter(row::Column::Market.eq(market_code(Market::On)))
            .filter(row::Column::Feeds.like(contains(&format!(",{feed},"))))
            .filter(row::Column::Id.gt(after))
            .order_by_asc(row::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(item_of)
            .collect())
    }
}

/// An order of `POST /v2.0/listings/search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingSort {
    PriceDesc,
    PriceAsc,
    BedsDesc,
    BathsDesc,
    SqftDesc,
    BuiltYearDesc,
    ListDateDesc,
}

/// A search of `POST /v2.0/listings/search`: every condition given narrows.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    /// Listings whose listing agent or co-agent is one of these members; None: the team's.
    pub agents: Option<Vec<i64>>,
    pub sold: bool,
    /// Lower-cased; a listing matches one of each list given.
    pub cities: Vec<String>,
    pub states: Vec<String>,
    pub zips: Vec<String>,
    pub counties: Vec<String>,
    pub property_types: Vec<String>,
    pub purchase_types: Vec<String>,
    pub price: (Option<f64>, Option<f64>),
    pub beds: (Option<f64>, Option<f64>),
    pub baths: (Option<f64>, Option<f64>),
    pub sqft: (Option<f64>, Option<f64>),
    /// Listed (mlsListDateL) at or after this time.
    pub listed_since: Option<i64>,
    pub sort: Vec<ListingSort>,
    pub offset: u64,
    pub limit: u64,
}

fn range<C: ColumnTrait>(
    s: Select<row::Entity>,
    col: C,
    r: (Option<f64>, Option<f64>),
) -> Select<row::Entity> {
    let s = match r.0 {
        Some(min) => s.filter(col.gte(min)),
        None => s,
    };
    match r.1 {
        Some(max) => s.filter(col.lte(max)),
        None => s,
    }
}

impl Store {
    /// A page of the listings `f` selects, in its order (then by listing), and how many match.
    pub async fn filter_listings(
        &self,
        team_id: i64,
        f: &ListingFilter,
    ) -> Result<(Vec<ListingItem>, u64), Error> {
        let market = if f.sold { Market::Sold } else { Market::On };
        let mut s = row::Entity::find()
            .filter(row::Column::TeamId.eq(team_id))
            .filter(row::Column::Market.eq(market_code(market)));
        if let Some(agents) = &f.agents {
            s = s.filter(listed_by(team_id, agents));
        }
        for (col, values) in [
            (row::Column::CityKey, &f.cities),
            (row::Column::StateKey, &f.states),
            (row::Column::ZipKey, &f.zips),
            (row::Column::CountyKey, &f.counties),
            (row::Column::PurchaseKey, &f.purchase_types),
        ] {
            if !values.is_empty() {
                s = s.filter(col.is_in(values.clone()));
            }
        }
        if !f.property_types.is_empty() {
            let mut any = Condition::any();
            for t in &f.property_types {
                any = any.add(row::Column::PropertyKey.like(contains(&format!("|{t}|"))));
            }
            s = s.filter(any);
        }
        s = range(s, row::Column::Price, f.price);
        s = range(s, row::Column::Beds, f.beds);
        s = range(s, row::Column::Baths, f.baths);
        s = range(s, row::Column::Sqft, f.sqft);
        if let Some(since) = f.listed_since {
            s = s.filter(row::Column::ListDate.gte(since));
        }
        let total = s.clone().count(&self.db).await.map_err(db_err)?;
        for o in &f.sort {
            s = match o {
                ListingSort::PriceDesc => s.order_by_desc(row::Column::Price),
                ListingSort::PriceAsc => s.order_by_asc(row::Column::Price),
                ListingSort::BedsDesc => s.order_by_desc(row::Column::Beds),
                ListingSort::BathsDesc => s.order_by_desc(row::Column::Baths),
                ListingSort::SqftDesc => s.order_by_desc(row::Column::Sqft),
                ListingSort::BuiltYearDesc => s.order_by_desc(row::Column::BuiltYear),
                ListingSort::ListDateDesc => s.order_by_desc(row::Column::ListDate),
            };
        }
        let rows = s
            .order_by_asc(row::Column::Id)
            .offset(f.offset)
            .limit(f.limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((rows.iter().map(item_of).collect(), total))
    }
}

impl Store {
    /// Refreshes the planner's statistics of the listings (`ANALYZE`, the same statement on
    /// both backends). An import runs it after its first batch and at its end: without them a
    /// table that grew from nothing is planned as if it were still empty (PostgreSQL's generic
    /// plan for the MLS-number lookup becomes a full scan, and a search by agent scans every
    /// listing), which made a 100,000-listing import take minutes instead of seconds.
    pub async fn analyze_listings(&self) -> Result<(), Error> {
        use sea_orm::ConnectionTrait;
        for table in ["listings", "listing_agents"] {
            self.db
                .execute_unprepared(&format!("ANALYZE {table}"))
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}
