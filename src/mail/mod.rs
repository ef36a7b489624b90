//! Mail: the address type every capability that writes to people shares.

mod address;

pub use address::EmailAddress;
