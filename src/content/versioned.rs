//! The one save of everything editors edit: pages, posts, books, TV
//! reports, press reports, petitions, newsletter issues, the settings and
//! the menus. A save claims the version its form was opened at (a newer
//! save wins: this one gets `Conflict` and the editor sees both), writes the
//! kind's own fields, keeps a revision and tells the change feed, in one
//! transaction. Each kind supplies only its write.

use serde::Serialize;
use sqlx::AssertSqlSafe;

use super::SaveError;
use super::redirects;
use super::revisions::{self, Author};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

/// Where a kind keeps its items and their versions.
#[derive(Debug, Clone, Copy)]
pub struct Kind<'a> {
    /// The name in revisions and the change feed (`page`, `menu:primary` …).
    pub entity: &'a str,
    /// A table with `id` and `version` columns; `None` for the one item of
    /// its kind without a row of its own (the settings, a menu), whose
    /// version is kept in `versions` under `entity`.
    pub table: Option<&'a str>,
    /// The table has a `slug`: a new one is told to the change feed, and so is the old one.
    pub slug: bool,
    /// SQL that is true while a row may still change (a sent newsletter issue is history).
    pub open: Option<&'static str>,
    /// SQL for the row's public address while it is published (else NULL):
    /// when a save changes it, the old address redirects to the new one.
    pub path: Option<&'a str>,
}

impl<'a> Kind<'a> {
    pub const fn table(entity: &'a str, table: &'a str) -> Self {
        Kind { entity, table: Some(table), slug: true, open: None, path: None }
    }

    /// The kind's items have a public address, given by the SQL `path`.
    pub const fn at(self, path: &'a str) -> Self {
        Kind { path: Some(path), ..self }
    }

    pub const fn single(entity: &'a str) -> Self {
        Kind { entity, table: None, slug: false, open: None, path: None }
    }
}

/// What a save goes over: nothing yet, or the version its form was opened at
/// (id 0 for an item without a row of its own).
#[derive(Debug, Clone, Copy)]
pub enum Over {
    New,
    Version { id: i64, version: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub version: i64,
}

/// Saves one item of `kind`. `write` gets the item's id (`None`: insert it
/// as version 1 and return its id) and writes the kind's fields; `kept` is
/// what the revision keeps; `slug` the item's address after the save.
pub async fn save<I, W>(
    store: &Store,
    kind: &Kind<'_>,
    over: Over,
    slug: Option<&str>,
    kept: &I,
    by: &Author,
    write: W,
) -> Result<Saved, SaveError>
where
    I: Serialize + ?Sized,
    W: AsyncFnOnce(&mut Tx, Option<i64>) -> Result<i64, SaveError>,
{
    let mut tx = store.begin().await?;
    let saved = match over {
        Over::New => Saved { id: write(&mut tx, None).await?, version: 1 },
        Over::Version { id, version } => {
            let old_slug = claim(&mut tx, kind, id, version).await?;
            let old_path = address(&mut tx, kind, id).await?;
            write(&mut tx, Some(id)).await?;
            if let (Some(old), Some(new)) = (old_path, address(&mut tx, kind, id).await?) {
                redirects::moved(&mut tx, &old, &new).await?;
            }
            if let (Some(old), Some(new)) = (old_slug, slug)
                && old != new
            {
                // Whoever cached or indexed the old address hears of it too.
                changes::record(&mut tx, kind.entity, &old).await?;
            }
            Saved { id, version: version + 1 }
        }
    };
    revisions::record(&mut tx, kind.entity, saved.id, saved.version, kept, by).await?;
    if let Some(slug) = slug {
        changes::record(&mut tx, kind.entity, slug).await?;
    }
    tx.commit().await?;
    Ok(saved)
}

/// The item's public address, while it is published.
async fn address(tx: &mut Tx, kind: &Kind<'_>, id: i64) -> anyhow::Result<Option<String>> {
    let (Some(table), Some(path)) = (kind.table, kind.path) else { return Ok(None) };
    let sql = format!("SELECT {path} FROM {table} WHERE id = $1");
    let found: Option<Option<String>> =
        on_tx!(tx, |conn| sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(conn).await)?;
    Ok(found.flatten())
}

/// Takes version `version` of the item to the next; returns its slug before the save.
async fn claim(tx: &mut Tx, kind: &Kind<'_>, id: i64, version: i64) -> Result<Option<String>, SaveError> {
    let Some(table) = kind.table else {
        on_tx!(tx, |conn| sqlx::query("INSERT INTO versions (entity, version) VALUES ($1, 0) ON CONFLICT (entity) DO NOTHING")
            .bind(kind.entity)
            .execute(conn)
            .await
            .map(drop))?;
        let claimed = on_tx!(tx, |conn| sqlx::query("UPDATE versions SET version = version + 1 WHERE entity = $1 AND version = $2")
            .bind(kind.entity)
            .bind(version)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        return if claimed == 1 { Ok(None) } else { Err(SaveError::Conflict) };
    };
    let slug = if kind.slug { "slug" } else { "CAST(NULL AS TEXT)" };
    let open = kind.open.unwrap_or("1 = 1");
    let read = format!("SELECT version, {slug}, {open} FROM {table} WHERE id = $1");
    let found: Option<(i64, Option<String>, bool)> =
        on_tx!(tx, |conn| sqlx::query_as(AssertSqlSafe(read.as_str())).bind(id).fetch_optional(conn).await)?;
    let old_slug = match found {
        None => return Err(SaveError::Gone),
        Some((_, _, false)) => return Err(SaveError::Closed),
        Some((saved, slug, true)) if saved == version => slug,
        Some(_) => return Err(SaveError::Conflict),
    };
    let bump = format!("UPDATE {table} SET version = version + 1 WHERE id = $1 AND version = $2 AND {open}");
    let claimed =
        on_tx!(tx, |conn| sqlx::query(AssertSqlSafe(bump.as_str())).bind(id).bind(version).execute(conn).await.map(|r| r.rows_affected()))?;
    if claimed == 0 {
        return Err(SaveError::Conflict);
    }
    Ok(old_slug)
}

/// The version of an item without a row of its own, as its form shows it.
pub async fn current(store: &Store, entity: &str) -> anyhow::Result<i64> {
    let version: Option<i64> = on_pool!(store, |pool| sqlx::query_scalar("SELECT version FROM versions WHERE entity = $1")
        .bind(entity)
        .fetch_optional(pool)
        .await)?;
    Ok(version.unwrap_or(0))
}
