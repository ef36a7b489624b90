//! A post's revisions (see [`crate::admin::history`]) and restoring one as
//! the newest version.

use crate::admin::form::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};

use super::editable;
use super::form::PostForm;
use crate::admin::AdminState;
use crate::admin::error::{AdminResult, Problem};
use crate::admin::gate::Editor;
use crate::admin::history::{Compare, Item, Seen};
use crate::admin::publishing::author;
use crate::admin::saving;
use crate::content::posts::PostInput;
use crate::content::posts::editing;
use crate::content::revisions;
use crate::content::versioned::Over;

pub async fn show(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(compare): Query<Compare>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let item = Item {
        entity: editing::ENTITY,
        id,
        title: &post.post.title,
        path: format!("/admin/posts/{id}"),
        back: None,
        version: post.version,
        fields: as_form,
    };
    crate::admin::history::show(&state, &editor, item, compare).await
}

/// A revision's data in the form's shape, so fields compare as editors see them.
fn as_form(data: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let input: PostInput = serde_json::from_value(data.clone())?;
    Ok(serde_json::to_value(PostForm::from_input(&input, 0))?)
}

/// Saves an older version's content as the newest version; the post keeps
/// its current state (a restore never publishes or unpublishes).
pub async fn restore(
    State(state): State<AdminState>,
    editor: Editor,
    Path((id, version)): Path<(i64, i64)>,
    Form(seen): Form<Seen>,
) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let revision = revisions::get(&state.site.store, editing::ENTITY, id, version).await?.ok_or_else(Problem::not_found)?;
    let mut input: PostInput = serde_json::from_value(revision.data.0)?;
    input.status = post.status();
    input.publish_at = post.publish_at;
    let over = Over::Version { id, version: seen.version()? };
    editing::save(&state.site.store, over, &input, &author(&editor)).await.map_err(|e| saving::problem(e, "post"))?;
    Ok(Redirect::to(&format!("/admin/posts/{id}?done=restored")).into_response())
}
