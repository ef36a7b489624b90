//! Mail: the address type every capability that writes to people shares,
//! building a message, what the site's emails share ([`site`]), the queue
//! of mail the forms promised ([`queue`]), and sending it over SMTP at
//! the node's pace ([`Pace`]).

mod address;
pub mod emails;
mod letter;
mod pace;
pub mod queue;
pub mod site;
mod smtp;

use std::sync::Arc;

use tokio::sync::Notify;

pub use address::EmailAddress;
pub use letter::{Letter, Sender, Unsubscribe};
pub use pace::Pace;
pub use smtp::{Mailer, SendError, Session, envelope};

/// A message a server refused for now is tried this many times in all.
pub const MAX_ATTEMPTS: i64 = 6;

/// The wait before trying a message again after its `attempts`th
/// refusal: 30 s, 1, 2, 4, 8 minutes.
pub fn retry_wait(attempts: i64) -> time::Duration {
    time::Duration::seconds(30 << (attempts - 1))
}

/// This node's way out for mail, which the public routes and the admin share.
#[derive(Clone, Default)]
pub struct Outgoing {
    /// `None` when no SMTP server is set (`--smtp`): nothing can be sent.
    pub mailer: Option<Mailer>,
    /// Wakes this node's idle senders when an issue starts.
    pub wake: Arc<Notify>,
    /// Wakes this node's sender of [`queue`]d mail when a form queues a message.
    pub queued: Arc<Notify>,
}
