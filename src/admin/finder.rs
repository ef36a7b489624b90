//! `GET /admin/find?q=…`: what the editor's link dialog offers as it is
//! typed: published pages, posts, books, TV reports and press found by the
//! site's own search (titles first, the same name folding: Soering finds
//! Söring), as their titles and addresses.

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
}

#[derive(Serialize)]
struct Found {
    title: String,
    kind: &'static str,
    url: String,
}

pub async fn find(State(state): State<AdminState>, _: Editor, Query(asked): Query<Asked>) -> AdminResult {
    let text: String = asked.q.chars().take(200).collect();
    let search = Search { text, page: 1, per_page: SHOWN, ..Search::default() };
    let results = state.search.search(&search).map_err(anyhow::Error::from)?;
    let found: Vec<Found> = results.hits.into_iter().map(|hit| Found { title: hit.title, kind: hit.kind_label, url: hit.url }).collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(found)).into_response())
}
