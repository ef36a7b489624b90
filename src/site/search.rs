//! `/search/`: the search page. Every query gets a page (never a 500): empty,
//! over-long or symbol-only queries are told what to do instead.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::SiteState;
use crate::render::page::{layout_render, server_error};
use crate::render::seo::Meta;
use crate::search::{Hit, KINDS, Search, SearchIndex, query};

pub const PER_PAGE: usize = 10;
/// The search page's address; like every page's, it ends in a slash.
pub const PATH: &str = "/search/";

/// `GET /search?q=…` (without the slash): the same search at [`PATH`].
pub async fn moved(RawQuery(raw): RawQuery) -> Response {
    super::redirect(&raw.map_or_else(|| PATH.to_owned(), |q| format!("{PATH}?{q}")))
}

pub async fn page(State(state): State<SiteState>, RawQuery(raw): RawQuery) -> Response {
    let search = read_params(raw.as_deref().unwrap_or(""));
    // The index and the page work in the pages' lane, off the threads that answer requests.
    let made = crate::render::lanes::PAGES.run(async move {
        let content = run(&state.search, &search)?;
        let mut meta = Meta::new("Search", "Search the whole site.", PATH);
        meta.noindex = true;
        layout_render(&state.site, "search.html", PATH, meta, content).await
    });
    match made.await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(error) => server_error(PATH, &error),
    }
}

/// Reads `q`, `kind`, `year` and `page`, ignoring anything malformed.
fn read_params(raw: &str) -> Search {
    let mut search = Search { page: 1, per_page: PER_PAGE, ..Default::default() };
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        match &*key {
            "q" => search.text = value.trim().to_owned(),
            "kind" => search.kind = KINDS.iter().find(|(k, _)| *k == value).map(|(k, _)| (*k).to_owned()),
            "year" => search.year = value.trim().parse().ok().filter(|y| (1000..=9999).contains(y)),
            "page" => search.page = value.trim().parse().ok().filter(|p| (1..=1000).contains(p)).unwrap_or(1),
            _ => {}
        }
    }
    search
}

/// What `search.html` receives as `content` (docs/THEMES.md).
#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub q: String,
    pub kind: Option<String>,
    pub year: Option<u64>,
    pub kinds: Vec<KindChoice>,
    /// In a static copy: the index the browser searches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_index: Option<&'static str>,
    /// Why there are no results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

#[derive(Debug, Serialize)]
pub struct KindChoice {
    value: &'static str,
    label: &'static str,
}

/// One page of results.
#[derive(Debug, Serialize)]
pub struct Found {
    results: Vec<Hit>,
    total: usize,
    page: usize,
    pages: usize,
    newer_url: Option<String>,
    older_url: Option<String>,
    suggestion: Option<Suggestion>,
}

#[derive(Debug, Serialize)]
struct Suggestion {
    text: String,
    url: String,
}

impl SearchPage {
    /// The form as searched, before any result.
    pub fn new(search: &Search) -> Self {
        SearchPage {
            q: search.text.clone(),
            kind: search.kind.clone(),
            year: search.year,
            kinds: KINDS.iter().map(|&(value, label)| KindChoice { value, label }).collect(),
            static_index: None,
            message: None,
            found: None,
        }
    }
}

fn run(index: &Arc<SearchIndex>, search: &Search) -> anyhow::Result<SearchPage> {
    let mut page = SearchPage::new(search);
    page.message = if search.text.is_empty() {
        Some("Type a word or a name to search the whole site: news, pages, books, transcripts and press reports.")
    } else if search.text.chars().count() > query::MAX_CHARS {
        Some("That search is longer than 200 characters. Try a few distinctive words or a name.")
    } else if query::parse(&search.text).is_empty() {
        Some("Search for words or names. Symbols such as * and quotes on their own are not needed.")
    } else {
        None
    };
    if page.message.is_some() {
        return Ok(page);
    }
    let results = index.search(search)?;
    let pages = results.total.div_ceil(PER_PAGE).max(1);
    let link = |page: usize| {
        let mut params = form_urlencoded::Serializer::new(String::new());
        params.append_pair("q", &search.text);
        if let Some(kind) = &search.kind {
            params.append_pair("kind", kind);
        }
        if let Some(year) = search.year {
            params.append_pair("year", &year.to_string());
        }
        if page > 1 {
            params.append_pair("page", &page.to_string());
        }
        format!("{PATH}?{}", params.finish())
    };
    let suggestion = results.suggestion.map(|text| {
        let url = format!("{PATH}?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", &text).finish());
        Suggestion { text, url }
    });
    page.found = Some(Found {
        results: results.hits,
        total: results.total,
        page: search.page,
        pages,
        newer_url: (search.page > 1).then(|| link(search.page - 1)),
        older_url: (search.page < pages).then(|| link(search.page + 1)),
        suggestion,
    });
    Ok(page)
}
