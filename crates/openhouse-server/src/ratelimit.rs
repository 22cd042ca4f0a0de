//! Rate limits per credential, over a one-minute window: one bucket per credential, whatever
//! tier its requests come in.
//!
//! Each key (a credential, or the address of callers without a valid one) has one bucket that
//! holds how many requests it has used. A request is counted against the limit of the tier in
//! force for it (the higher one with a valid vendor key of the credential's team, the contract's
//! 10 a minute without): it is admitted while the bucket holds fewer than that many, and the
//! bucket drains continuously at that limit per minute (GCRA-like: the allowance comes back
//! gradually rather than all at once at the minute). A tier change keeps the count: a
//! credential that has used 8 requests with its vendor key has 2 left without it, and one that
//! has used its 10 without a vendor key has 490 left with one. So a credential that alternates
//! gets the higher tier's allowance in all, never the sum of both, and at most the lower
//! tier's allowance of requests without the key.
//!
//! `governor` (used before) keeps one quota per limiter, which is why there were two buckets;
//! this is the same algorithm with the limit given per request, in a sharded map.
//!
//! The state is per process: several openhouse processes behind one balancer each allow the
//! full limit (noted in the README).

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One request, in the bucket's units (a millionth of a request drains at a time).
const UNIT: u128 = 1_000_000;
const WINDOW: Duration = Duration::from_secs(60);
const SHARDS: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Requests used, in `UNIT`s, as of `at`.
    used: u128,
    /// Nanoseconds since the limiter started.
    at: u128,
}

impl Bucket {
    /// The bucket as of `now`, drained at `limit` requests a minute since it was last counted.
    fn drained(self, now: u128, limit: u32) -> Bucket {
        let elapsed = now.saturating_sub(self.at);
        let drain = elapsed * u128::from(limit) * UNIT / WINDOW.as_nanos();
        Bucket {
            used: self.used.saturating_sub(drain),
            at: now.max(self.at),
        }
    }
}

pub struct RateLimits {
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
    hasher: RandomState,
    vendored_limit: u32,
    unvendored_limit: u32,
    start: Instant,
}

/// What the limiter said about one request, and the headers it yields.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// UTC epoch seconds at which the full allowance is back.
    pub reset: u64,
    /// Whole seconds until one more request is admitted (0 when this one was): a 429's
    /// `Retry-After`.
    pub retry_after: u64,
}

fn epoch_after(d: Duration) -> u64 {
    (SystemTime::now() + d)
        .duration_since(UNIX_EPOCH)
        .map(|t| t.as_secs())
        .unwrap_or(0)
        + u64::from(d.subsec_nanos() > 0)
}

impl RateLimits {
    pub fn new(vendored_per_minute: u32, unvendored_per_minute: u32) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            vendored_limit: vendored_per_minute.max(1),
            unvendored_limit: unvendored_per_minute.max(1),
            start: Instant::now(),
        }
    }

    /// The limit of a tier.
    pub fn limit(&self, vendored: bool) -> u32 {
        if vendored {
            self.vendored_limit
        } else {
            self.unvendored_limit
        }
    }

    /// The higher of the two limits: a request this would refuse is refused in either tier.
    pub fn max_limit(&self) -> u32 {
        self.vendored_limit.max(self.unvendored_limit)
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<String, Bucket>> {
        &self.shards[self.hasher.hash_one(key) as usize % SHARDS]
    }

    fn now(&self) -> u128 {
        self.start.elapsed().as_nanos()
    }

    /// Counts one request of `key` against the tier's limit.
    pub fn check(&self, key: &str, vendored: bool) -> Decision {
        self.check_limit(key, self.limit(vendored))
    }

    /// Counts one request of `key` against `limit` requests a minute.
    pub fn check_limit(&self, key: &str, limit: u32) -> Decision {
        let limit = limit.max(1);
        let cap = u128::from(limit) * UNIT;
        let now = self.now();
        let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        let b = match shard.get(key) {
            Some(b) => b.drained(now, limit),
            None => Bucket { used: 0, at: now },
        };
        let allowed = b.used + UNIT <= cap;
        let b = if allowed {
            Bucket {
                used: b.used + UNIT,
                ..b
            }
        } else {
            b
        };
        match shard.get_mut(key) {
            Some(slot) => *slot = b,
            None => {
                shard.insert(key.to_string(), b);
            }
        }
        drop(shard);
        // the allowance is full again once what is used has drained at this tier's rate
        let full_in = Duration::from_nanos(
            u64::try_from(b.used * WINDOW.as_nanos() / cap).unwrap_or(u64::MAX),
        );
        // one more fits once the bucket has drained to cap - UNIT
        let over = (b.used + UNIT).saturating_sub(cap);
        let retry_after = if allowed {
            0
        } else {
            let nanos = over * WINDOW.as_nanos() / cap;
            u64::try_from(nanos.div_ceil(1_000_000_000))
                .unwrap_or(u64::MAX)
                .max(1)
        };
        Decision {
            allowed,
            limit,
            remaining: u32::try_from(cap.saturating_sub(b.used) / UNIT).unwrap_or(u32::MAX),
            reset: epoch_after(full_in),
            retry_after,
        }
    }

    /// Whether `key` has room for one more request at `limit` a minute, without counting one.
    pub fn has_room(&self, key: &str, limit: u32) -> bool {
        let limit = limit.max(1);
        let now = self.now();
        let shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        shard
            .get(key)
            .is_none_or(|b| b.drained(now, limit).used + UNIT <= u128::from(limit) * UNIT)
    }

    /// Gives back a request counted by `check` that turned out not to belong to `key`.
    pub fn refund(&self, key: &str) {
        let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = shard.get_mut(key) {
            b.used = b.used.saturating_sub(UNIT);
        }
    }

    /// Forgets keys whose allowance is full again, so memory stays bounded by active callers.
    pub fn forget_idle(&self) {
        let now = self.now();
        // drained at the lower rate: a key is forgotten only once it is empty in either tier
        let slowest = self.vendored_limit.min(self.unvendored_limit);
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.retain(|_, b| b.drained(now, slowest).used > 0);
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_exhaustion() {
        let r = RateLimits::new(5, 2);
        assert!(r.check("a", false).allowed);
        let d = r.check("a", false);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        assert!(!r.check("a", false).allowed);
        // another key is counted apart
        assert!(r.check("b", false).allowed);
        // the vendored tier draws from the same bucket: 2 used, 3 left
        let v = r.check("a", true);
        assert!(v.allowed);
        assert_eq!(v.limit, 5);
        assert_eq!(v.remaining, 2);
    }

    #[test]
    fn alternating_tiers_get_the_higher_allowance_not_the_sum() {
        let r = RateLimits::new(5, 3);
        let mut allowed = 0;
        let mut without_key = 0;
        for i in 0..40 {
            let vendored = i % 2 == 0;
            if r.check("a", vendored).allowed {
                allowed += 1;
                if !vendored {
                    without_key += 1;
                }
            }
        }
        assert_eq!(allowed, 5);
        assert!(without_key <= 3);
    }

    #[test]
    fn refund_has_room_and_forget() {
        let r = RateLimits::new(2, 1);
        assert!(r.has_room("x", 1));
        assert!(r.check("x", false).allowed);
        assert!(!r.has_room("x", 1));
        assert!(r.has_room("x", 2), "room at the higher tier");
        r.refund("x");
        assert!(r.has_room("x", 1));
        assert!(r.check("x", false).allowed);
        assert_eq!(r.len(), 1);
        // nothing drained yet: kept
        r.forget_idle();
        assert_eq!(r.len(), 1);
        r.refund("x");
        r.forget_idle();
        assert!(r.is_empty());
    }

    #[test]
    fn drains_at_the_rate_of_the_tier() {
        let b = Bucket {
            used: 3 * UNIT,
            at: 0,
        };
        // 60 a minute: one request back per second
        let later = b.drained(Duration::from_secs(2).as_nanos(), 60);
        assert_eq!(later.used, UNIT);
        assert_eq!(b.drained(Duration::from_secs(60).as_nanos(), 60).used, 0);
        // a clock read earlier than the last count changes nothing
        let b = Bucket { used: UNIT, at: 10 };
        assert_eq!(b.drained(5, 60).used, UNIT);
    }
}
