//! Every public form's attempts, counted per network address and per typed
//! address, so a flood is slowed down and shows up in the admin.

use serde::Serialize;
use time::Duration;

use crate::on_pool;
use crate::store::{Store, now};

pub const WINDOW: Duration = Duration::hours(1);
/// More attempts than this from one network address in [`WINDOW`] is a burst worth showing.
pub const BURST: i64 = 5;

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

/// How long an attempt from `ip` for `email` must wait, if it must. Every
/// attempt is counted, refused ones too, so a flood keeps itself out and
/// shows its full size in the admin. `proof` is the stamp of a valid proof
/// of work; each one raises the limit once.
pub async fn admit(store: &Store, limits: Limits, ip: &str, email: &str, proof: Option<&str>) -> anyhow::Result<Option<Duration>> {
    let at = now();
    let since = at - WINDOW;
    let fresh_proof = match proof {
        Some(stamp) => {
            on_pool!(store, |pool| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM form_attempts WHERE proof = $1")
                .bind(stamp)
                .fetch_one(pool)
                .await)?
                == 0
        }
        None => false,
    };
    let per_ip = if fresh_proof { limits.per_ip_proven } else { limits.per_ip };
    let wait = wait_for(store, limits.form, "ip", ip, per_ip, since)
        .await?
        .max(wait_for(store, limits.form, "email", email, limits.per_address, since).await?);
    on_pool!(store, |pool| sqlx::query("INSERT INTO form_attempts (form, ip, email, at, proof) VALUES ($1, $2, $3, $4, $5)")
        .bind(limits.form)
        .bind(ip)
        .bind(email)
        .bind(at)
        .bind(if fresh_proof { proof.unwrap_or("") } else { "" })
        .execute(pool)
        .await
        .map(drop))?;
    // Old attempts say nothing any more; a day is kept for the admin's view.
    on_pool!(store, |pool| sqlx::query("DELETE FROM form_attempts WHERE at <= $1")
        .bind(at - Duration::days(1))
        .execute(pool)
        .await
        .map(drop))?;
    Ok(wait)
}

async fn wait_for(
    store: &Store,
    form: &str,
    column: &str,
    key: &str,
    limit: i64,
    since: time::OffsetDateTime,
) -> anyhow::Result<Option<Duration>> {
    let query = format!("SELECT at FROM form_attempts WHERE form = $1 AND {column} = $2 AND at > $3 ORDER BY at DESC LIMIT $4");
    let times: Vec<time::OffsetDateTime> = on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str()))
        .bind(form)
        .bind(key)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(match times.last() {
        Some(oldest) if times.len() as i64 >= limit => Some(*oldest + WINDOW - now()).filter(|d| d.is_positive()),
        _ => None,
    })
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

/// Forgets a person's attempts (on erasure).
pub async fn forget(tx: &mut crate::store::Tx, email: &str) -> anyhow::Result<()> {
    crate::on_tx!(tx, |conn| sqlx::query("DELETE FROM form_attempts WHERE email = $1").bind(email).execute(conn).await.map(drop))?;
    Ok(())
}
