//! Books, media items and press reports as the admin edits them, whatever
//! their table: a row as JSON, the list, and the version claim that makes a
//! save refuse to overwrite a newer one. The writes themselves are each
//! table's own `save` (by slug).

use serde_json::Value;
use sqlx::AssertSqlSafe;

use super::SaveError;
use crate::store::{Pool, Store, Tx, changes};
use crate::{on_pool, on_tx};

/// A table and the columns its editor shows; `json` columns hold lists.
pub struct Table<'a> {
    pub name: &'a str,
    pub entity: &'a str,
    pub columns: Vec<(&'a str, bool)>,
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub id: i64,
    pub version: i64,
    pub status: String,
    pub slug: String,
    /// The editor's columns, as a JSON object.
    pub row: Value,
}

/// One record with its editor's columns. Building JSON differs by backend
/// (`json_object` and `json()` on SQLite, `json_build_object` on PostgreSQL).
pub async fn load(store: &Store, table: &Table<'_>, id: i64) -> anyhow::Result<Option<Loaded>> {
    let sqlite = matches!(store.pool(), Pool::Sqlite(_));
    let pairs: Vec<String> = table
        .columns
        .iter()
        .map(|(column, json)| if sqlite && *json { format!("'{column}', json({column})") } else { format!("'{column}', {column}") })
        .collect();
    let object =
        if sqlite { format!("json_object({})", pairs.join(", ")) } else { format!("json_build_object({})::text", pairs.join(", ")) };
    let sql = format!("SELECT id, version, status, slug, {object} AS row FROM {} WHERE id = $1", table.name);
    let found: Option<(i64, i64, String, String, String)> =
        on_pool!(store, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?;
    Ok(match found {
        Some((id, version, status, slug, row)) => Some(Loaded { id, version, status, slug, row: serde_json::from_str(&row)? }),
        None => None,
    })
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub detail: Option<String>,
}

/// Every record, newest change first; `detail` is one more column as text.
pub async fn list(store: &Store, table: &Table<'_>, detail: &str) -> anyhow::Result<Vec<Listed>> {
    let sql =
        format!("SELECT id, slug, title, status, CAST({detail} AS TEXT) AS detail FROM {} ORDER BY updated_at DESC, id DESC", table.name);
    Ok(on_pool!(store, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
}

/// Claims version `expected` of record `id` for a save that gives it `slug`:
/// the next version, or `Conflict` when someone saved since.
pub async fn claim(tx: &mut Tx, table: &Table<'_>, id: i64, expected: i64, slug: &str, old_slug: &str) -> Result<i64, SaveError> {
    let sql = format!("UPDATE {} SET version = version + 1, slug = $1 WHERE id = $2 AND version = $3", table.name);
    let claimed = on_tx!(tx, |conn| sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(slug)
        .bind(id)
        .bind(expected)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    if claimed == 0 {
        return Err(SaveError::Conflict);
    }
    if old_slug != slug {
        // Whoever cached or indexed the old address hears of it too.
        changes::record(tx, table.entity, old_slug).await?;
    }
    Ok(expected + 1)
}

/// The id of the record with `slug`, if any.
pub async fn id_of(tx: &mut Tx, table: &Table<'_>, slug: &str) -> anyhow::Result<Option<i64>> {
    let sql = format!("SELECT id FROM {} WHERE slug = $1", table.name);
    Ok(on_tx!(tx, |conn| sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(slug).fetch_optional(conn).await)?)
}
