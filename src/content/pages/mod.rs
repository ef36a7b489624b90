//! Pages: a slug, a title and an ordered list of blocks. The public site's
//! reads are here; the admin's (by id, with versions) in [`editing`].

pub mod editing;

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use time::OffsetDateTime;

use super::Status;
use super::blocks::{self, Block};
use super::slug::Slug;
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

/// The slug of the page served at `/`.
pub const HOME: &str = "home";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub blocks: Json<Vec<Block>>,
    pub updated_at: OffsetDateTime,
}

impl Page {
    pub fn url(&self) -> String {
        url(&self.slug)
    }
}

pub fn url(slug: &str) -> String {
    if slug == HOME { "/".into() } else { format!("/{slug}/") }
}

/// A page as an editor or the demo writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageInput {
    pub slug: Slug,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub blocks: Vec<Block>,
    /// When a scheduled page goes live.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub publish_at: Option<OffsetDateTime>,
}

impl PageInput {
    pub fn validate(&self) -> Result<(), String> {
        if self.title.trim().is_empty() {
            return Err("the page needs a title".into());
        }
        for (i, block) in self.blocks.iter().enumerate() {
            block.validate().map_err(|e| format!("block {} ({}): {e}", i + 1, block_type(block)))?;
        }
        Ok(())
    }
}

fn block_type(block: &Block) -> String {
    serde_json::to_value(block).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// `SELECT <every column> FROM pages ` followed by the rest of the query, as one literal.
macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT ", "slug, title, description, blocks, updated_at", " FROM pages ", $rest)
    };
}

pub async fn published_by_slug(store: &Store, slug: &str) -> anyhow::Result<Option<Page>> {
    let sql = select!("WHERE slug = $1 AND status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)?)
}

/// Slugs and change times of every published page, for the sitemap.
/// Every published page, for the search index.
pub async fn published_all(store: &Store) -> anyhow::Result<Vec<Page>> {
    let sql = select!("WHERE status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await)?)
}

/// The address of the first published page (the home page first) with a
/// block that `wanted` picks: where a petition or the newsletter signup is.
pub async fn first_with(store: &Store, wanted: impl Fn(&Block) -> bool) -> anyhow::Result<Option<String>> {
    let mut all = published_all(store).await?;
    all.sort_by_key(|p| (p.slug != HOME, p.slug.clone()));
    Ok(all.into_iter().find(|p| p.blocks.0.iter().any(&wanted)).map(|p| p.url()))
}

/// Sorted by slug in byte order here, as database collations differ.
pub async fn published_index(store: &Store) -> anyhow::Result<Vec<(String, OffsetDateTime)>> {
    let mut index: Vec<(String, OffsetDateTime)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT slug, updated_at FROM pages WHERE status = 'published'").fetch_all(pool).await)?;
    index.sort();
    Ok(index)
}

pub async fn save(tx: &mut Tx, page: &PageInput) -> anyhow::Result<()> {
    page.validate().map_err(anyhow::Error::msg)?;
    let now = crate::store::now();
    let published_at = (page.status == Status::Published).then_some(now);
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO pages (slug, title, description, status, blocks_schema, blocks, published_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, description = excluded.description,
             status = excluded.status, blocks_schema = excluded.blocks_schema, blocks = excluded.blocks,
             published_at = COALESCE(pages.published_at, excluded.published_at), updated_at = excluded.updated_at"
    )
    .bind(page.slug.as_str())
    .bind(&page.title)
    .bind(&page.description)
    .bind(page.status.as_str())
    .bind(blocks::SCHEMA)
    .bind(Json(&page.blocks))
    .bind(published_at)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "page", page.slug.as_str()).await
}
