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

/// Answers of the counters, by petition slug. Each answer is tagged with
/// this node's commit generation it was counted in, so a signature
/// confirmed here shows in the next answer, while every poll waiting for a
/// count that began after it arrived takes that count instead of making its
/// own: under a flood of signatures the polls cost one count at a time, not
/// one each.
#[derive(Default)]
pub struct Counters {
    answers: tokio::sync::Mutex<std::collections::HashMap<String, Counted>>,
    /// Raised by every commit of this node (see `Store::on_commit`).
    generation: std::sync::atomic::AtomicU64,
}

struct Counted {
    /// When the count began: it shows every commit before then.
    at: tokio::time::Instant,
    generation: u64,
    answer: bytes::Bytes,
}

impl Counters {
    /// The answer for `slug`, counted by `count` unless the last count began
    /// less than [`COUNTER_FRESH`] ago and after this node's last commit
    /// before the call. The lock is held while counting, so requests that
    /// arrive meanwhile wait for that count, or the next one.
    pub async fn get<F: Future<Output = anyhow::Result<Option<bytes::Bytes>>>>(
        &self,
        slug: &str,
        count: impl FnOnce() -> F,
    ) -> anyhow::Result<Option<bytes::Bytes>> {
        use std::sync::atomic::Ordering;
        let asked = self.generation.load(Ordering::Acquire);
        let mut answers = self.answers.lock().await;
        if let Some(counted) = answers.get(slug)
            && counted.generation >= asked
            && counted.at.elapsed() < COUNTER_FRESH
        {
            return Ok(Some(counted.answer.clone()));
        }
        let (at, generation) = (tokio::time::Instant::now(), self.generation.load(Ordering::Acquire));
        let Some(answer) = count().await? else { return Ok(None) };
        answers.insert(slug.to_owned(), Counted { at, generation, answer: answer.clone() });
        Ok(Some(answer))
    }

    /// Counts every petition afresh for requests from now on: a signature
    /// confirmed or voided on this node shows at once.
    pub fn forget(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::Release);
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// Under a flood of confirmations (a commit every millisecond), fifty
    /// polls arriving together share a count or two, and a poll after a
    /// commit still gets a count made after it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polls_share_a_count_that_began_after_they_arrived() {
        let (counters, counts) = (Arc::new(Counters::default()), Arc::new(AtomicUsize::new(0)));
        let flood = tokio::spawn({
            let counters = counters.clone();
            async move {
                loop {
                    counters.forget();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        let polls: Vec<_> = (0..50)
            .map(|_| {
                let (counters, counts) = (counters.clone(), counts.clone());
                tokio::spawn(async move {
                    counters
                        .get("pardon", || async {
                            let n = counts.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(Some(bytes::Bytes::from(n.to_string())))
                        })
                        .await
                })
            })
            .collect();
        for poll in polls {
            poll.await.unwrap().unwrap();
        }
        flood.abort();
        let _ = flood.await;
        let shared = counts.load(Ordering::SeqCst);
        assert!(shared <= 3, "fifty polls made {shared} counts");

        counters.get("pardon", || async { Ok(Some(bytes::Bytes::from("settled"))) }).await.unwrap();
        let before = counters.get("pardon", || async { Ok(Some(bytes::Bytes::from("unused"))) }).await.unwrap();
        assert_ne!(before.as_deref(), Some(&b"unused"[..]), "a fresh count is reused");
        counters.forget();
        let after = counters.get("pardon", || async { Ok(Some(bytes::Bytes::from("recounted"))) }).await.unwrap();
        assert_eq!(after.as_deref(), Some(&b"recounted"[..]), "a commit is not shown by the next poll");
    }
}
