//! Published content as searchable documents, and keeping the index in step
//! with the store: all of it at start, then item by item from the change feed.

use crate::content::blocks::Block;
use crate::content::books::Book;
use crate::content::media::MediaItem;
use crate::content::pages::Page;
use crate::content::posts::{Body, Post, PostKind};
use crate::content::press::PressReport;
use crate::content::{books, media, pages, posts, press};
use crate::render::markdown::to_text;
use crate::render::views;
use crate::store::{Store, changes};

use super::{Document, SearchIndex};

/// Everything published, as searchable documents.
pub async fn all(store: &Store) -> anyhow::Result<Vec<Document>> {
    let mut docs = Vec::new();
    docs.extend(pages::published_all(store).await?.iter().map(page));
    docs.extend(posts::published(store, None, u32::MAX, 0, Body::Included).await?.iter().map(post));
    docs.extend(books::published(store).await?.iter().map(book));
    docs.extend(media::published(store, None).await?.iter().map(media_item));
    docs.extend(press::published(store, None).await?.iter().map(press_report));
    Ok(docs)
}

/// Indexes everything published; returns the number of items.
pub async fn index_all(store: &Store, index: &SearchIndex) -> anyhow::Result<usize> {
    let docs = all(store).await?;
    let count = docs.len();
    for doc in docs {
        index.put(&doc.id.clone(), Some(doc))?;
    }
    index.commit()?;
    Ok(count)
}

/// Re-indexes what changed after change `after`; returns the newest change id seen.
pub async fn apply_changes(store: &Store, index: &SearchIndex, after: i64) -> anyhow::Result<i64> {
    let list = changes::since(store, after).await?;
    let Some(last) = list.last().map(|c| c.id) else { return Ok(after) };
    for change in &list {
        let (id, doc) = match change.entity.as_str() {
            "page" => (format!("page:{}", change.entity_key), pages::published_by_slug(store, &change.entity_key).await?.map(|p| page(&p))),
            "post" => {
                let found = match posts::published_by_url(store, PostKind::News, &change.entity_key).await? {
                    Some(p) => Some(p),
                    None => posts::published_by_url(store, PostKind::Article, &change.entity_key).await?,
                };
                (format!("post:{}", change.entity_key), found.map(|p| post(&p)))
            }
            "book" => (format!("book:{}", change.entity_key), books::published_by_slug(store, &change.entity_key).await?.map(|b| book(&b))),
            "media" => {
                (format!("media:{}", change.entity_key), media::published_by_slug(store, &change.entity_key).await?.map(|m| media_item(&m)))
            }
            "press" => (
                format!("press:{}", change.entity_key),
                press::published_by_slug(store, &change.entity_key).await?.map(|r| press_report(&r)),
            ),
            // Settings, menus and files hold nothing searchable.
            _ => continue,
        };
        index.put(&id, doc)?;
    }
    index.commit()?;
    Ok(last)
}

fn page(p: &Page) -> Document {
    let mut body = Vec::new();
    for block in &p.blocks.0 {
        match block {
            Block::RichText { body: text } => body.push(to_text(text)),
            Block::Hero { title, text, .. } | Block::Feature { title, text, .. } => {
                body.push(title.clone());
                body.push(to_text(text));
            }
            Block::Quote { text, attribution } => {
                body.push(to_text(text));
                body.push(attribution.clone());
            }
            Block::Image { image, caption } => {
                body.push(image.alt.clone());
                body.push(caption.clone());
            }
            Block::Links { title, items } => {
                body.push(title.clone());
                body.extend(items.iter().map(|l| l.label.clone()));
            }
            Block::NewsletterSignup { title, text } | Block::Petition { title, text, .. } | Block::Contact { title, text } => {
                body.push(title.clone());
                body.push(to_text(text));
            }
            Block::Video { title, .. }
            | Block::LatestNews { title, .. }
            | Block::BookList { title }
            | Block::MediaList { title, .. }
            | Block::PressList { title, .. } => body.push(title.clone()),
        }
    }
    body.retain(|s| !s.is_empty());
    Document {
        id: format!("page:{}", p.slug),
        kind: "page",
        url: p.url(),
        title: p.title.clone(),
        body: body.join(" "),
        year: None,
        date: String::new(),
    }
}

fn post(p: &Post) -> Document {
    Document {
        id: format!("post:{}", p.slug),
        kind: if p.kind == PostKind::Article.as_str() { "article" } else { "news" },
        url: p.url(),
        title: p.title.clone(),
        body: format!("{} {} {}", to_text(&p.summary), to_text(&p.body), p.tags.0.join(" ")),
        year: u64::try_from(p.date.year()).ok(),
        date: display(p.date),
    }
}

fn book(b: &Book) -> Document {
    let title = if b.subtitle.is_empty() { b.title.clone() } else { format!("{}: {}", b.title, b.subtitle) };
    let people = [b.author.as_str(), &b.co_authors.0.join(" "), b.foreword_by.as_str(), b.publisher.as_str()].join(" ");
    Document {
        id: format!("book:{}", b.slug),
        kind: "book",
        url: b.url(),
        title,
        body: format!("{} {} {}", to_text(&b.description), to_text(&b.sample), people.trim()),
        year: b.year.and_then(|y| u64::try_from(y).ok()),
        date: b.year.map(|y| y.to_string()).unwrap_or_default(),
    }
}

fn media_item(m: &MediaItem) -> Document {
    Document {
        id: format!("media:{}", m.slug),
        kind: "video",
        url: m.url(),
        title: m.title.clone(),
        body: format!("{} {} {}", m.outlet, to_text(&m.summary), to_text(&m.transcript)),
        year: u64::try_from(m.date.year()).ok(),
        date: display(m.date),
    }
}

fn press_report(r: &PressReport) -> Document {
    Document {
        id: format!("press:{}", r.slug),
        kind: "press",
        url: format!("/press/#{}", r.slug),
        title: r.title.clone(),
        body: format!("{} {} {}", r.outlet, to_text(&r.summary), to_text(&r.full_text)),
        year: u64::try_from(r.date.year()).ok(),
        date: display(r.date),
    }
}

fn display(date: time::Date) -> String {
    views::date(date).display
}
