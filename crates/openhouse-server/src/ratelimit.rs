//! Rate limits per credential, in one-minute windows, with the `governor` crate (GCRA: the
//! allowance refills continuously rather than all at once at the minute, which spreads load
//! the same way and needs no timers). Two tiers: callers with a valid vendor key get the
//! higher limit, others the contract's 10 per minute.
//!
//! The state is per process: several openhouse processes behind one balancer each allow the
//! full limit (noted in the README).

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Limiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

pub struct RateLimits {
    vendored: Limiter,
    unvendored: Limiter,
    vendored_limit: u32,
    unvendored_limit: u32,
    clock: DefaultClock,
}

/// What the limiter said about one request, and the headers it yields.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// UTC epoch seconds at which the full allowance is back.
    pub reset: u64,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("non-zero"))
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
            vendored: RateLimiter::keyed(quota(vendored_per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            unvendored: RateLimiter::keyed(quota(unvendored_per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            vendored_limit: vendored_per_minute.max(1),
            unvendored_limit: unvendored_per_minute.max(1),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `key` against its tier.
    pub fn check(&self, key: &str, vendored: bool) -> Decision {
        let (limiter, limit) = if vendored {
            (&self.vendored, self.vendored_limit)
        } else {
            (&self.unvendored, self.unvendored_limit)
        };
        let refill = Duration::from_secs(60) / limit;
        match limiter.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision {
                    allowed: true,
                    limit,
                    remaining,
                    reset: epoch_after(refill * (limit - remaining)),
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Decision {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset: epoch_after(wait + refill * (limit - 1)),
                }
            }
        }
    }

    /// Forgets keys whose allowance is full again, so memory stays bounded by active callers.
    pub fn forget_idle(&self) {
        self.vendored.retain_recent();
        self.unvendored.retain_recent();
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
        // another key and the vendored tier are counted apart
        assert!(r.check("b", false).allowed);
        let v = r.check("a", true);
        assert!(v.allowed);
        assert_eq!(v.limit, 5);
        assert_eq!(v.remaining, 4);
    }
}
