//! Every public form's attempts, counted per network address and per typed
//! address, so a flood is slowed down and shows up in the admin.

use serde::Serialize;
use time::Duration;

use crate::store::{Store, now};
use crate::{on_pool, on_tx};

pub const WINDOW: Duration = Duration::hours(1);
/// More attempts than this from one network address in [`WINDOW`] is a burst worth showing.
pub const BURST: i64 = 5;
/// One attempt in this many sweeps out the old ones.
const SWEEP_EVERY: i64 = 64;

/// How many attempts one form takes in [`WINDOW`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The attempts table's name for the form.
    pub form: &'static str,
    /// From one network address; a household or an office may share one.
    pub per_ip: i64,
    /// From one network address when each attempt carries a fresh proof of
    /// work (see [`super::guard`]).
    pub per_ip_proven: i64,
    /// For one typed address.
    pub per_address: i64,
}

/// How long an attempt from `ip` for `email` must wait, if it must. Only
/// admitted attempts count towards the limits, so the wait told is the wait
/// needed; refused ones are kept for the admin's view of bursts. The count
/// and the admission are one transaction under a lock per key: of any number
/// sent at once, exactly the limit are admitted. `ip` is the sender's network ([`crate::client_ip::ClientIp::network`]). `proof` is
/// a valid proof of work (`stamp:nonce`, see [`super::guard`]): the first
/// attempt that brings it raises the limit per network address; it counts
/// once, however many requests bring it at the same moment.
pub async fn admit(store: &Store, limits: Limits, ip: &str, email: &str, proof: Option<&str>) -> anyhow::Result<Option<Duration>> {
    let (ip, email, proof) = (ip.to_owned(), email.to_owned(), proof.map(str::to_owned));
    store.on_writer(move |store| async move { count(&store, limits, &ip, &email, proof.as_deref()).await }).await
}

async fn count(store: &Store, limits: Limits, ip: &str, email: &str, proof: Option<&str>) -> anyhow::Result<Option<Duration>> {
    let at = now();
    let since = at - WINDOW;
    let mut tx = store.begin().await?;
    tx.lock_key(&format!("{}:ip:{ip}", limits.form)).await?;
    tx.lock_key(&format!("{}:email:{email}", limits.form)).await?;
    // An attempt with a proof is written first, not yet admitted: the
    // proof's unique index decides at once whether it is fresh, whoever
    // else brings it. One without is written once its wait is known.
    let record = async |tx: &mut crate::store::Tx, proof: &str, admitted: bool| -> anyhow::Result<Option<i64>> {
        Ok(on_tx!(tx, |conn| sqlx::query_scalar(
            "INSERT INTO form_attempts (form, ip, email, at, proof, admitted) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (proof) WHERE proof <> '' DO NOTHING RETURNING id"
        )
        .bind(limits.form)
        .bind(ip)
        .bind(email)
        .bind(at)
        .bind(proof)
        .bind(admitted)
        .fetch_optional(conn)
        .await)?)
    };
    let proven = match proof {
        Some(proof) => record(&mut tx, proof, false).await?,
        None => None,
    };
    let per_ip = if proven.is_some() { limits.per_ip_proven } else { limits.per_ip };
    let wait = wait_for(&mut tx, limits, ip, per_ip, email, since).await?;
    let id = match proven {
        Some(id) => {
            if wait.is_none() {
                on_tx!(tx, |conn| sqlx::query("UPDATE form_attempts SET admitted = TRUE WHERE id = $1")
                    .bind(id)
                    .execute(conn)
                    .await
                    .map(drop))?;
            }
            id
        }
        None => record(&mut tx, "", wait.is_none()).await?.expect("an attempt without a proof is always written"),
    };
    // Old attempts say nothing any more: a day is kept for the admin's view,
    // a proof as long as its stamp is valid, so it cannot count twice. Swept
    // at every SWEEP_EVERY-th attempt, not at each: under a flood the
    // statement was a seventh of the time the write lock was held.
    if id % SWEEP_EVERY == 0 {
        on_tx!(tx, |conn| sqlx::query("DELETE FROM form_attempts WHERE at <= $1 AND (proof = '' OR at <= $2)")
            .bind(at - Duration::days(1))
            .bind(at - crate::stamps::MAX_AGE)
            .execute(conn)
            .await
            .map(drop))?;
    }
    tx.commit_unseen().await?;
    Ok(wait)
}

/// How long until both the network address `ip` and the typed address
/// `email` have fewer than their limits of admitted attempts in the window:
/// the `limit`-th newest of each, read in one statement.
async fn wait_for(
    tx: &mut crate::store::Tx,
    limits: Limits,
    ip: &str,
    per_ip: i64,
    email: &str,
    since: time::OffsetDateTime,
) -> anyhow::Result<Option<Duration>> {
    let (by_ip, by_email): (Option<time::OffsetDateTime>, Option<time::OffsetDateTime>) = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT (SELECT at FROM form_attempts WHERE form = $1 AND ip = $2 AND at > $3 AND admitted ORDER BY at DESC LIMIT 1 OFFSET $4),
                (SELECT at FROM form_attempts WHERE form = $1 AND email = $5 AND at > $3 AND admitted ORDER BY at DESC LIMIT 1 OFFSET $6)"
    )
    .bind(limits.form)
    .bind(ip)
    .bind(since)
    .bind((per_ip - 1).max(0))
    .bind(email)
    .bind((limits.per_address - 1).max(0))
    .fetch_one(conn)
    .await)?;
    let full_until = by_ip.max(by_email).map(|oldest| oldest + WINDOW);
    Ok(full_until.map(|until| until - now()).filter(|wait| wait.is_positive()))
}

/// A network address that sent many attempts at one form in the last hour.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Burst {
    pub ip: String,
    pub attempts: i64,
    pub addresses: i64,
}

pub async fn bursts(store: &Store, form: &str) -> anyhow::Result<Vec<Burst>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT ip, COUNT(*) AS attempts, COUNT(DISTINCT email) AS addresses FROM form_attempts
         WHERE form = $1 AND at > $2 GROUP BY ip HAVING COUNT(*) > $3 ORDER BY attempts DESC LIMIT 20"
    )
    .bind(form)
    .bind(now() - WINDOW)
    .bind(BURST)
    .fetch_all(pool)
    .await)?)
}
