//! The admin's own look: templates and static files embedded from
//! `src/admin/templates` and `src/admin/static` (a public theme never
//! changes the admin), and the headers every admin response carries.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value, context};
use rust_embed::Embed;

use super::error::Problem;
use super::{AdminState, Editor};
use crate::render::cache::{Entry, IMMUTABLE};
use crate::render::theme::StaticFile;

#[derive(Embed)]
#[folder = "src/admin/templates/"]
struct Templates;

#[derive(Embed)]
#[folder = "src/admin/static/"]
struct Statics;

pub struct Views {
    env: Environment<'static>,
    /// Static files by their hashed URL, with their compressed forms.
    statics: HashMap<String, Arc<Entry>>,
}

impl Views {
    pub fn new() -> anyhow::Result<Self> {
        let mut statics = HashMap::new();
        let mut urls = HashMap::new();
        let started = std::time::SystemTime::now();
        for name in Statics::iter() {
            let bytes = Statics::get(&name).map(|f| f.data.into_owned()).unwrap_or_default();
            let file = StaticFile::hashed("/admin/static/", &name, bytes);
            urls.insert(name.to_string(), file.url.clone());
            statics.insert(file.url, Arc::new(Entry::new(file.content_type, file.bytes, started, IMMUTABLE)));
        }
        let mut env = Environment::new();
        env.set_formatter(crate::render::escape_without_slashes);
        env.set_syntax(crate::render::syntax()?);
        env.add_function("asset", move |name: &str| -> Result<String, minijinja::Error> {
            urls.get(name)
                .cloned()
                .ok_or_else(|| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("no admin file {name:?}")))
        });
        for name in Templates::iter() {
            let source = Templates::get(&name).map(|f| String::from_utf8_lossy(&f.data).into_owned()).unwrap_or_default();
            env.add_template_owned(name.to_string(), source).map_err(crate::render::template_error)?;
        }
        // Fail at start, not on an editor's click, when a template does not render its names.
        for name in Templates::iter() {
            env.get_template(&name).map_err(crate::render::template_error)?;
        }
        Ok(Views { env, statics })
    }

    /// A page of the public site shown before it is live, with a bar
    /// saying so (`note`), marked so no search engine keeps it. At phone
    /// width it sits in a frame as wide as a phone, so the site's own narrow
    /// layout shows as a visitor's phone shows it.
    pub fn preview(&self, html: String, note: &str, width: &PreviewWidth) -> Response {
        let part =
            |head: bool| self.env.get_template("preview_bar.html").and_then(|t| t.render(context! { head, note })).unwrap_or_default();
        let mut html = html;
        if width.is_phone() {
            html = match self.env.get_template("preview_phone.html").and_then(|t| t.render(context! { html, note })) {
                Ok(framed) => framed,
                Err(error) => {
                    tracing::error!(error = format!("{:#}", crate::render::template_error(error)), "cannot render a phone preview");
                    return (StatusCode::INTERNAL_SERVER_ERROR, "500: this preview cannot be shown; the error is in the server's log.\n")
                        .into_response();
                }
            };
        } else {
            if let Some(at) = html.find("</head>") {
                html.insert_str(at, &part(true));
            }
            if let Some(at) = html.find("<body").and_then(|start| html[start..].find('>').map(|end| start + end + 1)) {
                html.insert_str(at, &part(false));
            }
        }
        ([(header::CONTENT_TYPE, crate::render::page::HTML), (header::HeaderName::from_static("x-robots-tag"), "noindex")], html)
            .into_response()
    }

    /// Renders a page; `editor` fills the layout's account menu and the forms' CSRF token.
    pub fn page(&self, status: StatusCode, template: &str, editor: Option<&Editor>, values: Value) -> Response {
        let me = editor.map(|e| context! { email => e.user.email.as_str(), name => e.user.name.as_str(), role => e.user.role().as_str(), site => e.bar.site.as_str(), unread => e.bar.unread, zone => e.bar.zone.name().replace('_', " ") });
        let csrf = editor.map(|e| e.session.csrf.clone());
        let context = context! { me, csrf, ..values };
        match self.env.get_template(template).and_then(|t| t.render(context)) {
            Ok(html) => (status, [(header::CONTENT_TYPE, crate::render::page::HTML)], html).into_response(),
            Err(error) => {
                tracing::error!(template, error = format!("{:#}", crate::render::template_error(error)), "cannot render an admin page");
                (StatusCode::INTERNAL_SERVER_ERROR, "500: this admin page cannot be shown; the error is in the server's log.\n")
                    .into_response()
            }
        }
    }
}

/// How wide a preview is shown: `?width=phone` for a phone's, else the window's.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PreviewWidth {
    #[serde(default)]
    width: String,
}

impl PreviewWidth {
    pub fn is_phone(&self) -> bool {
        self.width == "phone"
    }
}

/// One page of a long admin list: the page `?page=` asks for, from 1 up
/// to a page whose offset in the list cannot overflow.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    per_page: i64,
}

impl Paging {
    pub fn new(asked: i64, per_page: i64) -> Self {
        Paging { page: asked.clamp(1, 1_000_000), per_page }
    }

    /// How many rows to ask the store for: one more than a page, which tells whether more follow.
    pub fn limit(self) -> i64 {
        self.per_page + 1
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// The page's rows, and whether more follow.
    pub fn cut<T>(self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let more = rows.len() as i64 > self.per_page;
        rows.truncate(self.per_page as usize);
        (rows, more)
    }
}

/// A moment as editors read it, on the site's clock: `2026-11-27 08:40 CET`.
pub fn when(at: time::OffsetDateTime) -> String {
    let (at, zone) = crate::content::zone::Zone::current().local(at);
    format!("{} {:02}:{:02} {zone}", at.date(), at.hour(), at.minute())
}

/// `GET /admin/static/{file}`: admin CSS and JavaScript, cached for good
/// under hashed names and sent compressed, as the site's own files are.
pub async fn serve_static(State(state): State<AdminState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    match state.views.statics.get(&format!("/admin/static/{file}")) {
        Some(entry) => crate::site::respond(entry, &headers, StatusCode::OK),
        None => Problem::new(StatusCode::NOT_FOUND, "There is no such admin file.").into_response(),
    }
}

/// Wraps every admin response: nothing is stored by browsers or proxies,
/// nothing frames the admin, no script comes from elsewhere, and a
/// [`Problem`] becomes a page in the admin's look.
pub async fn finish(State(state): State<AdminState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    // The gate runs inside this layer and hands back who it let in.
    let editor = response.extensions_mut().remove::<Editor>();
    if let Some(problem) = response.extensions_mut().remove::<Problem>() {
        let status = response.status();
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        response =
            state.views.page(status, "problem.html", editor.as_ref(), context! { status => status.as_u16(), message => problem.message });
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    } else if crate::render::page::from_an_extractor(&response) {
        let status = response.status();
        let message = crate::render::page::UNREADABLE;
        response = state.views.page(status, "problem.html", editor.as_ref(), context! { status => status.as_u16(), message });
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A handler may set a stricter policy of its own (the email preview runs no script at all).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    response
}
