//! List pages as last served, per generation of the data behind them.
//!
//! A findings page is read far more often than it changes (dashboards
//! refreshed every few seconds, several people of one ministry on the same
//! page), and what it shows changes only when the store's findings
//! generation moves. So each replica keeps the pages it served for the
//! current generation, keyed by the same tag as the page's `ETag` (the
//! caller, the query, the day), and drops them all when the generation
//! moves. Every request still reads the generation from the store, so a
//! change made through another replica is seen at once.

use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many bytes of pages are kept; past it, all are dropped.
const CAPACITY: usize = 64 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct ListCache {
    inner: Mutex<Pages>,
}

#[derive(Debug, Default)]
struct Pages {
    generation: i64,
    bytes: usize,
    pages: HashMap<String, axum::body::Bytes>,
}

impl ListCache {
    /// The page served under `tag` at `generation`, if kept.
    pub fn get(&self, generation: i64, tag: &str) -> Option<axum::body::Bytes> {
        let pages = self.inner.lock().ok()?;
        if pages.generation != generation {
            return None;
        }
        pages.pages.get(tag).cloned()
    }

    /// Keeps a page served under `tag` at `generation`.
    pub fn put(&self, generation: i64, tag: String, page: axum::body::Bytes) {
        let Ok(mut pages) = self.inner.lock() else {
            return;
        };
        if pages.generation != generation || pages.bytes + page.len() > CAPACITY {
            *pages = Pages {
                generation,
                ..Pages::default()
            };
        }
        pages.bytes += page.len();
        pages.pages.insert(tag, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_kept_for_their_generation_only() {
        let cache = ListCache::default();
        cache.put(7, "a".into(), "page a".into());
        assert_eq!(cache.get(7, "a").as_deref(), Some(&b"page a"[..]));
        assert_eq!(cache.get(7, "b"), None);
        assert_eq!(cache.get(8, "a"), None, "a newer generation");
        cache.put(8, "b".into(), "page b".into());
        assert_eq!(cache.get(7, "a"), None, "dropped with its generation");
        assert_eq!(cache.get(8, "b").as_deref(), Some(&b"page b"[..]));
    }
}
