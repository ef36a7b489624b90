//! Page blocks turned into template values, with the content lists some
//! blocks show (latest news, books, media, press) loaded from the store.

use serde_json::{Value, json};

use crate::content::blocks::{Block, Image};
use crate::content::posts::Body;
use crate::content::{assets, books, media, posts, press};
use crate::petitions::{self, countries, signatures};
use crate::render::{markdown, views};
use crate::store::Store;

pub async fn view(store: &Store, block: &Block) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(block)?;
    let extra = match block {
        Block::RichText { body } => json!({ "html": markdown::to_html(body) }),
        Block::Hero { text, image, .. } | Block::Feature { text, image, .. } => {
            let image = match image {
                Some(image) => Some(image_view(store, image).await?),
                None => None,
            };
            json!({ "html": markdown::to_html(text), "image": image })
        }
        Block::Image { image, .. } => json!({ "image": image_view(store, image).await? }),
        Block::Quote { text, .. } => json!({ "html": markdown::to_html(text) }),
        Block::Petition { text, petition, .. } => {
            let found = match petition {
                Some(slug) => petitions::by_slug(store, slug.as_str()).await?,
                None => None,
            };
            let petition = match found {
                Some(p) => Some(petitions::view(&p, &signatures::tally(store, p.id).await?)),
                None => None,
            };
            json!({ "html": markdown::to_html(text), "petition": petition, "countries": countries::options() })
        }
        Block::NewsletterSignup { text, .. } | Block::Contact { text, .. } => json!({ "html": markdown::to_html(text) }),
        Block::LatestNews { kind, limit, .. } => {
            let list = posts::published(store, *kind, *limit, 0, Body::Omitted).await?;
            let archive = match kind {
                Some(posts::PostKind::Article) => None,
                _ => Some("/news/"),
            };
            json!({ "posts": list.iter().map(|p| views::post(p, false)).collect::<Vec<_>>(), "archive_url": archive })
        }
        Block::BookList { .. } => {
            json!({ "books": books::published(store).await?.iter().map(|b| views::book(b, false)).collect::<Vec<_>>() })
        }
        Block::MediaList { limit, .. } => {
            let items = media::published(store, Some(*limit)).await?;
            json!({ "items": items.iter().map(|m| views::media_item(m, false)).collect::<Vec<_>>() })
        }
        Block::PressList { limit, .. } => {
            let reports = press::published(store, Some(*limit)).await?;
            json!({ "reports": reports.iter().map(views::press_report).collect::<Vec<_>>(), "archive_url": "/press/" })
        }
        Block::Video { media: Some(slug), .. } => match media::published_by_slug(store, slug.as_str()).await? {
            Some(item) => json!({ "item": views::media_item(&item, false) }),
            // An unpublished item leaves no dead player behind.
            None => json!({ "hidden": true }),
        },
        Block::Video { url: Some(url), .. } => json!({ "external": url, "host": views::host(url.as_str()) }),
        Block::Video { .. } | Block::Links { .. } => json!({}),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
        map.extend(extra);
    }
    Ok(value)
}

/// An image with the resized copies browsers pick from (`srcset`).
async fn image_view(store: &Store, image: &Image) -> anyhow::Result<Value> {
    Ok(json!({ "url": assets::url(&image.asset), "alt": image.alt, "srcset": assets::srcset(store, &image.asset).await? }))
}
