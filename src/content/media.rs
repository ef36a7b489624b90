//! Media items: TV reports, interviews and films, with full transcripts.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::slug::Slug;
use super::{Href, Status};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    TvReport,
    Interview,
    Film,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::TvReport => "tv_report",
            MediaKind::Interview => "interview",
            MediaKind::Film => "film",
        }
    }
}

/// A readable label for a stored kind.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "tv_report" => "TV report",
        "interview" => "Interview",
        "film" => "Film",
        _ => "Video",
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaItem {
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub outlet: String,
    pub date: Date,
    pub embed_url: Option<String>,
    pub link_url: Option<String>,
    pub summary: String,
    pub transcript: String,
    pub updated_at: OffsetDateTime,
}

impl MediaItem {
    pub fn url(&self) -> String {
        format!("/media/{}/", self.slug)
    }

    /// The page with the player loaded.
    pub fn play_url(&self) -> String {
        format!("/media/{}/play/", self.slug)
    }

    /// The player's address, if it may be framed: one stored before players
    /// had to be https is not loaded (the page links to the source instead).
    pub fn player(&self) -> Option<&str> {
        self.embed_url.as_deref().filter(|url| PlayerUrl::parse(url).is_ok())
    }
}

/// A player's address. It is framed in the campaign's own page, so only
/// https: no mail link, no plain http, no page of the site itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct PlayerUrl(Href);

impl PlayerUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let href = Href::parse(s)?;
        if href.as_str().get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://")) {
            Ok(PlayerUrl(href))
        } else {
            Err(format!(
                "{:?} cannot be a player: a player's address starts with https://, e.g. https://www.youtube-nocookie.com/embed/…",
                s.trim()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for PlayerUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PlayerUrl::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaInput {
    pub slug: Slug,
    pub kind: MediaKind,
    pub title: String,
    #[serde(default)]
    pub outlet: String,
    #[serde(deserialize_with = "super::deserialize_date")]
    pub date: Date,
    /// The player address (e.g. https://www.youtube-nocookie.com/embed/…), loaded only on request.
    #[serde(default)]
    pub embed_url: Option<PlayerUrl>,
    /// The page where the video can be watched at its source.
    #[serde(default)]
    pub link_url: Option<Href>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub transcript: String,
    #[serde(default)]
    pub status: Status,
}

/// `SELECT <every column> FROM media_items ` followed by the rest of the query, as one literal.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT ",
            "slug, kind, title, outlet, date, embed_url, link_url, summary, transcript, updated_at",
            " FROM media_items ",
            $rest
        )
    };
}

pub async fn published_by_slug(store: &Store, slug: &str) -> anyhow::Result<Option<MediaItem>> {
    let sql = select!("WHERE slug = $1 AND status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)?)
}

/// Published items, newest first; `limit: None` for all.
pub async fn published(store: &Store, limit: Option<u32>) -> anyhow::Result<Vec<MediaItem>> {
    let sql = select!("WHERE status = 'published' ORDER BY date DESC, id DESC LIMIT $1");
    let limit = limit.map_or(i64::MAX, i64::from);
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await)?)
}

pub async fn save(tx: &mut Tx, item: &MediaInput) -> anyhow::Result<()> {
    if item.embed_url.is_none() && item.link_url.is_none() {
        anyhow::bail!("the media item {} needs an embed_url or a link_url", item.slug);
    }
    let now = crate::store::now();
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO media_items (slug, kind, title, outlet, date, embed_url, link_url, summary, transcript, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (slug) DO UPDATE SET kind = excluded.kind, title = excluded.title, outlet = excluded.outlet,
             date = excluded.date, embed_url = excluded.embed_url, link_url = excluded.link_url,
             summary = excluded.summary, transcript = excluded.transcript, status = excluded.status,
             updated_at = excluded.updated_at"
    )
    .bind(item.slug.as_str())
    .bind(item.kind.as_str())
    .bind(&item.title)
    .bind(&item.outlet)
    .bind(item.date)
    .bind(item.embed_url.as_ref().map(PlayerUrl::as_str))
    .bind(item.link_url.as_ref().map(Href::as_str))
    .bind(&item.summary)
    .bind(&item.transcript)
    .bind(item.status.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "media", item.slug.as_str()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The review's `mailto:` player, and http and site paths: none may be framed.
    #[test]
    fn a_player_is_an_https_address() {
        assert!(PlayerUrl::parse("https://www.youtube-nocookie.com/embed/abc").is_ok());
        assert!(PlayerUrl::parse("HTTPS://player.vimeo.com/video/1").is_ok());
        for bad in ["mailto:team@example.org", "http://example.org/embed", "/admin/", "javascript:alert(1)"] {
            assert!(PlayerUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
