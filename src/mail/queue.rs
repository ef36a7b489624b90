//! The queue of mail a form promised: a signature's or a subscription's
//! confirmation. A form writes its message here in the same transaction as
//! what it confirms, before it answers, so a crash or a restart after the
//! answer loses no mail; the senders of the mail worker (see
//! `newsletter::worker`, whose heartbeat names them) take it from here.
//!
//! A sender claims a few due rows, sends each and deletes it the moment the
//! server took it (its link is a secret, and the row has done its work). A
//! crash between the server's answer and that delete sends that one message
//! again once the sender's claims are released: the same bytes, with the
//! same Message-ID, so the receiving side can tell it is a resend.

use std::sync::Arc;
use std::time::Duration as Wait;

use lettre::address::Envelope;
use time::Duration;
use tokio::sync::Notify;

use super::{Letter, MAX_ATTEMPTS, Mailer, SendError, Sender, envelope, retry_wait};
use crate::store::{Store, Tx, now};
use crate::{on_tx, on_write};

/// Rows a sender claims at a time: few, since a crash may resend one and
/// a slow server holds the rest back.
const BATCH: i64 = 20;

/// A message ready to queue: its envelope and its bytes, as they will be sent.
pub struct Queued {
    from: String,
    to: String,
    message: Vec<u8>,
}

impl Queued {
    pub fn new(letter: &Letter, from: &Sender) -> anyhow::Result<Queued> {
        let message = letter.build(from)?.formatted();
        Ok(Queued { from: from.address.as_str().to_owned(), to: letter.to.as_str().to_owned(), message })
    }
}

/// Queues `mail` in `tx`: it is sent once `tx` commits, and never if it does not.
pub async fn enqueue(tx: &mut Tx, mail: &Queued) -> anyhow::Result<()> {
    let at = now();
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO mail_queue (envelope_from, recipient, message, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)"
    )
    .bind(&mail.from)
    .bind(&mail.to)
    .bind(&mail.message)
    .bind(at)
    .execute(conn)
    .await
    .map(drop))?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub envelope_from: String,
    pub recipient: String,
    pub message: Vec<u8>,
    pub attempts: i64,
}

/// Claims up to `limit` due rows, oldest first, for `sender`.
pub async fn claim(store: &Store, sender: &str, limit: i64) -> anyhow::Result<Vec<Claimed>> {
    // PostgreSQL: senders on several nodes skip each other's rows.
    let lock = if matches!(store.pool(), crate::store::Pool::Postgres(_)) { "FOR UPDATE SKIP LOCKED" } else { "" };
    let query = format!(
        "UPDATE mail_queue SET status = 'claimed', claimed_by = $1 WHERE id IN (
             SELECT id FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= $2 ORDER BY id LIMIT $3 {lock})
         RETURNING id, envelope_from, recipient, message, attempts"
    );
    let sender = sender.to_owned();
    let mut rows: Vec<Claimed> = store
        .on_writer(move |store| async move {
            Ok(on_write!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
                .bind(&sender)
                .bind(now())
                .bind(limit)
                .fetch_all(pool)
                .await)?)
        })
        .await?;
    rows.sort_by_key(|row| row.id);
    Ok(rows)
}

/// The server took the row's message, or refused it for good: it leaves
/// the queue. False when the row was no longer `sender`'s.
pub async fn done(store: &Store, id: i64, sender: &str) -> anyhow::Result<bool> {
    let sender = sender.to_owned();
    let deleted = store
        .on_writer(move |store| async move {
            Ok(on_write!(store, |pool| sqlx::query("DELETE FROM mail_queue WHERE id = $1 AND status = 'claimed' AND claimed_by = $2")
                .bind(id)
                .bind(&sender)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))?)
        })
        .await?;
    Ok(deleted == 1)
}

/// A refusal for now: back to the queue, tried again after [`retry_wait`].
/// False when the row was no longer `sender`'s.
pub async fn retry_later(store: &Store, row: &Claimed, sender: &str, error: &str) -> anyhow::Result<bool> {
    let attempts = row.attempts + 1;
    let marked = on_write!(store, |pool| sqlx::query(
        "UPDATE mail_queue SET status = 'pending', claimed_by = NULL, attempts = $1, next_attempt_at = $2, error = $3
         WHERE id = $4 AND status = 'claimed' AND claimed_by = $5"
    )
    .bind(attempts)
    .bind(now() + retry_wait(attempts))
    .bind(error)
    .bind(row.id)
    .bind(sender)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(marked == 1)
}

/// Gives every row `sender` still claims back to the queue, to be tried again in `wait`.
pub async fn give_back(store: &Store, sender: &str, wait: Duration, error: &str) -> anyhow::Result<u64> {
    Ok(on_write!(store, |pool| sqlx::query(
        "UPDATE mail_queue SET status = 'pending', claimed_by = NULL, next_attempt_at = $1, error = $2
         WHERE status = 'claimed' AND claimed_by = $3"
    )
    .bind(now() + wait)
    .bind(error)
    .bind(sender)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Gives the claims of senders silent for `silence` back to the queue
/// (the heartbeat is `newsletter::outbox::heartbeat`, in `mail_workers`).
pub async fn release_dead(store: &Store, silence: Duration) -> anyhow::Result<u64> {
    let released = on_write!(store, |pool| sqlx::query(
        "UPDATE mail_queue SET status = 'pending', claimed_by = NULL
         WHERE status = 'claimed' AND claimed_by NOT IN (SELECT id FROM mail_workers WHERE seen_at > $1)"
    )
    .bind(now() - silence)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(released)
}

/// Sends the queue's mail as `sender` until the task is dropped; `queued`
/// is rung when a form queues a message, so none waits for the next look.
pub async fn send_forever(store: Store, mailer: Mailer, sender: String, queued: Arc<Notify>) {
    loop {
        let batch = match claim(&store, &sender, BATCH).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "cannot claim queued mail; trying again");
                tokio::time::sleep(Wait::from_secs(1)).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = queued.notified() => {}
                _ = tokio::time::sleep(Wait::from_secs(1)) => {}
            }
            continue;
        }
        let envelopes: Vec<Result<Envelope, SendError>> = batch.iter().map(|row| envelope(&row.envelope_from, &row.recipient)).collect();
        let mut session = mailer.session().await;
        for (n, row) in batch.iter().enumerate() {
            let outcome = match &envelopes[n] {
                Ok(to) => session.send(to, &row.message, envelopes.get(n + 1).and_then(|next| next.as_ref().ok())).await,
                Err(error) => Err(error.clone()),
            };
            if let Err(SendError::Unavailable(text)) = &outcome {
                // The rest of the batch waits with this message, without counting an attempt.
                recorded(|| give_back(&store, &sender, Duration::seconds(30), text)).await;
                tracing::warn!(error = %text, "the mail server is out of reach; queued mail waits and is tried again in 30 s");
                // Without holding one of the mailer's connections meanwhile.
                drop(session);
                tokio::time::sleep(Wait::from_secs(5)).await;
                break;
            }
            let still_ours = recorded(|| async {
                match &outcome {
                    Err(SendError::Transient(text)) if row.attempts + 1 < MAX_ATTEMPTS => retry_later(&store, row, &sender, text).await,
                    Err(SendError::Transient(text) | SendError::Permanent(text)) => {
                        tracing::warn!(error = %text, to = %row.recipient, "the mail server did not take a confirmation; it is dropped");
                        done(&store, row.id, &sender).await
                    }
                    _ => done(&store, row.id, &sender).await,
                }
            })
            .await;
            if !still_ours {
                tracing::warn!(sender = %sender, "a queued message's claim was released while it was sent; claiming afresh");
                break;
            }
        }
    }
}

/// Runs `write` until the store takes it: a sent message's record must not be skipped.
async fn recorded<T, F: Future<Output = anyhow::Result<T>>>(mut write: impl FnMut() -> F) -> T {
    loop {
        match write().await {
            Ok(done) => return done,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "cannot record a queued message's sending; trying again");
                tokio::time::sleep(Wait::from_secs(1)).await;
            }
        }
    }
}
