//! How public forms and their links answer: each handler returns an
//! [`Answer`] (a short page in the site's layout saying what happened and
//! what to do next) or a [`PublicError`] with `?`; [`finish`] renders both,
//! so no handler builds a page or logs a failure itself. The answers every
//! form shares (refused from another site, sent again after a long wait,
//! too many attempts, too large, fields to check) are made here.

use axum::extract::rejection::FormRejection;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::Duration;

use super::Forms;
use crate::render::page::{message_page, server_error};
use crate::store::Unwritable;

/// A page answering a form or a link.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub shows: Shows,
    /// Shown as the page's address instead of the request's, where a
    /// token in the request's path must not appear on the page.
    pub path: Option<String>,
    /// Sent as `Retry-After`, in seconds.
    pub retry_after: Option<i64>,
}

/// What an answer shows under its text: the optional parts of
/// `message.html`'s content (docs/THEMES.md).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Shows {
    /// The label of the button that confirms (a link's page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button: Option<&'static str>,
    /// Where to go next.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<NextLink>,
    /// Plain links that share a page on the common networks and by email
    /// (no script of theirs runs on the site).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub share: Vec<NextLink>,
    /// Sanitised HTML (a closed petition's result).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The form shown again with what was typed: one value named for its
    /// form (`petition_form`, `contact_form`, `signup`), made by the form's
    /// own capability from its own types (see [`form_again`]).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub again: Option<FormAgain>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextLink {
    pub href: String,
    pub label: String,
}

/// A form shown again, as [`Shows::again`] holds it. It is serialized where
/// it is made, so this module need not know each capability's types (they
/// depend on it); template values cannot be flattened, JSON ones can.
#[derive(Debug, Clone, Serialize)]
pub struct FormAgain(serde_json::Value);

pub fn form_again(form: impl Serialize) -> FormAgain {
    FormAgain(serde_json::to_value(form).expect("a form of text fields serializes to JSON"))
}

impl Answer {
    pub fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Answer { status, title: title.into(), paragraphs: Vec::new(), shows: Shows::default(), path: None, retry_after: None }
    }

    pub fn ok(title: impl Into<String>) -> Self {
        Answer::new(StatusCode::OK, title)
    }

    pub fn lines<S: Into<String>>(mut self, lines: impl IntoIterator<Item = S>) -> Self {
        self.paragraphs.extend(lines.into_iter().map(Into::into));
        self
    }

    pub fn button(mut self, label: &'static str) -> Self {
        self.shows.button = Some(label);
        self
    }

    pub fn link(mut self, href: impl Into<String>, label: impl Into<String>) -> Self {
        self.shows.links.push(NextLink { href: href.into(), label: label.into() });
        self
    }

    /// Links that share `url` with `text`: by email, and on the networks
    /// whose share addresses need no script.
    pub fn share(mut self, text: &str, url: &str) -> Self {
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        let (t, u, both) = (enc(text), enc(url), enc(&format!("{text} {url}")));
        self.shows.share = [
            ("Email", format!("mailto:?subject={t}&body={both}")),
            ("WhatsApp", format!("https://wa.me/?text={both}")),
            ("Facebook", format!("https://www.facebook.com/sharer/sharer.php?u={u}")),
            ("Bluesky", format!("https://bsky.app/intent/compose?text={both}")),
            ("X", format!("https://x.com/intent/post?text={t}&url={u}")),
            ("Telegram", format!("https://t.me/share/url?url={u}&text={t}")),
            ("LinkedIn", format!("https://www.linkedin.com/sharing/share-offsite/?url={u}")),
        ]
        .into_iter()
        .map(|(label, href)| NextLink { href, label: label.to_owned() })
        .collect();
        self
    }

    pub fn html(mut self, html: String) -> Self {
        self.shows.html = Some(html);
        self
    }

    /// The form once more (see [`form_again`]).
    pub fn again(mut self, form: FormAgain) -> Self {
        self.shows.again = Some(form);
        self
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// A link back to the home page under the text.
    pub fn home_link(self) -> Self {
        self.link("/", "Back to the home page")
    }
}

/// Travels in the response's extensions to [`finish`].
impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Why a public request was not done: a page that tells the person what to
/// do, or a failure of the server, logged with the request's route.
#[derive(Debug)]
pub enum PublicError {
    /// Boxed: an answer is large beside an error.
    Answer(Box<Answer>),
    Internal(anyhow::Error),
}

impl PublicError {
    /// Shows the answer at `path` (see [`Answer::path`]).
    pub fn at(self, path: &str) -> Self {
        match self {
            PublicError::Answer(answer) => PublicError::Answer(Box::new(answer.at(path))),
            internal => internal,
        }
    }
}

impl From<Answer> for PublicError {
    fn from(answer: Answer) -> Self {
        PublicError::Answer(Box::new(answer))
    }
}

impl From<anyhow::Error> for PublicError {
    fn from(error: anyhow::Error) -> Self {
        PublicError::Internal(error)
    }
}

impl From<FormRejection> for PublicError {
    fn from(rejection: FormRejection) -> Self {
        PublicError::Answer(Box::new(rejected(&rejection)))
    }
}

/// The failure, carried to [`finish`] to be logged with the path.
#[derive(Clone)]
struct Failure(std::sync::Arc<anyhow::Error>);

impl IntoResponse for PublicError {
    fn into_response(self) -> Response {
        match self {
            PublicError::Answer(answer) => answer.into_response(),
            PublicError::Internal(error) if Unwritable::of(&error).is_some() => {
                tracing::warn!(error = format!("{error:#}"), "the store did not take a public form");
                unavailable().into_response()
            }
            PublicError::Internal(error) => {
                let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                response.extensions_mut().insert(Failure(error.into()));
                response
            }
        }
    }
}

pub type PublicResult<T = Answer> = Result<T, PublicError>;

/// Renders the [`Answer`] or logs the [`PublicError`] a public form's handler returned.
pub async fn finish(State(state): State<Forms>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    // Failures are logged with the route, not the path: a link's path holds its token.
    let route = request.extensions().get::<MatchedPath>().map_or("(a public form)", MatchedPath::as_str).to_owned();
    let mut response = next.run(request).await;
    if let Some(Failure(error)) = response.extensions_mut().remove::<Failure>() {
        return server_error(&route, &error);
    }
    if crate::render::page::from_an_extractor(&response) {
        let paragraphs = [crate::render::page::UNREADABLE];
        return message_page(&state.site, response.status(), &path, "This could not be read", &paragraphs, &Shows::default()).await;
    }
    let Some(answer) = response.extensions_mut().remove::<Answer>() else { return response };
    let paragraphs: Vec<&str> = answer.paragraphs.iter().map(String::as_str).collect();
    let path = answer.path.as_deref().unwrap_or(&path);
    let mut page = message_page(&state.site, answer.status, path, &answer.title, &paragraphs, &answer.shows).await;
    if let Some(seconds) = answer.retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    page
}

pub fn cross_site() -> Answer {
    Answer::new(StatusCode::FORBIDDEN, "Form refused").lines(["This form can only be sent from this site's own pages."])
}

/// A form without a valid stamp: kept open for days, or not from our page.
pub fn stale(again: FormAgain) -> Answer {
    Answer::new(StatusCode::BAD_REQUEST, "Please send the form again")
        .lines(["This form was open for a long time, so please check it and send it again."])
        .again(again)
}

/// `again` shows the form once more with what was typed, for after the wait.
pub fn too_many(wait: Duration, again: FormAgain) -> Answer {
    let minutes = (wait.whole_seconds() + 59) / 60;
    let text = format!("There were too many attempts from your network or for this address. Please try again in {minutes} minutes.");
    let mut answer = Answer::new(StatusCode::TOO_MANY_REQUESTS, "Please wait a little").lines([text]).again(again);
    answer.retry_after = Some(wait.whole_seconds());
    answer
}

/// The store did not take what was sent (a full disk, a busy database):
/// nothing was kept, and the browser's Back button still holds the form.
pub fn unavailable() -> Answer {
    let text = "The site could not record what you sent just now, so nothing was kept. Please go back and send it again in a few minutes.";
    let mut answer = Answer::new(StatusCode::SERVICE_UNAVAILABLE, "Please try again in a few minutes").lines([text]);
    answer.retry_after = Some(60);
    answer
}

/// Fields to correct, with the form shown again.
pub fn invalid(title: &str, again: FormAgain) -> Answer {
    Answer::new(StatusCode::UNPROCESSABLE_ENTITY, title).again(again)
}

/// A body the form extractor would not read: too large (413) or not a form.
pub fn rejected(rejection: &FormRejection) -> Answer {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_long();
    }
    Answer::new(status, "This form could not be read").lines(["Please go back, reload the page and send the form again."])
}

/// The form's body is over [`super::BODY_LIMIT`].
pub fn too_long() -> Answer {
    let text = format!(
        "The form can carry at most {} KB, and yours was larger. Please shorten the message and send it again; nothing was kept.",
        super::BODY_LIMIT / 1024
    );
    Answer::new(StatusCode::PAYLOAD_TOO_LARGE, "This is too long to send").lines([text])
}
