//! The content model: pages and their blocks, posts, books, media items,
//! press reports, menus, site settings and uploaded assets. Each submodule
//! owns its table(s): the row type read by the site, the validated input
//! type written by the demo loader and editors, and the queries.

pub mod assets;
pub mod blocks;
pub mod books;
pub mod images;
pub mod isbn;
pub mod lifecycle;
pub mod media;
pub mod menus;
pub mod pages;
pub mod pdf;
pub mod posts;
pub mod press;
pub mod records;
pub mod redirects;
pub mod revisions;
pub mod settings;
pub mod slug;
pub mod versioned;
pub mod zone;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Whether `path` is a public page's address (with or without its final
/// slash): the home page, a page, a listing, a post, a tag, a book, a TV
/// report and its player. Page addresses end in a slash (`/pardon/`), as
/// the folders the static copy writes them to, so that a plain static
/// server answers every link without a redirect; files (`/feed.xml`,
/// `/uploads/…`), forms and the admin keep their addresses.
pub fn is_page_path(path: &str) -> bool {
    let inner = path.strip_prefix('/').unwrap_or(path);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let plain = |s: &str| !s.is_empty() && !s.contains('.');
    match inner.split('/').collect::<Vec<_>>().as_slice() {
        [""] => true,
        [one] => plain(one) && !["admin", "healthz"].contains(one),
        ["news" | "articles" | "tags" | "books" | "media", slug] => plain(slug),
        ["media", slug, "play"] | ["news", "page", slug] => plain(slug),
        _ => false,
    }
}

/// An internal link with the final slash of the page it leads to:
/// `/pardon#sign` → `/pardon/#sign`; files and other links as they are.
pub fn with_page_slash(href: &str) -> Cow<'_, str> {
    let (path, rest) = href.split_at(href.find(['?', '#']).unwrap_or(href.len()));
    if path.starts_with('/') && !path.starts_with("//") && !path.ends_with('/') && is_page_path(path) {
        Cow::Owned(format!("{path}/{rest}"))
    } else {
        Cow::Borrowed(href)
    }
}

/// A link target an editor may enter: a site path ("/pardon/"), an http(s)
/// URL or a mailto: address. Anything else (javascript:, data:, …) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Href(String);

impl Href {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        let internal = s.starts_with('/') && !s.starts_with("//");
        let external = ["https://", "http://", "mailto:"].iter().any(|p| lower.starts_with(p) && lower.len() > p.len());
        // No `\`: browsers read `/\host` as `//host`, another site.
        if (internal || external) && !s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            // A page linked as `/pardon` (as editors type it) is stored as `/pardon/`.
            Ok(Href(with_page_slash(s).into_owned()))
        } else {
            Err(format!("{s:?} is not a link Pamphlet accepts: use a site path like /pardon/ or a full https:// address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_external(&self) -> bool {
        !self.0.starts_with('/')
    }
}

impl<'de> Deserialize<'de> for Href {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Href::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A labelled link, used by menus, link lists, feature cards and shops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub href: Href,
}

/// Publication state of an item. Only `Published` is on the public site;
/// `Scheduled` becomes published at its `publish_at` time; `Trash` can be
/// restored (as a draft) until it is deleted for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    #[default]
    Published,
    Scheduled,
    Trash,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Scheduled => "scheduled",
            Status::Trash => "trash",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Status::Draft, Status::Published, Status::Scheduled, Status::Trash].into_iter().find(|s| s.as_str() == input)
    }
}

/// Why an editor's save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone saved since the editor opened the form.
    #[error("someone else saved this since you opened it")]
    Conflict,
    #[error("something else already uses this address")]
    SlugTaken,
    /// It was deleted since the editor opened the form.
    #[error("this was deleted since you opened it")]
    Gone,
    /// It can no longer change (a newsletter issue that started sending).
    #[error("this can no longer be changed")]
    Closed,
    /// The kind's own check refused what was typed; the message says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => SaveError::SlugTaken,
            other => SaveError::Store(other.into()),
        }
    }
}

/// How many items of each kind there are in each state, for the dashboard.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Tally {
    pub kind: String,
    pub status: String,
    pub count: i64,
}

pub async fn tally(store: &crate::store::Store) -> anyhow::Result<Vec<Tally>> {
    const SQL: &str = "SELECT 'page' AS kind, status, COUNT(*) AS count FROM pages GROUP BY status
        UNION ALL SELECT kind, status, COUNT(*) FROM posts GROUP BY kind, status
        UNION ALL SELECT 'book', status, COUNT(*) FROM books GROUP BY status
        UNION ALL SELECT 'media', status, COUNT(*) FROM media_items GROUP BY status
        UNION ALL SELECT 'press', status, COUNT(*) FROM press_reports GROUP BY status";
    Ok(crate::on_pool!(store, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?)
}

/// Writes a date as `YYYY-MM-DD`, the form [`deserialize_date`] reads back.
pub(crate) fn serialize_date<S: serde::Serializer>(date: &time::Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&date.to_string())
}

/// Reads a calendar date written as TOML's bare date (`2016-08-22`) or as a
/// string in the same form, for input types' `date` fields.
pub(crate) fn deserialize_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<time::Date, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Written::deserialize(d)? {
        Written::Toml(dt) => dt.to_string(),
        Written::Text(s) => s,
    };
    time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a date: write it as YYYY-MM-DD, e.g. 2016-08-22")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_allow_site_paths_and_web_addresses_only() {
        for ok in ["/pardon", "/news/", "https://example.org/x?y=1", "mailto:admin@example.org"] {
            assert!(Href::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "/\\evil.example",
            "/x\\y",
            "pardon",
            "https://",
            "/a b",
        ] {
            assert!(Href::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_addresses_end_in_a_slash_and_files_keep_theirs() {
        let cases = [
            ("/pardon", "/pardon/"),
            ("/pardon#sign", "/pardon/#sign"),
            ("/search?q=soering", "/search/?q=soering"),
            ("/news", "/news/"),
            ("/news/new-dna-evidence", "/news/new-dna-evidence/"),
            ("/media/chuck-reid/play#player", "/media/chuck-reid/play/#player"),
            ("/news/page/2", "/news/page/2/"),
            ("/", "/"),
            ("/pardon/", "/pardon/"),
            ("/feed.xml", "/feed.xml"),
            ("/uploads/a.svg", "/uploads/a.svg"),
            ("/admin", "/admin"),
            ("/admin/posts", "/admin/posts"),
            ("/petitions/pardon/sign", "/petitions/pardon/sign"),
            ("/newsletter/subscribe", "/newsletter/subscribe"),
            ("https://example.org/pardon", "https://example.org/pardon"),
            ("#top", "#top"),
        ];
        for (href, slashed) in cases {
            assert_eq!(with_page_slash(href), slashed, "{href}");
        }
        assert_eq!(Href::parse("/pardon").unwrap().as_str(), "/pardon/", "stored with its slash");
    }
}
