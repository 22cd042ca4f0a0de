//! 64-bit IDs generated without coordination: milliseconds since 2024-01-01 UTC (41 bits),
//! node (4 bits) and a per-millisecond sequence (8 bits). 53 bits in all, so every ID is exact
//! in a JavaScript number, as Lofty's own IDs are. Each server process sharing a database takes
//! its own node number (`--node-id`); within a process the generator is lock-free.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const EPOCH_MS: u64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const NODE_BITS: u32 = 4;
const SEQ_BITS: u32 = 8;
pub const MAX_NODE: u16 = (1 << NODE_BITS) - 1;

/// Generates IDs that grow with time. State is the last (ms << SEQ_BITS | seq) handed out; when
/// a millisecond's sequence is used up the generator borrows from the next millisecond, so it
/// never blocks and never repeats.
#[derive(Debug)]
pub struct IdGenerator {
    node: u64,
    last: AtomicU64,
}

impl IdGenerator {
    pub fn new(node: u16) -> Self {
        assert!(node <= MAX_NODE, "node id must be at most {MAX_NODE}");
        Self {
            node: node as u64,
            last: AtomicU64::new(0),
        }
    }

    pub fn node(&self) -> u16 {
        self.node as u16
    }

    pub fn next_id(&self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let floor = now.saturating_sub(EPOCH_MS) << SEQ_BITS;
        let mut cur = self.last.load(Ordering::Relaxed);
        loop {
            let next = if floor > cur { floor } else { cur + 1 };
            match self
                .last
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    let ms = next >> SEQ_BITS;
                    let seq = next & ((1 << SEQ_BITS) - 1);
                    return ((ms << (NODE_BITS + SEQ_BITS)) | (self.node << SEQ_BITS) | seq) as i64;
                }
                Err(actual) => cur = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_increasing_and_js_safe() {
        let g = IdGenerator::new(3);
        let mut prev = 0;
        let mut seen = HashSet::new();
        for _ in 0..100_000 {
            let id = g.next_id();
            assert!(id > prev);
            assert!(id < (1i64 << 53));
            assert!(seen.insert(id));
            prev = id;
        }
    }

    #[test]
    fn nodes_never_collide() {
        let a = IdGenerator::new(1);
        let b = IdGenerator::new(2);
        let xs: HashSet<i64> = (0..10_000).map(|_| a.next_id()).collect();
        assert!((0..10_000).map(|_| b.next_id()).all(|id| !xs.contains(&id)));
    }

    #[test]
    fn concurrent_generation_is_unique() {
        let g = std::sync::Arc::new(IdGenerator::new(0));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let g = g.clone();
                std::thread::spawn(move || (0..20_000).map(|_| g.next_id()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for h in handles {
            for id in h.join().unwrap() {
                assert!(all.insert(id));
            }
        }
    }
}
