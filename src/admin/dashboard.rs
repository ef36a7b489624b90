//! `/admin`: what the site holds (published and drafts of each kind) and
//! what changed lately.

use axum::extract::State;
use axum::http::StatusCode;
use minijinja::context;
use minijinja::value::Serde;

use super::AdminState;
use super::error::AdminResult;
use super::gate::Editor;
use crate::content;
use crate::store::changes;

pub async fn show(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    let tally = content::tally(&state.store).await?;
    let recent: Vec<_> = changes::recent(&state.store, 12)
        .await?
        .into_iter()
        .map(|(entity, key, at)| context! { entity, key, at => super::views::when(at) })
        .collect();
    Ok(state.views.page(StatusCode::OK, "dashboard.html", Some(&editor), context! { tally => Serde(&tally), recent }))
}
