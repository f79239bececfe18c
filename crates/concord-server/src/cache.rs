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

/// Values derived from a stored input, per language, each kept with the input's stamp (e.g.
/// principle labels with the taxonomy's `updated_at`): valid exactly while the stamp the store
/// reports is the same, so no time-to-live is needed and it stays on when the response cache
/// is off.
pub struct StampedCache<T> {
    inner: Mutex<Vec<Stamped<T>>>,
}

/// (key, stamp of the input, value)
type Stamped<T> = (&'static str, Option<String>, Arc<T>);

impl<T> Default for StampedCache<T> {
    fn default() -> Self {
        StampedCache {
            inner: Mutex::new(vec![]),
        }
    }
}

impl<T> StampedCache<T> {
    /// The value kept under `key` if it was made at `stamp`.
    pub fn get(&self, key: &str, stamp: Option<&str>) -> Option<Arc<T>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .iter()
            .find(|(k, s, _)| *k == key && s.as_deref() == stamp)
            .map(|(_, _, v)| v.clone())
    }

    /// Keeps `value` under `key` as made at `stamp` (replacing what was kept under `key`).
    pub fn put(&self, key: &'static str, stamp: Option<String>, value: Arc<T>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.retain(|(k, _, _)| *k != key);
        inner.push((key, stamp, value));
    }
}

/// The server's caches.
pub struct Caches {
    /// `GET /api/v1/search` bodies by (limit, offset, q, filters, counted facets).
    pub search: ResponseCache,
    /// Anonymous `GET /documents/{id}` pages by (language, id).
    pub pages: ResponseCache,
    /// Principle id → label, per language, by the taxonomy's stamp (always on).
    pub labels: StampedCache<HashMap<String, String>>,
}

impl Caches {
    /// Caches of `mib` MiB in all (a quarter for search results); 0 turns caching off.
    pub fn with_mib(mib: usize) -> Caches {
        if mib == 0 {
            return Caches {
                search: ResponseCache::disabled(),
                pages: ResponseCache::disabled(),
                labels: StampedCache::default(),
            };
        }
        let bytes = mib * 1024 * 1024;
        let ttl = Duration::from_secs(60);
        Caches {
            search: ResponseCache::new(4096, bytes / 4, ttl),
            pages: ResponseCache::new(16_384, bytes - bytes / 4, ttl),
            labels: StampedCache::default(),
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
        let labels = StampedCache::default();
        labels.put("en", Some("t1".into()), Arc::new(1));
        labels.put("zh", None, Arc::new(2));
        assert_eq!(labels.get("en", Some("t1")).as_deref(), Some(&1));
        assert!(labels.get("en", Some("t2")).is_none() && labels.get("en", None).is_none());
        assert_eq!(labels.get("zh", None).as_deref(), Some(&2));
        labels.put("en", Some("t2".into()), Arc::new(3));
        assert!(labels.get("en", Some("t1")).is_none(), "one value per key");
        assert_eq!(labels.get("en", Some("t2")).as_deref(), Some(&3));
        let off = ResponseCache::disabled();
        off.put("x".into(), 0, Bytes::from_static(b"x"));
        assert!(off.get("x", 0).is_none());
    }
}
