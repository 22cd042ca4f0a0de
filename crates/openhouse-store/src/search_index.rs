//! The lead search index: per team, a bitmap of leads for every value a search filters on
//! (tag, stage, source, assignee, owner, ...), so a search's matches and their total are found
//! by intersecting bitmaps in memory, and the database only fetches the rows of the page.
//!
//! It follows the journal ([`crate::journal::Follower`]). On SQLite, where this process is the
//! database's one writer, the journal hands it the new state of each lead a write touched after
//! the write commits, while it still holds the write turn, so the index changes in commit order.
//! On PostgreSQL, where other processes write too, it takes every change, this process's
//! included, from the journal's tail ([`crate::journal_tail`]), and a search first waits for the
//! tail to catch up.
//!
//! Leads are numbered by ordinals in id order. Lead ids grow with time and a lead's create time
//! is taken in the same write turn as its id, so ordinal order is normally also the default
//! sort order (create time, id): a page of the default order is then read off the bitmap of
//! matches with `rank`/`select`, whatever the offset or scroll position. When that does not
//! hold (a clock stepped back, an id older than the newest one), the index notices and pages
//! by scanning the matches instead, which is slower but still right.
//!
//! Filters the index does not hold (email and phone substrings, update time) and sort orders
//! other than create time are answered by SQL ([`crate::leads`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use openhouse_api::OwnershipScope;
use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::Lead;
use openhouse_domain::lead::phone_key;
use openhouse_domain::search::{Criterion, LeadFilter, LeadQuery, Position};
use openhouse_domain::visibility::{self, Grant};
use roaring::RoaringBitmap;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, Query};

use crate::entities::lead;
use crate::journal::{Committed, Follower};
use crate::leads::name_key;
use crate::{Store, StoreParts, db_err};

/// What the index holds of one lead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub team_id: i64,
    pub id: i64,
    pub create_time: i64,
    pub live: bool,
    pub stage: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    pub assigned: i64,
    pub lender: i64,
    pub assistant: i64,
    pub pond: i64,
    pub scope: Option<OwnershipScope>,
    pub owner: i64,
    pub contacted: bool,
    pub tags: Vec<i64>,
    pub segments: Vec<String>,
}

impl Entry {
    pub(crate) fn of(l: &Lead) -> Self {
        Self {
            team_id: l.team_id,
            id: l.id,
            create_time: l.create_time,
            live: l.delete_time == 0,
            stage: l.stage.clone(),
            source: l.source.clone(),
            language: l.language.map(|x| x.as_str().to_string()),
            assigned: l.assigned_user_id.unwrap_or(0),
            lender: l.lender_user_id.unwrap_or(0),
            assistant: l.assistant_user_id().unwrap_or(0),
            pond: l.pond_id,
            scope: Some(l.ownership_scope.unwrap_or(OwnershipScope::Personal)),
            owner: l.ownership_id.unwrap_or(0),
            contacted: l.stats.contacted,
            tags: l.doc.tags.iter().map(|t| t.id).collect(),
            segments: l.doc.segments.iter().map(|s| name_key(s)).collect(),
        }
    }
}

/// A search filter with its names resolved to what the index is keyed by.
pub(crate) struct Resolved<'a> {
    pub filter: &'a LeadFilter,
    /// Ids of the `anyTags` that exist (None: no such filter).
    pub any_tags: Option<Vec<i64>>,
    /// Ids of the `allTags` (every one exists, or the search already answered nothing).
    pub all_tags: Vec<i64>,
    /// The offices `groupIds` stands for (None: no such filter).
    pub offices: Option<Vec<i64>>,
}

impl Resolved<'_> {
    /// The search's conditions: the one list both the SQL query and the index translate.
    pub(crate) fn criteria(&self) -> Vec<Criterion> {
        let f = self.filter;
        let mut c = Vec::new();
        if let Some(ids) = &self.any_tags {
            c.push(Criterion::AnyTag(ids.clone()));
        }
        c.extend(self.all_tags.iter().map(|t| Criterion::Tag(*t)));
        if !f.segments.is_empty() {
            c.push(Criterion::Segment(
                f.segments.iter().map(|s| name_key(s)).collect(),
            ));
        }
        if let Some(e) = f.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            c.push(Criterion::Email {
                text: e.to_lowercase(),
                precise: f.precise,
            });
        }
        if let Some(p) = f.phone.as_deref() {
            c.push(Criterion::Phone {
                digits: phone_key(p),
                precise: f.precise,
            });
        }
        if let Some(a) = f.assigned_user_id.filter(|a| *a != -1) {
            c.push(Criterion::AssignedTo(a.max(0)));
        }
        if let Some(x) = f.contacted {
            c.push(Criterion::Contacted(x));
        }
        if let Some(offices) = &self.offices {
            c.push(Criterion::InOffice(offices.clone()));
        }
        if !f.languages.is_empty() {
            c.push(Criterion::Language(f.languages.clone()));
        }
        if let Some(s) = &f.source {
            c.push(Criterion::Source(s.clone()));
        }
        if !f.stages.is_empty() {
            c.push(Criterion::Stage(f.stages.clone()));
        }
        if let Some(t) = f.created_min {
            c.push(Criterion::CreatedSince(t));
        }
        if let Some(t) = f.updated_min {
            c.push(Criterion::UpdatedSince(t));
        }
        c
    }

    /// Whether the index can answer this search alone: it holds every one of its conditions.
    pub(crate) fn indexable(&self) -> bool {
        self.criteria().iter().all(TeamIndex::holds)
    }
}

/// What one condition is in the index.
enum Part<'a> {
    /// The leads in this set.
    Within(Cow<'a, RoaringBitmap>),
    /// The leads not in this set.
    Without(&'a RoaringBitmap),
    /// The leads created at or after this time.
    Since(i64),
}

type Values<K> = HashMap<K, RoaringBitmap>;

#[derive(Default)]
pub(crate) struct TeamIndex {
    /// Lead id by ordinal.
    ids: Vec<i64>,
    /// Create time by ordinal.
    times: Vec<i64>,
    /// `ids[..sorted]` is in ascending order; ids appended after an id that was not the
    /// largest yet are found through `late`.
    sorted: usize,
    late: HashMap<i64, u32>,
    /// Whether create times never decrease along the ordinals.
    times_sorted: bool,
    live: RoaringBitmap,
    team_scope: RoaringBitmap,
    contacted: RoaringBitmap,
    stage: Values<String>,
    source: Values<String>,
    language: Values<String>,
    assigned: Values<i64>,
    lender: Values<i64>,
    assistant: Values<i64>,
    pond: Values<i64>,
    personal: Values<i64>,
    office: Values<i64>,
    tags: Values<i64>,
    segments: Values<String>,
}

fn add<K: std::hash::Hash + Eq>(m: &mut Values<K>, k: K, ord: u32) {
    m.entry(k).or_default().insert(ord);
}

fn forget<K>(m: &mut Values<K>, ord: u32) {
    m.retain(|_, b| {
        b.remove(ord);
        !b.is_empty()
    });
}

/// The leads with any of these values: the value's own bitmap when there is one value.
fn any_of<'m, K: std::hash::Hash + Eq>(m: &'m Values<K>, keys: &[K]) -> Cow<'m, RoaringBitmap> {
    match keys {
        [k] => m
            .get(k)
            .map_or_else(|| Cow::Owned(RoaringBitmap::new()), Cow::Borrowed),
        _ => Cow::Owned(union(m, keys.iter())),
    }
}

fn union<'a, K: std::hash::Hash + Eq + 'a>(
    m: &Values<K>,
    keys: impl IntoIterator<Item = &'a K>,
) -> RoaringBitmap {
    let mut out = RoaringBitmap::new();
    for k in keys {
        if let Some(b) = m.get(k) {
            out |= b;
        }
    }
    out
}

impl TeamIndex {
    fn new() -> Self {
        Self {
            times_sorted: true,
            ..Default::default()
        }
    }

    fn ord(&self, id: i64) -> Option<u32> {
        match self.ids[..self.sorted].binary_search(&id) {
            Ok(i) => Some(i as u32),
            Err(_) => self.late.get(&id).copied(),
        }
    }

    /// Whether ordinal order is the default sort order, (create time, id).
    fn ordered(&self) -> bool {
        self.late.is_empty() && self.times_sorted
    }

    fn upsert(&mut self, e: &Entry) {
        let ord = match self.ord(e.id) {
            Some(ord) => {
                self.forget(ord);
                ord
            }
            None => {
                let ord = self.ids.len() as u32;
                if self.times.last().is_some_and(|t| *t > e.create_time) {
                    self.times_sorted = false;
                }
                if self.late.is_empty() && self.ids.last().is_none_or(|last| *last < e.id) {
                    self.sorted += 1;
                } else {
                    self.late.insert(e.id, ord);
                }
                self.ids.push(e.id);
                self.times.push(e.create_time);
                ord
            }
        };
        // a trashed lead is in no bitmap: searches never show one, so no search needs to
        // intersect with the live leads unless it has no other condition
        if !e.live {
            return;
        }
        self.live.insert(ord);
        match e.scope {
            Some(OwnershipScope::Team) => {
                self.team_scope.insert(ord);
            }
            Some(OwnershipScope::Office) => add(&mut self.office, e.owner, ord),
            _ => add(&mut self.personal, e.owner, ord),
        }
        if e.contacted {
            self.contacted.insert(ord);
        }
        if let Some(s) = &e.stage {
            add(&mut self.stage, s.clone(), ord);
        }
        if let Some(s) = &e.source {
            add(&mut self.source, s.clone(), ord);
        }
        if let Some(s) = &e.language {
            add(&mut self.language, s.clone(), ord);
        }
        add(&mut self.assigned, e.assigned, ord);
        for (m, v) in [
            (&mut self.lender, e.lender),
            (&mut self.assistant, e.assistant),
            (&mut self.pond, e.pond),
        ] {
            if v > 0 {
                add(m, v, ord);
            }
        }
        for t in &e.tags {
            add(&mut self.tags, *t, ord);
        }
        for s in &e.segments {
            add(&mut self.segments, s.clone(), ord);
        }
    }

    /// Takes an ordinal out of every bitmap (its lead is about to be indexed anew).
    fn forget(&mut self, ord: u32) {
        self.live.remove(ord);
        self.team_scope.remove(ord);
        self.contacted.remove(ord);
        for m in [
            &mut self.stage,
            &mut self.source,
            &mut self.language,
            &mut self.segments,
        ] {
            forget(m, ord);
        }
        for m in [
            &mut self.assigned,
            &mut self.lender,
            &mut self.assistant,
            &mut self.pond,
            &mut self.personal,
            &mut self.office,
            &mut self.tags,
        ] {
            forget(m, ord);
        }
    }

    /// The live leads `who` may see, or None when they see the whole team: the union of one
    /// bitmap per grant ([`openhouse_domain::visibility`], the one definition of who sees a
    /// lead, from which the SQL condition is derived too).
    fn visible_beyond_team(&self, who: &Principal) -> Option<RoaringBitmap> {
        let mut seen = RoaringBitmap::new();
        for g in visibility::grants(who) {
            let (map, key) = match g {
                Grant::WholeTeam => return None,
                Grant::TeamScope => {
                    seen |= &self.team_scope;
                    continue;
                }
                Grant::Agent(u) => (&self.assigned, u),
                Grant::Lender(u) => (&self.lender, u),
                Grant::Assistant(u) => (&self.assistant, u),
                Grant::Personal(u) => (&self.personal, u),
                Grant::Office(o) => (&self.office, o),
                Grant::Pond(p) => (&self.pond, p),
            };
            if let Some(b) = map.get(&key) {
                seen |= b;
            }
        }
        Some(seen)
    }

    /// Whether the index holds a condition (the others are SQL's alone): whether
    /// [`TeamIndex::part`] translates it.
    fn holds(c: &Criterion) -> bool {
        TeamIndex::default().part(c).is_some()
    }

    /// One condition in the index, None for one it does not hold (see [`TeamIndex::holds`]).
    fn part<'a>(&'a self, c: &'a Criterion) -> Option<Part<'a>> {
        Some(match c {
            Criterion::AnyTag(ids) => Part::Within(any_of(&self.tags, ids)),
            Criterion::Tag(t) => Part::Within(any_of(&self.tags, std::slice::from_ref(t))),
            Criterion::Segment(keys) => Part::Within(any_of(&self.segments, keys)),
            Criterion::AssignedTo(a) => {
                Part::Within(any_of(&self.assigned, std::slice::from_ref(a)))
            }
            Criterion::Contacted(true) => Part::Within(Cow::Borrowed(&self.contacted)),
            Criterion::Contacted(false) => Part::Without(&self.contacted),
            Criterion::InOffice(offices) => Part::Within(any_of(&self.office, offices)),
            Criterion::Language(l) => Part::Within(any_of(&self.language, l)),
            Criterion::Source(s) => Part::Within(any_of(&self.source, std::slice::from_ref(s))),
            Criterion::Stage(s) => Part::Within(any_of(&self.stage, s)),
            Criterion::CreatedSince(t) => Part::Since(*t),
            Criterion::Email { .. } | Criterion::Phone { .. } | Criterion::UpdatedSince(_) => {
                return None;
            }
        })
    }

    /// The live leads `who` may see that match the filter: the intersection of one bitmap per
    /// condition (each holds live leads only), smallest first, so the work follows the most
    /// selective condition.
    fn matches(&self, who: &Principal, r: &Resolved<'_>) -> RoaringBitmap {
        let criteria = r.criteria();
        let mut parts: Vec<Cow<'_, RoaringBitmap>> = Vec::new();
        let mut without = Vec::new();
        let mut since = None;
        if let Some(seen) = self.visible_beyond_team(who) {
            parts.push(Cow::Owned(seen));
        }
        for c in &criteria {
            match self.part(c) {
                Some(Part::Within(b)) => parts.push(b),
                Some(Part::Without(b)) => without.push(b),
                Some(Part::Since(t)) => since = since.max(Some(t)),
                // the caller checked the search is indexable
                None => {}
            }
        }
        parts.sort_by_key(|b| b.len());
        let mut parts = parts.into_iter();
        // the first two intersected into a new bitmap, rather than the smallest copied whole
        // and cut down (a tag's bitmap at 1M leads is ~100 KB: the copy cost as much as the
        // intersection)
        let mut set = match (parts.next(), parts.next()) {
            (Some(a), Some(b)) => a.as_ref() & b.as_ref(),
            (Some(a), None) => a.into_owned(),
            (None, _) => self.live.clone(),
        };
        for p in parts {
            if set.is_empty() {
                break;
            }
            set &= p.as_ref();
        }
        for b in without {
            set -= b;
        }
        if let Some(t) = since {
            if self.ordered() {
                let from = self.times.partition_point(|x| *x < t) as u32;
                set.remove_range(..from);
            } else {
                let old: RoaringBitmap =
                    set.iter().filter(|o| self.times[*o as usize] < t).collect();
                set -= old;
            }
        }
        set
    }

    fn key(&self, ord: u32) -> (i64, i64) {
        (self.times[ord as usize], self.ids[ord as usize])
    }

    /// One page of `set` in (create time, id) order: the (create time, id) of its leads.
    fn page(
        &self,
        set: &RoaringBitmap,
        desc: bool,
        offset: u64,
        limit: u32,
        after: Option<Position>,
    ) -> Vec<(i64, i64)> {
        if !self.ordered() {
            return self.page_by_scan(set, desc, offset, limit, after);
        }
        let n = set.len();
        let limit = limit as u64;
        let picks: Vec<u32> = if desc {
            // matches strictly before `after` in ordinal order: ranks 0..below
            let below = match after {
                Some(a) => {
                    let end = self.partition(|k| a.admits(k, true));
                    if end == 0 { 0 } else { set.rank(end - 1) }
                }
                None => n,
            };
            let top = below.saturating_sub(offset);
            (0..limit.min(top))
                .filter_map(|j| set.select((top - 1 - j) as u32))
                .collect()
        } else {
            let start = match after {
                Some(a) => {
                    let end = self.partition(|k| !a.admits(k, false));
                    if end == 0 { 0 } else { set.rank(end - 1) }
                }
                None => 0,
            } + offset;
            (start..n.min(start + limit))
                .filter_map(|j| set.select(j as u32))
                .collect()
        };
        picks.into_iter().map(|o| self.key(o)).collect()
    }

    /// The number of ordinals whose key satisfies `pred` (a prefix, since ordinals are ordered).
    fn partition(&self, pred: impl Fn((i64, i64)) -> bool) -> u32 {
        let (mut lo, mut hi) = (0usize, self.ids.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if pred(self.key(mid as u32)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo as u32
    }

    fn page_by_scan(
        &self,
        set: &RoaringBitmap,
        desc: bool,
        offset: u64,
        limit: u32,
        after: Option<Position>,
    ) -> Vec<(i64, i64)> {
        let mut keys: Vec<(i64, i64)> = set
            .iter()
            .map(|o| self.key(o))
            .filter(|k| after.is_none_or(|a| a.admits(*k, desc)))
            .collect();
        if desc {
            keys.sort_unstable_by(|a, b| b.cmp(a));
        } else {
            keys.sort_unstable();
        }
        keys.into_iter()
            .skip(offset.min(usize::MAX as u64) as usize)
            .take(limit as usize)
            .collect()
    }
}

/// The index of every team, or None until it has been built.
#[derive(Default)]
pub(crate) struct SearchIndex {
    teams: RwLock<Option<HashMap<i64, Arc<RwLock<TeamIndex>>>>>,
    /// Takes the leads from the journal's tail (PostgreSQL, where other processes write too)
    /// instead of from this process's commits (SQLite).
    follows_journal: bool,
}

/// What the index answers for a search.
pub(crate) struct Answer {
    pub total: u64,
    /// (create time, id) of the page's leads, in page order.
    pub page: Vec<(i64, i64)>,
}

impl SearchIndex {
    /// An index not built yet, fed by this process's commits or by the journal's tail.
    pub(crate) fn new(follows_journal: bool) -> Self {
        Self {
            teams: RwLock::new(None),
            follows_journal,
        }
    }

    pub(crate) fn ready(&self) -> bool {
        self.teams.read().expect("index lock").is_some()
    }

    /// (teams, leads) in the index, or None until it is built (for `/metrics`).
    pub(crate) fn size(&self) -> Option<(usize, usize)> {
        let teams: Vec<_> = self
            .teams
            .read()
            .expect("index lock")
            .as_ref()?
            .values()
            .cloned()
            .collect();
        let leads = teams
            .iter()
            .map(|t| t.read().expect("index lock").ids.len())
            .sum();
        Some((teams.len(), leads))
    }

    /// Installs a freshly built index.
    fn install(&self, teams: HashMap<i64, TeamIndex>) {
        let teams = teams
            .into_iter()
            .map(|(k, t)| (k, Arc::new(RwLock::new(t))))
            .collect();
        *self.teams.write().expect("index lock") = Some(teams);
    }

    /// Indexes the new state of leads; called in commit order.
    pub(crate) fn apply(&self, entries: &[Entry]) {
        for e in entries {
            let team = {
                let mut guard = self.teams.write().expect("index lock");
                let Some(teams) = guard.as_mut() else { return };
                teams
                    .entry(e.team_id)
                    .or_insert_with(|| Arc::new(RwLock::new(TeamIndex::new())))
                    .clone()
            };
            team.write().expect("index lock").upsert(e);
        }
    }

    /// The total and one page of a search in the default order, or None when the index is not
    /// built yet.
    pub(crate) fn search(
        &self,
        who: &Principal,
        r: &Resolved<'_>,
        q: &LeadQuery,
        with_page: bool,
    ) -> Option<Answer> {
        let (desc, offset, limit, after) = (q.desc, q.offset, q.limit, q.after);
        let team = {
            let guard = self.teams.read().expect("index lock");
            guard.as_ref()?.get(&who.team_id).cloned()
        };
        let Some(team) = team else {
            return Some(Answer {
                total: 0,
                page: Vec::new(),
            });
        };
        let t = team.read().expect("index lock");
        let set = t.matches(who, r);
        let page = if with_page {
            t.page(&set, desc, offset, limit, after)
        } else {
            Vec::new()
        };
        Some(Answer {
            total: set.len(),
            page,
        })
    }
}

/// Once built, the index wants the leads each write changed, as the write left them: from
/// this process's commits, or, where other processes write too, from the journal's tail only
/// (which hands every process's changes over in one order, so a lead's older state never
/// overwrites a newer one).
impl Follower for SearchIndex {
    fn wants_leads(&self, from_journal: bool) -> bool {
        from_journal == self.follows_journal && self.ready()
    }

    fn committed(&self, change: &Committed<'_>) {
        if change.from_journal == self.follows_journal && !change.leads.is_empty() {
            let entries: Vec<Entry> = change.leads.iter().map(Entry::of).collect();
            self.apply(&entries);
        }
    }
}

impl Store {
    /// How many leads the in-memory search index holds, or None until it is built.
    pub fn search_index_leads(&self) -> Option<usize> {
        self.index.as_ref()?.size().map(|(_, leads)| leads)
    }

    /// This store without its in-memory search index: every search answered by SQL alone. For
    /// the differential tests that check the index and SQL agree, and for telling them apart
    /// when diagnosing.
    pub fn sql_only(&self) -> Store {
        let mut parts = StoreParts::clone(self);
        parts.index = None;
        Store(Arc::new(parts))
    }

    /// Builds the search index from the database; searches run in SQL meanwhile. On a million
    /// leads it takes some seconds.
    ///
    /// SQLite: writers wait until it is done, so no change can slip between the read and the
    /// install. PostgreSQL: writers go on (other processes' writers could not be stopped anyway);
    /// the journal's tail is first asked where it stands, and once the index is installed it
    /// goes back there and hands the index every change since, from whichever process.
    pub async fn build_search_index(&self) -> Result<(), Error> {
        let Some(index) = &self.index else {
            return Ok(());
        };
        let _turn = self.turn.take().await;
        let started = std::time::Instant::now();
        let from = match self.tail() {
            Some(tail) => Some(tail.horizon_now().await?),
            None => None,
        };
        let teams = match self.reader() {
            // one pass over each table on a connection of its own, row by row
            Some(reader) => {
                let reader = reader.clone();
                tokio::task::spawn_blocking(move || reader.index_rows(build))
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "the index build stopped");
                        Error::internal("internal error")
                    })??
            }
            // an in-memory database: small by nature
            None => self.index_rows_here().await?,
        };
        let count: usize = teams.values().map(|t| t.ids.len()).sum();
        match (self.tail(), from) {
            (Some(tail), Some(from)) => tail.rewind_after(from, || index.install(teams)).await,
            _ => index.install(teams),
        }
        crate::metrics::seconds(
            crate::metrics::SEARCH_INDEX_BUILD_SECONDS,
            started.elapsed(),
        );
        tracing::info!(
            leads = count,
            ms = started.elapsed().as_millis() as u64,
            "lead search index built"
        );
        Ok(())
    }

    /// The index rows read through sea-orm (PostgreSQL, or a SQLite database the reader cannot
    /// open), [`BUILD_CHUNK`] leads at a time with their tags and segments, so that a large
    /// team's rows are never all in memory at once.
    async fn index_rows_here(&self) -> Result<HashMap<i64, TeamIndex>, Error> {
        let rows = |stmt: sea_orm::sea_query::SelectStatement, which: usize| async move {
            self.db
                .query_all(&stmt)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|r| IndexRow::from_query_result(which, &r).map_err(db_err))
                .collect::<Result<Vec<_>, Error>>()
        };
        let mut teams = HashMap::new();
        let mut after = None;
        loop {
            let leads = rows(lead_rows(after, Some(BUILD_CHUNK)), 0).await?;
            let Some(IndexRow::Lead(last)) = leads.last() else {
                break;
            };
            let upto = Some((last.team_id, last.id));
            let full = leads.len() as u64 == BUILD_CHUNK;
            let tags = rows(side_rows("lead_tags", "tag_id", after, upto), 1).await?;
            let segments = rows(side_rows("lead_segments", "name_key", after, upto), 2).await?;
            build_into(
                &mut teams,
                &mut leads.into_iter().map(Ok),
                &mut tags.into_iter().map(Ok),
                &mut segments.into_iter().map(Ok),
                None,
            )?;
            if !full {
                break;
            }
            after = upto;
        }
        Ok(teams)
    }
}

/// How many leads an index build reads at a time through sea-orm.
const BUILD_CHUNK: u64 = 10_000;

/// The row values (`team`, `id`) and `key`, for a range of (team, lead) keys.
fn key_pair(team: &'static str, id: &'static str, key: (i64, i64)) -> (Expr, Expr) {
    (
        Expr::tuple([Expr::col(team), Expr::col(id)]),
        Expr::tuple([Expr::val(key.0), Expr::val(key.1)]),
    )
}

/// The leads' indexed columns in (team, id) order, those after `after` and at most `limit`.
fn lead_rows(after: Option<(i64, i64)>, limit: Option<u64>) -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns([
        "team_id",
        "id",
        "create_time",
        "delete_time",
        "stage",
        "source",
        "language",
        "assigned_user_id",
        "lender_user_id",
        "assistant_user_id",
        "pond_id",
        "ownership_scope",
        "ownership_id",
        "contacted",
    ])
    .from(lead::Entity)
    .order_by("team_id", sea_orm::Order::Asc)
    .order_by("id", sea_orm::Order::Asc);
    if let Some(a) = after {
        // local: its min/max would shadow Ord's on integers elsewhere in this file
        use sea_orm::sea_query::ExprTrait;
        let (col, val) = key_pair("team_id", "id", a);
        q.and_where(col.gt(val));
    }
    if let Some(n) = limit {
        q.limit(n);
    }
    q
}

/// (team, lead, `col`) of a lead's side table in (team, lead) order, for the leads after
/// `after` up to and including `upto`.
fn side_rows(
    table: &'static str,
    col: &'static str,
    after: Option<(i64, i64)>,
    upto: Option<(i64, i64)>,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::ExprTrait;
    let mut q = Query::select();
    q.columns(["team_id", "lead_id", col])
        .from(sea_orm::sea_query::Alias::new(table))
        .order_by("team_id", sea_orm::Order::Asc)
        .order_by("lead_id", sea_orm::Order::Asc);
    if let Some(a) = after {
        let (col, val) = key_pair("team_id", "lead_id", a);
        q.and_where(col.gt(val));
    }
    if let Some(u) = upto {
        let (col, val) = key_pair("team_id", "lead_id", u);
        q.and_where(col.lte(val));
    }
    q
}

/// The three queries an index build reads, in (team, lead id) order: the leads' indexed
/// columns, their tags and their segments (built by sea-query, as every query is).
pub(crate) fn index_sql() -> [String; 3] {
    use sea_orm::sea_query::SqliteQueryBuilder;
    [
        lead_rows(None, None).to_string(SqliteQueryBuilder),
        side_rows("lead_tags", "tag_id", None, None).to_string(SqliteQueryBuilder),
        side_rows("lead_segments", "name_key", None, None).to_string(SqliteQueryBuilder),
    ]
}

/// How many leads each team has (team, count), to size the index before it is built.
pub(crate) fn count_sql() -> String {
    use sea_orm::sea_query::{ExprTrait, SqliteQueryBuilder};
    Query::select()
        .column("team_id")
        .expr(Expr::col("id").count())
        .from(lead::Entity)
        .group_by_col("team_id")
        .to_string(SqliteQueryBuilder)
}

/// One row of an index build query: a lead (its entry without tags and segments), or one tag
/// or segment of a lead.
pub(crate) enum IndexRow {
    Lead(Entry),
    Tag((i64, i64), i64),
    Segment((i64, i64), String),
}

impl IndexRow {
    /// The row of query `which` of [`index_sql`], from any row type with typed getters.
    pub(crate) fn from_row<E>(
        which: usize,
        int: impl Fn(usize) -> Result<i64, E>,
        opt: impl Fn(usize) -> Result<Option<String>, E>,
    ) -> Result<Self, E> {
        Ok(match which {
            0 => IndexRow::Lead(Entry {
                team_id: int(0)?,
                id: int(1)?,
                create_time: int(2)?,
                live: int(3)? == 0,
                stage: opt(4)?,
                source: opt(5)?,
                language: opt(6)?,
                assigned: int(7)?,
                lender: int(8)?,
                assistant: int(9)?,
                pond: int(10)?,
                scope: opt(11)?.as_deref().and_then(OwnershipScope::parse),
                owner: int(12)?,
                contacted: int(13)? != 0,
                ..Default::default()
            }),
            1 => IndexRow::Tag((int(0)?, int(1)?), int(2)?),
            _ => IndexRow::Segment((int(0)?, int(1)?), opt(2)?.unwrap_or_default()),
        })
    }

    fn from_query_result(which: usize, r: &sea_orm::QueryResult) -> Result<Self, sea_orm::DbErr> {
        Self::from_row(
            which,
            // `contacted` is a boolean on PostgreSQL (an integer on SQLite)
            |i| {
                r.try_get_by_index::<i64>(i)
                    .or_else(|_| r.try_get_by_index::<bool>(i).map(i64::from))
            },
            |i| r.try_get_by_index::<Option<String>>(i),
        )
    }
}

/// Builds the teams' indexes from the three streams of [`index_sql`], merging each lead with its
/// tags and segments. `counts`, when known, sizes each team's tables up front.
pub(crate) fn build<E>(
    leads: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    tags: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    segments: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    counts: Option<&HashMap<i64, usize>>,
) -> Result<HashMap<i64, TeamIndex>, E> {
    let mut teams = HashMap::new();
    build_into(&mut teams, leads, tags, segments, counts)?;
    Ok(teams)
}

/// [`build`] into teams' indexes already partly built (from leads before these).
fn build_into<E>(
    teams: &mut HashMap<i64, TeamIndex>,
    leads: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    tags: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    segments: &mut dyn Iterator<Item = Result<IndexRow, E>>,
    counts: Option<&HashMap<i64, usize>>,
) -> Result<(), E> {
    let mut tags = tags.peekable();
    let mut segments = segments.peekable();
    let key_of = |r: &Result<IndexRow, E>| match r {
        Ok(IndexRow::Tag(k, _)) | Ok(IndexRow::Segment(k, _)) => Some(*k),
        _ => None,
    };
    for row in leads {
        let IndexRow::Lead(mut e) = row? else {
            continue;
        };
        let key = (e.team_id, e.id);
        while let Some(r) = tags.next_if(|r| r.is_err() || key_of(r).is_some_and(|k| k <= key)) {
            if let IndexRow::Tag(k, t) = r?
                && k == key
            {
                e.tags.push(t);
            }
        }
        while let Some(r) = segments.next_if(|r| r.is_err() || key_of(r).is_some_and(|k| k <= key))
        {
            if let IndexRow::Segment(k, s) = r?
                && k == key
            {
                e.segments.push(s);
            }
        }
        teams
            .entry(e.team_id)
            .or_insert_with(|| {
                let mut t = TeamIndex::new();
                if let Some(n) = counts.and_then(|c| c.get(&e.team_id)) {
                    t.ids.reserve_exact(*n);
                    t.times.reserve_exact(*n);
                }
                t
            })
            .upsert(&e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, time: i64, stage: &str, tags: &[i64]) -> Entry {
        Entry {
            team_id: 1,
            id,
            create_time: time,
            live: true,
            stage: Some(stage.into()),
            scope: Some(OwnershipScope::Personal),
            owner: 7,
            tags: tags.to_vec(),
            ..Default::default()
        }
    }

    fn admin() -> Principal {
        Principal {
            team_id: 1,
            user_id: 7,
            role: openhouse_domain::auth::Role::Admin,
            office_id: 0,
            pond_ids: vec![],
            kind: openhouse_domain::auth::CredentialKind::ApiKey,
            app_id: None,
            credential_key: String::new(),
            expire_time: 0,
            scopes: None,
        }
    }

    fn build(entries: &[Entry]) -> SearchIndex {
        let ix = SearchIndex::default();
        let mut t = TeamIndex::new();
        for e in entries {
            t.upsert(e);
        }
        ix.install(HashMap::from([(1, t)]));
        ix
    }

    fn run(
        ix: &SearchIndex,
        f: &LeadFilter,
        tags: Option<Vec<i64>>,
        desc: bool,
        offset: u64,
        limit: u32,
        after: Option<Position>,
    ) -> Answer {
        let r = Resolved {
            filter: f,
            any_tags: tags,
            all_tags: vec![],
            offices: None,
        };
        let q = LeadQuery {
            filter: f.clone(),
            sort: openhouse_domain::search::LeadSort::Default,
            desc,
            limit,
            offset,
            after,
            served: 0,
        };
        ix.search(&admin(), &r, &q, true).unwrap()
    }

    /// The ordered and the scanning page agree, with offsets and positions.
    #[test]
    fn pages_in_order_and_by_scan_agree() {
        let all: Vec<Entry> = (1..=200)
            .map(|i| {
                entry(
                    i * 10,
                    1000 + i / 3,
                    if i % 3 == 0 { "A" } else { "B" },
                    &[i % 4],
                )
            })
            .collect();
        let ordered = build(&all);
        // an id older than the newest, appended last, makes the second index unordered
        let scanned = build(&all[1..]);
        scanned.apply(&all[..1]);
        assert!(
            !scanned.teams.read().unwrap().as_ref().unwrap()[&1]
                .read()
                .unwrap()
                .ordered()
        );
        let f = LeadFilter {
            stages: vec!["A".into()],
            ..Default::default()
        };
        for desc in [true, false] {
            for offset in [0, 3, 60, 500] {
                for after in [
                    None,
                    Some(Position {
                        value: 1030,
                        id: 900,
                    }),
                    Some(Position {
                        value: 1030,
                        id: 910,
                    }),
                ] {
                    let a = run(&ordered, &f, Some(vec![1, 2]), desc, offset, 7, after);
                    let b = run(&scanned, &f, Some(vec![1, 2]), desc, offset, 7, after);
                    assert_eq!(a.total, b.total);
                    assert_eq!(
                        a.page, b.page,
                        "desc {desc} offset {offset} after {after:?}"
                    );
                }
            }
        }
        let a = run(&ordered, &f, None, true, 0, 3, None);
        assert_eq!(a.total, 66);
        assert_eq!(a.page, vec![(1066, 1980), (1065, 1950), (1064, 1920)]);
    }

    /// A lead indexed again leaves no trace of its old values.
    #[test]
    fn upsert_replaces() {
        let ix = build(&[entry(1, 1, "A", &[5]), entry(2, 2, "A", &[5])]);
        ix.apply(&[Entry {
            live: false,
            ..entry(1, 1, "B", &[6])
        }]);
        let f = LeadFilter {
            stages: vec!["A".into()],
            ..Default::default()
        };
        assert_eq!(
            run(&ix, &f, Some(vec![5]), true, 0, 10, None).page,
            vec![(2, 2)]
        );
        let f = LeadFilter::default();
        assert_eq!(run(&ix, &f, Some(vec![6]), true, 0, 10, None).total, 0);
    }
}
