//! `/search`: the search page. Every query gets a page (never a 500): empty,
//! over-long or symbol-only queries are told what to do instead.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::SiteState;
use crate::render::page::{layout_render, server_error};
use crate::render::seo::Meta;
use crate::search::{KINDS, Search, SearchIndex, query};

pub const PER_PAGE: usize = 10;

pub async fn page(State(state): State<SiteState>, RawQuery(raw): RawQuery) -> Response {
    let search = read_params(raw.as_deref().unwrap_or(""));
    let content = match run(&state.search, &search) {
        Ok(content) => content,
        Err(error) => return server_error("/search", &error),
    };
    let mut meta = Meta::new("Search", "Search the whole site.", "/search");
    meta.noindex = true;
    match layout_render(&state.site, "search.html", "/search", meta, content).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(error) => server_error("/search", &error),
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

fn run(index: &Arc<SearchIndex>, search: &Search) -> anyhow::Result<serde_json::Value> {
    let base = json!({
        "q": search.text,
        "kind": search.kind,
        "year": search.year,
        "kinds": KINDS.iter().map(|(k, label)| json!({ "value": k, "label": label })).collect::<Vec<_>>(),
    });
    let message = |text: &str| {
        let mut v = base.clone();
        v["message"] = json!(text);
        Ok(v)
    };
    if search.text.is_empty() {
        return message("Type a word or a name to search the whole site: news, pages, books, transcripts and press reports.");
    }
    if search.text.chars().count() > query::MAX_CHARS {
        return message("That search is longer than 200 characters. Try a few distinctive words or a name.");
    }
    if query::parse(&search.text).is_empty() {
        return message("Search for words or names. Symbols such as * and quotes on their own are not needed.");
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
        format!("/search?{}", params.finish())
    };
    let mut v = base;
    v["results"] = serde_json::to_value(&results.hits)?;
    v["total"] = json!(results.total);
    v["page"] = json!(search.page);
    v["pages"] = json!(pages);
    v["newer_url"] = json!((search.page > 1).then(|| link(search.page - 1)));
    v["older_url"] = json!((search.page < pages).then(|| link(search.page + 1)));
    v["suggestion"] = json!(results.suggestion.map(|s| json!({ "text": s, "url": format!("/search?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", &s).finish()) })));
    Ok(v)
}
