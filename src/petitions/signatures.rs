//! Signatures: given on the site, counted only once the signer opens the
//! link emailed to them, one per address and petition. Editors can void a
//! batch that looks fraudulent, erase a person, and anonymise everyone once
//! the campaign is over while keeping the counts.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::Petition;
use crate::mail::EmailAddress;
use crate::mail::queue::{self, Queued};
use crate::newsletter::subscribers;
use crate::store::{Store, now};
use crate::{on_pool, on_tx, on_write, secrets};

/// How long a verification link works.
pub const VERIFY_LIFETIME: Duration = Duration::hours(48);
/// A second signing with an unverified address sends its link again at most this often.
pub const RESEND_AFTER: Duration = Duration::minutes(10);

pub const PENDING: &str = "pending";
pub const VERIFIED: &str = "verified";
pub const VOIDED: &str = "voided";
pub const STATUSES: [&str; 3] = [PENDING, VERIFIED, VOIDED];

/// What a signer types, checked.
#[derive(Debug, Clone)]
pub struct Signing {
    pub email: EmailAddress,
    pub name: String,
    /// An ISO 3166 code from [`super::countries`], or empty.
    pub country: String,
    pub postcode: String,
    pub comment: String,
    pub show_name: bool,
    pub subscribe: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Signature {
    pub id: i64,
    pub petition_id: i64,
    pub email: Option<String>,
    pub name: String,
    pub country: String,
    pub postcode: String,
    pub comment: String,
    pub show_name: bool,
    pub subscribe: bool,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub verified_at: Option<OffsetDateTime>,
    pub void_reason: String,
}

const COLUMNS: &str =
    "id, petition_id, email, name, country, postcode, comment, show_name, subscribe, status, created_at, verified_at, void_reason";

/// Records a signature and, when a verification link is due, queues the
/// email `letter` makes of its token, in one transaction: an answered
/// signature always has its email on the way. None is due when the address
/// signed already, or its link went out less than [`RESEND_AFTER`] ago;
/// returns whether one was queued. The caller answers the same either way.
pub async fn sign(
    store: &Store,
    petition_id: i64,
    signing: &Signing,
    ip: &str,
    letter: impl FnOnce(&str) -> anyhow::Result<Queued>,
) -> anyhow::Result<bool> {
    let token = secrets::token();
    // Made before the write lock is taken, so signers do not queue behind an email's templates.
    let mail = letter(&token)?;
    let (signing, ip) = (signing.clone(), ip.to_owned());
    store.on_writer(move |store| async move { record(&store, petition_id, &signing, &ip, &token, &mail).await }).await
}

async fn record(store: &Store, petition_id: i64, signing: &Signing, ip: &str, token: &str, mail: &Queued) -> anyhow::Result<bool> {
    let at = now();
    let mut tx = store.begin().await?;
    let inserted = on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO signatures (petition_id, email, name, country, postcode, comment, show_name, subscribe, status, created_at,
             verify_digest, verify_expires_at, verify_sent_at, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $9, $12) ON CONFLICT (petition_id, email) DO NOTHING"
    )
    .bind(petition_id)
    .bind(signing.email.as_str())
    .bind(&signing.name)
    .bind(&signing.country)
    .bind(&signing.postcode)
    .bind(&signing.comment)
    .bind(signing.show_name)
    .bind(signing.subscribe)
    .bind(at)
    .bind(secrets::digest(token))
    .bind(at + VERIFY_LIFETIME)
    .bind(ip)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    // An unverified signature gets a new link, unless one went out lately;
    // the one UPDATE decides, so two at once send one. It keeps what was
    // typed first: anyone may type anyone's address, and must not change
    // what its owner is asked to confirm.
    let renewed = inserted == 0
        && on_tx!(tx, |conn| sqlx::query(
            "UPDATE signatures SET verify_digest = $1, verify_expires_at = $2, verify_sent_at = $3
             WHERE petition_id = $4 AND email = $5 AND status = 'pending' AND (verify_sent_at IS NULL OR verify_sent_at <= $6)"
        )
        .bind(secrets::digest(token))
        .bind(at + VERIFY_LIFETIME)
        .bind(at)
        .bind(petition_id)
        .bind(signing.email.as_str())
        .bind(at - RESEND_AFTER)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?
            == 1;
    let due = inserted == 1 || renewed;
    if due {
        queue::enqueue(&mut tx, mail).await?;
    }
    // No page shows a signature before it is verified.
    tx.commit_unseen().await?;
    Ok(due)
}

/// The pending signature an unused, unexpired verification token belongs to.
pub async fn by_token(store: &Store, token: &str) -> anyhow::Result<Option<Signature>> {
    let query = format!("SELECT {COLUMNS} FROM signatures WHERE verify_digest = $1 AND verify_expires_at > $2 AND status = 'pending'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
        .bind(secrets::digest(token))
        .bind(now())
        .fetch_optional(pool)
        .await)?)
}

/// What opening a signature's link did.
#[derive(Debug)]
pub enum Verified {
    /// The signature counts now.
    Counted(Signature),
    /// The petition closed before the link was opened: the signature stays uncounted.
    Closed(Petition),
    /// Forged, expired or used already.
    Invalid,
}

/// Counts the signature a token opens, once, and subscribes the signer to
/// the newsletter if they ticked that box. Pages show the new count after
/// the next recount (see [`super::recount`]).
pub async fn verify(store: &Store, token: &str) -> anyhow::Result<Verified> {
    let Some(signature) = by_token(store, token).await? else { return Ok(Verified::Invalid) };
    let Some(petition) = super::get(store, signature.petition_id).await? else { return Ok(Verified::Invalid) };
    if !petition.is_open() {
        return Ok(Verified::Closed(petition));
    }
    let query = format!(
        "UPDATE signatures SET status = 'verified', verified_at = $1, verify_digest = NULL, verify_expires_at = NULL
         WHERE id = $2 AND verify_digest = $3 AND status = 'pending' RETURNING {COLUMNS}"
    );
    let (id, digest) = (signature.id, secrets::digest(token));
    let verified: Option<Signature> = store
        .on_writer(move |store| async move {
            Ok(on_write!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
                .bind(now())
                .bind(id)
                .bind(&digest)
                .fetch_optional(pool)
                .await)?)
        })
        .await?;
    let Some(verified) = verified else { return Ok(Verified::Invalid) };
    if let (true, Some(email)) = (verified.subscribe, &verified.email) {
        // The signature counts whatever happens here; a failed subscription is logged, not shown.
        let subscribed = async {
            let email = EmailAddress::parse(email).map_err(anyhow::Error::msg)?;
            subscribers::confirm_by_form(store, &email, &verified.name, "petition").await
        };
        if let Err(error) = subscribed.await {
            tracing::warn!(error = format!("{error:#}"), signature = verified.id, "cannot subscribe a signer who asked for the newsletter");
        }
    }
    Ok(Verified::Counted(verified))
}

/// What the public sees: how many signed, and the newest names shown with consent.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    pub count: i64,
    pub names: Vec<String>,
}

pub async fn tally(store: &Store, petition_id: i64) -> anyhow::Result<Tally> {
    let count: i64 =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'verified'")
            .bind(petition_id)
            .fetch_one(pool)
            .await)?;
    let names: Vec<String> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT name FROM signatures WHERE petition_id = $1 AND status = 'verified' AND show_name AND name <> ''
         ORDER BY verified_at DESC, id DESC LIMIT 8"
    )
    .bind(petition_id)
    .fetch_all(pool)
    .await)?;
    Ok(Tally { count, names: names.iter().map(|n| public_name(n)).filter(|n| !n.is_empty()).collect() })
}

/// First name and the initial of the last: "Anna Maria Keller" → "Anna K.".
/// Nothing when the first word does not read as a name (a web address,
/// digits, symbols, a run-on word): the campaign page is not a notice board.
pub fn public_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let initial = |word: &str| word.chars().next().filter(|c| c.is_alphabetic()).map(|c| format!(" {}.", c.to_uppercase()));
    match words.as_slice() {
        [first, ..] if !reads_as_a_name(first) => String::new(),
        [] => String::new(),
        [first] => (*first).to_owned(),
        [first, .., last] => format!("{first}{}", initial(last).unwrap_or_default()),
    }
}

/// Letters, with inner hyphens and apostrophes ("Jean-Luc", "O'Neill"), at most 24.
fn reads_as_a_name(word: &str) -> bool {
    word.chars().count() <= 24
        && word.chars().next().is_some_and(char::is_alphabetic)
        && word.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'))
}

/// An editor takes one signer's name off the public page; the signature still counts.
pub async fn hide_name(store: &Store, petition_id: i64, signature_id: i64) -> anyhow::Result<bool> {
    let mut tx = store.begin().await?;
    let hidden =
        on_tx!(tx, |conn| sqlx::query("UPDATE signatures SET show_name = FALSE WHERE id = $1 AND petition_id = $2 AND show_name")
            .bind(signature_id)
            .bind(petition_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1))?;
    if hidden {
        slug_changed(&mut tx, petition_id).await?;
    }
    tx.commit().await?;
    Ok(hidden)
}

/// Signatures of a petition matching `search` (address or name) and `status`, newest first.
pub async fn list(
    store: &Store,
    petition_id: i64,
    search: &str,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Signature>> {
    let query = format!(
        "SELECT {COLUMNS} FROM signatures
         WHERE petition_id = $1 AND ($2 = '' OR email LIKE $3 ESCAPE '\\' OR LOWER(name) LIKE $3 ESCAPE '\\') AND ($4 = '' OR status = $4)
         ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
    );
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
        .bind(petition_id)
        .bind(search.trim())
        .bind(crate::store::contains_pattern(search))
        .bind(status.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?)
}

/// How many signatures of a petition have each status.
pub async fn counts(store: &Store, petition_id: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT status, COUNT(*) FROM signatures WHERE petition_id = $1 GROUP BY status")
            .bind(petition_id)
            .fetch_all(pool)
            .await)?;
    Ok(crate::store::by_status(&STATUSES, rows))
}

/// Counted signatures by country code ("" for none given), most first.
pub async fn by_country(store: &Store, petition_id: i64) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT country, COUNT(*) AS n FROM signatures WHERE petition_id = $1 AND status = 'verified'
         GROUP BY country ORDER BY n DESC, country"
    )
    .bind(petition_id)
    .fetch_all(pool)
    .await)?)
}

/// Which signatures a void takes: an email domain, a time window, or both.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub domain: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

/// Voids the batch's pending and verified signatures with a reason; they no
/// longer count. Returns how many.
pub async fn void(store: &Store, petition_id: i64, batch: &Batch, reason: &str) -> anyhow::Result<u64> {
    let domain = batch.domain.as_deref().map(|d| format!("%@{}", crate::store::like_escaped(&d.trim_start_matches('@').to_lowercase())));
    let mut tx = store.begin().await?;
    let voided = on_tx!(tx, |conn| sqlx::query(
        "UPDATE signatures SET status = 'voided', void_reason = $1, verify_digest = NULL
         WHERE petition_id = $2 AND status <> 'voided'
           AND ($3 = '' OR email LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR created_at >= $4) AND ($5 IS NULL OR created_at < $5)"
    )
    .bind(reason)
    .bind(petition_id)
    .bind(domain.unwrap_or_default())
    .bind(batch.from)
    .bind(batch.until)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    slug_changed(&mut tx, petition_id).await?;
    tx.commit().await?;
    Ok(voided)
}

async fn slug_changed(tx: &mut crate::store::Tx, petition_id: i64) -> anyhow::Result<()> {
    let slug: String =
        on_tx!(tx, |conn| sqlx::query_scalar("SELECT slug FROM petitions WHERE id = $1").bind(petition_id).fetch_one(conn).await)?;
    super::changed(tx, &slug).await
}

/// After the campaign: every signature of the petition loses who gave it
/// (address, name, postcode, comment, network address); status, country
/// and dates stay, so the counts stay. Unverified ones are deleted.
pub async fn anonymise(store: &Store, petition_id: i64) -> anyhow::Result<u64> {
    let mut tx = store.begin().await?;
    on_tx!(tx, |conn| sqlx::query("DELETE FROM signatures WHERE petition_id = $1 AND status = 'pending'")
        .bind(petition_id)
        .execute(conn)
        .await
        .map(drop))?;
    let anonymised = on_tx!(tx, |conn| sqlx::query(
        "UPDATE signatures SET email = NULL, name = '', postcode = '', comment = '', ip = '', show_name = FALSE, verify_digest = NULL
         WHERE petition_id = $1"
    )
    .bind(petition_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, |conn| sqlx::query("UPDATE petitions SET anonymised_at = $1 WHERE id = $2")
        .bind(now())
        .bind(petition_id)
        .execute(conn)
        .await
        .map(drop))?;
    slug_changed(&mut tx, petition_id).await?;
    tx.commit().await?;
    Ok(anonymised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_names_show_a_first_name_and_an_initial() {
        assert_eq!(public_name("Anna Maria keller"), "Anna K.");
        assert_eq!(public_name("  Jens  "), "Jens");
        assert_eq!(public_name("Élodie Ürban"), "Élodie Ü.");
        assert_eq!(public_name(""), "");
        assert_eq!(public_name("Jean-Luc O'Neill"), "Jean-Luc O.");
        assert_eq!(public_name("Ann 2pac"), "Ann", "no initial that is not a letter");
        for notice in [
            "evil.example.org",
            "www.evil.org Smith",
            "https://x.org",
            "Buy@Now",
            "1000",
            "Vote4Me",
            "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "#hashtag",
        ] {
            assert_eq!(public_name(notice), "", "{notice}");
        }
    }
}
