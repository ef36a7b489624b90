//! `/admin/library`: the media library. Images and PDFs are checked by
//! their content (not their name), images need alt text, and resized copies
//! for `srcset` are made once, on upload. Every block and post picks images
//! from here.

use std::collections::BTreeMap;

use crate::admin::form::{Checked, FileForm, Form};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::done::Done;
use super::error::{AdminResult, Problem};
use super::gate::Editor;
use super::{AdminState, Role, views};
use crate::content::assets::{self, Upload};
use crate::content::images::{self, Kind};
use crate::content::slug::slugify;

pub async fn show(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let notice = match done.done.as_str() {
        "uploaded" => format!("Uploaded as {}. Place it in a text with the Image button of the editor, or pick it in a block.", done.name),
        "alt" => "The description is saved.".to_owned(),
        "deleted" => "Deleted.".to_owned(),
        _ => String::new(),
    };
    page(&state, &editor, StatusCode::OK, &notice, "", &BTreeMap::new()).await
}

async fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    notice: &str,
    alt: &str,
    errors: &BTreeMap<&str, String>,
) -> AdminResult {
    let mut files = Vec::new();
    for file in assets::library(&state.site.store).await? {
        let copies = assets::variants(&state.site.store, &file.name).await?;
        // The smallest copy makes the thumbnail.
        let thumbnail = file.content_type.starts_with("image/").then(|| assets::url(copies.first().map_or(&file.name, |(_, n)| n)));
        let widths: Vec<i64> = copies.iter().map(|(w, _)| *w).collect();
        files.push(context! {
            name => file.name.as_str(), url => assets::url(&file.name), thumbnail, alt => file.alt.as_str(),
            kind => file.content_type.as_str(), width => file.width, height => file.height, widths,
            size => format!("{:.0} KB", file.size as f64 / 1024.0), when => views::when(file.updated_at),
        });
    }
    let limit = state.upload_limit / (1024 * 1024);
    let can_manage = editor.role() >= Role::Editor;
    let values = context! { files, notice, alt, errors, limit, can_manage };
    Ok(state.views.page(status, "library.html", Some(editor), values))
}

/// `POST /admin/library` (multipart): a file and, for images, its alt text.
/// The editor's image dialog asks for JSON (`Accept: application/json`) and
/// gets the stored image or the refusal as JSON; the library page gets the
/// page again, with the message at its field.
pub async fn upload(State(state): State<AdminState>, editor: Editor, headers: HeaderMap, form: FileForm) -> AdminResult {
    let json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let alt = form.fields.get("alt").map_or("", |a| a.trim()).to_owned();
    match store_upload(&state, &editor, form.file, &alt).await? {
        Ok(stored) if json => Ok((StatusCode::CREATED, Json(stored)).into_response()),
        Ok(stored) => {
            let query =
                form_urlencoded::Serializer::new(String::new()).append_pair("done", "uploaded").append_pair("name", &stored.name).finish();
            Ok(Redirect::to(&format!("/admin/library?{query}")).into_response())
        }
        Err(refused) if json => {
            Ok((refused.status, Json(serde_json::json!({ "field": refused.field, "error": refused.message }))).into_response())
        }
        Err(mut refused) => {
            if refused.field == "alt" {
                refused.message.push_str(" Then choose the file again.");
            }
            let errors = BTreeMap::from([(refused.field, refused.message)]);
            page(&state, &editor, refused.status, "", &alt, &errors).await
        }
    }
}

/// An image as the editor's picker and the upload answer show it.
#[derive(Serialize)]
pub struct Picture {
    name: String,
    url: String,
    thumbnail: String,
    alt: String,
    width: Option<i64>,
    height: Option<i64>,
}

/// `GET /admin/library/images`: the library's images, newest first, for the
/// editor's image dialog.
pub async fn images(State(state): State<AdminState>, _: Editor) -> AdminResult {
    let thumbnails = assets::thumbnails(&state.site.store).await?;
    let pictures: Vec<Picture> = assets::library(&state.site.store)
        .await?
        .into_iter()
        .filter(|f| f.content_type.starts_with("image/"))
        .map(|f| Picture {
            url: assets::url(&f.name),
            thumbnail: assets::url(thumbnails.get(&f.name).unwrap_or(&f.name)),
            name: f.name,
            alt: f.alt,
            width: f.width,
            height: f.height,
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(pictures)).into_response())
}

/// Why an upload was not taken: the field it concerns and what to do.
struct Refused {
    status: StatusCode,
    field: &'static str,
    message: String,
}

fn refused(status: StatusCode, field: &'static str, message: impl Into<String>) -> Result<Picture, Refused> {
    Err(Refused { status, field, message: message.into() })
}

/// How many files an author may upload an hour; editors and owners are not counted.
pub const AUTHOR_UPLOADS_PER_HOUR: i64 = 30;

/// Runs an upload's resize or check on the blocking pool, one upload at a
/// time: an image may take a hundred megabytes while resized.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let _turn = RESIZING.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// Checks and stores an upload with its resized copies.
async fn store_upload(
    state: &AdminState,
    editor: &Editor,
    file: Option<(String, bytes::Bytes)>,
    alt: &str,
) -> Result<Result<Picture, Refused>, super::error::AdminError> {
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, "file", "Choose a file to upload."));
    };
    if bytes.len() > state.upload_limit {
        return Err(super::gate::upload_too_large(state.upload_limit).into());
    }
    let Some(kind) = images::sniff(&bytes) else {
        return Ok(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file",
            "This file is not an image (JPEG, PNG, GIF, WebP) or a PDF, whatever its name says.",
        ));
    };
    if kind == Kind::Svg {
        // An SVG can carry script; a static host serves it without the CSP the live site adds.
        return Ok(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file",
            "SVG drawings can carry scripts, so the library does not take them: export it as PNG and upload that.",
        ));
    }
    // Each upload costs a core for a moment; an author's account, the
    // easiest to borrow, cannot keep the server resizing all day.
    if editor.role() < Role::Editor {
        let lately = assets::uploads_since(&state.site.store, editor.user.id, crate::store::now() - time::Duration::hours(1)).await?;
        if lately >= AUTHOR_UPLOADS_PER_HOUR {
            let message =
                format!("You uploaded {lately} files in the last hour, the most an author may. Try again later, or ask an editor.");
            return Ok(refused(StatusCode::TOO_MANY_REQUESTS, "file", message));
        }
    }
    if kind.is_image() && alt.is_empty() {
        return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, "alt", "Describe the image for people who cannot see it."));
    }
    let data = bytes.clone();
    let checked = match kind {
        Kind::Png | Kind::Jpeg | Kind::Gif | Kind::Webp => in_turn(move || images::resize(&data, kind).map(Some)).await?,
        Kind::Pdf => in_turn(move || crate::content::pdf::check(&data).map(|()| None)).await?,
        Kind::Svg => Ok(None),
    };
    let resized = match checked {
        Ok(resized) => resized,
        Err(message) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, "file", capitalised(&message))),
    };
    let stem = filename.rsplit_once('.').map_or(filename.as_str(), |(stem, _)| stem);
    let stem = Some(slugify(stem)).filter(|s| !s.is_empty()).unwrap_or_else(|| "upload".to_owned());
    let name = assets::free_name(&state.site.store, &stem, kind.extension()).await?;
    let name_stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s).to_owned();
    let (size, copies) = resized.map_or((None, Vec::new()), |(size, copies)| (Some(size), copies));
    let mut thumbnail = name.clone();
    let mut tx = state.site.store.begin().await?;
    let original = Upload {
        name: name.clone(),
        content_type: kind.content_type().to_owned(),
        bytes: bytes.to_vec(),
        alt: alt.to_owned(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        variant_of: None,
        uploaded_by: Some(editor.user.id),
    };
    assets::insert(&mut tx, &original).await?;
    for (i, copy) in copies.into_iter().enumerate() {
        let copy = Upload {
            name: assets::free_name(&state.site.store, &format!("{name_stem}-{}w", copy.width), copy.kind.extension()).await?,
            content_type: copy.kind.content_type().to_owned(),
            bytes: copy.bytes,
            alt: alt.to_owned(),
            width: Some(copy.width),
            height: Some(copy.height),
            variant_of: Some(name.clone()),
            uploaded_by: Some(editor.user.id),
        };
        if i == 0 {
            thumbnail = copy.name.clone();
        }
        assets::insert(&mut tx, &copy).await?;
    }
    tx.commit().await?;
    tracing::info!(asset = name, by = editor.user.id, "uploaded to the library");
    Ok(Ok(Picture {
        url: assets::url(&name),
        thumbnail: assets::url(&thumbnail),
        name,
        alt: alt.to_owned(),
        width: original.width.map(i64::from),
        height: original.height.map(i64::from),
    }))
}

static RESIZING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct Alt {
    #[serde(default)]
    alt: String,
}

pub async fn set_alt(State(state): State<AdminState>, editor: Editor, Path(name): Path<String>, Form(input): Form<Alt>) -> AdminResult {
    let file = assets::by_name(&state.site.store, &name).await?.ok_or_else(Problem::not_found)?;
    if file.content_type.starts_with("image/") && input.alt.trim().is_empty() {
        let errors = BTreeMap::from([("alt", "An image needs a description; it was not changed.".to_owned())]);
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, "", "", &errors).await;
    }
    let mut tx = state.site.store.begin().await?;
    assets::set_alt(&mut tx, &name, input.alt.trim()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/library?done=alt").into_response())
}

/// Deletes a file nothing uses any more.
pub async fn delete(State(state): State<AdminState>, Path(name): Path<String>, _: Checked) -> AdminResult {
    assets::by_name(&state.site.store, &name).await?.ok_or_else(Problem::not_found)?;
    let uses = assets::uses(&state.site.store, &name).await?;
    if uses > 0 {
        let message =
            format!("{name} is still used in {uses} place(s) (pages, posts or the settings). Take it out there first; then it can go.");
        return Err(Problem::new(StatusCode::CONFLICT, message).into());
    }
    let mut tx = state.site.store.begin().await?;
    assets::delete(&mut tx, &name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/library?done=deleted").into_response())
}
