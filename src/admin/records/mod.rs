//! `/admin/books`, `/admin/media`, `/admin/press` (editors and owners): a
//! list and a form for every field of each kind of record, with versions
//! that refuse a silent overwrite and a revision for every save.

pub mod kinds;

use crate::admin::form::Form;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;

use super::error::{AdminError, AdminResult, Problem};
use super::form_page::FormPage;
use super::gate::Editor;
use super::publishing::{self, author};
use super::{AdminState, saving};
use crate::admin::done::Done;
use crate::admin::fields::{self, Errors, Library, Typed};
use crate::content::records::{self, Loaded, Table};
use crate::content::versioned::{Over, Saved};
use crate::content::{SaveError, revisions};
use kinds::Kind;

/// The kind of record a route serves, from its path (`/admin/books/…`).
fn kind_of(path: &MatchedPath) -> Result<&'static Kind, Problem> {
    path.as_str().split('/').nth(2).and_then(kinds::by_path).ok_or_else(Problem::not_found)
}

/// The kind's table with its editor's columns, straight from its field list.
fn table(kind: &Kind) -> Table<'_> {
    Table {
        name: kind.table,
        entity: kind.entity,
        columns: kind.fields.iter().map(|f| (f.name, f.control.is_list())).collect(),
        public: kind.public,
    }
}

pub async fn list(State(state): State<AdminState>, editor: Editor, path: MatchedPath) -> AdminResult {
    let kind = kind_of(&path)?;
    let rows: Vec<_> = records::list(&state.site.store, &table(kind), kind.detail)
        .await?
        .into_iter()
        .map(|r| {
            let url = kind.public.map(|p| format!("{p}{}/", r.slug));
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
    fields: &'static [fields::Field],
}

impl Summary {
    fn of(kind: &'static Kind) -> Self {
        Summary { path: kind.path, plural: kind.plural, one: kind.one, fields: kind.fields }
    }
}

pub async fn new(State(state): State<AdminState>, editor: Editor, path: MatchedPath) -> AdminResult {
    let kind = kind_of(&path)?;
    let typed = Typed::from([("language".to_owned(), "en".to_owned())]);
    Shown::new(None, &RecordForm { kind, typed, version: 0 }).render(&state, &editor).await
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
    let form = RecordForm { kind, typed: fields::show(kind.fields, &record.row), version: record.version };
    Shown::with_notice(Some(&record), &form, publishing::notice(&done.done)).render(&state, &editor).await
}

/// Keeps a first version of every record that has none (the demo's books,
/// TV reports and press reports, written as rows), in the shape of the form
/// its later versions keep, so an editor's first change can be undone.
pub async fn first_versions(store: &crate::store::Store) -> anyhow::Result<()> {
    let by = revisions::Author { id: None, name: "Demo content".into() };
    for kind in kinds::ALL {
        let sql = format!(
            "SELECT id FROM {table} WHERE NOT EXISTS (SELECT 1 FROM revisions WHERE entity = $1 AND entity_id = {table}.id)",
            table = kind.table
        );
        let ids: Vec<i64> =
            crate::on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(kind.entity).fetch_all(pool).await)?;
        for id in ids {
            let Some(record) = records::load(store, &table(kind), id).await? else { continue };
            let mut tx = store.begin().await?;
            revisions::record(&mut tx, kind.entity, id, record.version, &fields::show(kind.fields, &record.row), &by).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

async fn load(state: &AdminState, kind: &Kind, id: i64) -> Result<Loaded, AdminError> {
    Ok(records::load(&state.site.store, &table(kind), id).await?.ok_or_else(Problem::not_found)?)
}

/// The record form as typed: the kind's fields and the version they were typed against.
struct RecordForm {
    kind: &'static Kind,
    typed: Typed,
    version: i64,
}

/// What the record form shows: the form (as typed), messages, the saved record.
type Shown<'a> = FormPage<'a, Loaded, RecordForm>;

impl Shown<'_> {
    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        let choices = fields::Choices::load(&state.site.store).await?;
        let kind = self.form.kind;
        let record = self.item.map(|r| {
            let url = kind.public.map(|p| format!("{p}{}/", r.slug));
            context! { id => r.id, status => r.status.as_str(), live => r.status == "published", url }
        });
        let values = context! {
            kind => Serde(Summary::of(kind)), record, typed => Serde(&self.form.typed), version => self.form.version,
            errors => Serde(&self.errors), notice => self.notice, choices => Serde(choices), conflict => self.conflict,
        };
        Ok(state.views.page(self.status, "record_edit.html", Some(editor), values))
    }
}

/// The submitted form, and its button (`keep` when the browser brings back
/// text it kept unsaved: shown, not saved).
fn submitted(kind: &'static Kind, pairs: Vec<(String, String)>) -> (RecordForm, String) {
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
    (RecordForm { kind, typed, version }, action)
}

async fn library(state: &AdminState) -> anyhow::Result<Library> {
    fields::library(&state.site.store).await
}

/// Reads the typed fields into the record's input shape, with `status`.
fn read(kind: &Kind, typed: &Typed, status: &str, library: &Library) -> Result<serde_json::Value, Errors> {
    let mut json = fields::read(kind.fields, typed, library)?;
    json.insert("status".into(), status.into());
    Ok(serde_json::Value::Object(json))
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
    let (typed, action) = submitted(kind, pairs);
    if action == "keep" {
        return Shown::with_notice(None, &typed, "Brought back, not saved yet.").render(&state, &editor).await;
    }
    let status = status_for(&action, None);
    let json = match read(kind, &typed.typed, status, &library(&state).await?) {
        Ok(json) => json,
        Err(errors) => return Shown::invalid(None, &typed, errors).render(&state, &editor).await,
    };
    let slug = json["slug"].as_str().unwrap_or_default().to_owned();
    let saved = records::save(&state.site.store, &table(kind), Over::New, &slug, &typed.typed, &author(&editor), async move |tx| {
        (kind.save)(tx, json).await
    })
    .await;
    answer(&state, &editor, None, &typed, &action, saved).await
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
    let (typed, action) = submitted(kind, pairs);
    if action == "keep" {
        return Shown::with_notice(Some(&record), &typed, "Brought back, not saved yet.").render(&state, &editor).await;
    }
    let status = status_for(&action, Some(&record.status));
    let json = match read(kind, &typed.typed, status, &library(&state).await?) {
        Ok(json) => json,
        Err(errors) => return Shown::invalid(Some(&record), &typed, errors).render(&state, &editor).await,
    };
    let slug = json["slug"].as_str().unwrap_or_default().to_owned();
    let over = Over::Version { id, version: typed.version };
    let saved = records::save(&state.site.store, &table(kind), over, &slug, &typed.typed, &author(&editor), async move |tx| {
        (kind.save)(tx, json).await
    })
    .await;
    answer(&state, &editor, Some(&record), &typed, &action, saved).await
}

/// After a save: the editor on the saved record, or the form again as typed, with why it was not saved.
async fn answer(
    state: &AdminState,
    editor: &Editor,
    record: Option<&Loaded>,
    form: &RecordForm,
    action: &str,
    saved: Result<Saved, SaveError>,
) -> AdminResult {
    let again = match saved {
        Ok(saved) => {
            // Records are never scheduled: the word is the button's.
            let done = publishing::done(action, crate::content::Status::Draft);
            return Ok(Redirect::to(&format!("{}/{}?done={done}", form.kind.path, saved.id)).into_response());
        }
        Err(error) => saving::again(error, form.kind.one)?,
    };
    match record {
        Some(record) if again.conflict => conflict(state, editor, record.id, form).await,
        _ => Shown::again(record, form, &again).render(state, editor).await,
    }
}

/// Someone saved since the form was opened: theirs beside the typed one, which stays unsaved.
async fn conflict(state: &AdminState, editor: &Editor, id: i64, mine: &RecordForm) -> AdminResult {
    let kind = mine.kind;
    let theirs = load(state, kind, id).await?;
    let their_typed = fields::show(kind.fields, &theirs.row);
    let conflict = saving::conflict(&state.site.store, kind.entity, id, &their_typed, &mine.typed, &[]).await?;
    let form = RecordForm { kind, typed: mine.typed.clone(), version: theirs.version };
    Shown::conflict(&theirs, &form, conflict).render(state, editor).await
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
        fields: |data| {
            let typed: Typed = serde_json::from_value(data.clone())?;
            Ok(typed.into_iter().map(|(name, value)| (labelled(&name), serde_json::Value::String(value))).collect())
        },
    };
    super::history::show(&state, &editor, item, compare).await
}

/// A typed field's name as its form labels it (`cover.alt` is the cover's alt text).
fn labelled(name: &str) -> String {
    let (field, part) = name.split_once('.').unwrap_or((name, ""));
    let Some(found) = kinds::ALL.iter().flat_map(|k| k.fields).find(|f| f.name == field) else { return name.to_owned() };
    match part {
        "alt" => format!("{} alt text", found.label),
        "href" => format!("{} address", found.label),
        "label" => format!("{} words", found.label),
        _ => found.label.to_owned(),
    }
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
    let json = read(kind, &typed, status, &library(&state).await?).map_err(|_| {
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
