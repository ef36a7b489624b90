//! The signed time stamps every public form carries: a form sent sooner
//! than [`MIN_TIME`] after it was handed out was not filled in by a person,
//! and one older than [`MAX_AGE`] is asked for again. The key is shared by
//! every node through the store.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::store::{Store, now};
use crate::{on_pool, on_write};

/// A person needs longer than this to fill in any of the forms.
pub const MIN_TIME: Duration = Duration::seconds(3);
/// A stamp older than this is refused with a page that asks to send the form again.
pub const MAX_AGE: Duration = Duration::days(7);

/// The key that signs stamps, shared by every node through the store.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// The store's key, made by the first node that asks.
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        on_write!(store, |pool| sqlx::query("INSERT INTO form_keys (name, value) VALUES ('stamps', $1) ON CONFLICT (name) DO NOTHING")
            .bind(crate::secrets::token())
            .execute(pool)
            .await
            .map(drop))?;
        let value: String =
            on_pool!(store, |pool| sqlx::query_scalar("SELECT value FROM form_keys WHERE name = 'stamps'").fetch_one(pool).await)?;
        Ok(Key::from_secret(&value))
    }

    /// The key derived from a stored secret.
    pub fn from_secret(secret: &str) -> Self {
        Key(Sha256::digest(secret.as_bytes()).into())
    }

    /// HMAC-SHA256, shortened to 128 bits.
    fn sign(&self, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(message.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// A stamp for a form handed out now: `seconds.random.signature`.
    pub fn stamp(&self) -> String {
        self.stamp_at(now())
    }

    /// A stamp as if handed out `at` (tests fill forms faster than people).
    pub fn stamp_at(&self, at: OffsetDateTime) -> String {
        let mut random = [0u8; 9];
        getrandom::fill(&mut random).expect("the operating system provides random bytes");
        let message = format!("{}.{}", at.unix_timestamp(), URL_SAFE_NO_PAD.encode(random));
        format!("{message}.{}", self.sign(&message))
    }

    /// When a stamp was handed out, if this site signed it.
    pub fn issued(&self, stamp: &str) -> Option<OffsetDateTime> {
        let (message, signature) = stamp.rsplit_once('.')?;
        if !crate::secrets::same(&self.sign(message), signature) {
            return None;
        }
        OffsetDateTime::from_unix_timestamp(message.split('.').next()?.parse().ok()?).ok()
    }

    /// A stamp for a form shown again: the person filled it in already, so
    /// it is old enough to be sent at once.
    pub fn stamp_for_again(&self) -> String {
        self.stamp_at(now() - MIN_TIME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_signed_with_standard_hmac_sha256() {
        // RFC 4231, test case 2: HMAC pads a short key with zeros, as this one is.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(Key(key).sign("what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1xw");
        let stamp = Key(key).stamp();
        assert!(Key(key).issued(&stamp).is_some() && Key([1; 32]).issued(&stamp).is_none());
    }
}
