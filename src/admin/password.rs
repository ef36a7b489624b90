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
/// zxcvbn's estimate of the guesses a password needs: a billion, a step past
/// its "safely unguessable" score, since names and years it knows about still
/// land there ("annsmith2026" for Ann Smith is 10^8).
pub const MIN_GUESSES: u64 = 1_000_000_000;
/// Longer input is refused before hashing, so nobody can make the server hash megabytes.
pub const MAX_BYTES: usize = 1024;

impl Password {
    /// Refuses a password that is too short, too long, or easy to guess:
    /// common passwords, words, names, keyboard rows, dates and repeats, as
    /// zxcvbn estimates them, and anything built from `known` (what a
    /// stranger knows: the account's address and name, the site's name).
    pub fn parse(input: &str, known: &[&str]) -> Result<Self, String> {
        if input.chars().count() < MIN_CHARS {
            return Err(format!("Use at least {MIN_CHARS} characters; a few words in a row make a strong password."));
        } else if input.len() > MAX_BYTES {
            return Err(format!("Use at most {MAX_BYTES} characters."));
        } else if input.trim().is_empty() {
            return Err("A password cannot be only spaces.".to_owned());
        }
        let lowered = input.to_lowercase();
        if let Some(whole) = known.iter().map(|k| k.trim().to_lowercase()).find(|k| k.chars().count() >= 6 && lowered.contains(k.as_str()))
        {
            return Err(format!("A password must not contain “{whole}”: others know it. A few unrelated words make a strong password."));
        }
        // Each word on its own too, so "jenssoering2026" counts as known words plus a year.
        let words: Vec<String> = known
            .iter()
            .flat_map(|k| k.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(input, &words);
        if estimate.guesses() >= MIN_GUESSES {
            return Ok(Password(input.to_owned()));
        }
        let why = estimate.feedback().and_then(|f| f.warning()).map(|w| format!("{w} ")).unwrap_or_default();
        Err(format!("This password is easy to guess. {why}Add another word or two; uncommon words are better."))
    }
}

/// The site's name, which a password must not be built from.
pub async fn site_name(store: &crate::store::Store) -> anyhow::Result<String> {
    Ok(crate::content::settings::load(store).await?.map(|s| s.name).unwrap_or_default())
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
        let password = Password::parse("correct horse battery", &[]).unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("correct horse battery ", Some(&stored)).await);
        assert!(!verify("correct horse battery", None).await);
        assert!(!verify("anything", Some("not a hash")).await);
    }

    #[test]
    fn weak_or_huge_passwords_are_refused() {
        assert!(Password::parse("short", &[]).is_err());
        assert!(Password::parse("          ", &[]).is_err());
        assert!(Password::parse(&"x".repeat(MAX_BYTES + 1), &[]).is_err());
        assert!(Password::parse("Söring-2026!", &[]).is_ok());
        assert_eq!(format!("{:?}", Password::parse("a secret phrase", &[]).unwrap()), "Password(***)");
    }

    /// The review's examples (ASVS 2.1.7), and passwords made from what strangers know.
    #[test]
    fn common_and_known_passwords_are_refused() {
        for common in ["aaaaaaaaaa", "password12", "1234567890", "qwertyuiop12", "iloveyou2024", "summer2025!", "Password123"] {
            let refused = Password::parse(common, &[]).expect_err(common);
            assert!(refused.starts_with("This password is easy to guess."), "{common}: {refused}");
        }
        assert!(Password::parse("aaaaaaaaaa", &[]).unwrap_err().contains("Repeats like"));
        let known = ["ann.smith@example.org", "Ann Smith", "Friends of Jens Söring"];
        for built in ["ann.smith@example.org", "Friends of Jens Söring!", "xx friends of jens söring"] {
            assert!(Password::parse(built, &known).unwrap_err().contains("others know it"), "{built}");
        }
        for built in ["annsmith2026", "JensSöring1", "söringfriends", "smithann-2026"] {
            assert!(Password::parse(built, &known).is_err(), "{built}");
        }
        assert!(Password::parse("JensSöring1", &[]).is_ok(), "a password is weak because of what is known, not by itself");
        assert!(Password::parse("a long pardon phrase", &known).is_ok());
    }
}
