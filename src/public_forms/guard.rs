//! What every public form checks before it reads its fields, without a
//! third-party script and without hurting people:
//! - the browser's word that the form was sent from this site's own pages;
//! - a field hidden from people (the honeypot) that bots fill in;
//! - a signed time stamp ([`crate::stamps`]): a form sent too soon after it
//!   was handed out was not filled in by a person;
//! - optionally, a proof of work that `forms.js` computes while the person
//!   types. The server decides what it is worth: it raises the per-network
//!   limit (an office or a rally may share one address), so the form works
//!   without it and a bot pays for every extra try.
//!
//! Pages are cached, so without script the stamp is the time the page was
//! rendered; with script the form fetches a fresh one from
//! `/forms/challenge`, which also carries the proof of work's puzzle.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::Forms;
use crate::stamps::{Key, MAX_AGE, MIN_TIME};
use crate::store::now;

/// Leading zero bits the proof's SHA-256 needs: about 65,000 tries, a second in a browser.
pub const PROOF_BITS: u32 = 16;

/// The fields every public form carries besides its own.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Guard {
    /// The honeypot: hidden from people, so only bots fill it in.
    pub website: String,
    pub stamp: String,
    /// The nonce `forms.js` found for the stamp; empty without script.
    pub proof: String,
}

/// What the guard makes of a submission.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Sent by a person, as far as can be told; `proof` is its proof of work
    /// (`stamp:nonce`) when it carries a valid one.
    Pass { proof: Option<String> },
    /// Another site's page sent it: refused openly.
    CrossSite,
    /// The stamp is missing, forged or too old: the page asks to send the form again.
    Stale,
    /// A bot, by the honeypot or the clock: answered as if taken, and dropped.
    Drop,
}

/// `origins` are the static copies of the site whose forms post here (`--form-origin`).
pub fn check(key: &Key, headers: &HeaderMap, guard: &Guard, origins: &[String]) -> Verdict {
    // Browsers say where a form came from; another site's page may not send ours.
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") && allowed_origin(headers, origins).is_none() {
        return Verdict::CrossSite;
    }
    if !guard.website.is_empty() {
        return Verdict::Drop;
    }
    let Some(issued) = key.issued(guard.stamp.trim()) else { return Verdict::Stale };
    let age = now() - issued;
    if age > MAX_AGE {
        return Verdict::Stale;
    }
    if age < MIN_TIME {
        return Verdict::Drop;
    }
    let (stamp, nonce) = (guard.stamp.trim(), guard.proof.trim());
    Verdict::Pass { proof: proof_holds(stamp, nonce).then(|| format!("{stamp}:{nonce}")) }
}

/// The request's `Origin` when it is one of `origins`.
pub fn allowed_origin<'h>(headers: &'h HeaderMap, origins: &[String]) -> Option<&'h str> {
    let origin = headers.get("origin")?.to_str().ok()?;
    origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)).then_some(origin)
}

/// True when SHA-256(`stamp:nonce`) starts with [`PROOF_BITS`] zero bits.
pub fn proof_holds(stamp: &str, nonce: &str) -> bool {
    if nonce.is_empty() || nonce.len() > 32 {
        return false;
    }
    let hash = Sha256::new().chain_update(stamp.as_bytes()).chain_update(b":").chain_update(nonce.as_bytes()).finalize();
    let zeros = hash.iter().try_fold(0u32, |bits, byte| if *byte == 0 { Ok(bits + 8) } else { Err(bits + byte.leading_zeros()) });
    zeros.unwrap_or_else(|bits| bits) >= PROOF_BITS
}

/// `GET /forms/challenge`: a fresh stamp and the proof of work's size, for `forms.js`.
pub async fn challenge(State(state): State<Forms>, headers: HeaderMap) -> Response {
    let mut response = ([(header::CACHE_CONTROL, "no-store")], Json(serde_json::json!({ "stamp": state.key.stamp(), "bits": PROOF_BITS })))
        .into_response();
    state.allow_copies(&headers, &mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn key() -> Key {
        Key::from_secret("seven")
    }

    fn stamp_at(key: &Key, ago: Duration) -> String {
        key.stamp_at(now() - ago)
    }

    fn guard(stamp: &str) -> Guard {
        Guard { stamp: stamp.to_owned(), ..Guard::default() }
    }

    #[test]
    fn stamps_tell_people_from_bots() {
        let (key, headers) = (key(), HeaderMap::new());
        let ten_seconds = || guard(&stamp_at(&key, Duration::seconds(10)));
        assert_eq!(check(&key, &headers, &guard(&key.stamp()), &[]), Verdict::Drop, "sent at once");
        assert_eq!(check(&key, &headers, &ten_seconds(), &[]), Verdict::Pass { proof: None });
        assert_eq!(check(&key, &headers, &guard(&stamp_at(&key, Duration::days(8))), &[]), Verdict::Stale);
        assert_eq!(
            check(&key, &headers, &guard(&stamp_at(&Key::from_secret("eight"), Duration::seconds(10))), &[]),
            Verdict::Stale,
            "another key"
        );
        assert_eq!(check(&key, &headers, &guard(""), &[]), Verdict::Stale);
        let filled = Guard { website: "http://spam".into(), ..ten_seconds() };
        assert_eq!(check(&key, &headers, &filled, &[]), Verdict::Drop);
        let mut cross = HeaderMap::new();
        cross.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(check(&key, &cross, &ten_seconds(), &[]), Verdict::CrossSite);
        // A static copy of the site named by --form-origin may post here.
        cross.insert("origin", "https://static.example.org".parse().unwrap());
        assert_eq!(check(&key, &cross, &ten_seconds(), &["https://other.example.org".into()]), Verdict::CrossSite);
        assert_eq!(check(&key, &cross, &ten_seconds(), &["https://static.example.org".into()]), Verdict::Pass { proof: None });
    }

    #[test]
    fn a_proof_of_work_is_checked_not_trusted() {
        let stamp = stamp_at(&key(), Duration::seconds(10));
        let nonce = (0u64..).map(|n| n.to_string()).find(|n| proof_holds(&stamp, n)).unwrap();
        let proven = Guard { proof: nonce.clone(), ..guard(&stamp) };
        assert_eq!(check(&key(), &HeaderMap::new(), &proven, &[]), Verdict::Pass { proof: Some(format!("{stamp}:{nonce}")) });
        assert!(!proof_holds(&stamp, &format!("{nonce}0")) || !proof_holds(&stamp, &format!("{nonce}1")));
        assert!(!proof_holds(&stamp, ""));
    }
}
