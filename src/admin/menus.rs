//! `/admin/menus` (editors and owners): the primary navigation and the
//! footer links: their order, labels and addresses.

use std::collections::BTreeMap;

use crate::admin::form::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;

use super::done::Done;
use super::error::{AdminResult, Problem};
use super::gate::Editor;
use super::publishing::author;
use super::{AdminState, rows, saving};
use crate::content::{Href, Link, menus, revisions, versioned};

const MENUS: [(&str, &str); 2] = [(menus::PRIMARY, "Main navigation"), (menus::FOOTER, "Footer links")];

/// A menu's links as typed: label and address of each row.
type Rows = Vec<BTreeMap<String, String>>;

fn rows_of(links: &[Link]) -> Rows {
    links.iter().map(|l| BTreeMap::from([("label".to_owned(), l.label.clone()), ("href".to_owned(), l.href.as_str().to_owned())])).collect()
}

/// The version of menu `name` a form names, so a save over a newer one is caught.
async fn version(state: &AdminState, name: &str) -> anyhow::Result<String> {
    Ok(versioned::current(&state.site.store, &menus::entity(name)).await?.to_string())
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let notice = if done.done == "saved" { "Saved: the site shows the new menu." } else { "" };
    let mut typed = BTreeMap::new();
    for (name, _) in MENUS {
        let links = menus::load(&state.site.store, name).await?;
        typed.insert(name, (rows_of(&links), version(&state, name).await?));
    }
    page(&state, &editor, StatusCode::OK, &typed, &BTreeMap::new(), notice, None)
}

fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    typed: &BTreeMap<&str, (Rows, String)>,
    errors: &BTreeMap<String, String>,
    notice: &str,
    conflict: Option<minijinja::Value>,
) -> AdminResult {
    let menus: Vec<_> = MENUS
        .iter()
        .map(|(name, label)| {
            let (rows, version) = typed.get(name).cloned().unwrap_or_default();
            context! { name => *name, label => *label, rows => Serde(rows), version }
        })
        .collect();
    Ok(state.views.page(status, "menus.html", Some(editor), context! { menus, errors => Serde(errors), notice, conflict }))
}

pub async fn save(
    State(state): State<AdminState>,
    editor: Editor,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AdminResult {
    let (name, _) = MENUS.iter().find(|(n, _)| *n == name).copied().ok_or_else(Problem::not_found)?;
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut rows = rows::read(&pairs, 'm');
    let mut typed = BTreeMap::new();
    for (other, _) in MENUS {
        let links = menus::load(&state.site.store, other).await?;
        typed.insert(other, (rows_of(&links), version(&state, other).await?));
    }
    let op = get("op");
    if !op.is_empty() {
        let result = if op == "add" {
            rows.push(BTreeMap::new());
            Ok(())
        } else {
            rows::apply(&mut rows, &op)
        };
        typed.insert(name, (rows, get("version")));
        return match result {
            Ok(()) => page(&state, &editor, StatusCode::OK, &typed, &BTreeMap::new(), "Not saved yet: save when the menu is ready.", None),
            Err(e) => {
                page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &typed, &BTreeMap::from([(format!("{name}.menu"), e)]), "", None)
            }
        };
    }
    let mut errors = BTreeMap::new();
    let mut links = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let (label, address) = (row.get("label").map_or("", |s| s.trim()), row.get("href").map_or("", |s| s.trim()));
        if label.is_empty() && address.is_empty() {
            continue;
        }
        if label.is_empty() {
            errors.insert(format!("{name}.m{n}.label"), "Give the link a label.".to_owned());
        }
        match Href::parse(address) {
            Ok(href) => links.push(Link { label: label.to_owned(), href }),
            Err(e) => {
                errors.insert(format!("{name}.m{n}.href"), e);
            }
        }
    }
    if !errors.is_empty() {
        typed.insert(name, (rows, get("version")));
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &typed, &errors, "", None);
    }
    typed.insert(name, (rows, get("version")));
    write(&state, &editor, name, &links, &typed).await
}

/// Saves `links` as the menu `name`, unless someone saved it after the
/// version the editor started from (`typed[name]`); then shows what they changed.
async fn write(state: &AdminState, editor: &Editor, name: &str, links: &[Link], typed: &BTreeMap<&str, (Rows, String)>) -> AdminResult {
    let seen = typed.get(name).and_then(|(_, version)| version.parse().ok()).unwrap_or(0);
    let error = match menus::save(&state.site.store, name, seen, links, &author(editor)).await {
        Ok(_) => return Ok(Redirect::to("/admin/menus?done=saved").into_response()),
        Err(error) => saving::again(error, "menu")?,
    };
    if !error.conflict {
        return page(state, editor, error.status, typed, &error.errors(), "", None);
    }
    let saved = menus::load(&state.site.store, name).await?;
    let lines = |links: &[Link]| serde_json::json!({ "links": saved_lines(links) });
    let conflict = saving::conflict(&state.site.store, &menus::entity(name), 0, &lines(&saved), &lines(links), &[]).await?;
    let mut typed = typed.clone();
    if let Some((_, seen)) = typed.get_mut(name) {
        *seen = version(state, name).await?;
    }
    page(state, editor, StatusCode::CONFLICT, &typed, &BTreeMap::new(), "", Some(conflict))
}

/// `GET /admin/menus/{name}/revisions`: the menu's saved versions.
pub async fn history(
    State(state): State<AdminState>,
    editor: Editor,
    Path(name): Path<String>,
    Query(compare): Query<super::history::Compare>,
) -> AdminResult {
    let (name, label) = MENUS.iter().find(|(n, _)| *n == name).copied().ok_or_else(Problem::not_found)?;
    let entity = menus::entity(name);
    let version = versioned::current(&state.site.store, &entity).await?;
    let item = super::history::Item {
        entity: &entity,
        id: 0,
        title: label,
        path: format!("/admin/menus/{name}"),
        back: Some("/admin/menus"),
        version,
        fields: |data| {
            let links: Vec<Link> = serde_json::from_value(data.clone())?;
            Ok(serde_json::json!({ "links": saved_lines(&links) }))
        },
    };
    super::history::show(&state, &editor, item, compare).await
}

/// Saves an older version of a menu as the newest; a save since the history was shown wins.
pub async fn restore(
    State(state): State<AdminState>,
    editor: Editor,
    Path((name, version)): Path<(String, i64)>,
    Form(seen): Form<super::history::Seen>,
) -> AdminResult {
    let (name, _) = MENUS.iter().find(|(n, _)| *n == name).copied().ok_or_else(Problem::not_found)?;
    let revision = revisions::get(&state.site.store, &menus::entity(name), 0, version).await?.ok_or_else(Problem::not_found)?;
    let links: Vec<Link> = serde_json::from_value(revision.data.0)?;
    menus::save(&state.site.store, name, seen.version()?, &links, &author(&editor)).await.map_err(|e| saving::problem(e, "menu"))?;
    Ok(Redirect::to("/admin/menus?done=saved").into_response())
}

/// A menu as lines for comparing: `Label | address`.
fn saved_lines(links: &[Link]) -> Vec<String> {
    links.iter().map(|l| format!("{} | {}", l.label, l.href.as_str())).collect()
}
