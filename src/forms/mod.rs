//! The campaign's forms: the petition ([`petitions`], [`signatures`]) and
//! the contact inbox ([`contact`]), with what every public form shares
//! against abuse ([`guard`], [`attempts`]) and a person's erasure
//! ([`people`]). The newsletter's signup uses the same state and limits.

pub(crate) mod answers;
pub mod attempts;
pub mod contact;
pub mod countries;
pub mod guard;
pub(crate) mod letters;
pub mod people;
pub mod petitions;
pub mod public;
pub mod signatures;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use tokio::sync::Notify;

use crate::mail::{Letter, Mailer, Sender};
use crate::newsletter::Outgoing;
use crate::site::routes::Site;
use crate::store::Store;

/// The state of the public form routes.
#[derive(Clone)]
pub struct Forms {
    pub site: Site,
    pub outgoing: Outgoing,
    pub trusted_proxies: Arc<[IpAddr]>,
    pub key: guard::Key,
    /// Rung when a signature counts; [`recount`] refreshes the pages.
    pub recount: Arc<Notify>,
    /// Static copies of the site whose forms post here (`--form-origin`).
    pub origins: Arc<[String]>,
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

/// How often, at most, a node empties the render caches for new signatures.
pub const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Pages show petition counters and the render caches keep pages until a
/// change. Each confirmed signature rings `asked`; this task records one
/// change for all that rang in [`RECOUNT_EVERY`], so a busy petition does not
/// empty every node's cache with each signature. `/petitions/{slug}/tally`
/// is live meanwhile.
pub async fn recount(store: Store, asked: Arc<Notify>) {
    loop {
        asked.notified().await;
        tokio::time::sleep(RECOUNT_EVERY).await;
        let recorded = async {
            let mut tx = store.begin().await?;
            petitions::changed(&mut tx, "counts").await?;
            tx.commit().await
        };
        if let Err(error) = recorded.await {
            tracing::warn!(error = format!("{error:#}"), "cannot record new signatures; pages show them after the next change");
        }
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

pub fn router<S: Clone + Send + Sync + 'static>(state: Forms) -> Router<S> {
    Router::new()
        .route("/petitions/{slug}/sign", post(public::sign))
        .route("/petitions/{slug}/tally", get(public::tally))
        // The token in the path is the secret that guards its form.
        .route("/signatures/confirm/{token}", get(public::verify_form).post(public::verify))
        .route("/contact/send", post(public::send_message))
        .route("/forms/challenge", get(public::challenge))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
