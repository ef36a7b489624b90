//! `POST /admin/markdown`: Markdown to HTML with the site's own renderer,
//! for the editors' live preview (the script sends the text as it is typed).

use crate::admin::form::Form;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::gate::Editor;

#[derive(Deserialize)]
pub struct Text {
    #[serde(default)]
    markdown: String,
}

pub async fn render(_: Editor, Form(text): Form<Text>) -> impl IntoResponse {
    // comrak and ammonia: the same safe HTML the public page will show,
    // with the links as typed, since the formatted view writes it back as Markdown.
    let html = crate::render::markdown::to_html_as_written(&text.markdown);
    ([(header::CONTENT_TYPE, crate::render::page::HTML)], html)
}
