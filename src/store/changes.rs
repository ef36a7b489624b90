//! The change feed: every content write appends a row to `changes` in the
//! same transaction. Each node follows the feed (woken at once for its own
//! writes, by a cheap poll for writes from other processes) and drops its
//! render cache when the newest id moves.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;

use super::{Store, Tx};
use crate::{on_pool, on_tx};

/// Appends one change row; call inside the transaction that made the change.
pub async fn record(tx: &mut Tx, entity: &str, key: &str) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, |conn| sqlx::query("INSERT INTO changes (entity, entity_key, at) VALUES ($1, $2, $3)")
        .bind(entity)
        .bind(key)
        .bind(now)
        .execute(conn)
        .await)?;
    Ok(())
}

/// The id of the newest change, 0 for an empty feed.
pub async fn latest_id(store: &Store) -> anyhow::Result<i64> {
    let id: i64 = on_pool!(store, |pool| sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM changes").fetch_one(pool).await)?;
    Ok(id)
}

/// How often a node looks for changes written by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Follows the feed until the task is dropped, calling `on_change` each time
/// the newest id moves past the one seen at start.
pub async fn follow(store: Store, wake: Arc<Notify>, mut seen: i64, on_change: impl Fn(i64) + Send) {
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
        match latest_id(&store).await {
            Ok(id) if id != seen => {
                seen = id;
                on_change(id);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "cannot read the change feed; retrying"),
        }
    }
}
