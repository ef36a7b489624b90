//! Old addresses: when a published item's public address changes (a new
//! slug, a post moved from news to articles), the old one is kept and
//! answered with 301 to the new one, on the live site and in the export.
//! Chains are kept one step long, and an address that comes back into use
//! stops redirecting.

use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

/// The change feed's name for redirects.
pub const ENTITY: &str = "redirect";

/// Records that what was at `from` is now at `to`.
pub async fn moved(tx: &mut Tx, from: &str, to: &str) -> anyhow::Result<()> {
    if from == to {
        return Ok(());
    }
    let now = crate::store::now();
    on_tx!(tx, |conn| sqlx::query("DELETE FROM redirects WHERE from_path = $1").bind(to).execute(conn).await.map(drop))?;
    on_tx!(tx, |conn| sqlx::query("UPDATE redirects SET to_path = $1 WHERE to_path = $2")
        .bind(to)
        .bind(from)
        .execute(conn)
        .await
        .map(drop))?;
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO redirects (from_path, to_path, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path, created_at = excluded.created_at"
    )
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, ENTITY, from).await
}

/// Where the item once at `path` is now.
pub async fn find(store: &Store, path: &str) -> anyhow::Result<Option<String>> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar("SELECT to_path FROM redirects WHERE from_path = $1")
        .bind(path)
        .fetch_optional(pool)
        .await)?)
}

/// Every redirect as (from, to), by old address.
pub async fn all(store: &Store) -> anyhow::Result<Vec<(String, String)>> {
    Ok(on_pool!(store, |pool| sqlx::query_as("SELECT from_path, to_path FROM redirects ORDER BY from_path").fetch_all(pool).await)?)
}
