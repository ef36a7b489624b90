//! Newsletter issues: written as drafts, then sent now or at a set time.
//! Starting a send fills the outbox with one row per confirmed subscriber,
//! in the same transaction that marks the issue as sending.

use serde::Serialize;
use time::OffsetDateTime;

use crate::content::SaveError;
use crate::content::revisions::Author;
use crate::content::versioned::{self, Kind, Over, Saved};
use crate::store::{Store, Tx, now};
use crate::{on_pool, on_tx, on_write};

pub const DRAFT: &str = "draft";
pub const SCHEDULED: &str = "scheduled";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Issue {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub send_at: Option<OffsetDateTime>,
    pub post_id: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub version: i64,
}

impl Issue {
    /// Drafts and scheduled issues can still be changed; a sending or sent one is history.
    pub fn is_editable(&self) -> bool {
        self.status == DRAFT || self.status == SCHEDULED
    }
}

const COLUMNS: &str = "id, subject, body, status, send_at, post_id, created_at, updated_at, started_at, finished_at, version";

/// The kind as [`versioned`] saves it: an issue changes only until it starts sending.
pub const KIND: Kind = Kind {
    entity: "newsletter",
    table: Some("newsletter_issues"),
    slug: false,
    open: Some("status IN ('draft', 'scheduled')"),
    path: None,
};

/// What editors write of an issue, and what its revisions keep.
#[derive(Debug, Clone, Serialize)]
pub struct Text<'a> {
    pub subject: &'a str,
    pub body: &'a str,
}

/// A new draft, made from the post `post_id` when given; returns its id.
pub async fn create(store: &Store, text: &Text<'_>, post_id: Option<i64>, by: &Author) -> Result<i64, SaveError> {
    Ok(save(store, Over::New, text, post_id, by).await?.id)
}

/// Saves subject and body of a new issue or over the version its form was
/// opened at; a scheduled issue stays scheduled, a sending one is `Closed`.
pub async fn save(store: &Store, over: Over, text: &Text<'_>, post_id: Option<i64>, by: &Author) -> Result<Saved, SaveError> {
    versioned::save(store, &KIND, over, None, text, by, async |tx, id| {
        let at = now();
        Ok(match id {
            None => on_tx!(tx, |conn| sqlx::query_scalar(
                "INSERT INTO newsletter_issues (subject, body, status, post_id, created_by, created_at, updated_at, version)
                 VALUES ($1, $2, 'draft', $3, $4, $5, $5, 1) RETURNING id"
            )
            .bind(text.subject)
            .bind(text.body)
            .bind(post_id)
            .bind(by.id)
            .bind(at)
            .fetch_one(conn)
            .await)?,
            Some(id) => on_tx!(tx, |conn| sqlx::query_scalar(
                "UPDATE newsletter_issues SET subject = $1, body = $2, updated_at = $3 WHERE id = $4 RETURNING id"
            )
            .bind(text.subject)
            .bind(text.body)
            .bind(at)
            .bind(id)
            .fetch_one(conn)
            .await)?,
        })
    })
    .await
}

pub async fn get(store: &Store, id: i64) -> anyhow::Result<Option<Issue>> {
    let query = format!("SELECT {COLUMNS} FROM newsletter_issues WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(id).fetch_optional(pool).await)?)
}

pub async fn list(store: &Store) -> anyhow::Result<Vec<Issue>> {
    let query = format!("SELECT {COLUMNS} FROM newsletter_issues ORDER BY created_at DESC, id DESC");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).fetch_all(pool).await)?)
}

/// Sets a draft to go out at `at`, or takes a scheduled one back to draft (`None`).
pub async fn schedule(store: &Store, id: i64, at: Option<OffsetDateTime>) -> anyhow::Result<bool> {
    let status = if at.is_some() { SCHEDULED } else { DRAFT };
    let changed = on_write!(store, |pool| {
        sqlx::query(
        "UPDATE newsletter_issues SET status = $1, send_at = $2, version = version + 1 WHERE id = $3 AND status IN ('draft', 'scheduled')"
    )
    .bind(status)
    .bind(at)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(changed == 1)
}

/// Starts sending a draft or scheduled issue now: returns how many people
/// it goes to, or `None` when it was started already (by another editor
/// or node).
pub async fn start(store: &Store, id: i64) -> anyhow::Result<Option<u64>> {
    let mut tx = store.begin().await?;
    let at = now();
    let started = on_tx!(tx, |conn| sqlx::query(
        "UPDATE newsletter_issues SET status = 'sending', started_at = $1, send_at = NULL, version = version + 1
         WHERE id = $2 AND status IN ('draft', 'scheduled')"
    )
    .bind(at)
    .bind(id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    if started == 0 {
        return Ok(None);
    }
    let recipients = enqueue(&mut tx, id, at).await?;
    tx.commit().await?;
    Ok(Some(recipients))
}

/// One outbox row per confirmed subscriber.
async fn enqueue(tx: &mut Tx, id: i64, at: OffsetDateTime) -> anyhow::Result<u64> {
    Ok(on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, next_attempt_at)
         SELECT $1, id, 'pending', 0, $2 FROM subscribers WHERE status = 'confirmed'"
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Starts the scheduled issues whose time has come; each starts once
/// however many nodes ask.
pub async fn start_due(store: &Store) -> anyhow::Result<u64> {
    let due: Vec<i64> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT id FROM newsletter_issues WHERE status = 'scheduled' AND send_at <= $1 ORDER BY send_at"
    )
    .bind(now())
    .fetch_all(pool)
    .await)?;
    let mut started = 0;
    for id in due {
        if start(store, id).await?.is_some() {
            started += 1;
        }
    }
    Ok(started)
}

/// Marks as sent the issues that have nothing left to send.
pub async fn finish_done(store: &Store) -> anyhow::Result<u64> {
    Ok(on_write!(store, |pool| sqlx::query(
        "UPDATE newsletter_issues SET status = 'sent', finished_at = $1
         WHERE status = 'sending' AND NOT EXISTS (
             SELECT 1 FROM deliveries d WHERE d.issue_id = newsletter_issues.id AND d.status IN ('pending', 'claimed'))"
    )
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Deletes a draft or scheduled issue; a sent one stays as a record.
pub async fn delete(store: &Store, id: i64) -> anyhow::Result<bool> {
    let deleted = on_write!(store, |pool| sqlx::query("DELETE FROM newsletter_issues WHERE id = $1 AND status IN ('draft', 'scheduled')")
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(deleted == 1)
}
