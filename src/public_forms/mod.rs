//! What every public form shares — the petition, the contact form and the
//! newsletter signup: the state of their routes, the guard against bots
//! ([`guard`]), the limits on attempts ([`attempts`]), the answer pages
//! ([`answers`]), reading one-line fields, and sending mail after answering.

pub mod answers;
pub mod attempts;
pub mod guard;
pub mod submit;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::mail::Outgoing;
use crate::mail::{Letter, Mailer, Sender};
use crate::render::page::Site;

/// The state of the public form routes.
#[derive(Clone)]
pub struct Forms {
    pub site: Site,
    pub outgoing: Outgoing,
    pub trusted_proxies: Arc<[IpAddr]>,
    pub key: crate::stamps::Key,
    /// Rung when a signature counts, so the pages showing its counter are refreshed.
    pub recount: Arc<Notify>,
    /// Static copies of the site whose forms post here (`--form-origin`).
    pub origins: Arc<[String]>,
    /// The counters' JSON by petition, read at most once a [`COUNTER_FRESH`].
    pub counters: Arc<Counters>,
}

/// How long a counter's answer is reused: thousands of visitors polling a
/// petition's counter cost one count a second, and it is never further
/// behind than this.
pub const COUNTER_FRESH: std::time::Duration = std::time::Duration::from_secs(1);

/// Answers of the counters, by petition slug, each with when it was
/// counted; all are counted afresh after a change this node commits (an
/// editor voiding signatures, a person erased).
#[derive(Default)]
pub struct Counters {
    answers: tokio::sync::Mutex<std::collections::HashMap<String, (tokio::time::Instant, bytes::Bytes)>>,
    /// Set by every commit of this node (see `Store::on_commit`).
    stale: std::sync::atomic::AtomicBool,
}

impl Counters {
    /// The answer for `slug`, counted by `count` when the last is older than
    /// [`COUNTER_FRESH`]. The lock is held while counting, so requests that
    /// arrive meanwhile wait for that count instead of making their own.
    pub async fn get<F: Future<Output = anyhow::Result<Option<bytes::Bytes>>>>(
        &self,
        slug: &str,
        count: impl FnOnce() -> F,
    ) -> anyhow::Result<Option<bytes::Bytes>> {
        use std::sync::atomic::Ordering;
        let mut answers = self.answers.lock().await;
        if self.stale.swap(false, Ordering::Relaxed) {
            answers.clear();
        }
        if let Some((at, answer)) = answers.get(slug)
            && at.elapsed() < COUNTER_FRESH
        {
            return Ok(Some(answer.clone()));
        }
        let Some(answer) = count().await? else { return Ok(None) };
        answers.insert(slug.to_owned(), (tokio::time::Instant::now(), answer.clone()));
        Ok(Some(answer))
    }

    /// Counts every petition afresh next time: a signature confirmed or
    /// voided on this node shows at once.
    pub fn forget(&self) {
        self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Forms {
    /// Lets a static copy of the site named by `--form-origin` read a JSON
    /// answer (the counter, a fresh stamp) from its pages' script.
    pub fn allow_copies(&self, headers: &axum::http::HeaderMap, response: &mut axum::response::Response) {
        if let Some(origin) = guard::allowed_origin(headers, &self.origins).and_then(|o| o.parse().ok()) {
            response.headers_mut().insert(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        response.headers_mut().insert(axum::http::header::VARY, axum::http::HeaderValue::from_static("origin"));
    }
}

impl crate::client_ip::TrustedProxies for Forms {
    fn trusted_proxies(&self) -> &[IpAddr] {
        &self.trusted_proxies
    }
}

/// Sends a letter in the background, after the answer has gone, so the
/// answer takes as long whether or not the store knew the address; `done`
/// hears whether the mail server took it (`Err` holds why not).
pub(crate) fn send_later<B, D, F>(mailer: Mailer, build: B, done: D)
where
    B: FnOnce() -> anyhow::Result<(Letter, Sender)> + Send + 'static,
    D: FnOnce(Result<(), String>) -> F + Send + 'static,
    F: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let sent = async {
            let (letter, sender) = build()?;
            mailer.send(letter.build(&sender)?).await?;
            anyhow::Ok(())
        };
        done(sent.await.map_err(|error| format!("{error:#}"))).await
    });
}

/// The largest body a public form takes: a contact message at its longest,
/// in a script whose every character takes 9 bytes once form-encoded, fits.
/// A larger body gets a page that says so (413).
pub const BODY_LIMIT: usize = 128 * 1024;

/// What is wrong with each field of a form sent back, by field name.
pub type Errors = BTreeMap<&'static str, String>;

/// The longest name any form takes.
pub const NAME_LIMIT: usize = 100;

/// A one-line field, trimmed: line breaks are refused (in a name or a
/// subject they would split a mail header), as are control characters.
pub fn one_line(value: &str, key: &'static str, label: &str, limit: usize, required: bool, errors: &mut Errors) -> String {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        errors.insert(key, format!("{label} must be one line, without line breaks."));
    } else if value.chars().count() > limit {
        errors.insert(key, format!("{label} has at most {limit} characters."));
    } else if value.is_empty() && required {
        errors.insert(key, format!("{label} is needed."));
    }
    value.to_owned()
}
