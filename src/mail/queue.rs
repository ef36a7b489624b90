//! The queue of mail a form promised: a signature's or a subscription's
//! confirmation. A form writes its message here in the same transaction as
//! what it confirms, before it answers, so a crash or a restart after the
//! answer loses no mail; the senders of the mail worker (see
//! `newsletter::worker`, whose heartbeat names them) take it from here.
//!
//! A sender claims a few due rows and sends each; a row the server took is
//! written down in the sender's journal at once ([`Notes`]) and deleted with
//! the rest of its batch in one write (its link is a secret, and the row has
//! done its work). A crash between the server's answer and that line sends
//! that one message again once the sender's claims are released: the same
//! bytes, with the same Message-ID, so the receiving side can tell it is a
//! resend.

use std::sync::Arc;
use std::time::Duration as Wait;

use lettre::address::Envelope;
use time::Duration;
use tokio::sync::Notify;

use super::{Letter, MAX_ATTEMPTS, Mailer, Pace, SendError, Sender, envelope, retry_wait};
use crate::store::{Pool, Store, Tx, now};
use crate::{on_tx, on_write};

/// Rows a sender claims at a time. A claim and a batch's delete are two
/// writes, which wait behind a viral day's signatures: a batch of 20 sent
/// 40 a second while 500 signed. Few enough that a slow server holds back
/// little on a node's way to another.
const BATCH: i64 = 100;

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

/// The server took these rows' messages, or refused them for good: they
/// leave the queue, whoever claims them now. False when one was no longer
/// `sender`'s (its claim was released, and another sender may have it).
pub async fn done(store: &Store, ids: &[i64], sender: &str) -> anyhow::Result<bool> {
    let owners = take_out(store, ids).await?;
    Ok(owners.len() == ids.len() && owners.iter().all(|owner| owner.as_deref() == Some(sender)))
}

/// Deletes the rows `ids`, in one statement; returns who claimed each row
/// deleted. Also how a dead sender's journal takes out what it sent.
pub async fn take_out(store: &Store, ids: &[i64]) -> anyhow::Result<Vec<Option<String>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ids.to_vec();
    store
        .on_writer(move |store| async move {
            let _turn = store.turn().await?;
            Ok(match store.pool() {
                Pool::Postgres(pool) => {
                    sqlx::query_scalar("DELETE FROM mail_queue WHERE id = ANY($1) RETURNING claimed_by").bind(&ids).fetch_all(pool).await?
                }
                Pool::Sqlite(pool) => {
                    sqlx::query_scalar("DELETE FROM mail_queue WHERE id IN (SELECT value FROM json_each($1)) RETURNING claimed_by")
                        .bind(serde_json::to_string(&ids)?)
                        .fetch_all(pool)
                        .await?
                }
            })
        })
        .await
}

/// Where a sender writes down each message its server took before the store
/// hears of it (the node's journal, `newsletter::journal`): after a crash
/// the rows it names leave the queue before anyone may claim them again, so
/// a batch's rows leave the queue in one write instead of one each.
pub trait Notes: Send {
    fn sent(&mut self, id: i64) -> std::io::Result<()>;
    /// Every row noted has left the queue.
    fn clear(&mut self) -> std::io::Result<()>;
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
/// Without `notes` (a folder that cannot be written) each sent row leaves
/// the queue before the next message goes. `pace` is the node's, which the
/// newsletter's senders share.
pub async fn send_forever(
    store: Store,
    mailer: Mailer,
    pace: Arc<Pace>,
    sender: String,
    queued: Arc<Notify>,
    mut notes: Option<Box<dyn Notes>>,
) {
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
        let (mut noted, mut unavailable) = (Vec::new(), None);
        for (n, row) in batch.iter().enumerate() {
            pace.wait().await;
            let outcome = match &envelopes[n] {
                Ok(to) => session.send(to, &row.message, envelopes.get(n + 1).and_then(|next| next.as_ref().ok())).await,
                Err(error) => Err(error.clone()),
            };
            if let Err(SendError::Unavailable(text)) = outcome {
                unavailable = Some(text);
                break;
            }
            if outcome.is_ok() && noted_in(&mut notes, row.id) {
                noted.push(row.id);
                continue;
            }
            let still_ours = recorded(|| async {
                match &outcome {
                    Err(SendError::Transient(text)) if row.attempts + 1 < MAX_ATTEMPTS => retry_later(&store, row, &sender, text).await,
                    Err(SendError::Transient(text) | SendError::Permanent(text)) => {
                        tracing::warn!(error = %text, to = %row.recipient, "the mail server did not take a confirmation; it is dropped");
                        done(&store, &[row.id], &sender).await
                    }
                    _ => done(&store, &[row.id], &sender).await,
                }
            })
            .await;
            if !still_ours {
                tracing::warn!(sender = %sender, "a queued message's claim was released while it was sent; claiming afresh");
                break;
            }
        }
        // Without holding one of the mailer's connections meanwhile.
        drop(session);
        // Sent rows leave before any is given back, or they would be sent again.
        if !noted.is_empty() {
            if !recorded(|| done(&store, &noted, &sender)).await {
                tracing::warn!(sender = %sender, "a queued message's claim was released while it was sent");
            }
            if let Some(Err(error)) = notes.as_mut().map(|notes| notes.clear()) {
                // Its rows are out of the queue already: a longer file only makes a later recovery longer.
                tracing::warn!(%error, "cannot empty a mail sender's journal");
            }
        }
        if let Some(text) = unavailable {
            // The rest of the batch waits with this message, without counting an attempt.
            recorded(|| give_back(&store, &sender, Duration::seconds(30), &text)).await;
            tracing::warn!(error = %text, "the mail server is out of reach; queued mail waits and is tried again in 30 s");
            tokio::time::sleep(Wait::from_secs(5)).await;
        }
    }
}

/// Notes row `id` as sent; false when there are no notes or the write failed.
fn noted_in(notes: &mut Option<Box<dyn Notes>>, id: i64) -> bool {
    let Some(file) = notes else { return false };
    match file.sent(id) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "cannot write a mail sender's journal; each sent message leaves the queue by itself from now on");
            *notes = None;
            false
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
