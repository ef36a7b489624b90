//! The body of a signed-in admin form, read once by the handler's
//! extractor: the CSRF token in it is checked against the session's
//! (unless a script sent it in the `x-csrf-token` header, which the gate
//! checked), then the fields are read into `T`. The body's size limit is
//! the route's (`DefaultBodyLimit`), so an upload route declares its own.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::de::{DeserializeOwned, IgnoredAny};

use super::AdminState;
use super::error::Problem;
use super::gate::{self, Editor};

/// A form's fields, after its token was checked.
pub struct Form<T>(pub T);

/// A button's form with nothing but its token (trash, delete, close …).
pub type Checked = Form<IgnoredAny>;

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let editor = request.extensions().get::<Editor>().cloned();
        let checked = request.extensions().get::<gate::TokenChecked>().is_some();
        let urlencoded = gate::is_urlencoded(request.headers());
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { gate::too_large() } else { gate::csrf_failed() })?;
        if !checked {
            let editor = editor.ok_or_else(gate::csrf_failed)?;
            let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
            gate::check_token(&editor, sent.as_deref())?;
        }
        if !urlencoded && !bytes.is_empty() {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This form was sent in a shape the admin does not read; reload the page and send it again.",
            ));
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|e| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("This form could not be read ({e}); reload the page and send it again."))
        })
    }
}

/// A form with a file (`multipart/form-data`): its short fields and its `file`.
/// The token must come before the file (the admin's forms put it first),
/// so no file is read for a form that fails the check.
pub struct FileForm {
    pub fields: BTreeMap<String, String>,
    /// The file's name as the browser gave it, and its bytes.
    pub file: Option<(String, Bytes)>,
}

impl FromRequest<AdminState> for FileForm {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &AdminState) -> Result<Self, Problem> {
        let editor = request.extensions().get::<Editor>().cloned().ok_or_else(gate::csrf_failed)?;
        let mut checked = request.extensions().get::<gate::TokenChecked>().is_some();
        let limit = state.upload_limit;
        let unreadable = |e: MultipartError| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => gate::upload_too_large(limit),
            status => Problem::new(status, format!("The upload could not be read: {}", e.body_text())),
        };
        let multipart =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            // Its token is checked like any form's before it is turned away.
            Checked::from_request(request, state).await?;
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This upload was not sent with its file; reload the page and send it again.",
            ));
        }
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|e| Problem::new(e.status(), "This upload could not be read; reload the page and send it again."))?;
        let mut upload = FileForm { fields: BTreeMap::new(), file: None };
        while let Some(field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                if !checked {
                    return Err(gate::csrf_failed());
                }
                let filename = field.file_name().unwrap_or_default().to_owned();
                upload.file = Some((filename, field.bytes().await.map_err(unreadable)?));
            } else {
                let value = field.text().await.map_err(unreadable)?;
                if name == "csrf" {
                    gate::check_token(&editor, Some(&value))?;
                    checked = true;
                }
                upload.fields.insert(name, value);
            }
        }
        if !checked {
            return Err(gate::csrf_failed());
        }
        Ok(upload)
    }
}
