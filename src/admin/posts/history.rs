//! A post's revisions: who saved each version and when, the differences
//! between any two, and restoring one as the newest version.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::form::PostForm;
use super::{SKIP, author, editable};
use crate::admin::error::{AdminResult, Problem};
use crate::admin::gate::Editor;
use crate::admin::{AdminState, diff, views};
use crate::content::posts::PostInput;
use crate::content::posts::editing::{self, SaveError};
use crate::content::revisions;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Compare {
    from: Option<i64>,
    to: Option<i64>,
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(compare): Query<Compare>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let all = revisions::of(&state.store, editing::ENTITY, id).await?;
    // By default, the newest version against the one before it.
    let to = compare.to.or_else(|| all.first().map(|r| r.version));
    let from = compare.from.or_else(|| all.get(1).map(|r| r.version));
    let find = |v: Option<i64>| v.and_then(|v| all.iter().find(|r| r.version == v));
    let changes = match (find(from), find(to)) {
        (Some(a), Some(b)) => Some(diff::fields(&as_form(&a.data.0)?, &as_form(&b.data.0)?, SKIP)),
        _ => None,
    };
    let list: Vec<_> =
        all.iter().map(|r| context! { version => r.version, who => r.user_name.as_str(), when => views::when(r.at), current => r.version == post.version }).collect();
    let values = context! { post => context! { id => post.id, title => post.post.title.as_str() }, revisions => list, from, to, changes => changes.as_ref().map(Serde) };
    Ok(state.views.page(StatusCode::OK, "post_history.html", Some(&editor), values))
}

/// A revision's data in the form's shape, so fields compare as editors see them.
fn as_form(data: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let input: PostInput = serde_json::from_value(data.clone())?;
    Ok(serde_json::to_value(PostForm::from_input(&input, 0))?)
}

/// Saves an older version's content as the newest version; the post keeps
/// its current state (a restore never publishes or unpublishes).
pub async fn restore(State(state): State<AdminState>, editor: Editor, Path((id, version)): Path<(i64, i64)>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let revision = revisions::get(&state.store, editing::ENTITY, id, version).await?.ok_or_else(Problem::not_found)?;
    let mut input: PostInput = serde_json::from_value(revision.data.0)?;
    input.status = post.status();
    input.publish_at = post.publish_at;
    match editing::update(&state.store, id, post.version, &input, &author(&editor)).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/posts/{id}?done=restored")).into_response()),
        Err(SaveError::Conflict) => {
            Err(Problem::new(StatusCode::CONFLICT, "Someone saved this post a moment ago; look at its history again, then restore.").into())
        }
        Err(SaveError::SlugTaken) => {
            Err(Problem::new(StatusCode::CONFLICT, "Another post now uses this version's address; change that post's address first.")
                .into())
        }
        Err(SaveError::Store(e)) => Err(e.into()),
    }
}
