//! The change feed: every content write appends a row to `changes` in the
//! same transaction. Each node follows the feed and drops its render cache
//! when the newest id moves. It is woken at once by PostgreSQL's NOTIFY (a
//! trigger on `changes` sends it) or by its own writes, and polls as a
//! consistency check that catches a missed notification and writes from
//! other processes on SQLite.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use super::{Pool, Store, Tx};
use crate::{on_pool, on_tx};

/// The channel the `changes_notify` trigger sends on (migrations/postgres).
const CHANNEL: &str = "pamphlet_changes";

/// Appends one change row; call inside the transaction that made the change.
pub async fn record(tx: &mut Tx, entity: &str, key: &str) -> anyhow::Result<()> {
    let now = crate::store::now();
    on_tx!(tx, |conn| sqlx::query("INSERT INTO changes (entity, entity_key, at) VALUES ($1, $2, $3)")
        .bind(entity)
        .bind(key)
        .bind(now)
        .execute(conn)
        .await
        .map(drop))?;
    Ok(())
}

/// The entity of a change that only new signatures counted make: pages
/// showing a counter are rendered again, while their last version is
/// still answered (see `RenderCache::age`).
pub const COUNTS: &str = "counts";

/// The id of the newest change, 0 for an empty feed.
pub async fn latest_id(store: &Store) -> anyhow::Result<i64> {
    let id: i64 = on_pool!(store, |pool| sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM changes").fetch_one(pool).await)?;
    Ok(id)
}

/// One row of the feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    pub entity: String,
    pub entity_key: String,
}

/// The changes after `after`, oldest first.
pub async fn since(store: &Store, after: i64) -> anyhow::Result<Vec<Change>> {
    Ok(on_pool!(store, |pool| sqlx::query_as("SELECT id, entity, entity_key FROM changes WHERE id > $1 ORDER BY id")
        .bind(after)
        .fetch_all(pool)
        .await)?)
}

/// How often a node checks the feed without being woken.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Follows the feed until the future is dropped, calling `on_change` each
/// time the newest id moves past the one seen before, with whether all the
/// changes since were [`COUNTS`] ones.
pub async fn follow(store: Store, wake: Arc<Notify>, mut seen: i64, on_change: impl Fn(i64, bool) + Send) {
    let poll = async {
        loop {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            match latest_id(&store).await {
                Ok(id) if id != seen => {
                    // Unknown counts as content: the cache is emptied.
                    let counts = id > seen && since(&store, seen).await.is_ok_and(|new| new.iter().all(|c| c.entity == COUNTS));
                    seen = id;
                    on_change(id, counts);
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "cannot read the change feed; retrying"),
            }
        }
    };
    match store.pool() {
        Pool::Postgres(pool) => tokio::select! {
            _ = poll => {}
            _ = listen(pool.clone(), wake.clone()) => {}
        },
        Pool::Sqlite(_) => poll.await,
    }
}

/// Wakes the follower on every NOTIFY; reconnects after a lost connection.
async fn listen(pool: sqlx::PgPool, wake: Arc<Notify>) {
    loop {
        let result = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            loop {
                listener.recv().await?;
                wake.notify_one();
            }
            #[expect(unreachable_code, reason = "the loop only ends by an error")]
            Ok::<(), sqlx::Error>(())
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(error = %error, "lost the PostgreSQL change notifications; reconnecting (polling meanwhile)");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
