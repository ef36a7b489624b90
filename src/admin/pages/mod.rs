//! `/admin/pages` (editors and owners): pages built from blocks. Block
//! buttons (add, move, copy, remove) work without script: they send the
//! form, which comes back changed and unsaved; with script they act at once.

pub mod blocks;

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::error::{AdminError, AdminResult, Problem};
use super::fields::{self, Errors};
use super::form_page::FormPage;
use super::gate::Editor;
use super::publishing::{self, Undo, author, done, minute, scheduled_at, wanted_status};
use super::{AdminState, saving, views};
use crate::admin::done::Done;
use crate::content::assets;
use crate::content::pages::editing::{self, EditablePage};
use crate::content::pages::{self, Page, PageInput};
use crate::content::revisions;
use crate::content::slug::{Slug, slugify};
use crate::content::versioned::{Over, Saved};
use crate::content::{SaveError, Status};
use crate::render::lanes::PREVIEWS;
use blocks::TypedBlock;

/// The page form as typed: page fields and blocks.
#[derive(Debug, Clone, Default)]
struct PageForm {
    title: String,
    slug: String,
    description: String,
    publish_at: String,
    version: i64,
    action: String,
    op: String,
    blocks: Vec<TypedBlock>,
}

impl PageForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        PageForm {
            title: get("title"),
            slug: get("slug"),
            description: get("description"),
            publish_at: get("publish_at"),
            version: get("version").parse().unwrap_or(0),
            action: get("action"),
            op: get("op"),
            blocks: blocks::from_pairs(pairs),
        }
    }

    fn from_page(page: &EditablePage) -> Self {
        PageForm {
            title: page.page.title.clone(),
            slug: page.page.slug.clone(),
            description: page.page.description.clone(),
            publish_at: page.publish_at.map(minute).unwrap_or_default(),
            version: page.version,
            blocks: page.page.blocks.0.iter().map(TypedBlock::from_block).collect(),
            ..Default::default()
        }
    }

    /// Reads the form into a page with `status`; `fixed_slug` keeps the home page's address.
    fn read(&self, status: Status, fixed_slug: Option<&str>, library: &fields::Library) -> Result<PageInput, Errors> {
        let mut errors = Errors::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.insert("title".into(), "Give the page a title.".into());
        }
        let slug_text = if self.slug.trim().is_empty() { slugify(&title) } else { self.slug.trim().to_owned() };
        if let Some(fixed) = fixed_slug
            && slug_text != fixed
        {
            errors.insert("slug".into(), "The home page keeps its address.".into());
        }
        let slug = Slug::parse(&slug_text).map_err(|e| errors.insert("slug".into(), e)).ok();
        let mut read = Vec::with_capacity(self.blocks.len());
        for (n, block) in self.blocks.iter().enumerate() {
            match block.read(library) {
                Ok(block) => read.push(block),
                Err(block_errors) => errors.extend(block_errors.into_iter().map(|(k, v)| (format!("b{n}.{k}"), v))),
            }
        }
        let publish_at = match status {
            Status::Scheduled => scheduled_at(&self.publish_at, "publish now").map_err(|e| errors.insert("publish_at".into(), e)).ok(),
            _ => None,
        };
        match (slug, errors.is_empty()) {
            (Some(slug), true) => {
                Ok(PageInput { slug, title, description: self.description.trim().to_owned(), status, blocks: read, publish_at })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    /// A page just moved to the trash, offered back with Undo, and its state before.
    trashed: i64,
    was: String,
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(query): Query<ListQuery>) -> AdminResult {
    let status = Status::parse(&query.status);
    let rows: Vec<_> = editing::list(&state.site.store, status)
        .await?
        .into_iter()
        .map(|p| context! { id => p.id, title => p.title, status => p.status, url => pages::url(&p.slug), updated => views::when(p.updated_at) })
        .collect();
    let was = Undo::word(Status::parse(&query.was).unwrap_or(Status::Draft));
    let trashed = match editing::by_id(&state.site.store, query.trashed).await? {
        Some(page) if page.status() == Status::Trash => {
            Some(context! { id => page.id, title => page.page.title, version => page.version, was })
        }
        _ => None,
    };
    let values = context! { pages => rows, status => status.map(Status::as_str), trashed };
    Ok(state.views.page(StatusCode::OK, "pages.html", Some(&editor), values))
}

pub async fn new(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    Shown::new(None, &PageForm::default()).render(&state, &editor).await
}

async fn load(state: &AdminState, id: i64) -> Result<EditablePage, AdminError> {
    Ok(editing::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?)
}

pub async fn edit(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(done): Query<Done>) -> AdminResult {
    let page = load(&state, id).await?;
    let notice = publishing::notice(&done.done);
    let form = PageForm::from_page(&page);
    Shown::with_notice(Some(&page), &form, notice).render(&state, &editor).await
}

/// What the page editor shows: the form (as typed), messages, the saved page.
type Shown<'a> = FormPage<'a, EditablePage, PageForm>;

impl Shown<'_> {
    /// The page editor: page fields, the blocks with a form made for each type, the palette.
    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        let choices = fields::Choices::load(&state.site.store).await?;
        let form = self.form;
        // A long page opens with its cards folded, but never hides a mistake or the block just added.
        let few = form.blocks.len() <= 3;
        let just_added = self.notice.starts_with("Not saved yet");
        let last = form.blocks.len().saturating_sub(1);
        let thumbnails = assets::thumbnails(&state.site.store).await?;
        let blocks: Vec<_> = form
            .blocks
            .iter()
            .enumerate()
            .map(|(n, b)| {
                let kind = blocks::block_type(&b.tag);
                let label = kind.map_or(b.tag.as_str(), |k| k.label);
                let mistaken = self.errors.keys().any(|k| k.starts_with(&format!("b{n}.")));
                let open = few || mistaken || (just_added && n == last);
                let summary = blocks::summary(&b.values);
                // The card's picture, small, so a folded card still looks like its block.
                let thumbnail = b.values.get("image.asset").filter(|a| !a.is_empty()).map(|a| assets::url(thumbnails.get(a).unwrap_or(a)));
                context! { n, tag => b.tag.as_str(), label, summary, thumbnail, open, fields => kind.map(|k| Serde(k.fields)), values => Serde(&b.values) }
            })
            .collect();
        let current = self.item.map(|p| {
            let status = p.status();
            context! {
                id => p.id, status => status.as_str(), url => p.page.url(), live => status == Status::Published,
                updated => views::when(p.page.updated_at), home => p.page.slug == pages::HOME,
            }
        });
        let values = context! {
            page => current, title => form.title.as_str(), slug => form.slug.as_str(), description => form.description.as_str(),
            publish_at => form.publish_at.as_str(), version => form.version, blocks, errors => Serde(&self.errors), notice => self.notice,
            types => Serde(blocks::TYPES), choices => Serde(choices), conflict => self.conflict,
        };
        Ok(state.views.page(self.status, "page_edit.html", Some(editor), values))
    }
}

pub async fn create(State(state): State<AdminState>, editor: Editor, Form(pairs): Form<Vec<(String, String)>>) -> AdminResult {
    let mut form = PageForm::from_pairs(&pairs);
    if !form.op.is_empty() {
        return rearrange(&state, &editor, None, &mut form).await;
    }
    let status = wanted_status(&form.action, None);
    let input = match form.read(status, None, &fields::library(&state.site.store).await?) {
        Ok(input) => input,
        Err(errors) => {
            return Shown::invalid(None, &form, errors).render(&state, &editor).await;
        }
    };
    let saved = editing::save(&state.site.store, Over::New, &input, &author(&editor)).await;
    answer(&state, &editor, None, &form, &input, status, saved).await
}

pub async fn update(
    State(state): State<AdminState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AdminResult {
    let page = load(&state, id).await?;
    let mut form = PageForm::from_pairs(&pairs);
    if !form.op.is_empty() {
        return rearrange(&state, &editor, Some(&page), &mut form).await;
    }
    let status = wanted_status(&form.action, Some(page.status()));
    let fixed = (page.page.slug == pages::HOME).then_some(pages::HOME);
    let input = match form.read(status, fixed, &fields::library(&state.site.store).await?) {
        Ok(input) => input,
        Err(errors) => {
            return Shown::invalid(Some(&page), &form, errors).render(&state, &editor).await;
        }
    };
    let saved = editing::save(&state.site.store, Over::Version { id, version: form.version }, &input, &author(&editor)).await;
    answer(&state, &editor, Some(&page), &form, &input, status, saved).await
}

/// After a save: the editor on the saved page, or the form again as typed, with why it was not saved.
async fn answer(
    state: &AdminState,
    editor: &Editor,
    page: Option<&EditablePage>,
    form: &PageForm,
    mine: &PageInput,
    status: Status,
    saved: Result<Saved, SaveError>,
) -> AdminResult {
    let again = match saved {
        Ok(saved) => return Ok(Redirect::to(&format!("/admin/pages/{}?done={}", saved.id, done(&form.action, status))).into_response()),
        Err(error) => saving::again(error, "page")?,
    };
    match page {
        Some(page) if again.conflict => conflict(state, editor, page.id, form, mine).await,
        _ => Shown::again(page, form, &again).render(state, editor).await,
    }
}

/// A block button pressed without script: change the typed form, save nothing.
async fn rearrange(state: &AdminState, editor: &Editor, page: Option<&EditablePage>, form: &mut PageForm) -> AdminResult {
    let shown = match blocks::apply(&mut form.blocks, &form.op) {
        Ok(()) => Shown::with_notice(page, form, "Not saved yet: save when the page is ready."),
        Err(message) => Shown::invalid(page, form, Errors::from([("blocks".to_owned(), message)])),
    };
    shown.render(state, editor).await
}

/// Someone saved since this form was opened: their version beside the typed one, which stays unsaved in the form.
async fn conflict(state: &AdminState, editor: &Editor, id: i64, form: &PageForm, mine: &PageInput) -> AdminResult {
    let theirs = load(state, id).await?;
    let their_input = PageForm::from_page(&theirs)
        .read(theirs.status(), None, &fields::Library::new())
        .map_err(|e| anyhow::anyhow!("a saved page does not read back: {e:?}"))?;
    let conflict = saving::conflict(&state.site.store, editing::ENTITY, id, &their_input, mine, &["status", "publish_at"]).await?;
    let form = PageForm { version: theirs.version, ..form.clone() };
    Shown::conflict(&theirs, &form, conflict).render(state, editor).await
}

pub async fn trash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let page = load(&state, id).await?;
    if page.page.slug == pages::HOME {
        return Err(Problem::new(StatusCode::CONFLICT, "The home page cannot go to the trash; change its blocks instead.").into());
    }
    let was = page.status();
    move_page(&state, &editor, page, Status::Trash).await?;
    Ok(Redirect::to(&format!("/admin/pages?trashed={id}&was={}", Undo::word(was))).into_response())
}

/// Undo of "Move to the trash": back in the state it had (published or
/// draft), if nothing changed since; the blocks were never touched.
pub async fn undo_trash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(undo): Form<Undo>) -> AdminResult {
    let page = load(&state, id).await?;
    if page.status() != Status::Trash || page.version != undo.version {
        return Err(
            Problem::new(StatusCode::CONFLICT, "This page is no longer as it was when it went to the trash; open it to see it.").into()
        );
    }
    move_page(&state, &editor, page, undo.state()).await?;
    Ok(Redirect::to(&format!("/admin/pages/{id}?done=back")).into_response())
}

pub async fn untrash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let page = load(&state, id).await?;
    move_page(&state, &editor, page, Status::Draft).await?;
    Ok(Redirect::to(&format!("/admin/pages/{id}?done=untrashed")).into_response())
}

/// Trash a page or take it out (as a draft), as a new version.
async fn move_page(state: &AdminState, editor: &Editor, page: EditablePage, to: Status) -> Result<(), AdminError> {
    let input = PageForm::from_page(&page)
        .read(to, None, &fields::Library::new())
        .map_err(|e| anyhow::anyhow!("a saved page does not read back: {e:?}"))?;
    let over = Over::Version { id: page.id, version: page.version };
    editing::save(&state.site.store, over, &input, &author(editor)).await.map_err(|e| saving::problem(e, "page"))?;
    Ok(())
}

pub async fn delete(State(state): State<AdminState>, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let page = load(&state, id).await?;
    if page.status() != Status::Trash {
        return Err(
            Problem::new(StatusCode::CONFLICT, "Only a page in the trash can be deleted for good; move it to the trash first.").into()
        );
    }
    crate::content::lifecycle::delete(&state.site.store, crate::content::lifecycle::PAGES, id).await?;
    Ok(Redirect::to("/admin/pages?status=trash").into_response())
}

/// `POST /admin/pages/preview`: the typed page as the site will show it, unsaved.
pub async fn preview(
    State(state): State<AdminState>,
    editor: Editor,
    Query(width): Query<super::views::PreviewWidth>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AdminResult {
    let form = PageForm::from_pairs(&pairs);
    let input = match form.read(Status::Draft, None, &fields::library(&state.site.store).await?) {
        Ok(input) => input,
        Err(errors) => {
            return Shown::invalid(None, &form, errors).render(&state, &editor).await;
        }
    };
    let page = Page {
        slug: input.slug.to_string(),
        title: input.title,
        description: input.description,
        blocks: sqlx::types::Json(input.blocks),
        updated_at: crate::store::now(),
    };
    let site = state.site.clone();
    let html = PREVIEWS.run(async move { crate::site::routes::page_html(&site, &page).await }).await?;
    Ok(state.views.preview(html, super::posts::TYPED, &width))
}

pub async fn history(
    State(state): State<AdminState>,
    editor: Editor,
    Path(id): Path<i64>,
    Query(compare): Query<super::history::Compare>,
) -> AdminResult {
    let page = load(&state, id).await?;
    let item = super::history::Item {
        entity: editing::ENTITY,
        id,
        title: &page.page.title,
        path: format!("/admin/pages/{id}"),
        back: None,
        version: page.version,
        fields: |data| {
            let mut data = data.clone();
            if let Some(stored) = data.get("blocks") {
                data["blocks"] = serde_json::Value::String(blocks::readable(stored));
            }
            Ok(data)
        },
    };
    super::history::show(&state, &editor, item, compare).await
}

/// Saves an older version's content as the newest; the page keeps its state.
pub async fn restore(
    State(state): State<AdminState>,
    editor: Editor,
    Path((id, version)): Path<(i64, i64)>,
    Form(seen): Form<super::history::Seen>,
) -> AdminResult {
    let page = load(&state, id).await?;
    let revision = revisions::get(&state.site.store, editing::ENTITY, id, version).await?.ok_or_else(Problem::not_found)?;
    let mut input: PageInput = serde_json::from_value(revision.data.0)?;
    input.status = page.status();
    input.publish_at = page.publish_at;
    let over = Over::Version { id, version: seen.version()? };
    editing::save(&state.site.store, over, &input, &author(&editor)).await.map_err(|e| saving::problem(e, "page"))?;
    Ok(Redirect::to(&format!("/admin/pages/{id}?done=restored")).into_response())
}
