//! Posts: news items and articles, with tags. The public site's reads are
//! here; the admin's (by id, with versions and revisions) in [`editing`].

/// Binds a post's content fields, in this order: slug, kind, title, date,
/// summary, body, cover, tags, author (`$1`…`$9` of every write below).
macro_rules! bind_content {
    ($query:expr, $post:expr) => {
        $query
            .bind($post.slug.as_str())
            .bind($post.kind.as_str())
            .bind(&$post.title)
            .bind($post.date)
            .bind(&$post.summary)
            .bind(&$post.body)
            .bind(&$post.cover)
            .bind(sqlx::types::Json(&$post.tags))
            .bind(&$post.author)
    };
}

pub mod editing;

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use time::{Date, OffsetDateTime};

use super::Status;
use super::slug::{Slug, slugify};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    News,
    Article,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::News => "news",
            PostKind::Article => "article",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Post {
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub date: Date,
    pub summary: String,
    pub body: String,
    pub cover: Option<String>,
    pub tags: Json<Vec<String>>,
    pub author: String,
    pub updated_at: OffsetDateTime,
}

impl Post {
    pub fn url(&self) -> String {
        url(&self.kind, &self.slug)
    }
}

/// News live under `/news/`, articles under `/articles/` (see [`super::is_page_path`]).
pub fn url(kind: &str, slug: &str) -> String {
    if kind == PostKind::Article.as_str() { format!("/articles/{slug}/") } else { format!("/news/{slug}/") }
}

/// The page listing the posts with a tag (its slug).
pub fn tag_url(slug: &str) -> String {
    format!("/tags/{slug}/")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostInput {
    pub slug: Slug,
    pub kind: PostKind,
    pub title: String,
    #[serde(deserialize_with = "super::deserialize_date", serialize_with = "super::serialize_date")]
    pub date: Date,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub cover: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub status: Status,
    /// When a scheduled post goes live.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub publish_at: Option<OffsetDateTime>,
}

/// `SELECT <every column> FROM posts ` followed by the rest of the query, as
/// one literal; `listing` leaves the body out (as an empty string).
macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT ", "slug, kind, title, date, summary, body, cover, tags, author, updated_at", " FROM posts ", $rest)
    };
    (listing, $rest:literal) => {
        concat!("SELECT ", "slug, kind, title, date, summary, '' AS body, cover, tags, author, updated_at", " FROM posts ", $rest)
    };
}

/// Whether posts come with their body. Lists show none, and leaving it out
/// spares reading every text of a large archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Included,
    Omitted,
}

pub async fn published_by_url(store: &Store, kind: PostKind, slug: &str) -> anyhow::Result<Option<Post>> {
    let sql = select!("WHERE slug = $1 AND kind = $2 AND status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(slug).bind(kind.as_str()).fetch_optional(pool).await)?)
}

/// One page of published posts, newest first; `kind: None` means all kinds.
pub async fn published(store: &Store, kind: Option<PostKind>, limit: u32, offset: u32, body: Body) -> anyhow::Result<Vec<Post>> {
    // `posts_by_date` holds this order and the kind, so rows skipped by
    // OFFSET are passed over in the index and never read with their bodies.
    let sql = match body {
        Body::Included => {
            select!("WHERE status = 'published' AND ($1 IS NULL OR kind = $1) ORDER BY date DESC, id DESC LIMIT $2 OFFSET $3")
        }
        Body::Omitted => {
            select!(listing, "WHERE status = 'published' AND ($1 IS NULL OR kind = $1) ORDER BY date DESC, id DESC LIMIT $2 OFFSET $3")
        }
    };
    Ok(on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(kind.map(PostKind::as_str))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(pool)
        .await)?)
}

pub async fn count_published(store: &Store, kind: Option<PostKind>) -> anyhow::Result<u32> {
    let n: i64 =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE status = 'published' AND ($1 IS NULL OR kind = $1)")
            .bind(kind.map(PostKind::as_str))
            .fetch_one(pool)
            .await)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The posts with a tag, newest first, without their bodies (for lists).
pub async fn published_with_tag(store: &Store, tag_slug: &str) -> anyhow::Result<Vec<Post>> {
    let sql = select!(
        listing,
        "WHERE status = 'published'
         AND id IN (SELECT post_id FROM post_tags WHERE slug = $1) ORDER BY date DESC, id DESC"
    );
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(tag_slug).fetch_all(pool).await)?)
}

/// The label of a tag as first written, if any published post carries it.
pub async fn tag_label(store: &Store, tag_slug: &str) -> anyhow::Result<Option<String>> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT t.label FROM post_tags t JOIN posts p ON p.id = t.post_id
         WHERE t.slug = $1 AND p.status = 'published' ORDER BY p.date LIMIT 1"
    )
    .bind(tag_slug)
    .fetch_optional(pool)
    .await)?)
}

/// Slugs of every tag on a published post, for the sitemap, in byte order
/// (sorted here: database collations differ between backends).
pub async fn published_tag_slugs(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut slugs: Vec<String> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT DISTINCT t.slug FROM post_tags t JOIN posts p ON p.id = t.post_id WHERE p.status = 'published'"
    )
    .fetch_all(pool)
    .await)?;
    slugs.sort();
    Ok(slugs)
}

pub async fn save(tx: &mut Tx, post: &PostInput) -> anyhow::Result<()> {
    if post.title.trim().is_empty() {
        anyhow::bail!("the post {} needs a title", post.slug);
    }
    let now = crate::store::now();
    let published_at = (post.status == Status::Published).then_some(now);
    const UPSERT: &str = "INSERT INTO posts (slug, kind, title, date, summary, body, cover, tags, author, status, published_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (slug) DO UPDATE SET kind = excluded.kind, title = excluded.title, date = excluded.date,
             summary = excluded.summary, body = excluded.body, cover = excluded.cover, tags = excluded.tags,
             author = excluded.author, status = excluded.status,
             published_at = COALESCE(posts.published_at, excluded.published_at), updated_at = excluded.updated_at
         RETURNING id";
    let id: i64 = on_tx!(tx, |conn| bind_content!(sqlx::query_scalar(UPSERT), post)
        .bind(post.status.as_str())
        .bind(published_at)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)?;
    write_tags(tx, id, post).await?;
    changes::record(tx, "post", post.slug.as_str()).await
}

/// Replaces the tag index rows of post `id` with the tags of `post`.
async fn write_tags(tx: &mut Tx, id: i64, post: &PostInput) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(id).execute(conn).await.map(drop))?;
    for label in &post.tags {
        let slug = slugify(label);
        if slug.is_empty() {
            anyhow::bail!("the tag {label:?} on {} has no letters or digits", post.slug);
        }
        on_tx!(tx, |conn| sqlx::query("INSERT INTO post_tags (post_id, slug, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(&slug)
            .bind(label)
            .execute(conn)
            .await
            .map(drop))?;
    }
    Ok(())
}
