//! Machine-readable views of the site: Atom and JSON feeds, the sitemap
//! and robots.txt.

use std::time::SystemTime;

use minijinja::Value as JinjaValue;
use minijinja::value::Serde;
use serde::Serialize;

use super::routes::{NEWS_PER_PAGE, Rendered};
use crate::content::posts::{self, Body, PostKind};
use crate::content::{books, media, pages};
use crate::render::cache::REVALIDATE;
use crate::render::markdown;
use crate::render::page::{Site, settings};
use crate::render::views::{date_rfc3339, rfc3339};

const FEED_ENTRIES: u32 = 50;

fn rendered(content_type: &str, body: Vec<u8>) -> Rendered {
    Rendered { content_type: content_type.into(), body, cache_control: REVALIDATE, modified: SystemTime::now() }
}

/// One post as both feeds give it (`entries` of `feed.xml`, docs/THEMES.md).
#[derive(Serialize)]
struct Entry {
    id: String,
    url: String,
    title: String,
    published: String,
    updated: String,
    /// Plain text.
    summary: String,
    content_html: String,
    author: String,
    tags: Vec<String>,
}

async fn feed_entries(site: &Site) -> anyhow::Result<Vec<Entry>> {
    let list = posts::published(&site.store, None, FEED_ENTRIES, 0, Body::Included).await?;
    Ok(list
        .into_iter()
        .map(|p| Entry {
            // The address as it was before pages gained their final slash:
            // an entry's id never changes, or readers show it again as new.
            id: format!("{}{}", site.base_url, p.url().trim_end_matches('/')),
            url: format!("{}{}", site.base_url, p.url()),
            published: date_rfc3339(p.date),
            updated: rfc3339(p.updated_at),
            summary: markdown::to_text(&p.summary),
            content_html: markdown::to_html(&p.body),
            title: p.title,
            author: p.author,
            tags: p.tags.0,
        })
        .collect())
}

/// What `feed.xml` receives.
#[derive(Serialize)]
struct AtomFeed<'a> {
    site: FeedSite<'a>,
    /// When the newest entry changed.
    updated: String,
    entries: Vec<Entry>,
}

#[derive(Serialize)]
struct FeedSite<'a> {
    name: &'a str,
    tagline: &'a str,
    base_url: &'a str,
    owner: &'a str,
}

pub async fn atom(site: &Site) -> anyhow::Result<Rendered> {
    let settings = settings(site).await?;
    let entries = feed_entries(site).await?;
    let updated = entries.iter().map(|e| e.updated.clone()).max().unwrap_or_else(|| rfc3339(time::OffsetDateTime::UNIX_EPOCH));
    let feed = AtomFeed {
        site: FeedSite { name: &settings.name, tagline: &settings.tagline, base_url: &site.base_url, owner: &settings.owner },
        updated,
        entries,
    };
    let body = site.renderer.render("feed.xml", JinjaValue::from(Serde(feed)))?;
    Ok(rendered("application/atom+xml; charset=utf-8", body.into_bytes()))
}

/// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    description: &'a str,
    home_page_url: String,
    feed_url: String,
    language: &'a str,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    summary: String,
    date_published: String,
    date_modified: String,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

pub async fn json_feed(site: &Site) -> anyhow::Result<Rendered> {
    let settings = settings(site).await?;
    let items = feed_entries(site)
        .await?
        .into_iter()
        .map(|e| JsonItem {
            authors: if e.author.is_empty() { Vec::new() } else { vec![JsonAuthor { name: e.author }] },
            id: e.id,
            url: e.url,
            title: e.title,
            content_html: e.content_html,
            summary: e.summary,
            date_published: e.published,
            date_modified: e.updated,
            tags: e.tags,
        })
        .collect();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &settings.name,
        description: &settings.description,
        home_page_url: format!("{}/", site.base_url),
        feed_url: format!("{}/feed.json", site.base_url),
        language: &settings.language,
        items,
    };
    Ok(rendered("application/feed+json; charset=utf-8", serde_json::to_vec_pretty(&feed)?))
}

/// Every public URL: pages, news archive pages, posts, tags, books, media, press.
pub async fn public_paths(site: &Site) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let store = &site.store;
    let mut paths: Vec<(String, Option<String>)> = Vec::new();
    for (slug, updated) in pages::published_index(store).await? {
        paths.push((pages::url(&slug), Some(rfc3339(updated))));
    }
    let news_pages = posts::count_published(store, Some(PostKind::News)).await?.div_ceil(NEWS_PER_PAGE).max(1);
    paths.push(("/news/".into(), None));
    paths.extend((2..=news_pages).map(|n| (format!("/news/page/{n}/"), None)));
    for post in posts::published(store, None, u32::MAX, 0, Body::Omitted).await? {
        paths.push((post.url(), Some(rfc3339(post.updated_at))));
    }
    paths.extend(posts::published_tag_slugs(store).await?.into_iter().map(|t| (posts::tag_url(&t), None)));
    for book in books::published(store).await? {
        paths.push((book.url(), Some(rfc3339(book.updated_at))));
    }
    for item in media::published(store, None).await? {
        paths.push((item.url(), Some(rfc3339(item.updated_at))));
    }
    paths.push(("/press/".into(), None));
    Ok(paths)
}

pub async fn sitemap(site: &Site) -> anyhow::Result<Rendered> {
    #[derive(Serialize)]
    struct Urls {
        urls: Vec<Url>,
    }
    #[derive(Serialize)]
    struct Url {
        loc: String,
        lastmod: Option<String>,
    }
    let urls: Vec<Url> =
        public_paths(site).await?.into_iter().map(|(path, lastmod)| Url { loc: format!("{}{path}", site.base_url), lastmod }).collect();
    let body = site.renderer.render("sitemap.xml", JinjaValue::from(Serde(Urls { urls })))?;
    Ok(rendered("application/xml; charset=utf-8", body.into_bytes()))
}

pub fn robots(site: &Site) -> Rendered {
    let body = format!("User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n", site.base_url);
    rendered("text/plain; charset=utf-8", body.into_bytes())
}
