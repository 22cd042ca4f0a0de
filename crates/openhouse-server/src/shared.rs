//! What the processes serving one database share through Redis (`--redis-url`): rate-limit
//! counters, so N nodes together admit a credential's limit once, not N times; and
//! revocations, so a credential revoked through one node stops working on every node at once
//! instead of when their credential caches let it go.
//!
//! - A bucket is the same as the process-local one ([`crate::ratelimit`]): requests used, in
//!   millionths, draining continuously at the tier's limit per minute; counted by one Lua
//!   script (atomic in Redis) on Redis's own clock, so the nodes' clocks do not matter.
//! - A revocation is a message on one channel; every node's subscriber forgets its cached
//!   credentials when one arrives, and also whenever its subscription was broken (it may have
//!   missed one).
//! - Redis unreachable: a node counts in its own limiter meanwhile (logged once), rather than
//!   refusing every request; the subscriber reconnects every second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

use crate::ratelimit::Decision;

const CHANNEL: &str = "openhouse:revocations";
const PREFIX: &str = "openhouse:rl:";

/// KEYS[1] the bucket; ARGV[1] the limit a minute; ARGV[2] 1 to count a request, -1 to give
/// one back. Answers {allowed (1/0), used (millionths), now (µs)}.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local unit = 1000000
local cap = limit * unit
local v = redis.call('HMGET', KEYS[1], 'used', 'at')
local used = tonumber(v[1]) or 0
local at = tonumber(v[2]) or now
if now > at then
  local elapsed = math.min(now - at, 60000000)
  used = math.max(used - math.floor(elapsed * limit / 60), 0)
  at = now
end
local allowed = 0
if tonumber(ARGV[2]) < 0 then
  used = math.max(used - unit, 0)
elseif used + unit <= cap then
  used = used + unit
  allowed = 1
end
redis.call('HSET', KEYS[1], 'used', used, 'at', at)
redis.call('PEXPIRE', KEYS[1], math.floor(used * 60 / limit / 1000) + 1000)
return {allowed, used, now}
";

pub struct Shared {
    client: redis::Client,
    conn: ConnectionManager,
    script: redis::Script,
    /// Whether the last call failed (so a failure is logged once, and the recovery once).
    down: AtomicBool,
}

impl Shared {
    /// Connects to Redis; an error when it cannot be reached now.
    pub async fn connect(url: &str) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("--redis-url is not a Redis URL: {e}"))?;
        let conn = tokio::time::timeout(Duration::from_secs(10), client.get_connection_manager())
            .await
            .map_err(|_| anyhow::anyhow!("Redis at {url} did not answer in 10 s"))?
            .map_err(|e| anyhow::anyhow!("cannot reach Redis at {url}: {e}"))?;
        Ok(Arc::new(Self {
            client,
            conn,
            script: redis::Script::new(SCRIPT),
            down: AtomicBool::new(false),
        }))
    }

    fn went(&self, ok: bool, e: Option<&redis::RedisError>) {
        let was_down = self.down.swap(!ok, Ordering::Relaxed);
        match (ok, was_down) {
            (false, false) => tracing::warn!(
                "Redis unreachable ({}): rate limits are counted per process until it is back",
                e.map(ToString::to_string).unwrap_or_default()
            ),
            (true, true) => tracing::info!("Redis reachable again: rate limits are shared"),
            _ => {}
        }
    }

    async fn run(&self, key: &str, limit: u32, cost: i32) -> Option<(bool, u128, u128)> {
        let mut conn = self.conn.clone();
        let r: redis::RedisResult<(i64, i64, i64)> = self
            .script
            .key(format!("{PREFIX}{key}"))
            .arg(limit.max(1))
            .arg(cost)
            .invoke_async(&mut conn)
            .await;
        match r {
            Ok((allowed, used, now)) => {
                self.went(true, None);
                Some((allowed == 1, used.max(0) as u128, now.max(0) as u128))
            }
            Err(e) => {
                self.went(false, Some(&e));
                None
            }
        }
    }

    /// Counts one request of `key` against `limit` a minute; `None` when Redis cannot be
    /// reached (the caller counts it locally).
    pub async fn check(&self, key: &str, limit: u32) -> Option<Decision> {
        let (allowed, used, now_us) = self.run(key, limit, 1).await?;
        let limit = limit.max(1);
        let unit: u128 = 1_000_000;
        let cap = u128::from(limit) * unit;
        // full again once `used` has drained at `limit` a minute
        let full_in_us = used * 60 / u128::from(limit);
        let over = (used + unit).saturating_sub(cap);
        let retry_after = if allowed {
            0
        } else {
            let us = over * 60 / u128::from(limit);
            u64::try_from(us.div_ceil(1_000_000))
                .unwrap_or(u64::MAX)
                .max(1)
        };
        let now_s = if now_us > 0 {
            now_us
        } else {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_micros())
        };
        Some(Decision {
            allowed,
            limit,
            remaining: u32::try_from(cap.saturating_sub(used) / unit).unwrap_or(u32::MAX),
            reset: u64::try_from((now_s + full_in_us).div_ceil(1_000_000)).unwrap_or(u64::MAX),
            retry_after,
        })
    }

    /// Gives back a request counted by [`Shared::check`]; `false` when Redis cannot be reached.
    pub async fn refund(&self, key: &str, limit: u32) -> bool {
        self.run(key, limit, -1).await.is_some()
    }

    /// Tells every node that a credential was revoked.
    pub async fn publish_revocation(&self) {
        let mut conn = self.conn.clone();
        let r: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(CHANNEL)
            .arg("revoked")
            .query_async(&mut conn)
            .await;
        if let Err(e) = r {
            tracing::warn!("a revocation could not be sent to the other nodes: {e}");
        }
    }

    /// Listens for revocations until the process ends: `forget` runs for each, and after every
    /// reconnection.
    pub fn spawn_subscriber(self: &Arc<Self>, forget: impl Fn() + Send + Sync + 'static) {
        let client = self.client.clone();
        tokio::spawn(async move {
            use futures_util::StreamExt as _;
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut ps) => {
                        if ps.subscribe(CHANNEL).await.is_ok() {
                            // anything revoked while this node was not listening
                            forget();
                            let mut messages = ps.on_message();
                            while messages.next().await.is_some() {
                                forget();
                            }
                        }
                    }
                    Err(e) => tracing::debug!("Redis subscription: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// Publishes a revocation made outside a server (the command line), when a Redis URL is set.
pub async fn announce_revocation(url: Option<&str>) -> anyhow::Result<()> {
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        Shared::connect(url).await?.publish_revocation().await;
    }
    Ok(())
}
