//! The delivery outbox: one row per (issue, subscriber), and the protocol
//! that sends each row once, whatever crashes.
//!
//! 1. **Claim.** A sender takes a batch of due `pending` rows in one
//!    statement, setting `status = 'claimed'` and `claimed_by` to its own id
//!    (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so senders on several nodes
//!    never take the same row; SQLite: one writer at a time). The claim is
//!    committed before anything is sent.
//! 2. **Send.** For each claimed row, the message goes to the SMTP server.
//!    Its Message-ID is made from the issue and the subscriber, so any
//!    resend of the same row is the same message to the receiving side.
//! 3. **Mark.** After the server's answer the row becomes `sent`, `failed`
//!    (a 5xx, with the server's text), or `pending` again with a later
//!    `next_attempt_at` (a 4xx or a lost connection). A message the server
//!    took is first written to the sender's journal, a file of its own
//!    ([`super::journal`]); its mark then reaches the store in a group with
//!    others, and the sender goes on without waiting for it. The marks of a
//!    batch are all in the store before the sender claims again. Without a
//!    journal the sender waits for each mark before its next message.
//!
//! A crash before 2 leaves rows `claimed` that were never sent. A crash
//! after 2 leaves rows `claimed` that the server took; those in the journal
//! are marked `sent` before anything is released ([`super::journal::recover`],
//! by the next node that starts on, or already runs on, the same data
//! folder), so the only row in doubt is the one per sender between the
//! server's answer and the journal line. Each node says in `mail_workers`,
//! every [`HEARTBEAT`] from a task of its own, which of its senders are
//! alive (a sender task that ended is no longer named); once a sender has
//! been silent for [`SILENCE`], its claims go back to `pending`
//! ([`release_dead`]) and are sent by whoever claims them next. A mark that
//! finds its row no longer claimed by its sender tells the sender to drop
//! the rest of its batch. So no row is ever skipped, a row marked or
//! journaled is never sent again, and the only possible repeat is that one
//! row per sender per crash — carrying the same Message-ID. Two cases widen
//! it to the rows whose marks were still on their way to the store (up to a
//! batch per sender): a node whose claims a node on another machine
//! releases before it starts again on its own data folder, or whose data
//! folder is lost, and a node cut off from the database for longer than
//! [`SILENCE`] while its mail server still answers.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::mail::{MAX_ATTEMPTS, retry_wait};
use crate::store::{Conn, Pool, Store, now};
use crate::{on_pool, on_write};

pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(2);
pub const SILENCE: Duration = Duration::seconds(10);
/// Every state a row can be in; `skipped` rows were for people who left before their turn.
pub const STATUSES: [&str; 5] = ["pending", "claimed", "sent", "failed", "skipped"];

/// A claimed row with what its message needs.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Claimed {
    pub issue_id: i64,
    pub subscriber_id: i64,
    pub attempts: i64,
    pub email: String,
    pub name: String,
    pub unsubscribe_key: String,
}

/// Step 1: claims up to `limit` due rows of issues being sent for `sender`.
pub async fn claim(conn: &mut Conn, sender: &str, limit: i64) -> anyhow::Result<Vec<Claimed>> {
    let at = now();
    // No ORDER BY: any due rows will do, and sorting every pending row of a
    // large send on each claim would cost more than the sending. A sender
    // works through its whole batch before claiming again, so its claimed
    // rows are exactly this batch.
    Ok(match conn {
        Conn::Postgres(conn) => {
            sqlx::query(
                "UPDATE deliveries d SET status = 'claimed', claimed_by = $1 FROM (
                     SELECT d2.issue_id, d2.subscriber_id FROM deliveries d2
                     JOIN newsletter_issues i ON i.id = d2.issue_id AND i.status = 'sending'
                     WHERE d2.status = 'pending' AND d2.next_attempt_at <= $2
                     LIMIT $3 FOR UPDATE OF d2 SKIP LOCKED) picked
                 WHERE d.issue_id = picked.issue_id AND d.subscriber_id = picked.subscriber_id",
            )
            .bind(sender)
            .bind(at)
            .bind(limit)
            .execute(&mut **conn)
            .await?;
            sqlx::query_as(
                "SELECT d.issue_id, d.subscriber_id, d.attempts, s.email, s.name, s.unsubscribe_key
                 FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
                 WHERE d.status = 'claimed' AND d.claimed_by = $1 ORDER BY d.issue_id, d.subscriber_id",
            )
            .bind(sender)
            .fetch_all(&mut **conn)
            .await?
        }
        Conn::Sqlite(conn) => {
            sqlx::query(
                "UPDATE deliveries SET status = 'claimed', claimed_by = $1 WHERE rowid IN (
                     SELECT d.rowid FROM deliveries d
                     JOIN newsletter_issues i ON i.id = d.issue_id AND i.status = 'sending'
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $2 LIMIT $3)",
            )
            .bind(sender)
            .bind(at)
            .bind(limit)
            .execute(&mut **conn)
            .await?;
            // One row for the whole batch: sqlx hands each row of a result
            // over from its SQLite thread on its own, which took longer than the query.
            let batch: String = sqlx::query_scalar(
                "SELECT json_group_array(json_object('issue_id', d.issue_id, 'subscriber_id', d.subscriber_id,
                     'attempts', d.attempts, 'email', s.email, 'name', s.name, 'unsubscribe_key', s.unsubscribe_key)
                     ORDER BY d.issue_id, d.subscriber_id)
                 FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
                 WHERE d.status = 'claimed' AND d.claimed_by = $1",
            )
            .bind(sender)
            .fetch_one(&mut **conn)
            .await?;
            serde_json::from_str(&batch)?
        }
    })
}

/// Step 3, success, for the rows of several senders in one write: the
/// marks of every sender that arrive while the last write runs share the
/// next commit. Returns
/// whether every row was still its sender's. When one was not (its claim
/// was released while it sent), each of these senders drops the rest of its
/// batch, which others may be sending already, and claims afresh: rows
/// still its own come back with its next claim, and rows marked here are
/// no longer claimed, so none is sent twice.
pub async fn mark_sent(conn: &mut Conn, rows: &[(i64, i64, &str)]) -> anyhow::Result<bool> {
    let at = now();
    let marked = match conn {
        Conn::Postgres(conn) => sqlx::query(
            "UPDATE deliveries d SET status = 'sent', attempts = d.attempts + 1, error = NULL, sent_at = $1,
                     next_attempt_at = $1, claimed_by = NULL
                 FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS m(issue, subscriber, sender)
                 WHERE d.issue_id = m.issue AND d.subscriber_id = m.subscriber AND d.status = 'claimed' AND d.claimed_by = m.sender",
        )
        .bind(at)
        .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
        .execute(&mut **conn)
        .await?
        .rows_affected(),
        // One statement, whatever the number of rows. The `+` keeps SQLite
        // from walking every claimed row for each one marked: each is found by its key.
        Conn::Sqlite(conn) => sqlx::query(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, error = NULL, sent_at = $1,
                     next_attempt_at = $1, claimed_by = NULL
                 FROM (SELECT value ->> 0 AS issue, value ->> 1 AS subscriber, value ->> 2 AS sender FROM json_each($2)) AS m
                 WHERE deliveries.issue_id = m.issue AND deliveries.subscriber_id = m.subscriber
                   AND +deliveries.status = 'claimed' AND deliveries.claimed_by = m.sender",
        )
        .bind(at)
        .bind(serde_json::to_string(rows)?)
        .execute(&mut **conn)
        .await?
        .rows_affected(),
    };
    Ok(marked == rows.len() as u64)
}

/// Step 3 after a crash: rows the server took, as a dead sender's journal
/// says (see [`super::journal`]), are sent, whoever claimed them since.
pub async fn mark_taken(store: &Store, rows: &[(i64, i64)]) -> anyhow::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let at = now();
    let _turn = store.turn().await?;
    Ok(match store.pool() {
        Pool::Postgres(pool) => sqlx::query(
            "UPDATE deliveries d SET status = 'sent', attempts = d.attempts + 1, error = NULL, sent_at = $1,
                     next_attempt_at = $1, claimed_by = NULL
                 FROM unnest($2::bigint[], $3::bigint[]) AS m(issue, subscriber)
                 WHERE d.issue_id = m.issue AND d.subscriber_id = m.subscriber AND d.status IN ('claimed', 'pending')",
        )
        .bind(at)
        .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
        .execute(pool)
        .await?
        .rows_affected(),
        Pool::Sqlite(pool) => sqlx::query(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, error = NULL, sent_at = $1,
                     next_attempt_at = $1, claimed_by = NULL
                 FROM (SELECT value ->> 0 AS issue, value ->> 1 AS subscriber FROM json_each($2)) AS m
                 WHERE deliveries.issue_id = m.issue AND deliveries.subscriber_id = m.subscriber
                   AND +deliveries.status IN ('claimed', 'pending')",
        )
        .bind(at)
        .bind(serde_json::to_string(rows)?)
        .execute(pool)
        .await?
        .rows_affected(),
    })
}

/// Step 3, a permanent refusal: the row fails with the server's text. This
/// mark and the two below return false when the row was no longer this
/// sender's, as [`mark_sent`] does.
pub async fn mark_failed(store: &Store, row: &Claimed, sender: &str, error: &str) -> anyhow::Result<bool> {
    mark(store, row, sender, "failed", row.attempts + 1, Some(error), now()).await
}

/// Step 3, a transient refusal of this message: back to the queue for
/// later ([`retry_wait`]), or failed after [`MAX_ATTEMPTS`].
pub async fn retry_later(store: &Store, row: &Claimed, sender: &str, error: &str) -> anyhow::Result<bool> {
    let attempts = row.attempts + 1;
    if attempts >= MAX_ATTEMPTS {
        return mark(store, row, sender, "failed", attempts, Some(error), now()).await;
    }
    mark(store, row, sender, "pending", attempts, Some(error), now() + retry_wait(attempts)).await
}

/// Step 3 when the server was out of reach: back to the queue in 30 s,
/// without counting an attempt, however long the outage lasts.
pub async fn put_back(store: &Store, row: &Claimed, sender: &str, error: &str) -> anyhow::Result<bool> {
    mark(store, row, sender, "pending", row.attempts, Some(error), now() + Duration::seconds(30)).await
}

async fn mark(
    store: &Store,
    row: &Claimed,
    sender: &str,
    status: &str,
    attempts: i64,
    error: Option<&str>,
    at: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sent_at = (status == "sent").then_some(at);
    let marked = on_write!(store, |pool| sqlx::query(
        "UPDATE deliveries SET status = $1, attempts = $2, error = $3, sent_at = $4, next_attempt_at = $5, claimed_by = NULL
         WHERE issue_id = $6 AND subscriber_id = $7 AND status = 'claimed' AND claimed_by = $8"
    )
    .bind(status)
    .bind(attempts)
    .bind(error)
    .bind(sent_at)
    .bind(at)
    .bind(row.issue_id)
    .bind(row.subscriber_id)
    .bind(sender)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(marked == 1)
}

/// Says that `senders` are alive. On PostgreSQL the database's clock
/// stamps it, so nodes whose clocks disagree still agree on who is silent.
pub async fn heartbeat(store: &Store, senders: &[String]) -> anyhow::Result<()> {
    for sender in senders {
        let _turn = store.turn().await?;
        match store.pool() {
            Pool::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO mail_workers (id, seen_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                )
                .bind(sender)
                .execute(pool)
                .await?;
            }
            // One machine, one clock.
            Pool::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO mail_workers (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                )
                .bind(sender)
                .bind(now())
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(())
}

/// Puts the claims of senders silent for [`SILENCE`] back in the queue.
pub async fn release_dead(store: &Store) -> anyhow::Result<u64> {
    let released = {
        let _turn = store.turn().await?;
        match store.pool() {
            Pool::Postgres(pool) => sqlx::query(
                "UPDATE deliveries SET status = 'pending', claimed_by = NULL
                 WHERE status = 'claimed' AND claimed_by NOT IN (SELECT id FROM mail_workers WHERE seen_at > now() - make_interval(secs => $1))",
            )
            .bind(SILENCE.whole_seconds() as f64)
            .execute(pool)
            .await?
            .rows_affected(),
            Pool::Sqlite(pool) => sqlx::query(
                "UPDATE deliveries SET status = 'pending', claimed_by = NULL
                 WHERE status = 'claimed' AND claimed_by NOT IN (SELECT id FROM mail_workers WHERE seen_at > $1)",
            )
            .bind(now() - SILENCE)
            .execute(pool)
            .await?
            .rows_affected(),
        }
    };
    // Senders gone for a day are forgotten.
    on_write!(store, |pool| sqlx::query("DELETE FROM mail_workers WHERE seen_at <= $1")
        .bind(now() - Duration::days(1))
        .execute(pool)
        .await
        .map(drop))?;
    Ok(released)
}

/// A person who unsubscribed (or was erased) gets nothing still queued.
pub async fn skip_pending(store: &Store, subscriber_id: i64, reason: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query(
        "UPDATE deliveries SET status = 'skipped', error = $1 WHERE subscriber_id = $2 AND status = 'pending'"
    )
    .bind(reason)
    .bind(subscriber_id)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(())
}

/// Failed rows of an issue go back to the queue; returns how many.
pub async fn retry_failed(store: &Store, issue_id: i64) -> anyhow::Result<u64> {
    let mut tx = store.begin().await?;
    let retried = crate::on_tx!(tx, |conn| sqlx::query(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1 WHERE issue_id = $2 AND status = 'failed'"
    )
    .bind(now())
    .bind(issue_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    if retried > 0 {
        crate::on_tx!(tx, |conn| sqlx::query("UPDATE newsletter_issues SET status = 'sending', finished_at = NULL WHERE id = $1")
            .bind(issue_id)
            .execute(conn)
            .await
            .map(drop))?;
    }
    tx.commit().await?;
    Ok(retried)
}

/// Where an issue's sending stands.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
    /// Pending or claimed.
    pub remaining: i64,
    /// Messages per second over the last minute.
    pub rate: f64,
}

pub async fn progress(store: &Store, issue_id: i64) -> anyhow::Result<Progress> {
    let rows: Vec<(String, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT status, COUNT(*) FROM deliveries WHERE issue_id = $1 GROUP BY status")
            .bind(issue_id)
            .fetch_all(pool)
            .await)?;
    let mut progress = Progress::default();
    for (status, n) in rows {
        progress.count(&status, n);
    }
    let last_minute: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliveries WHERE issue_id = $1 AND status = 'sent' AND sent_at > $2"
    )
    .bind(issue_id)
    .bind(now() - Duration::minutes(1))
    .fetch_one(pool)
    .await)?;
    progress.rate = last_minute as f64 / 60.0;
    Ok(progress)
}

/// Every issue's counts (without the rate) in one query, for the list of issues.
pub async fn progress_by_issue(store: &Store) -> anyhow::Result<std::collections::HashMap<i64, Progress>> {
    let rows: Vec<(i64, String, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT issue_id, status, COUNT(*) FROM deliveries GROUP BY issue_id, status")
            .fetch_all(pool)
            .await)?;
    let mut all = std::collections::HashMap::<i64, Progress>::new();
    for (issue_id, status, n) in rows {
        all.entry(issue_id).or_default().count(&status, n);
    }
    Ok(all)
}

impl Progress {
    fn count(&mut self, status: &str, n: i64) {
        self.total += n;
        match status {
            "sent" => self.sent = n,
            "failed" => self.failed = n,
            "skipped" => self.skipped = n,
            _ => self.remaining += n,
        }
    }
}

/// One person's delivery of an issue, for the issue's page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recipient {
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub sent_at: Option<OffsetDateTime>,
    pub error: Option<String>,
}

/// An issue's deliveries with `status` (all when empty), failures first.
pub async fn recipients(store: &Store, issue_id: i64, status: &str, limit: i64) -> anyhow::Result<Vec<Recipient>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT s.email, d.status, d.attempts, d.sent_at, d.error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.issue_id = $1 AND ($2 = '' OR d.status = $2)
         ORDER BY CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 WHEN 'claimed' THEN 1 ELSE 2 END, s.email LIMIT $3"
    )
    .bind(issue_id)
    .bind(status)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}
