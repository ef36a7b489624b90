//! Press reports: what newspapers and broadcasters wrote about the case.

use serde::Deserialize;
use time::{Date, OffsetDateTime};

use super::slug::Slug;
use super::{Href, Status};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PressReport {
    pub slug: String,
    pub outlet: String,
    pub date: Date,
    pub title: String,
    pub source_url: Option<String>,
    pub video_url: Option<String>,
    pub language: String,
    pub summary: String,
    pub full_text: String,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressInput {
    pub slug: Slug,
    pub outlet: String,
    #[serde(deserialize_with = "super::deserialize_date")]
    pub date: Date,
    pub title: String,
    #[serde(default)]
    pub source_url: Option<Href>,
    #[serde(default)]
    pub video_url: Option<Href>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub summary: String,
    /// The full text, only where the outlet allows republishing it.
    #[serde(default)]
    pub full_text: String,
    #[serde(default)]
    pub status: Status,
}

fn default_language() -> String {
    "en".into()
}

/// `SELECT <every column> FROM press_reports ` followed by the rest of the query, as one literal.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT ",
            "slug, outlet, date, title, source_url, video_url, language, summary, full_text, updated_at",
            " FROM press_reports ",
            $rest
        )
    };
}

pub async fn published_by_slug(store: &Store, slug: &str) -> anyhow::Result<Option<PressReport>> {
    let sql = select!("WHERE slug = $1 AND status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)?)
}

/// Published reports, newest first; `limit: None` for all.
pub async fn published(store: &Store, limit: Option<u32>) -> anyhow::Result<Vec<PressReport>> {
    let sql = select!("WHERE status = 'published' ORDER BY date DESC, id DESC LIMIT $1");
    let limit = limit.map_or(i64::MAX, i64::from);
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await)?)
}

pub async fn save(tx: &mut Tx, report: &PressInput) -> anyhow::Result<()> {
    let now = crate::store::now();
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO press_reports (slug, outlet, date, title, source_url, video_url, language, summary, full_text, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (slug) DO UPDATE SET outlet = excluded.outlet, date = excluded.date, title = excluded.title,
             source_url = excluded.source_url, video_url = excluded.video_url, language = excluded.language,
             summary = excluded.summary, full_text = excluded.full_text, status = excluded.status,
             updated_at = excluded.updated_at"
    )
    .bind(report.slug.as_str())
    .bind(&report.outlet)
    .bind(report.date)
    .bind(&report.title)
    .bind(report.source_url.as_ref().map(Href::as_str))
    .bind(report.video_url.as_ref().map(Href::as_str))
    .bind(&report.language)
    .bind(&report.summary)
    .bind(&report.full_text)
    .bind(report.status.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "press", report.slug.as_str()).await
}
