//! Passwords: argon2id with the crate's defaults (OWASP's m=19 MiB, t=2,
//! p=1), hashed and checked off the async threads. A sign-in for an unknown
//! address checks against a stand-in hash, so it takes as long as one for a
//! known address and the timing tells nothing.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A new password that meets the rules; only a typed password is checked
/// against a hash, so old ones never need to parse.
#[derive(Clone)]
pub struct Password(String);

pub const MIN_CHARS: usize = 10;
/// Longer input is refused before hashing, so nobody can make the server hash megabytes.
pub const MAX_BYTES: usize = 1024;

impl Password {
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.chars().count() < MIN_CHARS {
            Err(format!("Use at least {MIN_CHARS} characters; a few words in a row make a strong password."))
        } else if input.len() > MAX_BYTES {
            Err(format!("Use at most {MAX_BYTES} characters."))
        } else if input.trim().is_empty() {
            Err("A password cannot be only spaces.".to_owned())
        } else {
            Ok(Password(input.to_owned()))
        }
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The PHC string (`$argon2id$v=19$…`) to store.
pub async fn hash(password: &Password) -> anyhow::Result<String> {
    let password = password.0.clone();
    let _turn = TURNS.acquire().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))
    })
    .await?
}

/// True when `typed` matches `stored`; with no stored hash (unknown account)
/// it spends the same time and answers false.
pub async fn verify(typed: &str, stored: Option<&str>) -> bool {
    if typed.len() > MAX_BYTES {
        return false;
    }
    let known = stored.is_some();
    let (typed, stored) = (typed.to_owned(), stored.map_or_else(|| STAND_IN.clone(), str::to_owned));
    let Ok(_turn) = TURNS.acquire().await else { return false };
    let matches = tokio::task::spawn_blocking(move || Argon2::default().verify_password(typed.as_bytes(), stored.as_str()).is_ok())
        .await
        .unwrap_or(false);
    known && matches
}

/// Each hash takes 19 MiB and a core for a moment; a flood of sign-ins
/// waits its turn instead of taking all memory and every blocking thread.
static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

static STAND_IN: LazyLock<String> = LazyLock::new(|| {
    Argon2::default().hash_password(crate::secrets::token().as_bytes()).map(|h| h.to_string()).expect("hashing a random token works")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_and_checks_only_its_password() {
        let password = Password::parse("correct horse battery").unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("correct horse battery ", Some(&stored)).await);
        assert!(!verify("correct horse battery", None).await);
        assert!(!verify("anything", Some("not a hash")).await);
    }

    #[test]
    fn weak_or_huge_passwords_are_refused() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("          ").is_err());
        assert!(Password::parse(&"x".repeat(MAX_BYTES + 1)).is_err());
        assert!(Password::parse("Söring-2026!").is_ok());
        assert_eq!(format!("{:?}", Password::parse("a secret phrase").unwrap()), "Password(***)");
    }
}
