//! Subscribers and their consent: double opt-in by a confirmation link,
//! personal unsubscribe links, the editors' list, import and erasure.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::mail::EmailAddress;
use crate::mail::queue::{self, Queued};
use crate::public_forms::attempts::Limits;
use crate::store::{Store, now};
use crate::{on_pool, on_tx, on_write, secrets};

/// How long a confirmation link works.
pub const CONFIRM_LIFETIME: Duration = Duration::hours(48);
/// A new signup of an unconfirmed address sends its confirmation again at most this often.
pub const RESEND_AFTER: Duration = Duration::minutes(10);

/// Signups from one network address and for one typed address, an hour.
pub const SIGNUP_LIMITS: Limits = Limits { form: "newsletter", per_ip: 10, per_ip_proven: 30, per_address: 5 };

pub const PENDING: &str = "pending";
pub const CONFIRMED: &str = "confirmed";
pub const UNSUBSCRIBED: &str = "unsubscribed";
pub const STATUSES: [&str; 3] = [PENDING, CONFIRMED, UNSUBSCRIBED];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: String,
    pub source: String,
    pub created_at: OffsetDateTime,
    pub confirmed_at: Option<OffsetDateTime>,
    pub unsubscribed_at: Option<OffsetDateTime>,
    pub unsubscribe_key: String,
}

const COLUMNS: &str = "id, email, name, status, source, created_at, confirmed_at, unsubscribed_at, unsubscribe_key";

/// Records a signup and, when a confirmation is due, queues the email
/// `letter` makes of its token, in one transaction: an answered signup
/// always has its email on the way. None is due when the address is
/// confirmed already, or its confirmation went out less than
/// [`RESEND_AFTER`] ago; returns whether one was queued. The caller answers
/// the same either way.
pub async fn sign_up(
    store: &Store,
    email: &EmailAddress,
    name: &str,
    ip: &str,
    letter: impl FnOnce(&str) -> anyhow::Result<Queued>,
) -> anyhow::Result<bool> {
    let token = secrets::token();
    // Made before the write lock is taken, as a signature's is.
    let mail = letter(&token)?;
    let at = now();
    let mut tx = store.begin().await?;
    let inserted = on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO subscribers (email, name, status, source, created_at, confirm_digest, confirm_expires_at, confirm_sent_at, unsubscribe_key, signup_ip)
         VALUES ($1, $2, 'pending', 'signup', $3, $4, $5, $3, $6, $7) ON CONFLICT (email) DO NOTHING"
    )
    .bind(email.as_str())
    .bind(name)
    .bind(at)
    .bind(secrets::digest(&token))
    .bind(at + CONFIRM_LIFETIME)
    .bind(secrets::token())
    .bind(ip)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    // A known address that is not confirmed gets a new link, unless one went out lately;
    // the one UPDATE decides, so two signups at once send one confirmation. The first
    // name typed stays (as a signature's does): whoever knows an address cannot rename its owner.
    let renewed = inserted == 0
        && on_tx!(tx, |conn| sqlx::query(
            "UPDATE subscribers SET confirm_digest = $1, confirm_expires_at = $2, confirm_sent_at = $3,
                 name = CASE WHEN name = '' THEN $4 ELSE name END
             WHERE email = $5 AND status <> 'confirmed' AND (confirm_sent_at IS NULL OR confirm_sent_at <= $6)"
        )
        .bind(secrets::digest(&token))
        .bind(at + CONFIRM_LIFETIME)
        .bind(at)
        .bind(name)
        .bind(email.as_str())
        .bind(at - RESEND_AFTER)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?
            == 1;
    let due = inserted == 1 || renewed;
    if due {
        queue::enqueue(&mut tx, &mail).await?;
    }
    // No page shows a subscriber.
    tx.commit_unseen().await?;
    Ok(due)
}

/// The subscriber an unused, unexpired confirmation token belongs to.
pub async fn by_confirmation(store: &Store, token: &str) -> anyhow::Result<Option<Subscriber>> {
    let query = format!("SELECT {COLUMNS} FROM subscribers WHERE confirm_digest = $1 AND confirm_expires_at > $2");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
        .bind(secrets::digest(token))
        .bind(now())
        .fetch_optional(pool)
        .await)?)
}

/// Confirms the subscription a token opens; the token works once.
pub async fn confirm(store: &Store, token: &str) -> anyhow::Result<Option<String>> {
    let at = now();
    Ok(on_write!(store, |pool| sqlx::query_scalar(
        "UPDATE subscribers SET status = 'confirmed', confirmed_at = $1, unsubscribed_at = NULL,
             confirm_digest = NULL, confirm_expires_at = NULL
         WHERE confirm_digest = $2 AND confirm_expires_at > $1 RETURNING email"
    )
    .bind(at)
    .bind(secrets::digest(token))
    .fetch_optional(pool)
    .await)?)
}

pub async fn by_unsubscribe_key(store: &Store, key: &str) -> anyhow::Result<Option<Subscriber>> {
    let query = format!("SELECT {COLUMNS} FROM subscribers WHERE unsubscribe_key = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(key).fetch_optional(pool).await)?)
}

/// Unsubscribes the owner of `key`; issues not yet sent to them are
/// skipped. Returns their address (also when they had left already), or
/// `None` for a key that opens nothing (forged, or an erased person's).
pub async fn unsubscribe(store: &Store, key: &str) -> anyhow::Result<Option<String>> {
    let Some(subscriber) = by_unsubscribe_key(store, key).await? else { return Ok(None) };
    let at = now();
    on_write!(store, |pool| {
        sqlx::query(
        "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $1, confirm_digest = NULL WHERE id = $2 AND status <> 'unsubscribed'"
    )
    .bind(at)
    .bind(subscriber.id)
    .execute(pool)
    .await
    .map(drop)
    })?;
    super::outbox::skip_pending(store, subscriber.id, "Unsubscribed before this issue reached them").await?;
    Ok(Some(subscriber.email))
}

/// Adds people who already agreed elsewhere (by hand or from a file), as
/// confirmed; an address already on the list is left as it is. Returns
/// whether the address was added.
pub async fn add_confirmed(store: &Store, email: &EmailAddress, name: &str, source: &str) -> anyhow::Result<bool> {
    let at = now();
    let added = on_write!(store, |pool| sqlx::query(
        "INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, unsubscribe_key)
         VALUES ($1, $2, 'confirmed', $3, $4, $4, $5) ON CONFLICT (email) DO NOTHING"
    )
    .bind(email.as_str())
    .bind(name)
    .bind(source)
    .bind(at)
    .bind(secrets::token())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(added == 1)
}

/// Subscribes someone who ticked "also subscribe me" on a form and then
/// opened the link emailed to them, which shows the address is theirs:
/// confirmed at once, with `source` saying where they agreed.
pub async fn confirm_by_form(store: &Store, email: &EmailAddress, name: &str, source: &str) -> anyhow::Result<()> {
    let at = now();
    on_write!(store, |pool| sqlx::query(
        "INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, unsubscribe_key)
         VALUES ($1, $2, 'confirmed', $3, $4, $4, $5)
         ON CONFLICT (email) DO UPDATE SET status = 'confirmed', source = excluded.source, confirmed_at = excluded.confirmed_at,
             unsubscribed_at = NULL, confirm_digest = NULL
         WHERE subscribers.status <> 'confirmed'"
    )
    .bind(email.as_str())
    .bind(name)
    .bind(source)
    .bind(at)
    .bind(secrets::token())
    .execute(pool)
    .await
    .map(drop))?;
    Ok(())
}

/// Subscribers matching `search` (in address or name) and `status`, newest first.
pub async fn list(store: &Store, search: &str, status: Option<&str>, limit: i64, offset: i64) -> anyhow::Result<Vec<Subscriber>> {
    let query = format!(
        "SELECT {COLUMNS} FROM subscribers
         WHERE ($1 = '' OR email LIKE $2 ESCAPE '\\' OR LOWER(name) LIKE $2 ESCAPE '\\') AND ($3 = '' OR status = $3)
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    );
    let pattern = crate::store::contains_pattern(search);
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
        .bind(search.trim())
        .bind(&pattern)
        .bind(status.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?)
}

/// How many subscribers have each status.
pub async fn counts(store: &Store) -> anyhow::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT status, COUNT(*) FROM subscribers GROUP BY status").fetch_all(pool).await)?;
    Ok(crate::store::by_status(&STATUSES, rows))
}

pub async fn get(store: &Store, id: i64) -> anyhow::Result<Option<Subscriber>> {
    let query = format!("SELECT {COLUMNS} FROM subscribers WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(id).fetch_optional(pool).await)?)
}
