//! Search in the export: a compact index of every published item, folded by
//! the same analyzer as the server's search (`search::fold`), and a search
//! page whose small script (`static/search.js`) loads the index only there.

use std::collections::HashMap;

use serde::Serialize;

use super::{Output, links};
use crate::render::page::{HTML, Site, layout_render};
use crate::render::seo::Meta;
use crate::search::{KINDS, Search, documents, fold};
use crate::site::search::SearchPage;

pub const PAGE_PATH: &str = crate::site::search::PATH;
pub const INDEX_PATH: &str = "/search-index.json";
/// A title word weighs this many body words, as on the server.
const TITLE_WEIGHT: u32 = 3;
/// Characters of each item's text shown under its title.
const EXCERPT_CHARS: usize = 200;

/// The search page and the index, as export files.
pub async fn files(site: &Site, with_index: bool) -> anyhow::Result<(Output, Option<Output>)> {
    let mut meta = Meta::new("Search", "Search the whole site.", PAGE_PATH);
    meta.noindex = true;
    let mut content = SearchPage::new(&Search::default());
    if with_index {
        content.static_index = Some(INDEX_PATH);
    } else {
        content.message = Some("This copy of the site has no search. The site map (/sitemap.xml) lists every page.");
    }
    let page = layout_render(site, "search.html", PAGE_PATH, meta, content).await?;
    let index = if with_index { Some(Output::new(INDEX_PATH, "application/json", index(site).await?)) } else { None };
    Ok((Output::new(PAGE_PATH, HTML, page.into_bytes()), index))
}

/// `{"docs": [...], "terms": {"soring": [doc, weight, doc, weight, ...]}, "avg": n}`:
/// a weight is title occurrences × 3 + text occurrences. Keys are sorted, so
/// the same content gives the same bytes and an unchanged site rewrites nothing.
async fn index(site: &Site) -> anyhow::Result<Vec<u8>> {
    let prefix = links::base_path(&site.base_url);
    let documents = documents::all(&site.store).await?;
    let mut terms: HashMap<String, Vec<u32>> = HashMap::new();
    let mut docs = Vec::with_capacity(documents.len());
    let mut total_length = 0usize;
    let mut weights: HashMap<String, u32> = HashMap::new();
    for (number, doc) in documents.iter().enumerate() {
        weights.clear();
        for word in fold::tokens(&doc.title) {
            *weights.entry(word).or_default() += TITLE_WEIGHT;
        }
        let body = fold::tokens(&doc.body);
        let length = body.len();
        total_length += length;
        for word in body {
            *weights.entry(word).or_default() += 1;
        }
        for (word, weight) in weights.drain() {
            terms.entry(word).or_default().extend([number as u32, weight]);
        }
        let mut excerpt: String = doc.body.chars().take(EXCERPT_CHARS).collect();
        if excerpt.len() < doc.body.len() {
            excerpt.push('…');
        }
        docs.push(IndexedDoc {
            u: format!("{prefix}{}", doc.url),
            t: &doc.title,
            k: doc.kind,
            l: KINDS.iter().find(|(k, _)| *k == doc.kind).map_or("", |(_, label)| label),
            y: doc.year,
            d: &doc.date,
            x: excerpt,
            n: length,
        });
    }
    // Postings list documents in order; the map drained above did not.
    let mut terms: Vec<(String, Vec<u32>)> = terms.into_iter().collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (_, postings) in &mut terms {
        let mut pairs: Vec<[u32; 2]> = postings.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        pairs.sort_unstable();
        *postings = pairs.concat();
    }
    let average = if documents.is_empty() { 0 } else { total_length / documents.len() };
    let index = Index { docs, terms: Terms(&terms), avg: average };
    Ok(serde_json::to_vec(&index)?)
}

#[derive(Serialize)]
struct Index<'a> {
    docs: Vec<IndexedDoc<'a>>,
    terms: Terms<'a>,
    avg: usize,
}

/// Field names are one letter: they repeat for every item of the site.
#[derive(Serialize)]
struct IndexedDoc<'a> {
    u: String,
    t: &'a str,
    k: &'a str,
    l: &'a str,
    y: Option<u64>,
    d: &'a str,
    x: String,
    n: usize,
}

/// Sorted terms, written as a JSON object.
struct Terms<'a>(&'a [(String, Vec<u32>)]);

impl Serialize for Terms<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(term, postings)| (term, postings)))
    }
}
