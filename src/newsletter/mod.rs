//! The newsletter: supporters subscribe with double opt-in ([`subscribers`],
//! [`public`]), editors write issues ([`issues`]), and every node's
//! [`worker`] delivers them through the [`outbox`] exactly once.

pub mod issues;
mod journal;
pub mod letters;
pub mod outbox;
mod public;
pub mod subscribers;
pub mod worker;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::Notify;

use crate::mail::Mailer;

/// This node's way out for mail, which the public routes and the admin share.
#[derive(Clone, Default)]
pub struct Outgoing {
    /// `None` when no SMTP server is set (`--smtp`): nothing can be sent.
    pub mailer: Option<Mailer>,
    /// Wakes this node's idle senders when an issue starts.
    pub wake: Arc<Notify>,
}

pub fn router<S: Clone + Send + Sync + 'static>(state: crate::forms::Forms) -> Router<S> {
    Router::new()
        .route("/newsletter/subscribe", post(public::subscribe))
        // The token in the path is the secret that guards each form.
        .route("/newsletter/confirm/{token}", get(public::confirm_form).post(public::confirm))
        .route("/newsletter/unsubscribe/{key}", get(public::unsubscribe_form).post(public::unsubscribe))
        .layer(DefaultBodyLimit::max(crate::forms::BODY_LIMIT))
        .with_state(state)
}
