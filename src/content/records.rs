//! Books, media items and press reports as the admin edits them, whatever
//! their table: a row as JSON, the list, and the save (the one versioned
//! save, around each table's own write by slug).

use serde_json::Value;
use sqlx::AssertSqlSafe;

use serde::Serialize;

use super::SaveError;
use super::revisions::Author;
use super::versioned::{self, Kind, Over, Saved};
use crate::store::{Pool, Store, Tx};
use crate::{on_pool, on_tx};

/// A table and the columns its editor shows; `json` columns hold lists.
pub struct Table<'a> {
    pub name: &'a str,
    pub entity: &'a str,
    pub columns: Vec<(&'a str, bool)>,
    /// Where the public site shows one, before the slug (`/books/`), if it does.
    pub public: Option<&'a str>,
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

/// Saves a record as new or over the version its form was opened at.
/// `write` is the kind's own check-and-write by slug; `kept`, the typed
/// fields the revision keeps.
pub async fn save(
    store: &Store,
    table: &Table<'_>,
    over: Over,
    slug: &str,
    kept: &impl Serialize,
    by: &Author,
    write: impl AsyncFnOnce(&mut Tx) -> Result<(), String>,
) -> Result<Saved, SaveError> {
    let address = table.public.map(|prefix| format!("CASE WHEN status = 'published' THEN '{prefix}' || slug || '/' END"));
    let kind = match &address {
        Some(path) => Kind::table(table.entity, table.name).at(path),
        None => Kind::table(table.entity, table.name),
    };
    versioned::save(store, &kind, over, Some(slug), kept, by, async move |tx, id| {
        match id {
            // The write finds its row by the slug, so the row takes the new one first.
            Some(id) => {
                let sql = format!("UPDATE {} SET slug = $1 WHERE id = $2", table.name);
                on_tx!(tx, |conn| sqlx::query(AssertSqlSafe(sql.as_str())).bind(slug).bind(id).execute(conn).await.map(drop))?;
            }
            None if id_of(tx, table, slug).await?.is_some() => return Err(SaveError::SlugTaken),
            None => {}
        }
        write(tx).await.map_err(SaveError::Refused)?;
        id_of(tx, table, slug).await?.ok_or_else(|| anyhow::anyhow!("the saved {} is not in its table", table.entity).into())
    })
    .await
}

/// The id of the record with `slug`, if any.
pub async fn id_of(tx: &mut Tx, table: &Table<'_>, slug: &str) -> anyhow::Result<Option<i64>> {
    let sql = format!("SELECT id FROM {} WHERE slug = $1", table.name);
    Ok(on_tx!(tx, |conn| sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(slug).fetch_optional(conn).await)?)
}
