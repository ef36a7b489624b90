//! The answers every public form shares: refused from another site, sent
//! again after a long wait, too many attempts, too large, and the blocked
//! domains check. Each is a page in the site's layout that says what to do.

use axum::extract::rejection::FormRejection;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use time::Duration;

use super::Forms;
use crate::content::settings::SiteSettings;
use crate::mail::EmailAddress;

/// True when the address's domain is on the blocked list in Settings.
pub(crate) fn is_blocked(settings: &SiteSettings, email: &EmailAddress) -> bool {
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    settings.blocked_domains.iter().any(|blocked| blocked.eq_ignore_ascii_case(domain))
}

pub(crate) async fn cross_site(state: &Forms, path: &str) -> Response {
    page(state, StatusCode::FORBIDDEN, path, "Form refused", &["This form can only be sent from this site's own pages."], json!({})).await
}

/// A form without a valid stamp: kept open for days, or not from our page.
pub(crate) async fn stale(state: &Forms, path: &str, again: Value) -> Response {
    let text = "This form was open for a long time, so please check it and send it again.";
    page(state, StatusCode::BAD_REQUEST, path, "Please send the form again", &[text], again).await
}

/// `again` shows the form once more with what was typed, for after the wait.
pub(crate) async fn too_many(state: &Forms, path: &str, wait: Duration, again: Value) -> Response {
    let minutes = (wait.whole_seconds() + 59) / 60;
    let text = format!("There were too many attempts from your network or for this address. Please try again in {minutes} minutes.");
    let mut response = page(state, StatusCode::TOO_MANY_REQUESTS, path, "Please wait a little", &[&text], again).await;
    response.headers_mut().insert(header::RETRY_AFTER, wait.whole_seconds().into());
    response
}

/// A body the form extractor would not read: too large (413) or not a form.
pub(crate) async fn rejected(state: &Forms, path: &str, rejection: FormRejection) -> Response {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let text = format!(
            "The form can carry at most {} KB, and yours was larger. Please shorten the message and send it again; nothing was kept.",
            super::BODY_LIMIT / 1024
        );
        return page(state, status, path, "This is too long to send", &[&text], json!({})).await;
    }
    page(state, status, path, "This form could not be read", &["Please go back, reload the page and send the form again."], json!({})).await
}

/// A short page in the site's layout (see [`crate::site::message_page`]).
pub(crate) async fn page(state: &Forms, status: StatusCode, path: &str, title: &str, paragraphs: &[&str], extra: Value) -> Response {
    crate::site::message_page(&state.site, status, path, title, paragraphs, extra).await
}
