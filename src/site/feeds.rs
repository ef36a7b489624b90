//! Machine-readable views of the site: Atom and JSON feeds, the sitemap
//! and robots.txt.

use std::time::SystemTime;

use minijinja::Value as JinjaValue;
use minijinja::value::Serde;
use serde_json::{Value, json};

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

async fn feed_entries(site: &Site) -> anyhow::Result<Vec<Value>> {
    let list = posts::published(&site.store, None, FEED_ENTRIES, 0, Body::Included).await?;
    Ok(list
        .iter()
        .map(|p| {
            json!({
                "id": format!("{}{}", site.base_url, p.url()),
                "url": format!("{}{}", site.base_url, p.url()),
                "title": p.title,
                "published": date_rfc3339(p.date),
                "updated": rfc3339(p.updated_at),
                "summary": markdown::to_text(&p.summary),
                "content_html": markdown::to_html(&p.body),
                "author": p.author,
                "tags": p.tags.0,
            })
        })
        .collect())
}

pub async fn atom(site: &Site) -> anyhow::Result<Rendered> {
    let settings = settings(site).await?;
    let entries = feed_entries(site).await?;
    let updated = entries
        .iter()
        .filter_map(|e| e["updated"].as_str())
        .max()
        .map(str::to_owned)
        .unwrap_or_else(|| rfc3339(time::OffsetDateTime::UNIX_EPOCH));
    let context = json!({
        "site": { "name": settings.name, "tagline": settings.tagline, "base_url": site.base_url, "owner": settings.owner },
        "updated": updated,
        "entries": entries,
    });
    let body = site.renderer.render("feed.xml", JinjaValue::from(Serde(context)))?;
    Ok(rendered("application/atom+xml; charset=utf-8", body.into_bytes()))
}

/// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
pub async fn json_feed(site: &Site) -> anyhow::Result<Rendered> {
    let settings = settings(site).await?;
    let items: Vec<Value> = feed_entries(site)
        .await?
        .into_iter()
        .map(|e| {
            let mut item = json!({
                "id": e["id"], "url": e["url"], "title": e["title"], "content_html": e["content_html"],
                "summary": e["summary"], "date_published": e["published"], "date_modified": e["updated"], "tags": e["tags"],
            });
            if let Some(author) = e["author"].as_str().filter(|a| !a.is_empty()) {
                item["authors"] = json!([{ "name": author }]);
            }
            item
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": settings.name,
        "description": settings.description,
        "home_page_url": format!("{}/", site.base_url),
        "feed_url": format!("{}/feed.json", site.base_url),
        "language": settings.language,
        "items": items,
    });
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
    paths.extend(posts::published_tag_slugs(store).await?.into_iter().map(|t| (format!("/tags/{t}"), None)));
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
    let urls: Vec<Value> = public_paths(site)
        .await?
        .into_iter()
        .map(|(path, lastmod)| json!({ "loc": format!("{}{path}", site.base_url), "lastmod": lastmod }))
        .collect();
    let body = site.renderer.render("sitemap.xml", JinjaValue::from(Serde(json!({ "urls": urls }))))?;
    Ok(rendered("application/xml; charset=utf-8", body.into_bytes()))
}

pub fn robots(site: &Site) -> Rendered {
    let body = format!("User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n", site.base_url);
    rendered("text/plain; charset=utf-8", body.into_bytes())
}
