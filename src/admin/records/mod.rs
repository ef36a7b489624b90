//! `/admin/books`, `/admin/media`, `/admin/press` (editors and owners): a
//! list and a form for every field of each kind of record, with versions
//! that refuse a silent overwrite and a revision for every save.

mod form;
pub mod kinds;

use std::collections::BTreeMap;

use crate::admin::form::Form;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;

use super::error::{AdminError, AdminResult, Problem};
use super::gate::Editor;
use super::publishing::{self, author};
use super::{AdminState, saving};
use crate::admin::done::Done;
use crate::content::records::{self, Loaded, Table};
use crate::content::versioned::{Over, Saved};
use crate::content::{SaveError, assets, revisions};
use form::{Errors, Typed};
use kinds::Kind;

/// The kind of record a route serves, from its path (`/admin/books/…`).
fn kind_of(path: &MatchedPath) -> Result<&'static Kind, Problem> {
    path.as_str().split('/').nth(2).and_then(kinds::by_path).ok_or_else(Problem::not_found)
}

/// The kind's table with its editor's columns, straight from its field list.
fn table(kind: &Kind) -> Table<'_> {
    Table { name: kind.table, entity: kind.entity, columns: kind.fields.iter().map(|f| (f.name, f.control.is_json())).collect() }
}

pub async fn list(State(state): State<AdminState>, editor: Editor, path: MatchedPath) -> AdminResult {
    let kind = kind_of(&path)?;
    let rows: Vec<_> = records::list(&state.site.store, &table(kind), kind.detail)
        .await?
        .into_iter()
        .map(|r| {
            let url = kind.public.map(|p| format!("{p}{}", r.slug));
            context! { id => r.id, title => r.title, status => r.status, detail => r.detail, url }
        })
        .collect();
    let values = context! { kind => Serde(Summary::of(kind)), rows };
    Ok(state.views.page(StatusCode::OK, "records.html", Some(&editor), values))
}

/// What templates need of a kind.
#[derive(serde::Serialize)]
struct Summary {
    path: &'static str,
    plural: &'static str,
    one: &'static str,
    fields: &'static [kinds::Field],
}

impl Summary {
    fn of(kind: &'static Kind) -> Self {
        Summary { path: kind.path, plural: kind.plural, one: kind.one, fields: kind.fields }
    }
}

pub async fn new(State(state): State<AdminState>, editor: Editor, path: MatchedPath) -> AdminResult {
    let kind = kind_of(&path)?;
    let mut typed = Typed::new();
    typed.insert("language".into(), "en".into());
    Shown::new(kind, &typed).render(&state, &editor).await
}

pub async fn edit(
    State(state): State<AdminState>,
    editor: Editor,
    path: MatchedPath,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> AdminResult {
    let kind = kind_of(&path)?;
    let record = load(&state, kind, id).await?;
    let typed = form::typed(kind, &record.row);
    Shown { record: Some(&record), notice: publishing::notice(&done.done), version: record.version, ..Shown::new(kind, &typed) }
        .render(&state, &editor)
        .await
}

async fn load(state: &AdminState, kind: &Kind, id: i64) -> Result<Loaded, AdminError> {
    Ok(records::load(&state.site.store, &table(kind), id).await?.ok_or_else(Problem::not_found)?)
}

/// What the record form shows.
struct Shown<'a> {
    kind: &'static Kind,
    status: StatusCode,
    record: Option<&'a Loaded>,
    typed: &'a Typed,
    version: i64,
    errors: Errors,
    notice: &'a str,
    conflict: Option<minijinja::Value>,
}

impl<'a> Shown<'a> {
    fn new(kind: &'static Kind, typed: &'a Typed) -> Self {
        Shown { kind, status: StatusCode::OK, record: None, typed, version: 0, errors: Errors::new(), notice: "", conflict: None }
    }

    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        let images = assets::image_names(&state.site.store).await?;
        let record = self.record.map(|r| {
            let url = self.kind.public.map(|p| format!("{p}{}", r.slug));
            context! { id => r.id, status => r.status.as_str(), live => r.status == "published", url }
        });
        let values = context! {
            kind => Serde(Summary::of(self.kind)), record, typed => Serde(self.typed), version => self.version,
            errors => Serde(&self.errors), notice => self.notice, images, conflict => self.conflict,
        };
        Ok(state.views.page(self.status, "record_edit.html", Some(editor), values))
    }
}

/// The typed fields of a submitted form, and the form's version and button
/// (`keep` when the browser brings back text it kept unsaved: shown, not saved).
fn submitted(kind: &Kind, pairs: Vec<(String, String)>) -> (Typed, i64, String) {
    let mut typed = Typed::new();
    let (mut version, mut action) = (0, String::new());
    for (name, value) in pairs {
        match name.as_str() {
            "version" => version = value.parse().unwrap_or(0),
            "action" => action = value,
            "op" if value == "keep" => action = "keep".to_owned(),
            _ if kind.fields.iter().any(|f| f.name == name) => {
                typed.insert(name, value);
            }
            _ => {}
        }
    }
    (typed, version, action)
}

async fn library(state: &AdminState) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(assets::library(&state.site.store).await?.into_iter().map(|a| (a.name, a.alt)).collect())
}

/// The state a button asks for: these records are published or drafts.
fn status_for(action: &str, current: Option<&str>) -> &'static str {
    match (action, current) {
        ("publish", _) | ("save", Some("published")) => "published",
        _ => "draft",
    }
}

pub async fn create(
    State(state): State<AdminState>,
    editor: Editor,
    path: MatchedPath,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AdminResult {
    let kind = kind_of(&path)?;
    let (typed, _, action) = submitted(kind, pairs);
    if action == "keep" {
        return Shown { notice: "Brought back, not saved yet.", ..Shown::new(kind, &typed) }.render(&state, &editor).await;
    }
    let status = status_for(&action, None);
    let json = match form::read(kind, &typed, status, &library(&state).await?) {
        Ok(json) => json,
        Err(errors) => {
            return Shown { status: StatusCode::UNPROCESSABLE_ENTITY, errors, ..Shown::new(kind, &typed) }.render(&state, &editor).await;
        }
    };
    let slug = json["slug"].as_str().unwrap_or_default().to_owned();
    let saved = records::save(&state.site.store, &table(kind), Over::New, &slug, &typed, &author(&editor), async move |tx| {
        (kind.save)(tx, json).await
    })
    .await;
    answer(&state, &editor, kind, None, (&typed, 0, &action), saved).await
}

pub async fn update(
    State(state): State<AdminState>,
    editor: Editor,
    path: MatchedPath,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AdminResult {
    let kind = kind_of(&path)?;
    let record = load(&state, kind, id).await?;
    let (typed, version, action) = submitted(kind, pairs);
    if action == "keep" {
        let shown = Shown { record: Some(&record), version, notice: "Brought back, not saved yet.", ..Shown::new(kind, &typed) };
        return shown.render(&state, &editor).await;
    }
    let status = status_for(&action, Some(&record.status));
    let json = match form::read(kind, &typed, status, &library(&state).await?) {
        Ok(json) => json,
        Err(errors) => {
            return Shown { status: StatusCode::UNPROCESSABLE_ENTITY, record: Some(&record), version, errors, ..Shown::new(kind, &typed) }
                .render(&state, &editor)
                .await;
        }
    };
    let slug = json["slug"].as_str().unwrap_or_default().to_owned();
    let over = Over::Version { id, version };
    let saved =
        records::save(&state.site.store, &table(kind), over, &slug, &typed, &author(&editor), async move |tx| (kind.save)(tx, json).await)
            .await;
    answer(&state, &editor, kind, Some(&record), (&typed, version, &action), saved).await
}

/// After a save: the editor on the saved record, or the form again as typed, with why it was not saved.
async fn answer(
    state: &AdminState,
    editor: &Editor,
    kind: &'static Kind,
    record: Option<&Loaded>,
    (typed, version, action): (&Typed, i64, &str),
    saved: Result<Saved, SaveError>,
) -> AdminResult {
    let again = match saved {
        Ok(saved) => {
            let done = match action {
                "publish" => "published",
                "unpublish" => "unpublished",
                _ => "saved",
            };
            return Ok(Redirect::to(&format!("{}/{}?done={done}", kind.path, saved.id)).into_response());
        }
        Err(error) => saving::again(error, kind.one)?,
    };
    match record {
        Some(record) if again.conflict => conflict(state, editor, kind, record.id, typed).await,
        _ => Shown { status: again.status, record, version, errors: again.errors(), ..Shown::new(kind, typed) }.render(state, editor).await,
    }
}

/// Someone saved since the form was opened: theirs beside the typed one, which stays unsaved.
async fn conflict(state: &AdminState, editor: &Editor, kind: &'static Kind, id: i64, mine: &Typed) -> AdminResult {
    let theirs = load(state, kind, id).await?;
    let their_typed = form::typed(kind, &theirs.row);
    let conflict = saving::conflict(&state.site.store, kind.entity, id, &their_typed, mine, &[]).await?;
    Shown {
        status: StatusCode::CONFLICT,
        record: Some(&theirs),
        version: theirs.version,
        conflict: Some(conflict),
        ..Shown::new(kind, mine)
    }
    .render(state, editor)
    .await
}

pub async fn history(
    State(state): State<AdminState>,
    editor: Editor,
    path: MatchedPath,
    Path(id): Path<i64>,
    Query(compare): Query<super::history::Compare>,
) -> AdminResult {
    let kind = kind_of(&path)?;
    let record = load(&state, kind, id).await?;
    let title = record.row["title"].as_str().unwrap_or(kind.one).to_owned();
    let item = super::history::Item {
        entity: kind.entity,
        id,
        title: &title,
        path: format!("{}/{id}", kind.path),
        back: None,
        version: record.version,
        fields: |data| Ok(data.clone()),
    };
    super::history::show(&state, &editor, item, compare).await
}

/// Saves an older version's fields as the newest; the record keeps its state.
pub async fn restore(
    State(state): State<AdminState>,
    editor: Editor,
    path: MatchedPath,
    Path((id, version)): Path<(i64, i64)>,
    Form(seen): Form<super::history::Seen>,
) -> AdminResult {
    let kind = kind_of(&path)?;
    let record = load(&state, kind, id).await?;
    let revision = revisions::get(&state.site.store, kind.entity, id, version).await?.ok_or_else(Problem::not_found)?;
    let typed: Typed = serde_json::from_value(revision.data.0)?;
    let status = if record.status == "published" { "published" } else { "draft" };
    let json = form::read(kind, &typed, status, &library(&state).await?).map_err(|_| {
        Problem::new(
            StatusCode::CONFLICT,
            "That version no longer passes today's checks (an image it names may be gone); copy what you need from it instead.",
        )
    })?;
    let slug = json["slug"].as_str().unwrap_or_default().to_owned();
    let over = Over::Version { id, version: seen.version()? };
    records::save(&state.site.store, &table(kind), over, &slug, &typed, &author(&editor), async move |tx| (kind.save)(tx, json).await)
        .await
        .map_err(|e| saving::problem(e, kind.one))?;
    Ok(Redirect::to(&format!("{}/{id}?done=restored", kind.path)).into_response())
}
