//! Mail: the address type every capability that writes to people shares,
//! building a message, and sending it over SMTP.

mod address;
mod letter;
mod smtp;

pub use address::EmailAddress;
pub use letter::{Letter, Sender, Unsubscribe};
pub use smtp::{Mailer, SendError, Session};
