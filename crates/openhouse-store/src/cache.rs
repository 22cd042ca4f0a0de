//! Hot leads and user names kept in memory, so reading a lead by id costs no query.
//!
//! Coherence: every write commits through [`crate::journal::Write`], whose follower this is: it
//! then bumps the epoch and drops the leads it touched. A reader that filled the cache from the
//! database re-checks the epoch after inserting and drops its own entry if any write committed
//! meanwhile; so a copy read before a write can never outlive it. On PostgreSQL the writes of
//! other processes reach it the same way, from the journal's tail ([`crate::journal_tail`]),
//! and a read served from the cache first waits for the tail to catch up
//! ([`crate::Store::caught_up`]). A time to live bounds any other surprise.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;
use openhouse_domain::lead::Lead;

use crate::auth::UserInfo;
use crate::journal::{Committed, Follower};

pub(crate) struct Caches {
    leads: Cache<(i64, i64), Arc<Lead>>,
    /// Totals of lead searches, by team and filter: counting a large team's matches is the
    /// expensive half of a search page, and scrolling asks for the same total page after page.
    counts: Cache<(i64, String), u64>,
    users: Cache<(i64, i64), Arc<UserInfo>>,
    /// Tags by (team, name key): a tag is never renamed or deleted, so a tag once found stays
    /// right (names not found are not kept: they may be created later).
    tags: Cache<(i64, String), (i64, String)>,
    epoch: AtomicU64,
}

impl Caches {
    pub(crate) fn new() -> Self {
        Self {
            // ~2 KB a lead: some 20 MB, within the server's memory target (bench/RESULTS.md)
            leads: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            counts: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(300))
                .support_invalidation_closures()
                .build(),
            users: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            tags: Cache::builder().max_capacity(10_000).build(),
            epoch: AtomicU64::new(0),
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn lead(&self, team_id: i64, id: i64) -> Option<Arc<Lead>> {
        self.leads.get(&(team_id, id))
    }

    /// Keeps a lead read from the database at `epoch`, unless a write committed since.
    pub(crate) fn keep_lead(&self, lead: Arc<Lead>, epoch: u64) {
        let key = (lead.team_id, lead.id);
        self.leads.insert(key, lead);
        if self.epoch() != epoch {
            self.leads.invalidate(&key);
        }
    }

    /// Called after a write committed: forgets the leads it changed and the search totals of
    /// their teams.
    pub(crate) fn changed(&self, leads: &[(i64, i64)]) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for key in leads {
            self.leads.invalidate(key);
        }
        let mut teams: Vec<i64> = leads.iter().map(|(t, _)| *t).collect();
        teams.sort_unstable();
        teams.dedup();
        for team in teams {
            // the closure only fails when invalidation closures are not enabled: they are
            let _ = self.counts.invalidate_entries_if(move |k, _| k.0 == team);
        }
    }

    pub(crate) fn count(&self, team_id: i64, key: &str) -> Option<u64> {
        self.counts.get(&(team_id, key.to_string()))
    }

    /// Keeps a search total counted at `epoch`, unless a write committed since.
    pub(crate) fn keep_count(&self, team_id: i64, key: String, total: u64, epoch: u64) {
        let k = (team_id, key);
        self.counts.insert(k.clone(), total);
        if self.epoch() != epoch {
            self.counts.invalidate(&k);
        }
    }

    /// A team's tag by its name key: (id, name).
    pub(crate) fn tag(&self, team_id: i64, key: &str) -> Option<(i64, String)> {
        self.tags.get(&(team_id, key.to_string()))
    }

    pub(crate) fn keep_tag(&self, team_id: i64, key: String, id: i64, name: String) {
        self.tags.insert((team_id, key), (id, name));
    }

    pub(crate) fn user(&self, team_id: i64, id: i64) -> Option<Arc<UserInfo>> {
        self.users.get(&(team_id, id))
    }

    pub(crate) fn keep_user(&self, team_id: i64, user: Arc<UserInfo>) {
        self.users.insert((team_id, user.id), user);
    }

    pub(crate) fn forget_user(&self, team_id: i64, id: i64) {
        self.users.invalidate(&(team_id, id));
    }
}

impl Follower for Caches {
    fn committed(&self, change: &Committed<'_>) {
        self.changed(change.touched);
    }
}
