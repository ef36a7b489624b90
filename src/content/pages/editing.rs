//! Pages as the admin edits them: by id, with a version every save must
//! name and a revision kept for every save (as for posts).

use serde::Serialize;
use sqlx::types::Json;
use time::OffsetDateTime;

use super::{Page, PageInput};
use crate::content::blocks;
use crate::content::revisions::Author;
use crate::content::versioned::{self, Kind, Over, Saved};
use crate::content::{SaveError, Status};
use crate::store::Store;
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

/// The kind as [`versioned`] saves it.
pub const KIND: Kind =
    Kind::table(ENTITY, "pages").at("CASE WHEN status = 'published' THEN CASE WHEN slug = 'home' THEN '/' ELSE '/' || slug || '/' END END");

/// Saves `page` as a new page or over the version its form was opened at.
pub async fn save(store: &Store, over: Over, page: &PageInput, by: &Author) -> Result<Saved, SaveError> {
    page.validate().map_err(SaveError::Refused)?;
    versioned::save(store, &KIND, over, Some(page.slug.as_str()), page, by, async |tx, id| {
        let now = crate::store::now();
        let published_now = (page.status == Status::Published).then_some(now);
        // The same fields, in the same order, for both statements.
        macro_rules! fields {
            ($query:expr) => {
                $query
                    .bind(page.slug.as_str())
                    .bind(&page.title)
                    .bind(&page.description)
                    .bind(page.status.as_str())
                    .bind(page.publish_at)
                    .bind(blocks::SCHEMA)
                    .bind(Json(&page.blocks))
                    .bind(published_now)
                    .bind(now)
            };
        }
        const INSERT: &str =
            "INSERT INTO pages (slug, title, description, status, publish_at, blocks_schema, blocks, published_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id";
        const UPDATE: &str = "UPDATE pages SET slug = $1, title = $2, description = $3, status = $4, publish_at = $5, blocks_schema = $6,
                 blocks = $7, published_at = COALESCE(published_at, $8), updated_at = $9
             WHERE id = $10 RETURNING id";
        Ok(match id {
            None => on_tx!(tx, |conn| fields!(sqlx::query_scalar(INSERT)).fetch_one(&mut *conn).await)?,
            Some(id) => on_tx!(tx, |conn| fields!(sqlx::query_scalar(UPDATE)).bind(id).fetch_one(&mut *conn).await)?,
        })
    })
    .await
}
