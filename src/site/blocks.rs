//! Page blocks as a theme's templates get them: each block's own fields
//! and what it shows, with the content lists some blocks show (latest news,
//! books, media, press) loaded from the store.

use serde::Serialize;

use crate::content::blocks::{Block, Image};
use crate::content::posts::Body;
use crate::content::settings::Lead;
use crate::content::zone::Zone;
use crate::content::{Href, assets, books, media, posts, press};
use crate::petitions::{self, PetitionView, countries, signatures};
use crate::render::markdown;
use crate::render::views::{self, BookView, MediaView, PostView, PressView};
use crate::store::Store;

/// A block as its template gets it: its own fields (`content/blocks.rs`) and what it shows.
#[derive(Serialize)]
pub struct BlockView<'a> {
    #[serde(flatten)]
    block: &'a Block,
    #[serde(flatten)]
    shows: Shows,
}

/// What a block shows besides its own fields; each block type has its shape.
#[derive(Serialize)]
#[serde(untagged)]
enum Shows {
    /// Its Markdown text as HTML.
    Text {
        html: String,
    },
    /// Its text in runs and the items placed in it (see [`super::embeds`]).
    Parts {
        parts: Vec<super::embeds::Part>,
    },
    /// The opening: its text, its picture (else the one in Settings) and
    /// the action the site leads with.
    Hero {
        html: String,
        image_view: Option<ImageView>,
        lead: Option<LeadView>,
    },
    /// Its text and its image as shown.
    Card {
        html: String,
        image_view: Option<ImageView>,
    },
    Picture {
        image_view: ImageView,
    },
    /// Its text and the petition it calls to sign, with its form's countries.
    Petition {
        html: String,
        petition_view: Option<PetitionView>,
        countries: &'static [(&'static str, &'static str)],
    },
    News {
        posts: Vec<PostView>,
        archive_url: Option<&'static str>,
    },
    Books {
        books: Vec<BookView>,
    },
    Media {
        items: Vec<MediaView>,
    },
    Press {
        reports: Vec<PressView>,
        archive_url: &'static str,
    },
    Video {
        item: MediaView,
    },
    /// An unpublished video leaves no dead player behind.
    Hidden {
        hidden: bool,
    },
    External {
        external: Href,
        host: Option<String>,
    },
    Nothing {},
}

/// The action beside a hero's headline (Settings, "The site leads with").
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum LeadView {
    /// The petition's count and progress, and a button to its form.
    Petition { petition: Box<PetitionView>, href: String },
    /// The signup form itself.
    Newsletter,
}

/// An image with the resized copies browsers pick from (`srcset`).
#[derive(Serialize)]
struct ImageView {
    url: String,
    alt: String,
    srcset: String,
}

pub async fn view<'a>(store: &Store, block: &'a Block) -> anyhow::Result<BlockView<'a>> {
    let html = markdown::to_html;
    let shows = match block {
        Block::RichText { body } => Shows::Parts { parts: super::embeds::parts(store, &html(body)).await? },
        Block::Quote { text, .. } => Shows::Text { html: html(text) },
        Block::NewsletterSignup { text, .. } | Block::Contact { text, .. } => Shows::Text { html: html(text) },
        Block::Hero { text, image, .. } => {
            let settings = crate::content::settings::load(store).await?.ok_or_else(|| anyhow::anyhow!("the store has no site settings"))?;
            let image_view = match image.as_ref().or(settings.hero_image.as_ref()) {
                Some(image) => Some(image_view(store, image).await?),
                None => None,
            };
            Shows::Hero { html: html(text), image_view, lead: lead_view(store, &settings.lead).await? }
        }
        Block::Feature { text, image, .. } => {
            let image_view = match image {
                Some(image) => Some(image_view(store, image).await?),
                None => None,
            };
            Shows::Card { html: html(text), image_view }
        }
        Block::Image { image, .. } => Shows::Picture { image_view: image_view(store, image).await? },
        Block::Petition { text, petition, .. } => {
            let found = match petition {
                Some(slug) => petitions::by_slug(store, slug.as_str()).await?,
                None => None,
            };
            let petition_view = match found {
                Some(p) => Some(petition_view(store, &p).await?),
                None => None,
            };
            Shows::Petition { html: html(text), petition_view, countries: countries::COUNTRIES }
        }
        Block::LatestNews { kind, limit, .. } => {
            let list = posts::published(store, *kind, *limit, 0, Body::Omitted).await?;
            let archive_url = (*kind != Some(posts::PostKind::Article)).then_some("/news/");
            Shows::News { posts: list.iter().map(|p| views::post(p, false)).collect(), archive_url }
        }
        Block::BookList { .. } => Shows::Books { books: books::published(store).await?.iter().map(|b| views::book(b, false)).collect() },
        Block::MediaList { limit, .. } => {
            Shows::Media { items: media::published(store, Some(*limit)).await?.iter().map(|m| views::media_item(m, false)).collect() }
        }
        Block::PressList { limit, .. } => {
            let reports = press::published(store, Some(*limit)).await?;
            Shows::Press { reports: reports.iter().map(views::press_report).collect(), archive_url: "/press/" }
        }
        Block::Video { media: Some(slug), .. } => match media::published_by_slug(store, slug.as_str()).await? {
            Some(item) => Shows::Video { item: views::media_item(&item, false) },
            None => Shows::Hidden { hidden: true },
        },
        Block::Video { url: Some(url), .. } => Shows::External { external: url.clone(), host: views::host(url.as_str()) },
        Block::Video { .. } | Block::Links { .. } => Shows::Nothing {},
    };
    Ok(BlockView { block, shows })
}

/// A petition with its live count, as its blocks show it.
async fn petition_view(store: &Store, p: &petitions::Petition) -> anyhow::Result<PetitionView> {
    Ok(petitions::view(p, &signatures::tally(store, p.id).await?, &Zone::of_site(store).await?))
}

async fn lead_view(store: &Store, lead: &Lead) -> anyhow::Result<Option<LeadView>> {
    let Some(link) = crate::render::page::LeadLink::find(store, lead).await? else { return Ok(None) };
    Ok(match lead {
        Lead::Petition(slug) => match petitions::by_slug(store, slug).await? {
            Some(p) => Some(LeadView::Petition { petition: Box::new(petition_view(store, &p).await?), href: link.href }),
            None => None,
        },
        _ => Some(LeadView::Newsletter),
    })
}

async fn image_view(store: &Store, image: &Image) -> anyhow::Result<ImageView> {
    Ok(ImageView { url: assets::url(&image.asset), alt: image.alt.clone(), srcset: assets::srcset(store, &image.asset).await? })
}
