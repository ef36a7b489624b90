//! The gate in front of every signed-in admin route: find the session from
//! its cookie, check the route's role, refuse a state change another site
//! started (`Sec-Fetch-Site`, `Origin`), then hand the handler an
//! [`Editor`]. The gate reads no body (except an owner's form that needs
//! the password again, [`super::confirm`]): the CSRF token is checked by
//! the handler's extractor ([`super::form::Form`]) or, sent by a script in
//! `x-csrf-token`, here.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::accounts::{Role, User};
use super::error::Problem;
use super::sessions::{self, Session};
use super::two_factor;
use super::{AdminState, FORM_LIMIT};
use crate::content::zone::Zone;
use crate::secrets;

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct Editor {
    pub user: User,
    pub session: Session,
    /// What every admin page's bar shows: the site's name, and for those
    /// who read the inbox, how many messages wait unread.
    pub bar: Bar,
}

#[derive(Debug, Clone, Default)]
pub struct Bar {
    pub site: String,
    pub unread: Option<i64>,
    /// The site's time zone, which every time on the page is in.
    pub zone: Zone,
    /// Whether the owners require two-factor sign-in of everyone.
    pub two_factor_required: bool,
}

impl Bar {
    async fn load(store: &crate::store::Store, role: Role) -> anyhow::Result<Bar> {
        let settings = crate::content::settings::load(store).await?;
        let zone = settings.as_ref().map(Zone::of).unwrap_or_default();
        let two_factor_required = settings.as_ref().is_some_and(|s| s.require_two_factor);
        let site = settings.map(|s| s.name).unwrap_or_default();
        let unread = if role >= Role::Editor { Some(crate::inbox::unread(store).await?) } else { None };
        Ok(Bar { site, unread, zone, two_factor_required })
    }
}

impl Editor {
    pub fn role(&self) -> Role {
        self.user.role()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts.extensions.get::<Editor>().cloned().ok_or_else(|| {
            tracing::error!(path = parts.uri.path(), "an admin handler runs without the gate");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "This page is not set up to check who you are.")
        })
    }
}

/// The least role a group of routes needs, and whether the password must
/// have been typed lately ([`super::confirm`]); the state of [`gate`].
#[derive(Clone)]
pub struct Need {
    pub state: AdminState,
    pub role: Role,
    pub confirmed: bool,
}

pub async fn gate(State(need): State<Need>, mut request: Request, next: Next) -> Response {
    let found = match cookie(request.headers(), sessions::COOKIE) {
        Some(token) => sessions::find(&need.state.site.store, &token).await,
        None => Ok(None),
    };
    let (session, user) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return to_sign_in(&request),
        Err(error) => return super::error::AdminError::Internal(error).into_response(),
    };
    if user.role() < need.role {
        return Problem::forbidden().into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Err(problem) = same_origin(request.headers(), &need.state.site.base_url) {
            return problem.into_response();
        }
        if let Some(sent) = request.headers().get("x-csrf-token") {
            if !secrets::same(sent.to_str().unwrap_or(""), &session.csrf) {
                return csrf_failed().into_response();
            }
            request.extensions_mut().insert(TokenChecked);
        }
    }
    let bar = match Bar::load(&need.state.site.store, user.role()).await {
        Ok(bar) => bar,
        Err(error) => return super::error::AdminError::Internal(error).into_response(),
    };
    let zone = bar.zone.clone();
    let editor = Editor { user, session, bar };
    if editor.bar.two_factor_required && !editor.user.two_factor && !two_factor::may_set_it_up_from(request.uri().path()) {
        return two_factor::required(&request);
    }
    if need.confirmed && !editor.session.recently_confirmed(crate::store::now()) {
        request = match super::confirm::demand(&need.state, &editor, request).await {
            Ok(request) => request,
            Err(asking) => return asking,
        };
    }
    request.extensions_mut().insert(editor.clone());
    let mut response = zone.scope(next.run(request)).await;
    // For the layers outside: a refusal is shown inside the admin's layout, with its menu.
    response.extensions_mut().insert(editor);
    response
}

/// The signed-in person, if the request carries a live session: for pages
/// open to all (an unknown admin address) that still show the admin's bar.
pub async fn recognise(state: &AdminState, headers: &HeaderMap) -> anyhow::Result<Option<Editor>> {
    let Some(token) = cookie(headers, sessions::COOKIE) else { return Ok(None) };
    let Some((session, user)) = sessions::find(&state.site.store, &token).await? else { return Ok(None) };
    let bar = Bar::load(&state.site.store, user.role()).await?;
    Ok(Some(Editor { user, session, bar }))
}

/// Without a session, a page sends the browser to sign in and come back;
/// a form sent from an ended session says so on the sign-in page.
fn to_sign_in(request: &Request) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        then_back("/admin/login", request.uri())
    } else {
        Redirect::to("/admin/login?done=expired").into_response()
    }
}

/// A redirect to `page`, which sends the browser on to `uri` when done.
pub fn then_back(page: &str, uri: &axum::http::Uri) -> Response {
    let next = uri.path_and_query().map_or("/admin", |p| p.as_str());
    let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
    Redirect::to(&format!("{page}?{query}")).into_response()
}

/// Whether a request's body is a form as browsers send it (not multipart).
pub fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The request's token was in its `x-csrf-token` header and matched.
#[derive(Debug, Clone, Copy)]
pub struct TokenChecked;

/// A state change must not come from another site: a browser says where
/// the request came from (`Sec-Fetch-Site`, or else `Origin`). A client
/// that sends neither is no browser, so no other site can make it send the
/// session's cookie; it still needs the token.
fn same_origin(headers: &HeaderMap, base_url: &str) -> Result<(), Problem> {
    let value = |name| headers.get(name).map(|v: &HeaderValue| v.to_str().unwrap_or(""));
    let ours = match (value(header::HeaderName::from_static("sec-fetch-site")), value(header::ORIGIN)) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => {
            let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            origin == base_url.trim_end_matches('/') || authority.is_some_and(|a| value(header::HOST) == Some(a))
        }
        (None, None) => true,
    };
    if ours {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "This form was sent from another site, so it was refused (its security token cannot come from there). Open the admin yourself and send it from there.",
        ))
    }
}

/// Checks the token a form sent against the session's.
pub fn check_token(editor: &Editor, sent: Option<&str>) -> Result<(), Problem> {
    match sent {
        Some(token) if secrets::same(token, &editor.session.csrf) => Ok(()),
        _ => Err(csrf_failed()),
    }
}

pub fn csrf_failed() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "This form could not be checked (its security token is missing or old). Go back, reload the page and send it again.",
    )
}

pub fn upload_too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "This file is larger than {} MB, the most the library takes. Make it smaller (for a photo, 2,000 pixels wide is plenty) and upload it again.",
            limit / (1024 * 1024)
        ),
    )
}

pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("What you sent is larger than {} MB, the most this form takes.", FORM_LIMIT / (1024 * 1024)),
    )
}

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value for an admin cookie; `None` deletes it.
fn cookie_header(name: &str, value: Option<&str>, path: &str, secure: bool, max_age_seconds: i64) -> String {
    let (value, max_age) = match value {
        Some(v) => (v, max_age_seconds),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// Adds an admin cookie to the response; `None` deletes it.
pub fn set_cookie(response: &mut Response, name: &str, value: Option<&str>, path: &str, secure: bool, max_age_seconds: i64) {
    // Names, tokens and paths are URL-safe ASCII, so the header value always parses.
    if let Ok(value) = HeaderValue::from_str(&cookie_header(name, value, path, secure, max_age_seconds)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Sets (or with `None`, deletes) the session cookie.
pub fn set_session_cookie(response: &mut Response, state: &AdminState, token: Option<&str>) {
    set_cookie(response, sessions::COOKIE, token, "/admin", state.secure_cookies, sessions::ABSOLUTE_LIFETIME.whole_seconds());
}

impl crate::client_ip::TrustedProxies for AdminState {
    fn trusted_proxies(&self) -> &[IpAddr] {
        &self.trusted_proxies
    }
}

/// The browser's own description, kept with a session so editors recognise it.
pub fn user_agent(headers: &HeaderMap) -> String {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Where to go after signing in: only a path inside the admin.
pub fn safe_next(next: &str) -> &str {
    let inside = next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?");
    // Only printable ASCII: anything else could not go in a Location header.
    let printable = next.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\');
    if inside && printable { next } else { "/admin" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/admin/account"), "/admin/account");
        assert_eq!(safe_next("/admin?x=1"), "/admin?x=1");
        for bad in ["https://evil.example/admin", "//evil.example", "/administrator", "/admin/\\evil", "", "/admin/\u{1}", "/admin/ä"] {
            assert_eq!(safe_next(bad), "/admin", "{bad}");
        }
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; pamphlet_session=xyz; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, "pamphlet_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
        assert_eq!(cookie_header("s", None, "/admin", true, 60), "s=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
    }
}
