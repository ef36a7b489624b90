//! Uploaded files (images, PDFs). Their bytes live in the store so that any
//! node can serve any upload; the site serves them under `/uploads/{name}`.

use time::OffsetDateTime;

use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Asset {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub alt: String,
    pub updated_at: OffsetDateTime,
}

pub fn url(name: &str) -> String {
    format!("/uploads/{name}")
}

pub async fn by_name(store: &Store, name: &str) -> anyhow::Result<Option<Asset>> {
    Ok(on_pool!(store, |pool| sqlx::query_as("SELECT name, content_type, bytes, alt, updated_at FROM assets WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await)?)
}

/// Names of the images in the library, for pickers.
pub async fn image_names(store: &Store) -> anyhow::Result<Vec<String>> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT name FROM assets WHERE content_type LIKE 'image/%' AND variant_of IS NULL ORDER BY name"
    )
    .fetch_all(pool)
    .await)?)
}

pub async fn save(tx: &mut Tx, name: &str, content_type: &str, bytes: &[u8], alt: &str) -> anyhow::Result<()> {
    let now = crate::store::now();
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO assets (name, content_type, bytes, alt, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET content_type = excluded.content_type, bytes = excluded.bytes,
             alt = excluded.alt, updated_at = excluded.updated_at"
    )
    .bind(name)
    .bind(content_type)
    .bind(bytes)
    .bind(alt)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "asset", name).await
}

/// A new file for the library (or a resized copy of one: `variant_of`).
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub alt: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub variant_of: Option<String>,
    /// The account that uploaded it.
    pub uploaded_by: Option<i64>,
}

pub async fn insert(tx: &mut Tx, upload: &Upload) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO assets (name, content_type, bytes, alt, updated_at, width, height, variant_of, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(&upload.name)
    .bind(&upload.content_type)
    .bind(&upload.bytes)
    .bind(&upload.alt)
    .bind(crate::store::now())
    .bind(upload.width.map(i64::from))
    .bind(upload.height.map(i64::from))
    .bind(&upload.variant_of)
    .bind(upload.uploaded_by)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "asset", &upload.name).await
}

/// How many files (not counting resized copies) the account uploaded since `since`.
pub async fn uploads_since(store: &Store, user_id: i64, since: time::OffsetDateTime) -> anyhow::Result<i64> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM assets WHERE uploaded_by = $1 AND variant_of IS NULL AND updated_at > $2"
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(pool)
    .await)?)
}

/// `stem.ext`, or `stem-2.ext`, `stem-3.ext`… when the name is taken.
pub async fn free_name(store: &Store, stem: &str, extension: &str) -> anyhow::Result<String> {
    for n in 1..1000 {
        let name = if n == 1 { format!("{stem}.{extension}") } else { format!("{stem}-{n}.{extension}") };
        let taken: i64 =
            on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE name = $1").bind(&name).fetch_one(pool).await)?;
        if taken == 0 {
            return Ok(name);
        }
    }
    anyhow::bail!("no free name for {stem}.{extension}")
}

/// One file of the library, without its bytes.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Listed {
    pub name: String,
    pub content_type: String,
    pub alt: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub size: i64,
    pub updated_at: OffsetDateTime,
}

/// The library: uploaded files (not their resized copies), newest first.
pub async fn library(store: &Store) -> anyhow::Result<Vec<Listed>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT name, content_type, alt, width, height, CAST(LENGTH(bytes) AS BIGINT) AS size, updated_at FROM assets
         WHERE variant_of IS NULL ORDER BY updated_at DESC, name"
    )
    .fetch_all(pool)
    .await)?)
}

/// The resized copies of an image as (width, name), narrowest first.
pub async fn variants(store: &Store, name: &str) -> anyhow::Result<Vec<(i64, String)>> {
    Ok(on_pool!(store, |pool| sqlx::query_as("SELECT width, name FROM assets WHERE variant_of = $1 AND width IS NOT NULL ORDER BY width")
        .bind(name)
        .fetch_all(pool)
        .await)?)
}

/// The smallest copy of each image that has copies: original name → copy name.
pub async fn thumbnails(store: &Store) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT variant_of, name FROM assets WHERE variant_of IS NOT NULL AND width IS NOT NULL ORDER BY width DESC"
    )
    .fetch_all(pool)
    .await)?;
    // Narrower copies come later and win.
    Ok(rows.into_iter().collect())
}

/// Every raster image of the library with its size and its `srcset`
/// (empty when it has no copies): (name, srcset, width, height).
pub async fn sized_images(store: &Store) -> anyhow::Result<Vec<(String, String, i64, i64)>> {
    let rows: Vec<(String, Option<String>, i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT name, variant_of, width, height FROM assets
         WHERE content_type LIKE 'image/%' AND width IS NOT NULL AND height IS NOT NULL ORDER BY width"
    )
    .fetch_all(pool)
    .await)?;
    let mut copies: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for (name, of, width, _) in &rows {
        if let Some(of) = of {
            copies.entry(of.as_str()).or_default().push(format!("{} {width}w", url(name)));
        }
    }
    Ok(rows
        .iter()
        .filter(|(_, of, _, _)| of.is_none())
        .map(|(name, _, width, height)| {
            let srcset = match copies.get(name.as_str()) {
                Some(smaller) => format!("{}, {} {width}w", smaller.join(", "), url(name)),
                None => String::new(),
            };
            (name.clone(), srcset, *width, *height)
        })
        .collect())
}

/// The `srcset` of an image: its copies and the original at their widths;
/// empty when it has no copies.
pub async fn srcset(store: &Store, name: &str) -> anyhow::Result<String> {
    let copies = variants(store, name).await?;
    if copies.is_empty() {
        return Ok(String::new());
    }
    let width: Option<i64> =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT width FROM assets WHERE name = $1").bind(name).fetch_optional(pool).await)?
            .flatten();
    let mut parts: Vec<String> = copies.iter().map(|(w, n)| format!("{} {w}w", url(n))).collect();
    if let Some(width) = width {
        parts.push(format!("{} {width}w", url(name)));
    }
    Ok(parts.join(", "))
}

pub async fn set_alt(tx: &mut Tx, name: &str, alt: &str) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query("UPDATE assets SET alt = $1, updated_at = $2 WHERE name = $3 OR variant_of = $3")
        .bind(alt)
        .bind(crate::store::now())
        .bind(name)
        .execute(conn)
        .await
        .map(drop))?;
    changes::record(tx, "asset", name).await
}

/// How many pages, posts and settings use a file (by its name in their content).
pub async fn uses(store: &Store, name: &str) -> anyhow::Result<i64> {
    let quoted = format!("%\"{name}\"%");
    let linked = format!("%/uploads/{name}%");
    Ok(on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM pages WHERE CAST(blocks AS TEXT) LIKE $1 OR CAST(blocks AS TEXT) LIKE $2)
              + (SELECT COUNT(*) FROM posts WHERE cover = $3 OR body LIKE $2)
              + (SELECT COUNT(*) FROM settings WHERE CAST(value AS TEXT) LIKE $1)
              + (SELECT COUNT(*) FROM books WHERE cover = $3)"
    )
    .bind(&quoted)
    .bind(&linked)
    .bind(name)
    .fetch_one(pool)
    .await)?)
}

/// Removes a file and its resized copies.
pub async fn delete(tx: &mut Tx, name: &str) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query("DELETE FROM assets WHERE variant_of = $1 OR name = $1").bind(name).execute(conn).await.map(drop))?;
    changes::record(tx, "asset", name).await
}
