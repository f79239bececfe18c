//! A small in-memory cache of rendered responses (search API JSON, anonymous document pages).
//!
//! An entry is valid only for the content generation it was rendered at: the generation is the
//! search index's ([`concord_search::SearchIndex::generation`]), which moves on every document
//! written through this server (the editor re-indexes after each write) and every change
//! [`crate::follow_store`] picks up from elsewhere (another instance, `concord import`). So a
//! write is visible to the next request, exactly as in the index. A time-to-live bounds how
//! long changes the index does not see (an actor's or a taxonomy's name changed by another
//! process) can stay on a page. Least recently used entries go first when the cache is full
//! (entry count or bytes).
//!
//! Only anonymous renderings are stored; the signed-in header is added later by
//! [`crate::account`], so a cached body never holds anyone's name or CSRF token.

use std::{
    collections::HashMap,
    num::NonZeroUsize,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bytes::Bytes;
use lru::LruCache;

struct Entry {
    generation: u64,
    at: Instant,
    body: Bytes,
}

struct Inner {
    map: LruCache<String, Entry>,
    bytes: usize,
}

/// Rendered bodies by key (see the module docs).
pub struct ResponseCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
    ttl: Duration,
}

impl ResponseCache {
    /// A cache of at most `entries` bodies and `max_bytes` bytes, each valid for `ttl`.
    pub fn new(entries: usize, max_bytes: usize, ttl: Duration) -> ResponseCache {
        ResponseCache {
            inner: Mutex::new(Inner {
                map: LruCache::new(NonZeroUsize::new(entries.max(1)).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
            max_bytes,
            ttl,
        }
    }

    /// A cache that stores nothing.
    pub fn disabled() -> ResponseCache {
        ResponseCache::new(1, 0, Duration::ZERO)
    }

    /// The body stored under `key` if it was rendered at `generation` and is fresh.
    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let valid = match inner.map.get(key) {
            None => return None,
            Some(e) => e.generation == generation && e.at.elapsed() < self.ttl,
        };
        if valid {
            return inner.map.get(key).map(|e| e.body.clone());
        }
        if let Some(old) = inner.map.pop(key) {
            inner.bytes -= old.body.len();
        }
        None
    }

    /// Stores `body` under `key` as rendered at `generation`.
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        if body.len() > self.max_bytes / 8 || self.ttl.is_zero() {
            return; // one entry may not crowd out the rest
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let size = body.len();
        let entry = Entry {
            generation,
            at: Instant::now(),
            body,
        };
        if let Some((_, old)) = inner.map.push(key, entry) {
            // the replaced value under the same key, or the least recently used one evicted
            inner.bytes -= old.body.len();
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            match inner.map.pop_lru() {
                Some((_, old)) => inner.bytes -= old.body.len(),
                None => break,
            }
        }
    }

    /// How many entries are stored.
    pub fn entries(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }
}

/// (key, generation, made at, value)
type Slot<T> = (&'static str, u64, Instant, Arc<T>);

/// One small value per key (e.g. the principle labels per language), valid for a generation
/// and at most the time-to-live, like [`ResponseCache`] entries.
pub struct ValueCache<T> {
    inner: Mutex<Vec<Slot<T>>>,
    ttl: Duration,
}

impl<T> ValueCache<T> {
    pub fn new(ttl: Duration) -> ValueCache<T> {
        ValueCache {
            inner: Mutex::new(vec![]),
            ttl,
        }
    }

    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<T>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .iter()
            .find(|(k, g, at, _)| *k == key && *g == generation && at.elapsed() < self.ttl)
            .map(|(_, _, _, v)| v.clone())
    }

    pub fn put(&self, key: &'static str, generation: u64, value: Arc<T>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.retain(|(k, _, _, _)| *k != key);
        inner.push((key, generation, Instant::now(), value));
    }
}

/// The server's caches.
pub struct Caches {
    /// `GET /api/v1/search` bodies by (limit, offset, q, filters, counted facets).
    pub search: ResponseCache,
    /// Anonymous `GET /documents/{id}` pages by (language, id).
    pub pages: ResponseCache,
    /// Principle id → label, per language.
    pub labels: ValueCache<HashMap<String, String>>,
}

impl Caches {
    /// Caches of `mib` MiB in all (a quarter for search results); 0 turns caching off.
    pub fn with_mib(mib: usize) -> Caches {
        if mib == 0 {
            return Caches {
                search: ResponseCache::disabled(),
                pages: ResponseCache::disabled(),
                labels: ValueCache::new(Duration::ZERO),
            };
        }
        let bytes = mib * 1024 * 1024;
        let ttl = Duration::from_secs(60);
        Caches {
            search: ResponseCache::new(4096, bytes / 4, ttl),
            pages: ResponseCache::new(16_384, bytes - bytes / 4, ttl),
            labels: ValueCache::new(ttl),
        }
    }
}

impl Default for Caches {
    /// 64 MiB.
    fn default() -> Caches {
        Caches::with_mib(64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_ttl_and_limits() {
        let c = ResponseCache::new(2, 800, Duration::from_secs(60));
        c.put("a".into(), 1, Bytes::from_static(b"aaaa"));
        assert_eq!(c.get("a", 1).as_deref(), Some(&b"aaaa"[..]));
        // another generation: a miss, and the stale entry is gone
        assert_eq!(c.get("a", 2), None);
        assert_eq!(c.entries(), 0);
        c.put("a".into(), 2, Bytes::from_static(b"a2"));
        c.put("b".into(), 2, Bytes::from_static(b"b2"));
        c.get("a", 2); // a is now the most recently used
        c.put("c".into(), 2, Bytes::from_static(b"c2"));
        assert_eq!(c.entries(), 2);
        assert!(c.get("b", 2).is_none(), "the least recently used went");
        assert!(c.get("a", 2).is_some() && c.get("c", 2).is_some());
        // too big for the byte budget: not stored
        c.put("big".into(), 2, Bytes::from(vec![0u8; 200]));
        assert!(c.get("big", 2).is_none());
        // byte budget evicts
        let small = ResponseCache::new(100, 80, Duration::from_secs(60));
        for k in 0..10 {
            small.put(k.to_string(), 0, Bytes::from(vec![1u8; 10]));
        }
        assert_eq!(small.entries(), 8);
        let expired = ResponseCache::new(10, 1000, Duration::from_nanos(1));
        expired.put("x".into(), 0, Bytes::from_static(b"x"));
        std::thread::sleep(Duration::from_millis(2));
        assert!(expired.get("x", 0).is_none());
        let labels = ValueCache::new(Duration::from_secs(60));
        labels.put("en", 3, Arc::new(1));
        assert_eq!(labels.get("en", 3).as_deref(), Some(&1));
        assert!(labels.get("en", 4).is_none() && labels.get("zh", 3).is_none());
        let off = ResponseCache::disabled();
        off.put("x".into(), 0, Bytes::from_static(b"x"));
        assert!(off.get("x", 0).is_none());
    }
}
