//! `POST /admin/markdown`: Markdown to HTML with the site's own renderer,
//! for the editors' live preview (the script sends the text as it is typed).

use crate::admin::form::Form;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{AdminResult, Problem};
use super::gate::Editor;
use crate::render::{lanes, markdown};

#[derive(Deserialize)]
pub struct Text {
    #[serde(default)]
    markdown: String,
}

pub async fn render(_: Editor, Form(text): Form<Text>) -> AdminResult {
    // A text a save would refuse is not rendered either; the editor says why.
    markdown::check(&text.markdown).map_err(|why| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{why} Your text is safe.")))?;
    // comrak and ammonia: the same safe HTML the public page will show,
    // with the links as typed, since the formatted view writes it back as Markdown.
    let html = lanes::PREVIEWS.run(async move { Ok(markdown::to_html_as_written(&text.markdown)) }).await?;
    Ok(([(header::CONTENT_TYPE, crate::render::page::HTML)], html).into_response())
}
