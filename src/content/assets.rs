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
    Ok(on_pool!(store, |pool| sqlx::query_scalar("SELECT name FROM assets WHERE content_type LIKE 'image/%' ORDER BY name")
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
