//! `GET /admin/find?q=…`: what the editor's link dialog offers as it is
//! typed: published pages, posts, books, TV reports and press found by the
//! site's own search (titles first, the same name folding: Soering finds
//! Söring), as their titles and addresses. With `&embed=1`, what can be
//! placed in a text: TV reports, books and petitions.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::AdminState;
use super::error::AdminResult;
use super::gate::Editor;
use crate::search::Search;

/// How many matches the dialog lists.
const SHOWN: usize = 8;

#[derive(Deserialize)]
pub struct Asked {
    #[serde(default)]
    q: String,
    /// Only what can be placed in a text (see [`crate::site::embeds`]).
    #[serde(default)]
    embed: Option<String>,
}

#[derive(Serialize)]
struct Found {
    title: String,
    kind: &'static str,
    url: String,
}

pub async fn find(State(state): State<AdminState>, _: Editor, Query(asked): Query<Asked>) -> AdminResult {
    let text: String = asked.q.chars().take(200).collect();
    let embeds = asked.embed.is_some();
    let mut found = Vec::new();
    if embeds {
        // Petitions are not in the site's search; their titles are few and short.
        let words = text.to_lowercase();
        for p in crate::petitions::list(&state.site.store).await? {
            if p.title.to_lowercase().contains(words.trim()) {
                found.push(Found { title: p.title, kind: "Petition", url: format!("/petitions/{}", p.slug) });
            }
        }
    }
    // Embeds: TV reports and books only; links: any kind.
    let kinds: &[Option<&str>] = if embeds { &[Some("video"), Some("book")] } else { &[None] };
    for kind in kinds {
        let search = Search { text: text.clone(), kind: kind.map(str::to_owned), page: 1, per_page: SHOWN, ..Search::default() };
        let results = state.search.search(&search).map_err(anyhow::Error::from)?;
        found.extend(results.hits.into_iter().map(|hit| Found { title: hit.title, kind: hit.kind_label, url: hit.url }));
    }
    found.truncate(SHOWN);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(found)).into_response())
}
