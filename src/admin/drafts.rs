//! `/admin/drafts/{form}`: what an editor has typed into an admin form and
//! not saved, sent by `autosave.js` every few seconds while they type. It
//! survives a closed laptop and reaches the editor's other devices, where
//! the form offers it back; the saved item is untouched until they save.
//! The draft carries the version it was typed against, so bringing it back
//! over a newer save meets the conflict page, never a silent overwrite.
//! Drafts of others on the same form say who else is editing it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::AdminState;
use super::error::{AdminResult, Problem};
use super::form::Form;
use super::gate::Editor;
use super::views;
use crate::store::{Store, now};
use crate::{on_pool, on_write};

/// Someone whose draft of a form is younger than this is still at it.
const PRESENT: Duration = Duration::minutes(30);

#[derive(Debug, Deserialize)]
pub struct Typed {
    /// The form's fields as a query string; empty when nothing differs from what is saved.
    #[serde(default)]
    fields: String,
}

#[derive(Serialize)]
struct Mine {
    fields: String,
    when: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct Other {
    who: String,
    #[sqlx(rename = "saved_at")]
    #[serde(skip)]
    at: OffsetDateTime,
    #[sqlx(skip)]
    when: String,
}

#[derive(Serialize)]
struct Drafts {
    mine: Option<Mine>,
    others: Vec<Other>,
}

/// The form's key, e.g. `post-7`, `page-new`, `press report-3`, `menu-primary`.
fn checked(form: &str) -> Result<&str, Problem> {
    let fits = !form.is_empty() && form.len() <= 80 && form.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
    if fits { Ok(form) } else { Err(Problem::new(StatusCode::NOT_FOUND, "There is no such form to keep a draft of.")) }
}

/// `GET`: this editor's draft of the form, and who else is editing it.
pub async fn show(State(state): State<AdminState>, editor: Editor, Path(form): Path<String>) -> AdminResult {
    let key = checked(&form)?;
    let store = &state.site.store;
    let mine: Option<(String, OffsetDateTime)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT fields, saved_at FROM drafts WHERE user_id = $1 AND key = $2")
            .bind(editor.user.id)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
    let mine = mine.map(|(fields, at)| Mine { fields, when: views::when(at) });
    let others = others(store, key, editor.user.id).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(Drafts { mine, others })).into_response())
}

/// `POST`: keeps what was typed (or drops the draft when `fields` is
/// empty) and answers who else is editing the form.
pub async fn keep(State(state): State<AdminState>, editor: Editor, Path(form): Path<String>, Form(typed): Form<Typed>) -> AdminResult {
    let key = checked(&form)?;
    let store = &state.site.store;
    if typed.fields.is_empty() {
        discard_key(store, editor.user.id, key).await?;
    } else {
        on_write!(store, |pool| sqlx::query(
            "INSERT INTO drafts (user_id, key, fields, saved_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, key) DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at"
        )
        .bind(editor.user.id)
        .bind(key)
        .bind(&typed.fields)
        .bind(now())
        .execute(pool)
        .await
        .map(drop))?;
    }
    let others = others(store, key, editor.user.id).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(Drafts { mine: None, others })).into_response())
}

/// `POST …/discard`: the editor saved, or chose to throw the draft away.
pub async fn discard(State(state): State<AdminState>, editor: Editor, Path(form): Path<String>, Form(_): Form<Typed>) -> AdminResult {
    discard_key(&state.site.store, editor.user.id, checked(&form)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn discard_key(store: &Store, user_id: i64, key: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

/// Others with a recent draft of the same form, newest first.
async fn others(store: &Store, key: &str, me: i64) -> anyhow::Result<Vec<Other>> {
    let mut found: Vec<Other> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT CASE WHEN u.name = '' THEN u.email ELSE u.name END AS who, d.saved_at
         FROM drafts d JOIN users u ON u.id = d.user_id
         WHERE d.key = $1 AND d.user_id <> $2 AND d.saved_at > $3 ORDER BY d.saved_at DESC"
    )
    .bind(key)
    .bind(me)
    .bind(now() - PRESENT)
    .fetch_all(pool)
    .await)?;
    for other in &mut found {
        other.when = views::when(other.at);
    }
    Ok(found)
}
