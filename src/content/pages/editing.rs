//! Pages as the admin edits them: by id, with a version every save must
//! name and a revision kept for every save (as for posts).

use serde::Serialize;
use sqlx::types::Json;
use time::OffsetDateTime;

use super::{Page, PageInput};
use crate::content::blocks;
use crate::content::revisions::{self, Author};
use crate::content::{SaveError, Status};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

/// The revision and change-feed name of pages.
pub const ENTITY: &str = crate::content::lifecycle::PAGES.entity;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditablePage {
    pub id: i64,
    #[sqlx(flatten)]
    pub page: Page,
    pub status: String,
    pub publish_at: Option<OffsetDateTime>,
    pub version: i64,
}

impl EditablePage {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub publish_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

pub async fn by_id(store: &Store, id: i64) -> anyhow::Result<Option<EditablePage>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT id, slug, title, description, blocks, updated_at, status, publish_at, version FROM pages WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Pages with `status` (all but the trash when `None`), by title.
pub async fn list(store: &Store, status: Option<Status>) -> anyhow::Result<Vec<Listed>> {
    let mut pages: Vec<Listed> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT id, slug, title, status, publish_at, updated_at FROM pages
         WHERE ($1 IS NULL AND status <> 'trash') OR status = $1"
    )
    .bind(status.map(Status::as_str))
    .fetch_all(pool)
    .await)?;
    // Sorted here: database collations differ between backends.
    pages.sort_by_key(|p| p.title.to_lowercase());
    Ok(pages)
}

const FIELDS: &str = "slug = $1, title = $2, description = $3, status = $4, publish_at = $5, blocks_schema = $6, blocks = $7";

pub async fn create(store: &Store, page: &PageInput, by: &Author) -> Result<i64, SaveError> {
    page.validate().map_err(anyhow::Error::msg)?;
    let mut tx = store.begin().await?;
    let now = crate::store::now();
    let id: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar(
        "INSERT INTO pages (slug, title, description, status, publish_at, blocks_schema, blocks, published_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id"
    )
    .bind(page.slug.as_str())
    .bind(&page.title)
    .bind(&page.description)
    .bind(page.status.as_str())
    .bind(page.publish_at)
    .bind(blocks::SCHEMA)
    .bind(Json(&page.blocks))
    .bind((page.status == Status::Published).then_some(now))
    .bind(now)
    .fetch_one(&mut *conn)
    .await)?;
    finish(&mut tx, id, 1, page, by).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(store: &Store, id: i64, expected: i64, page: &PageInput, by: &Author) -> Result<i64, SaveError> {
    page.validate().map_err(anyhow::Error::msg)?;
    let mut tx = store.begin().await?;
    // A new address must also reach whoever cached or indexed the old one.
    let old_slug: Option<String> =
        on_tx!(&mut tx, |conn| sqlx::query_scalar("SELECT slug FROM pages WHERE id = $1").bind(id).fetch_optional(&mut *conn).await)?;
    let now = crate::store::now();
    let sql = format!(
        "UPDATE pages SET {FIELDS}, published_at = COALESCE(published_at, $8), updated_at = $9, version = version + 1
         WHERE id = $10 AND version = $11"
    );
    let updated = on_tx!(&mut tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(page.slug.as_str())
        .bind(&page.title)
        .bind(&page.description)
        .bind(page.status.as_str())
        .bind(page.publish_at)
        .bind(blocks::SCHEMA)
        .bind(Json(&page.blocks))
        .bind((page.status == Status::Published).then_some(now))
        .bind(now)
        .bind(id)
        .bind(expected)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Err(SaveError::Conflict);
    }
    if let Some(old) = old_slug.filter(|old| old != page.slug.as_str()) {
        changes::record(&mut tx, ENTITY, &old).await?;
    }
    finish(&mut tx, id, expected + 1, page, by).await?;
    tx.commit().await?;
    Ok(expected + 1)
}

async fn finish(tx: &mut Tx, id: i64, version: i64, page: &PageInput, by: &Author) -> anyhow::Result<()> {
    revisions::record(tx, ENTITY, id, version, page, by).await?;
    changes::record(tx, ENTITY, page.slug.as_str()).await
}
