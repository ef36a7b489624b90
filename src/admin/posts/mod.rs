//! `/admin/posts`: news and articles. Authors see and edit their own
//! drafts; editors and owners every post, and only they publish.

mod form;
pub mod history;

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::error::{AdminResult, Problem};
use super::form_page::FormPage;
use super::gate::Editor;
use super::publishing::{self, Undo, author, done};
use super::views::PreviewWidth;
use super::{AdminState, Role, saving};
use crate::admin::done::Done;
use crate::content::SaveError;
use crate::content::Status;
use crate::content::assets;
use crate::content::posts::editing::{self, EditablePost};
use crate::content::posts::{self, PostInput};
use crate::content::versioned::{Over, Saved};
use crate::render::lanes::PREVIEWS;
use form::PostForm;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    page: i64,
    /// A post just moved to the trash, offered back with Undo, and its state before.
    trashed: i64,
    was: String,
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(query): Query<ListQuery>) -> AdminResult {
    let own = (editor.role() < Role::Editor).then_some(editor.user.id);
    let status = Status::parse(&query.status);
    let paging = super::views::Paging::new(query.page, PER_PAGE);
    let (rows, more) = paging.cut(editing::list(&state.site.store, status, own, paging.limit(), paging.offset()).await?);
    let rows: Vec<_> = rows
        .into_iter()
        .map(|p| {
            let when = p.publish_at.map(super::views::when);
            let url = posts::url(&p.kind, &p.slug);
            context! { id => p.id, title => p.title, kind => p.kind, status => p.status, date => p.date.to_string(), author => p.author, when, url }
        })
        .collect();
    let counts = editing::count_by_status(&state.site.store, own).await?;
    let was = Undo::word(Status::parse(&query.was).unwrap_or(Status::Draft));
    let trashed = match editable(&state, &editor, query.trashed).await {
        Ok(post) if query.trashed > 0 && post.status() == Status::Trash => {
            Some(context! { id => post.id, title => post.post.title, version => post.version, was })
        }
        _ => None,
    };
    let values = context! { posts => rows, counts, status => status.map(Status::as_str), page => paging.page, more, trashed };
    Ok(state.views.page(StatusCode::OK, "posts.html", Some(&editor), values))
}

pub async fn new(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    let form = PostForm::new_post(display_name(&editor));
    Shown::new(None, &form).render(&state, &editor).await
}

/// May `editor` change `post`? Authors only their own, and only before it is published.
fn may_edit(editor: &Editor, post: &EditablePost) -> bool {
    editor.role() >= Role::Editor || (post.author_id == Some(editor.user.id) && matches!(post.status(), Status::Draft | Status::Trash))
}

pub(super) async fn editable(state: &AdminState, editor: &Editor, id: i64) -> Result<EditablePost, Problem> {
    let post = editing::by_id(&state.site.store, id).await.map_err(|e| {
        tracing::error!(error = format!("{e:#}"), "cannot load a post");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "The post cannot be loaded right now; try again in a moment.")
    })?;
    let post = post.ok_or_else(Problem::not_found)?;
    if may_edit(editor, &post) { Ok(post) } else { Err(Problem::forbidden()) }
}

pub async fn edit(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(done): Query<Done>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let notice = publishing::notice(&done.done);
    Shown::with_notice(Some(&post), &PostForm::from_post(&post), notice).render(&state, &editor).await
}

/// The editor page: the form (with what was typed), messages, and the post's state.
/// What the post editor shows: the form (as typed), messages, the saved post.
type Shown<'a> = FormPage<'a, EditablePost, PostForm, &'static str>;

impl Shown<'_> {
    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        let covers = assets::image_names(&state.site.store).await?;
        let current = self.item.map(|p| {
            let status = p.status();
            context! {
                id => p.id, status => status.as_str(), url => p.post.url(),
                live => status == Status::Published, updated => super::views::when(p.post.updated_at),
            }
        });
        let can_publish = editor.role() >= Role::Editor;
        let values = context! {
            post => current, form => Serde(self.form), errors => self.errors, covers, can_publish, notice => self.notice, conflict => self.conflict,
        };
        Ok(state.views.page(self.status, "post_edit.html", Some(editor), values))
    }
}

/// The state a pressed button asks for; publishing needs an editor.
fn wanted_status(editor: &Editor, action: &str, current: Option<Status>) -> Result<Status, Problem> {
    let wanted = publishing::wanted_status(action, current);
    let changes_the_site = wanted != Status::Draft || current.is_some_and(|c| c != Status::Draft);
    if changes_the_site && editor.role() < Role::Editor {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Authors write drafts; an editor publishes them. Your text was not saved: go back to keep it.",
        ));
    }
    Ok(wanted)
}

fn display_name(editor: &Editor) -> &str {
    if editor.user.name.is_empty() { &editor.user.email } else { &editor.user.name }
}

pub async fn create(State(state): State<AdminState>, editor: Editor, Form(form): Form<PostForm>) -> AdminResult {
    let status = wanted_status(&editor, &form.action, None)?;
    let covers = assets::image_names(&state.site.store).await?;
    let input = match form.read(status, &covers) {
        Ok(input) => input,
        Err(errors) => return Shown::invalid(None, &form, errors).render(&state, &editor).await,
    };
    let saved = editing::save(&state.site.store, Over::New, &input, &author(&editor)).await;
    answer(&state, &editor, None, &form, &input, status, saved).await
}

pub async fn update(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(form): Form<PostForm>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    let status = wanted_status(&editor, &form.action, Some(post.status()))?;
    let covers = assets::image_names(&state.site.store).await?;
    let input = match form.read(status, &covers) {
        Ok(input) => input,
        Err(errors) => return Shown::invalid(Some(&post), &form, errors).render(&state, &editor).await,
    };
    let saved = editing::save(&state.site.store, Over::Version { id, version: form.version }, &input, &author(&editor)).await;
    answer(&state, &editor, Some(&post), &form, &input, status, saved).await
}

/// After a save: the editor on the saved post, or the form again as typed, with why it was not saved.
async fn answer(
    state: &AdminState,
    editor: &Editor,
    post: Option<&EditablePost>,
    form: &PostForm,
    mine: &PostInput,
    status: Status,
    saved: Result<Saved, SaveError>,
) -> AdminResult {
    let again = match saved {
        Ok(saved) => return Ok(Redirect::to(&format!("/admin/posts/{}?done={}", saved.id, done(&form.action, status))).into_response()),
        Err(error) => saving::again(error, "post")?,
    };
    match post {
        Some(post) if again.conflict => conflict(state, editor, post.id, form, mine).await,
        _ => Shown::again(post, form, &again).render(state, editor).await,
    }
}

/// Someone saved since this form was opened: show their version beside
/// the typed one, which stays in the form, unsaved. Saving again replaces
/// theirs on purpose (the form now names their version).
async fn conflict(state: &AdminState, editor: &Editor, id: i64, form: &PostForm, mine: &PostInput) -> AdminResult {
    let theirs = editing::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let conflict =
        saving::conflict(&state.site.store, editing::ENTITY, id, &PostForm::from_post(&theirs), &PostForm::from_input(mine, 0), SKIP)
            .await?;
    let form = PostForm { version: theirs.version, ..form.clone() };
    Shown::conflict(&theirs, &form, conflict).render(state, editor).await
}

/// Form fields that are not content, left out of comparisons.
const SKIP: &[&str] = &["version", "action"];

pub async fn trash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let was = editable(&state, &editor, id).await?.status();
    move_post(&state, &editor, id, Status::Trash).await?;
    Ok(Redirect::to(&format!("/admin/posts?trashed={id}&was={}", Undo::word(was))).into_response())
}

/// Undo of "Move to the trash": back in the state it had (published or
/// draft), if nothing changed since; the text was never touched.
pub async fn undo_trash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(undo): Form<Undo>) -> AdminResult {
    let post = editable(&state, &editor, id).await?;
    if post.status() != Status::Trash || post.version != undo.version {
        return Err(
            Problem::new(StatusCode::CONFLICT, "This post is no longer as it was when it went to the trash; open it to see it.").into()
        );
    }
    let to = undo.state();
    if to == Status::Published && editor.role() < Role::Editor {
        return Err(Problem::forbidden().into());
    }
    move_post(&state, &editor, id, to).await?;
    Ok(Redirect::to(&format!("/admin/posts/{id}?done=back")).into_response())
}

pub async fn untrash(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    move_post(&state, &editor, id, Status::Draft).await?;
    Ok(Redirect::to(&format!("/admin/posts/{id}?done=untrashed")).into_response())
}

/// Trash (from any state) or take out of the trash (as a draft), as a new version.
async fn move_post(state: &AdminState, editor: &Editor, id: i64, to: Status) -> Result<(), super::error::AdminError> {
    let post = editable(state, editor, id).await?;
    if to == Status::Trash && post.status() != Status::Draft && editor.role() < Role::Editor {
        return Err(Problem::forbidden().into());
    }
    let mut form = PostForm::from_post(&post);
    form.publish_at.clear();
    let input = form
        .read(to, &[post.post.cover.clone().unwrap_or_default()])
        .map_err(|errors| anyhow::anyhow!("a saved post does not read back: {errors:?}"))?;
    let over = Over::Version { id, version: post.version };
    editing::save(&state.site.store, over, &input, &author(editor)).await.map_err(|e| saving::problem(e, "post"))?;
    Ok(())
}

/// Deletes a post from the trash for good (editors only).
pub async fn delete(State(state): State<AdminState>, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let post = editing::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if post.status() != Status::Trash {
        return Err(
            Problem::new(StatusCode::CONFLICT, "Only a post in the trash can be deleted for good; move it to the trash first.").into()
        );
    }
    crate::content::lifecycle::delete(&state.site.store, crate::content::lifecycle::POSTS, id).await?;
    Ok(Redirect::to("/admin/posts?status=trash").into_response())
}

/// `POST /admin/posts/preview`: the typed post as its page will look, unsaved.
pub async fn preview(
    State(state): State<AdminState>,
    editor: Editor,
    Query(width): Query<PreviewWidth>,
    Form(form): Form<PostForm>,
) -> AdminResult {
    let covers = assets::image_names(&state.site.store).await?;
    let input = match form.read(Status::Draft, &covers) {
        Ok(input) => input,
        Err(errors) => return Shown::invalid(None, &form, errors).render(&state, &editor).await,
    };
    let post = posts::Post {
        slug: input.slug.to_string(),
        kind: input.kind.as_str().to_owned(),
        title: input.title,
        date: input.date,
        summary: input.summary,
        body: input.body,
        cover: input.cover,
        tags: sqlx::types::Json(input.tags),
        author: input.author,
        updated_at: crate::store::now(),
    };
    let site = state.site.clone();
    let html = PREVIEWS.run(async move { crate::site::routes::post_page(&site, &post).await }).await?;
    Ok(state.views.preview(html, TYPED, &width))
}

/// What the bar on a preview of unsaved typing says.
pub(super) const TYPED: &str = "Preview of what you typed: not saved yet, and not on the site until you publish.";
