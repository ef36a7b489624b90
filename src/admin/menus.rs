//! `/admin/menus` (editors and owners): the primary navigation and the
//! footer links: their order, labels and addresses.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;

use super::done::Done;
use super::error::{AdminResult, Problem, or_again};
use super::gate::Editor;
use super::publishing::author;
use super::{AdminState, diff, rows};
use crate::content::{Href, Link, menus, revisions};
use crate::secrets;

const MENUS: [(&str, &str); 2] = [(menus::PRIMARY, "Main navigation"), (menus::FOOTER, "Footer links")];

/// A menu's links as typed: label and address of each row.
type Rows = Vec<BTreeMap<String, String>>;

fn rows_of(links: &[Link]) -> Rows {
    links.iter().map(|l| BTreeMap::from([("label".to_owned(), l.label.clone()), ("href".to_owned(), l.href.as_str().to_owned())])).collect()
}

/// The digest of a saved menu: a form names it, so a save over a newer one is caught.
fn digest(links: &[Link]) -> String {
    secrets::digest(&serde_json::to_string(links).unwrap_or_default())
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let notice = if done.done == "saved" { "Saved: the site shows the new menu." } else { "" };
    let mut typed = BTreeMap::new();
    for (name, _) in MENUS {
        let links = menus::load(&state.store, name).await?;
        typed.insert(name, (rows_of(&links), digest(&links)));
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
            let (rows, base) = typed.get(name).cloned().unwrap_or_default();
            context! { name => *name, label => *label, rows => Serde(rows), base }
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
        let links = menus::load(&state.store, other).await?;
        typed.insert(other, (rows_of(&links), digest(&links)));
    }
    let op = get("op");
    if !op.is_empty() {
        let result = if op == "add" {
            rows.push(BTreeMap::new());
            Ok(())
        } else {
            rows::apply(&mut rows, &op)
        };
        typed.insert(name, (rows, get("base")));
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
        typed.insert(name, (rows, get("base")));
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &typed, &errors, "", None);
    }
    typed.insert(name, (rows, get("base")));
    let written = write(&state, &editor, name, &links, &typed).await;
    or_again(written, async |message| {
        page(&state, &editor, StatusCode::SERVICE_UNAVAILABLE, &typed, &BTreeMap::from([("form".to_owned(), message)]), "", None)
    })
    .await
}

/// Saves `links` as the menu `name`, unless someone saved it after the
/// version the editor started from (`typed[name]`); then shows what they changed.
async fn write(state: &AdminState, editor: &Editor, name: &str, links: &[Link], typed: &BTreeMap<&str, (Rows, String)>) -> AdminResult {
    let mut tx = state.store.begin().await?;
    // Saves of menus and settings take turns, so the check below sees the newest save.
    tx.lock_for_setup().await?;
    let saved = menus::load(&state.store, name).await?;
    if Some(&digest(&saved)) != typed.get(name).map(|(_, base)| base) {
        drop(tx);
        let changes =
            diff::fields(&serde_json::json!({ "links": saved_lines(&saved) }), &serde_json::json!({ "links": saved_lines(links) }), &[]);
        let latest = revisions::of(&state.store, &format!("menu:{name}"), 0).await?.into_iter().next();
        let conflict = context! {
            who => latest.as_ref().map(|r| r.user_name.clone()), when => latest.map(|r| super::views::when(r.at)), changes => Serde(&changes),
        };
        let mut typed = typed.clone();
        if let Some((_, base)) = typed.get_mut(name) {
            *base = digest(&saved);
        }
        return page(state, editor, StatusCode::CONFLICT, &typed, &BTreeMap::new(), "", Some(conflict));
    }
    menus::save(&mut tx, name, links).await?;
    revisions::record_next(&mut tx, &format!("menu:{name}"), &links, &author(editor)).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/menus?done=saved").into_response())
}

/// `GET /admin/menus/{name}/revisions`: the menu's saved versions.
pub async fn history(
    State(state): State<AdminState>,
    editor: Editor,
    Path(name): Path<String>,
    Query(compare): Query<super::history::Compare>,
) -> AdminResult {
    let (name, label) = MENUS.iter().find(|(n, _)| *n == name).copied().ok_or_else(Problem::not_found)?;
    let entity = format!("menu:{name}");
    let version = revisions::of(&state.store, &entity, 0).await?.first().map_or(0, |r| r.version);
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
    let entity = format!("menu:{name}");
    let revision = revisions::get(&state.store, &entity, 0, version).await?.ok_or_else(Problem::not_found)?;
    let links: Vec<Link> = serde_json::from_value(revision.data.0)?;
    let mut tx = state.store.begin().await?;
    tx.lock_for_setup().await?;
    let latest = revisions::of(&state.store, &entity, 0).await?.first().map_or(0, |r| r.version);
    if latest != seen.version()? {
        return Err(
            Problem::new(StatusCode::CONFLICT, "Someone saved this menu a moment ago; look at its history again, then restore.").into()
        );
    }
    menus::save(&mut tx, name, &links).await?;
    revisions::record_next(&mut tx, &entity, &links, &author(&editor)).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/menus?done=saved").into_response())
}

/// A menu as lines for comparing: `Label | address`.
fn saved_lines(links: &[Link]) -> Vec<String> {
    links.iter().map(|l| format!("{} | {}", l.label, l.href.as_str())).collect()
}
