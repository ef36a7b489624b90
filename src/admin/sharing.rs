//! Preview links for proof-readers: `POST /admin/{posts,pages}/{id}/share`
//! makes a secret link to the item's saved version, whatever its state,
//! that works for a week without an account; `GET /preview/{token}` shows
//! it in the site's theme, marked so no search engine keeps it. Only the
//! token's digest is stored ([`crate::secrets`]), and an expired link
//! says so (410) rather than pretending the item does not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use minijinja::context;
use time::Duration;

use super::error::{AdminError, AdminResult, Problem};
use super::form::Checked;
use super::gate::Editor;
use super::{AdminState, posts, views};
use crate::content::{pages, posts as content_posts};
use crate::render::lanes::PAGES;
use crate::store::now;
use crate::{on_pool, on_write, secrets};

/// How long a link works.
pub const LIFETIME: Duration = Duration::days(7);

pub async fn share_post(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let post = posts::editable(&state, &editor, id).await?;
    shared(&state, &editor, content_posts::editing::ENTITY, id, &post.post.title, &format!("/admin/posts/{id}")).await
}

pub async fn share_page(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let page = pages::editing::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    shared(&state, &editor, pages::editing::ENTITY, id, &page.page.title, &format!("/admin/pages/{id}")).await
}

/// Makes the link and shows it, once: only its digest is kept.
async fn shared(state: &AdminState, editor: &Editor, entity: &str, id: i64, title: &str, back: &str) -> AdminResult {
    let token = secrets::token();
    let expires = now() + LIFETIME;
    on_write!(&state.site.store, |pool| sqlx::query(
        "INSERT INTO preview_links (id, entity, entity_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(secrets::digest(&token))
    .bind(entity)
    .bind(id)
    .bind(editor.user.id)
    .bind(now())
    .bind(expires)
    .execute(pool)
    .await
    .map(drop))?;
    let link = format!("{}/preview/{token}", state.site.base_url);
    let values = context! { title, back, link, until => views::when(expires) };
    Ok(state.views.page(StatusCode::CREATED, "shared.html", Some(editor), values))
}

/// `GET /preview/{token}`: the item as it is saved now, for whoever holds the link.
pub async fn open(
    State(state): State<AdminState>,
    Path(token): Path<String>,
    axum::extract::Query(width): axum::extract::Query<super::views::PreviewWidth>,
) -> AdminResult {
    let found: Option<(String, i64, time::OffsetDateTime)> =
        on_pool!(&state.site.store, |pool| sqlx::query_as("SELECT entity, entity_id, expires_at FROM preview_links WHERE id = $1")
            .bind(secrets::digest(&token))
            .fetch_optional(pool)
            .await)?;
    let gone = || Problem::new(StatusCode::GONE, "This preview link has expired. Ask whoever sent it for a new one.");
    let (entity, id) = match found {
        Some((entity, id, expires)) if expires > now() => (entity, id),
        Some(_) => return Err(gone().into()),
        None => {
            return Err(Problem::new(StatusCode::NOT_FOUND, "There is no preview at this address. Check the link you were sent.").into());
        }
    };
    let store = &state.site.store;
    let site = state.site.clone();
    // Anyone with the link opens it: rendered in the public pages' lane.
    let html = match entity.as_str() {
        content_posts::editing::ENTITY => {
            let post = content_posts::editing::by_id(store, id).await?.ok_or_else(gone)?.post;
            PAGES.run(async move { crate::site::routes::post_page(&site, &post).await }).await?
        }
        pages::editing::ENTITY => {
            let page = pages::editing::by_id(store, id).await?.ok_or_else(gone)?.page;
            PAGES.run(async move { crate::site::routes::page_html(&site, &page).await }).await?
        }
        _ => return Err(AdminError::from(gone())),
    };
    // Served as an admin page: never cached, no Referer to other sites, so the token stays put.
    Ok(state.views.preview(html, "A preview shared for proof-reading: what you see may not be on the site yet.", &width))
}
