//! The render cache: every public URL rendered once into memory with its
//! gzip and brotli forms, a strong ETag and Last-Modified, so that serving a
//! page is a lookup that touches no database.
//!
//! Invalidation is coarse on purpose: any change to content empties the
//! cache (a menu or a news item shows on many pages); new signatures only
//! age it (pages are answered while rendered again). A generation counter
//! keeps a render that started before a change from being stored after it.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::http::HeaderValue;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// One representation set of a URL, ready to send.
#[derive(Debug)]
pub struct Entry {
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
    pub last_modified: HeaderValue,
    pub modified: SystemTime,
    /// The ETag of the identity body; compressed bodies append `-gz`/`-br`.
    pub etag: ETags,
    pub body: Bytes,
    pub gzip: Option<Bytes>,
    pub br: Option<Bytes>,
}

#[derive(Debug)]
pub struct ETags {
    pub identity: HeaderValue,
    pub gzip: HeaderValue,
    pub br: HeaderValue,
    /// The hash inside the quotes, compared against If-None-Match.
    pub tag: String,
}

pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

impl Entry {
    pub fn new(content_type: &str, body: Vec<u8>, modified: SystemTime, cache_control: &'static str) -> Self {
        let tag = crate::secrets::hex(&Sha256::digest(&body)[..10]);
        let (gzip, br) = if compressible(content_type) && body.len() > 256 {
            (smaller(gzip(&body), &body), smaller(brotli(&body), &body))
        } else {
            (None, None)
        };
        let header = |s: String| HeaderValue::try_from(s).expect("hex digits and quotes are a valid header");
        Entry {
            content_type: HeaderValue::from_str(content_type).expect("content types are valid headers"),
            cache_control: HeaderValue::from_static(cache_control),
            last_modified: header(httpdate::fmt_http_date(modified)),
            modified,
            etag: ETags {
                identity: header(format!("\"{tag}\"")),
                gzip: header(format!("\"{tag}-gz\"")),
                br: header(format!("\"{tag}-br\"")),
                tag,
            },
            body: Bytes::from(body),
            gzip,
            br,
        }
    }
}

/// Text formats (HTML, CSS, JS, XML, JSON, SVG) shrink well; images and PDFs do not.
pub fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/") && (content_type.contains("xml") || content_type.contains("json"))
        || content_type.starts_with("image/svg")
}

fn smaller(compressed: Vec<u8>, original: &[u8]) -> Option<Bytes> {
    (compressed.len() < original.len()).then(|| Bytes::from(compressed))
}

/// Compressed at the best level: done once per page, sent many times.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::best());
    encoder.write_all(body).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// Quality 9, not 11: within a few percent of the smallest output at about
/// a tenth of the time, which a visitor waits for after an edit empties the
/// cache and an export pays for every page. The window is no larger than
/// the body: the encoder sizes its hash tables by the window (32 MB at
/// quality 9 for 4 MB, `lgwin` 22), and a window wider than the body finds
/// nothing more.
pub fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let lgwin = body.len().max(1).next_power_of_two().trailing_zeros().clamp(10, 22) as i32;
    let params = brotli::enc::BrotliEncoderParams { quality: 9, lgwin, size_hint: body.len(), ..Default::default() };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).expect("writing to a Vec cannot fail");
    out
}

/// Pages by path, each tagged with the generation it was rendered in; only
/// entries of the current generation are fresh. [`invalidate`](Self::invalidate)
/// drops them all; [`age`](Self::age) only makes them stale, for a change
/// no visitor waits for (new signatures counted): a stale page is answered
/// while one render of it runs in the background ([`refresh`](Self::refresh)).
#[derive(Default)]
pub struct RenderCache {
    generation: AtomicU64,
    entries: RwLock<HashMap<String, (u64, Arc<Entry>)>>,
    /// The paths whose background render runs now.
    refreshing: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl RenderCache {
    /// The entry for `path` if it is fresh.
    pub fn get(&self, path: &str) -> Option<Arc<Entry>> {
        let generation = self.generation();
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(path).filter(|(g, _)| *g == generation).map(|(_, e)| e.clone())
    }

    /// The entry for `path`, fresh or stale.
    pub fn get_any(&self, path: &str) -> Option<Arc<Entry>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(path).map(|(_, e)| e.clone())
    }

    /// Read before rendering; pass to [`insert`](Self::insert) afterwards.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores the entry unless the cache was invalidated or aged since `generation`.
    pub fn insert(&self, path: &str, entry: Arc<Entry>, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            entries.insert(path.to_owned(), (generation, entry));
        }
    }

    /// Drops a stale entry whose path no longer renders.
    pub fn remove(&self, path: &str) {
        self.entries.write().unwrap_or_else(|e| e.into_inner()).remove(path);
    }

    pub fn invalidate(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Makes every entry stale, keeping it to answer while it is rendered
    /// again. Entries keep the generation they were stored in, so no lock
    /// is needed: a render stored meanwhile is stale too.
    pub fn age(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Leave to render `path` again in the background, given to one caller
    /// at a time: held until the returned guard is dropped, however the
    /// render ends (a panic included).
    pub fn refresh(self: &Arc<Self>, path: &str) -> Option<Refreshing> {
        let first = self.refreshing.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_owned());
        first.then(|| Refreshing { cache: self.clone(), path: path.to_owned() })
    }

    /// How many entries there are, fresh or stale.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A background render of one stale path under way (see [`RenderCache::refresh`]).
pub struct Refreshing {
    cache: Arc<RenderCache>,
    pub path: String,
}

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.cache.refreshing.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str) -> Arc<Entry> {
        Arc::new(Entry::new("text/html; charset=utf-8", body.repeat(100).into_bytes(), SystemTime::UNIX_EPOCH, REVALIDATE))
    }

    #[test]
    fn compressed_bodies_decode_to_the_original() {
        let e = entry("<p>Jens Söring</p>");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&e.gzip.as_ref().unwrap()[..]), &mut out).unwrap();
        assert_eq!(out, e.body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &e.br.as_ref().unwrap()[..], &mut out).unwrap();
        assert_eq!(out, e.body);
        assert_ne!(entry("a").etag.tag, entry("b").etag.tag);
    }

    #[test]
    fn a_render_begun_before_an_invalidation_is_not_stored() {
        let cache = RenderCache::default();
        let generation = cache.generation();
        cache.invalidate();
        cache.insert("/", entry("old"), generation);
        assert!(cache.get("/").is_none());
        cache.insert("/", entry("new"), cache.generation());
        assert!(cache.get("/").is_some());
        cache.invalidate();
        assert!(cache.is_empty());
    }

    #[test]
    fn an_aged_entry_is_stale_until_rendered_again_once() {
        let cache = Arc::new(RenderCache::default());
        cache.insert("/", entry("old"), cache.generation());
        let generation = cache.generation();
        cache.age();
        assert!(cache.get("/").is_none(), "an aged entry is not fresh");
        assert!(cache.get_any("/").unwrap().body.starts_with(b"old"), "but it can still be answered");
        let refreshing = cache.refresh("/");
        assert!(refreshing.is_some() && cache.refresh("/").is_none(), "one render at a time");
        cache.insert("/", entry("begun before"), generation);
        assert!(cache.get_any("/").unwrap().body.starts_with(b"old"), "a render begun before the change is not stored");
        cache.insert("/", entry("new"), cache.generation());
        drop(refreshing);
        assert!(cache.get("/").unwrap().body.starts_with(b"new"));
        assert!(cache.refresh("/").is_some());
    }
}
