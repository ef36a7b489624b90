//! Sign-in throttling, per account and per network address, kept in the
//! store so every node counts the same failures. An address that has no
//! account is throttled exactly like one that has, so the answers never
//! tell which addresses have accounts.

use time::Duration;

use crate::on_pool;
use crate::store::Store;

/// Failures are counted over this window…
pub const WINDOW: Duration = Duration::minutes(15);
/// …and after this many for one account, it waits until the oldest leaves the window.
pub const PER_ACCOUNT: i64 = 5;
/// A whole network address gets more room: several editors may share one.
pub const PER_IP: i64 = 20;

/// How long a sign-in for `account` from `ip` must wait, if it must.
pub async fn wait(store: &Store, account: &str, ip: &str) -> anyhow::Result<Option<Duration>> {
    let account = wait_for(store, "account", account, PER_ACCOUNT).await?;
    let ip = wait_for(store, "ip", ip, PER_IP).await?;
    Ok(account.max(ip))
}

async fn wait_for(store: &Store, scope: &str, key: &str, limit: i64) -> anyhow::Result<Option<Duration>> {
    let now = crate::store::now();
    let times: Vec<time::OffsetDateTime> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT at FROM login_failures WHERE scope = $1 AND key = $2 AND at > $3 ORDER BY at DESC LIMIT $4"
    )
    .bind(scope)
    .bind(key)
    .bind(now - WINDOW)
    .bind(limit)
    .fetch_all(pool)
    .await)?;
    // With `limit` failures in the window, the oldest of them must leave it first.
    Ok(match times.last() {
        Some(oldest) if times.len() as i64 >= limit => Some(*oldest + WINDOW - now).filter(|d| d.is_positive()),
        _ => None,
    })
}

pub async fn record_failure(store: &Store, account: &str, ip: &str) -> anyhow::Result<()> {
    let now = crate::store::now();
    for (scope, key) in [("account", account), ("ip", ip)] {
        on_pool!(store, |pool| sqlx::query("INSERT INTO login_failures (scope, key, at) VALUES ($1, $2, $3)")
            .bind(scope)
            .bind(key)
            .bind(now)
            .execute(pool)
            .await
            .map(drop))?;
    }
    // Old rows say nothing any more.
    on_pool!(store, |pool| sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(now - WINDOW).execute(pool).await.map(drop))?;
    Ok(())
}

/// A password reset forgives the account's failures.
pub async fn forgive_account(store: &Store, account: &str) -> anyhow::Result<()> {
    on_pool!(store, |pool| sqlx::query("DELETE FROM login_failures WHERE scope = 'account' AND key = $1")
        .bind(account)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

/// A right password forgives the account's failures and takes back the
/// attempt it counted for the network address; its other failures stay.
pub async fn forgive(store: &Store, account: &str, ip: &str) -> anyhow::Result<()> {
    forgive_account(store, account).await?;
    on_pool!(store, |pool| sqlx::query(
        "DELETE FROM login_failures WHERE id = (SELECT MAX(id) FROM login_failures WHERE scope = 'ip' AND key = $1)"
    )
    .bind(ip)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(())
}

/// "in 1 minute", "in 14 minutes": whole minutes, rounded up.
pub fn minutes(wait: Duration) -> String {
    let minutes = (wait.whole_seconds() + 59) / 60;
    if minutes <= 1 { "1 minute".to_owned() } else { format!("{minutes} minutes") }
}
