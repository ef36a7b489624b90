//! The newsletter: supporters subscribe with double opt-in ([`subscribers`],
//! [`public`]), editors write issues ([`issues`]), and every node's
//! [`worker`] delivers them through the [`outbox`] exactly once.

pub mod issues;
mod journal;
pub mod letters;
pub mod outbox;
pub mod public;
pub mod subscribers;
pub mod worker;
