//! Signup abuse: every attempt is counted per network address and per typed
//! address, so a flood is slowed down and shows up in the admin.

use serde::Serialize;
use time::Duration;

use crate::on_pool;
use crate::store::{Store, now};

pub const WINDOW: Duration = Duration::hours(1);
/// Signups from one network address in [`WINDOW`]; a household or an office may share one.
pub const PER_IP: i64 = 10;
/// Signups for one typed address in [`WINDOW`].
pub const PER_ADDRESS: i64 = 5;
/// More signups than this from one network address in [`WINDOW`] is a burst worth showing.
pub const BURST: i64 = 5;

/// How long a signup from `ip` for `email` must wait, if it must. Every
/// attempt is counted, refused ones too, so a flood keeps itself out and
/// shows its full size in the admin.
pub async fn admit(store: &Store, ip: &str, email: &str) -> anyhow::Result<Option<Duration>> {
    let at = now();
    let since = at - WINDOW;
    let wait = wait_for(store, "ip", ip, PER_IP, since).await?.max(wait_for(store, "email", email, PER_ADDRESS, since).await?);
    on_pool!(store, |pool| sqlx::query("INSERT INTO signup_attempts (ip, email, at) VALUES ($1, $2, $3)")
        .bind(ip)
        .bind(email)
        .bind(at)
        .execute(pool)
        .await
        .map(drop))?;
    // Old attempts say nothing any more; a day is kept for the admin's view.
    on_pool!(store, |pool| sqlx::query("DELETE FROM signup_attempts WHERE at <= $1")
        .bind(at - Duration::days(1))
        .execute(pool)
        .await
        .map(drop))?;
    Ok(wait)
}

async fn wait_for(store: &Store, column: &str, key: &str, limit: i64, since: time::OffsetDateTime) -> anyhow::Result<Option<Duration>> {
    let query = format!("SELECT at FROM signup_attempts WHERE {column} = $1 AND at > $2 ORDER BY at DESC LIMIT $3");
    let times: Vec<time::OffsetDateTime> = on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str()))
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

/// A network address that sent many signups in the last hour.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Burst {
    pub ip: String,
    pub signups: i64,
    pub addresses: i64,
}

pub async fn bursts(store: &Store) -> anyhow::Result<Vec<Burst>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT ip, COUNT(*) AS signups, COUNT(DISTINCT email) AS addresses FROM signup_attempts
         WHERE at > $1 GROUP BY ip HAVING COUNT(*) > $2 ORDER BY signups DESC LIMIT 20"
    )
    .bind(now() - WINDOW)
    .bind(BURST)
    .fetch_all(pool)
    .await)?)
}
