//! The history page of any edited item: who saved each version and when,
//! and the differences between any two, field by field.

use axum::http::StatusCode;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::error::{AdminResult, Problem};
use super::gate::Editor;
use super::{AdminState, diff, views};
use crate::content::revisions;

/// The version a restore button was shown for; a save since then wins.
#[derive(Deserialize)]
pub struct Seen {
    /// Read after the handler's own checks, so a missing one is not the first thing a stranger learns.
    #[serde(default)]
    version: Option<i64>,
}

impl Seen {
    pub fn version(&self) -> Result<i64, Problem> {
        self.version.ok_or_else(|| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "The restore button did not say which version you saw; open the history again.")
        })
    }
}

/// Which two versions to compare; by default the newest and the one before.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Compare {
    from: Option<i64>,
    to: Option<i64>,
}

/// An item whose history is shown.
pub struct Item<'a> {
    pub entity: &'a str,
    pub id: i64,
    pub title: &'a str,
    /// The item's editor page, e.g. `/admin/posts/7`; its history is at `{path}/revisions`.
    pub path: String,
    /// Where "back to the editor" goes, when not `path` (a menu's editor shows both menus).
    pub back: Option<&'a str>,
    pub version: i64,
    /// Turns a revision's data into the fields editors see, for comparing.
    pub fields: fn(&serde_json::Value) -> anyhow::Result<serde_json::Value>,
}

pub async fn show(state: &AdminState, editor: &Editor, item: Item<'_>, compare: Compare) -> AdminResult {
    let all = revisions::of(&state.site.store, item.entity, item.id).await?;
    let to = compare.to.or_else(|| all.first().map(|r| r.version));
    let from = compare.from.or_else(|| all.get(1).map(|r| r.version));
    let find = |v: Option<i64>| v.and_then(|v| all.iter().find(|r| r.version == v));
    let changes = match (find(from), find(to)) {
        (Some(a), Some(b)) => {
            Some(diff::fields(&(item.fields)(&a.data.0)?, &(item.fields)(&b.data.0)?, &["version", "action", "status", "publish_at"]))
        }
        _ => None,
    };
    let list: Vec<_> = all
        .iter()
        .map(|r| context! { version => r.version, who => r.user_name.as_str(), when => views::when(r.at), current => r.version == item.version })
        .collect();
    let back = item.back.map_or_else(|| item.path.clone(), str::to_owned);
    // The navigation marks the part of the admin the item belongs to.
    let segment = item.path.split('/').nth(2).unwrap_or_default();
    let section = if ["books", "media", "press"].contains(&segment) { format!("/admin/{segment}") } else { segment.to_owned() };
    let values = context! { title => item.title, path => item.path, back, section, version => item.version, revisions => list, from, to, changes => changes.as_ref().map(Serde) };
    Ok(state.views.page(StatusCode::OK, "history.html", Some(editor), values))
}
