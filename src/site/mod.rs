//! The public site over HTTP: every public URL is answered from the render
//! cache (filled from [`routes::render`] on a miss), with content
//! negotiation for gzip/brotli and conditional GET.

pub mod blocks;
pub mod cards;
pub mod defences;
pub mod embeds;
pub mod feeds;
pub mod icons;
pub mod routes;
pub mod search;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::render::cache::{Entry, RenderCache};
use crate::render::page::{Site, server_error};
use crate::search::SearchIndex;

/// Longest request target accepted (path and query); longer gets 414.
pub const MAX_URI_BYTES: usize = 2048;

#[derive(Clone)]
pub struct SiteState {
    pub site: Site,
    pub cache: Arc<RenderCache>,
    /// Theme files by hashed URL; they never change while the process runs.
    pub statics: Arc<HashMap<String, Arc<Entry>>>,
    pub search: Arc<SearchIndex>,
}

impl SiteState {
    pub fn new(site: Site, cache: Arc<RenderCache>, search: Arc<SearchIndex>) -> Self {
        let statics = site
            .renderer
            .theme()
            .statics
            .values()
            .map(|f| {
                let r = routes::static_file(f);
                (f.url.clone(), Arc::new(Entry::new(&r.content_type, r.body, r.modified, r.cache_control)))
            })
            .collect();
        SiteState { site, cache, statics: Arc::new(statics), search }
    }
}

/// The fallback handler for every URL that is not an admin or API route.
pub async fn serve(State(state): State<SiteState>, request: Request) -> Response {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "405 Method Not Allowed: this address can only be read.\n",
        )
            .into_response();
    }
    if request.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI_BYTES {
        return (StatusCode::URI_TOO_LONG, "414 URI Too Long: this address is longer than any page on this site.\n").into_response();
    }
    let headers = request.headers();
    let path = request.uri().path();
    // One spelling per page: `//pardon` would be rendered and cached under
    // a key of its own, and a redirect to `//host/` or `/\host/` leaves the
    // site (browsers read `\` as `/`).
    if path.contains('\\') {
        return not_found(&state, path, headers).await;
    }
    if path.contains("//") {
        return redirect(&crate::content::with_page_slash(&single_slashes(path)));
    }
    let entry = if path.starts_with("/static/") {
        state.statics.get(path).cloned()
    } else if let Some(entry) = state.cache.get(path) {
        Some(entry)
    } else if let Some(stale) = state.cache.get_any(path) {
        refresh_later(&state, path);
        Some(stale)
    } else {
        match fill(&state, path).await {
            Ok(Fill::Found(entry)) => Some(entry),
            // The query goes along (`/pardon?ref=mail` → `/pardon/?ref=mail`).
            Ok(Fill::Redirect(to)) => return redirect(&request.uri().query().map_or(to.clone(), |q| format!("{to}?{q}"))),
            Ok(Fill::Missing) => None,
            Err(error) => return server_error(path, &error),
        }
    };
    match entry {
        Some(entry) => respond(&entry, headers, StatusCode::OK),
        None => not_found(&state, path, headers).await,
    }
}

enum Fill {
    Found(Arc<Entry>),
    Redirect(String),
    Missing,
}

async fn fill(state: &SiteState, path: &str) -> anyhow::Result<Fill> {
    // A page's address ends in a slash (see `content::is_page_path`): the
    // other spelling leads there, or to where the page moved, never to a 404.
    if !path.ends_with('/') && crate::content::is_page_path(path) {
        let slashed = format!("{path}/");
        if state.cache.get(&slashed).is_some() || render_into_cache(state, &slashed).await?.is_some() {
            return Ok(Fill::Redirect(slashed));
        }
        return Ok(crate::content::redirects::find(&state.site.store, &slashed).await?.map_or(Fill::Missing, Fill::Redirect));
    }
    Ok(match render_into_cache(state, path).await? {
        Some(entry) => Fill::Found(entry),
        // Not here (any more): an item that moved is answered where it is now.
        None => crate::content::redirects::find(&state.site.store, path).await?.map_or(Fill::Missing, Fill::Redirect),
    })
}

/// Renders a stale page again in the background, once however many ask,
/// while they are answered the stale one (see [`RenderCache::age`]).
fn refresh_later(state: &SiteState, path: &str) {
    let Some(refreshing) = state.cache.refresh(path) else { return };
    let state = state.clone();
    tokio::spawn(async move {
        let path = refreshing.path.as_str();
        match render_into_cache(&state, path).await {
            Ok(Some(_)) => {}
            Ok(None) => state.cache.remove(path),
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "cannot render a page again; its last version is answered meanwhile")
            }
        }
    });
}

/// Rendered and compressed in the pages' lane, off the threads that answer requests.
async fn render_into_cache(state: &SiteState, path: &str) -> anyhow::Result<Option<Arc<Entry>>> {
    let generation = state.cache.generation();
    let (site, owned_path) = (state.site.clone(), path.to_owned());
    let made = crate::render::lanes::PAGES.run(async move {
        let Some(rendered) = routes::render(&site, &owned_path).await? else { return Ok(None) };
        Ok(Some(Arc::new(Entry::new(&rendered.content_type, rendered.body, rendered.modified, rendered.cache_control))))
    });
    let Some(entry) = made.await? else { return Ok(None) };
    state.cache.insert(path, entry.clone(), generation);
    Ok(Some(entry))
}

/// `path` with each run of slashes made one.
fn single_slashes(path: &str) -> String {
    let mut single = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && single.ends_with('/')) {
            single.push(c);
        }
    }
    single
}

pub(crate) fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn not_found(state: &SiteState, path: &str, headers: &HeaderMap) -> Response {
    // Kept in the render cache under a key no request path can have.
    const KEY: &str = " 404";
    let entry = match state.cache.get(KEY) {
        Some(entry) => entry,
        None => {
            let generation = state.cache.generation();
            match routes::not_found(&state.site).await {
                Ok(body) => {
                    let entry = Arc::new(Entry::new("text/html; charset=utf-8", body, SystemTime::now(), "no-cache"));
                    state.cache.insert(KEY, entry.clone(), generation);
                    entry
                }
                Err(error) => return server_error(path, &error),
            }
        }
    };
    let mut response = respond(&entry, headers, StatusCode::NOT_FOUND);
    // A 404 is never "not modified".
    if response.status() == StatusCode::NOT_MODIFIED {
        response = respond(&entry, &HeaderMap::new(), StatusCode::NOT_FOUND);
    }
    response
}

/// Builds the response for a cached entry: 304 when the client's copy is
/// current, else the best encoding the client accepts.
pub fn respond(entry: &Entry, headers: &HeaderMap, status: StatusCode) -> Response {
    let (body, encoding, etag) = match negotiate(headers) {
        Encoding::Br if entry.br.is_some() => (entry.br.clone(), Some("br"), &entry.etag.br),
        Encoding::Br | Encoding::Gzip if entry.gzip.is_some() => (entry.gzip.clone(), Some("gzip"), &entry.etag.gzip),
        _ => (None, None, &entry.etag.identity),
    };
    let fresh = status == StatusCode::OK && is_fresh(entry, headers);
    let mut response =
        if fresh { Response::new(Body::empty()) } else { Response::new(Body::from(body.unwrap_or_else(|| entry.body.clone()))) };
    *response.status_mut() = if fresh { StatusCode::NOT_MODIFIED } else { status };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, entry.content_type.clone());
    h.insert(header::CACHE_CONTROL, entry.cache_control.clone());
    h.insert(header::ETAG, etag.clone());
    h.insert(header::LAST_MODIFIED, entry.last_modified.clone());
    if entry.gzip.is_some() || entry.br.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(encoding) = encoding.filter(|_| !fresh) {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if entry.content_type.as_bytes().starts_with(b"image/svg") {
        // An SVG opened directly must not run script.
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// If-None-Match decides when present (any of our tags for this entry
/// matches, whatever the encoding); otherwise If-Modified-Since. Malformed
/// values are ignored.
fn is_fresh(entry: &Entry, headers: &HeaderMap) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let Ok(inm) = inm.to_str() else { return false };
        return inm.split(',').map(str::trim).any(|t| {
            let t = t.strip_prefix("W/").unwrap_or(t).trim_matches('"');
            t == "*" || t.strip_suffix("-gz").or_else(|| t.strip_suffix("-br")).unwrap_or(t) == entry.etag.tag
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        // A date ahead of the server's clock is no date a client got from us.
        .filter(|since| *since <= SystemTime::now())
        .is_some_and(|since| entry.modified.duration_since(since).map_or(true, |d| d.as_secs() == 0))
}

#[derive(Debug, PartialEq)]
enum Encoding {
    Br,
    Gzip,
    Identity,
}

/// The best of br > gzip the client accepts (q=0 refuses).
fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return Encoding::Identity };
    let (mut br, mut gzip) = (false, false);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
        });
        match coding {
            _ if refused => {}
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            "*" => (br, gzip) = (true, true),
            _ => {}
        }
    }
    if br {
        Encoding::Br
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation_prefers_brotli_and_respects_q_zero() {
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Br);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("identity")), Encoding::Identity);
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }
}
