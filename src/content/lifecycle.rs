//! What pages and posts share in their life after a save: going live at a
//! scheduled time, and being deleted for good from the trash. Both tables
//! have `id`, `slug`, `status`, `publish_at`, `published_at`, `version`.

use sqlx::AssertSqlSafe;

use crate::store::{Store, changes};
use crate::{on_pool, on_tx};

/// A table of published items and its name in revisions and the change feed.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub table: &'static str,
    pub entity: &'static str,
}

pub const PAGES: Kind = Kind { table: "pages", entity: "page" };
pub const POSTS: Kind = Kind { table: "posts", entity: "post" };

/// Publishes every scheduled item whose time has come; returns how many.
/// Several nodes may run this at once: the UPDATE takes each row once.
pub async fn publish_due(store: &Store, kind: Kind) -> anyhow::Result<usize> {
    let now = crate::store::now();
    // Most ticks find nothing due; a read is all they cost.
    let probe = format!("SELECT id FROM {} WHERE status = 'scheduled' AND publish_at <= $1 LIMIT 1", kind.table);
    let due: Option<i64> = on_pool!(store, |pool| sqlx::query_scalar(AssertSqlSafe(probe.as_str())).bind(now).fetch_optional(pool).await)?;
    if due.is_none() {
        return Ok(0);
    }
    let mut tx = store.begin().await?;
    let publish = format!(
        "UPDATE {} SET status = 'published', published_at = COALESCE(published_at, publish_at), updated_at = $1,
             version = version + 1
         WHERE status = 'scheduled' AND publish_at <= $1 RETURNING slug",
        kind.table
    );
    let slugs: Vec<String> = on_tx!(&mut tx, |conn| sqlx::query_scalar(AssertSqlSafe(publish.as_str())).bind(now).fetch_all(conn).await)?;
    for slug in &slugs {
        changes::record(&mut tx, kind.entity, slug).await?;
    }
    tx.commit().await?;
    Ok(slugs.len())
}

/// Deletes an item for good, with its revisions.
pub async fn delete(store: &Store, kind: Kind, id: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    // Only from the trash: a post taken out a moment ago stays.
    let delete = format!("DELETE FROM {} WHERE id = $1 AND status = 'trash' RETURNING slug", kind.table);
    let slug: Option<String> =
        on_tx!(&mut tx, |conn| sqlx::query_scalar(AssertSqlSafe(delete.as_str())).bind(id).fetch_optional(conn).await)?;
    if let Some(slug) = slug {
        on_tx!(&mut tx, |conn| sqlx::query("DELETE FROM revisions WHERE entity = $1 AND entity_id = $2")
            .bind(kind.entity)
            .bind(id)
            .execute(conn)
            .await
            .map(drop))?;
        changes::record(&mut tx, kind.entity, &slug).await?;
    }
    tx.commit().await
}
