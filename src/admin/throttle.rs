//! Sign-in throttling, kept in the store so every node counts the same
//! failures. An address that has no account is throttled exactly like one
//! that has, so the answers never tell which addresses have accounts.
//!
//! A browser that signed in to an account before (a *known device*, OWASP's
//! device cookie) is counted on its own: strangers' failures for an editor's
//! public address lock out other strangers, never the editor's own browser.
//!
//! An attempt is counted and admitted in one transaction that holds a lock
//! per key: of any number sent at once, exactly the limit get as far as a
//! password check.

use time::Duration;

use crate::store::Store;
use crate::{on_tx, on_write};

/// Failures are counted over this window.
pub const WINDOW: Duration = Duration::minutes(15);
/// For one account from browsers it does not know.
pub const PER_ACCOUNT: i64 = 5;
/// For one network (an IPv4 address or an IPv6 /64) from unknown browsers:
/// more room, since several editors may share one.
pub const PER_NETWORK: i64 = 20;
/// For one known browser.
pub const PER_DEVICE: i64 = 5;

/// Who is trying: the address as typed, and where from.
pub struct Who<'a> {
    pub account: &'a str,
    pub network: &'a str,
    /// The browser's known-device key for this account, if it has one.
    pub device: Option<&'a str>,
}

impl Who<'_> {
    fn keys(&self) -> Vec<(&'static str, &str, i64)> {
        match self.device {
            Some(device) => vec![("device", device, PER_DEVICE)],
            None => vec![("account", self.account, PER_ACCOUNT), ("ip", self.network, PER_NETWORK)],
        }
    }
}

/// An attempt that was counted and may go on to the password check.
#[must_use = "a right password takes its count back with `forgive`"]
pub struct Counted {
    ids: Vec<i64>,
}

/// Counts an attempt; refuses it, with how long to wait, when any of its
/// keys has reached its limit. A refused attempt is not counted, so
/// retrying during a wait does not make it longer.
pub async fn attempt(store: &Store, who: &Who<'_>) -> anyhow::Result<Result<Counted, Duration>> {
    let now = crate::store::now();
    let keys = who.keys();
    let mut tx = store.begin().await?;
    for (scope, key, _) in &keys {
        tx.lock_key(&format!("login:{scope}:{key}")).await?;
    }
    let mut wait = None;
    for (scope, key, limit) in &keys {
        let (count, oldest): (i64, Option<time::OffsetDateTime>) =
            on_tx!(tx, |conn| sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE scope = $1 AND key = $2 AND at > $3")
                .bind(scope)
                .bind(key)
                .bind(now - WINDOW)
                .fetch_one(conn)
                .await)?;
        if count >= *limit {
            let until = oldest.map_or(WINDOW, |oldest| oldest + WINDOW - now).max(Duration::SECOND);
            wait = wait.max(Some(until));
        }
    }
    let mut ids = Vec::new();
    if wait.is_none() {
        for (scope, key, _) in &keys {
            let id: i64 =
                on_tx!(tx, |conn| sqlx::query_scalar("INSERT INTO login_failures (scope, key, at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(scope)
                    .bind(key)
                    .bind(now)
                    .fetch_one(conn)
                    .await)?;
            ids.push(id);
        }
    }
    // Old rows say nothing any more.
    on_tx!(tx, |conn| sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(now - WINDOW).execute(conn).await.map(drop))?;
    tx.commit_unseen().await?;
    Ok(match wait {
        Some(wait) => Err(wait),
        None => Ok(Counted { ids }),
    })
}

/// A right password: its attempt does not count, and the failures of
/// whoever typed it (this known browser, or this account from unknown
/// browsers) are forgiven.
pub async fn forgive(store: &Store, who: &Who<'_>, counted: Counted) -> anyhow::Result<()> {
    for id in &counted.ids {
        on_write!(store, |pool| sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(pool).await.map(drop))?;
    }
    match who.device {
        Some(device) => forget(store, "device", device).await,
        None => forget(store, "account", who.account).await,
    }
}

/// A password reset forgives the account's failures.
pub async fn forgive_account(store: &Store, account: &str) -> anyhow::Result<()> {
    forget(store, "account", account).await
}

async fn forget(store: &Store, scope: &str, key: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(key)
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
