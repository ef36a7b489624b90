//! Public URLs → rendered bytes. The live server caches what this returns;
//! the static export writes it to files. Nothing here knows about HTTP.

use std::time::SystemTime;

use serde::Serialize;

use super::{blocks, feeds};
use crate::content::images::Kind;
use crate::content::posts::{Body, PostKind};
use crate::content::{assets, books, media, pages, posts, press};
use crate::render::cache::{IMMUTABLE, REVALIDATE};
use crate::render::page::{HTML, Nothing, Site, layout_render, settings};
use crate::render::seo::{self, Meta};
use crate::render::views;

pub struct Rendered {
    pub content_type: String,
    pub body: Vec<u8>,
    pub cache_control: &'static str,
    pub modified: SystemTime,
}

pub const NEWS_PER_PAGE: u32 = 10;

/// `/accent.css`: the accent colour from Settings as the theme's custom
/// property, a stylesheet of its own because no page carries an inline
/// style (see `site/defences.rs`).
async fn accent_css(site: &Site) -> anyhow::Result<Rendered> {
    let accent = settings(site).await?.accent;
    let body = if crate::content::settings::is_hex_colour(&accent) { format!(":root {{ --accent: {accent}; }}\n") } else { String::new() };
    Ok(Rendered {
        content_type: "text/css; charset=utf-8".into(),
        body: body.into_bytes(),
        cache_control: REVALIDATE,
        modified: SystemTime::now(),
    })
}

/// Renders the resource at `path`, or `None` when there is none. Pages
/// answer only at their addresses with the final slash
/// ([`crate::content::is_page_path`]); `site::serve` redirects the others.
pub async fn render(site: &Site, path: &str) -> anyhow::Result<Option<Rendered>> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let html = match segments.as_slice() {
        [""] => page(site, pages::HOME).await?,
        ["news", ""] => news_archive(site, 1).await?,
        ["news", "page", n, ""] => match n.parse::<u32>() {
            Ok(number) if number >= 2 && number.to_string() == *n => news_archive(site, number).await?,
            _ => None,
        },
        ["news", slug, ""] => post(site, PostKind::News, slug).await?,
        ["articles", slug, ""] => post(site, PostKind::Article, slug).await?,
        ["tags", slug, ""] => tag(site, slug).await?,
        ["books", slug, ""] => book(site, slug).await?,
        ["media", slug, ""] => media_item(site, slug, false).await?,
        ["media", slug, "play", ""] => media_item(site, slug, true).await?,
        ["press", ""] => press_page(site).await?,
        ["feed.xml"] => return feeds::atom(site).await.map(Some),
        ["feed.json"] => return feeds::json_feed(site).await.map(Some),
        ["sitemap.xml"] => return feeds::sitemap(site).await.map(Some),
        ["robots.txt"] => return Ok(Some(feeds::robots(site))),
        ["accent.css"] => return accent_css(site).await.map(Some),
        ["share", ..] if path.ends_with(".png") => {
            let card = super::cards::render(site, path).await?;
            return Ok(card.map(|body| Rendered {
                content_type: "image/png".into(),
                body,
                cache_control: REVALIDATE,
                modified: SystemTime::now(),
            }));
        }
        [file @ ("favicon.ico" | "apple-touch-icon.png" | "icon-192.png" | "icon-512.png" | "site.webmanifest")] => {
            let made = super::icons::render(site, file).await?;
            return Ok(made.map(|(content_type, body)| Rendered {
                content_type: content_type.into(),
                body,
                cache_control: REVALIDATE,
                modified: SystemTime::now(),
            }));
        }
        ["uploads", name] => return upload(site, name).await,
        [slug, ""] if *slug != pages::HOME => page(site, slug).await?,
        _ => None,
    };
    Ok(html.map(|body| Rendered {
        content_type: HTML.into(),
        body: body.into_bytes(),
        cache_control: REVALIDATE,
        modified: SystemTime::now(),
    }))
}

/// The themed "not found" page.
pub async fn not_found(site: &Site) -> anyhow::Result<Vec<u8>> {
    let mut meta = Meta::new("Page not found", "", "/404");
    meta.noindex = true;
    Ok(layout_render(site, "404.html", "/404", meta, Nothing {}).await?.into_bytes())
}

async fn page(site: &Site, slug: &str) -> anyhow::Result<Option<String>> {
    let Some(page) = pages::published_by_slug(&site.store, slug).await? else { return Ok(None) };
    page_html(site, &page).await.map(Some)
}

/// A page from its blocks; the admin's preview renders unsaved pages with it too.
pub async fn page_html(site: &Site, page: &pages::Page) -> anyhow::Result<String> {
    let slug = page.slug.as_str();
    let mut blocks = Vec::with_capacity(page.blocks.0.len());
    for block in &page.blocks.0 {
        blocks.push(blocks::view(&site.store, block).await?);
    }
    let mut meta = Meta::new(&page.title, &page.description, page.url());
    meta.json_ld = Some(if slug == pages::HOME {
        seo::organization(&settings(site).await?, &site.base_url)
    } else {
        // A page that carries a petition names signing it as its action.
        let petition = match page.blocks.0.iter().find_map(|b| match b {
            crate::content::blocks::Block::Petition { petition: Some(slug), .. } => Some(slug),
            _ => None,
        }) {
            Some(slug) => crate::petitions::by_slug(&site.store, slug.as_str()).await?.map(|p| p.title),
            None => None,
        };
        seo::web_page(&page.title, &page.url(), &site.base_url, petition.as_deref())
    });
    meta.image = page.blocks.0.iter().find_map(first_image);
    let content = PageContent { title: &page.title, is_home: slug == pages::HOME, blocks };
    layout_render(site, "page.html", &page.url(), meta, content).await
}

fn first_image(block: &crate::content::blocks::Block) -> Option<String> {
    use crate::content::blocks::Block;
    match block {
        Block::Hero { image: Some(i), .. } | Block::Feature { image: Some(i), .. } | Block::Image { image: i, .. } => {
            Some(assets::url(&i.asset))
        }
        _ => None,
    }
}

async fn news_archive(site: &Site, page_no: u32) -> anyhow::Result<Option<String>> {
    let total = posts::count_published(&site.store, Some(PostKind::News)).await?;
    let pages_total = total.div_ceil(NEWS_PER_PAGE).max(1);
    if page_no > pages_total {
        return Ok(None);
    }
    let list = posts::published(&site.store, Some(PostKind::News), NEWS_PER_PAGE, (page_no - 1) * NEWS_PER_PAGE, Body::Omitted).await?;
    let page_url = |n: u32| if n == 1 { "/news/".to_owned() } else { format!("/news/page/{n}/") };
    let path = page_url(page_no);
    let title = if page_no == 1 { "News".to_owned() } else { format!("News, page {page_no}") };
    let meta = Meta::new(&title, "News about the case, newest first.", &path);
    let content = NewsContent {
        title: &title,
        posts: list.iter().map(|p| views::post(p, false)).collect(),
        page: page_no,
        pages: pages_total,
        newer_url: (page_no > 1).then(|| page_url(page_no - 1)),
        older_url: (page_no < pages_total).then(|| page_url(page_no + 1)),
    };
    Ok(Some(layout_render(site, "news.html", &path, meta, content).await?))
}

async fn post(site: &Site, kind: PostKind, slug: &str) -> anyhow::Result<Option<String>> {
    let Some(post) = posts::published_by_url(&site.store, kind, slug).await? else { return Ok(None) };
    post_page(site, &post).await.map(Some)
}

/// A post's page; the admin's preview renders unsaved posts with it too.
pub async fn post_page(site: &Site, post: &posts::Post) -> anyhow::Result<String> {
    let settings = settings(site).await?;
    let mut meta = Meta::new(&post.title, views::summary(&post.summary, 200), post.url());
    meta.og_type = "article";
    meta.image = post.cover.as_deref().map(assets::url);
    let section = (post.kind == PostKind::News.as_str()).then_some(("News", "/news/"));
    let trail = seo::breadcrumbs(&settings, &site.base_url, section, &post.title, &post.url());
    meta.json_ld = Some(serde_json::json!([seo::news_article(post, &settings, &site.base_url), trail]));
    let cover_srcset = match &post.cover {
        Some(cover) => assets::srcset(&site.store, cover).await?,
        None => String::new(),
    };
    let view = views::post(post, true);
    let body = super::embeds::parts(&site.store, &view.body_html).await?;
    let content = PostContent { post: view, cover_srcset, body };
    layout_render(site, "post.html", &post.url(), meta, content).await
}

async fn tag(site: &Site, slug: &str) -> anyhow::Result<Option<String>> {
    let Some(label) = posts::tag_label(&site.store, slug).await? else { return Ok(None) };
    let list = posts::published_with_tag(&site.store, slug).await?;
    let path = posts::tag_url(slug);
    let meta = Meta::new(format!("Tagged “{label}”"), format!("Posts tagged {label}."), &path);
    let content = TagContent { label: &label, posts: list.iter().map(|p| views::post(p, false)).collect() };
    Ok(Some(layout_render(site, "tag.html", &path, meta, content).await?))
}

async fn book(site: &Site, slug: &str) -> anyhow::Result<Option<String>> {
    let Some(book) = books::published_by_slug(&site.store, slug).await? else { return Ok(None) };
    let mut meta = Meta::new(&book.title, views::summary(&book.description, 200), book.url());
    meta.og_type = "book";
    meta.image = book.cover.as_deref().map(assets::url);
    let trail = seo::breadcrumbs(&settings(site).await?, &site.base_url, None, &book.title, &book.url());
    meta.json_ld = Some(serde_json::json!([seo::book(&book, &site.base_url), trail]));
    let content = BookContent { book: views::book(&book, true) };
    Ok(Some(layout_render(site, "book.html", &book.url(), meta, content).await?))
}

/// A media item's page; `play` is the variant the visitor asked to load the player on.
async fn media_item(site: &Site, slug: &str, play: bool) -> anyhow::Result<Option<String>> {
    let Some(item) = media::published_by_slug(&site.store, slug).await? else { return Ok(None) };
    if play && item.player().is_none() {
        return Ok(None);
    }
    let mut meta = Meta::new(&item.title, views::summary(&item.summary, 200), item.url());
    meta.og_type = "video.other";
    let trail = seo::breadcrumbs(&settings(site).await?, &site.base_url, None, &item.title, &item.url());
    meta.json_ld = Some(serde_json::json!([seo::video(&item, &site.base_url), trail]));
    let content = MediaContent { item: views::media_item(&item, true), play };
    let path = if play { item.play_url() } else { item.url() };
    Ok(Some(layout_render(site, "media.html", &path, meta, content).await?))
}

async fn press_page(site: &Site) -> anyhow::Result<Option<String>> {
    let reports = press::published(&site.store, None).await?;
    let meta = Meta::new("Press", "What newspapers and broadcasters reported about the case.", "/press/");
    let content = PressContent { reports: reports.iter().map(views::press_report).collect() };
    Ok(Some(layout_render(site, "press.html", "/press/", meta, content).await?))
}

async fn upload(site: &Site, name: &str) -> anyhow::Result<Option<Rendered>> {
    let Some(asset) = assets::by_name(&site.store, name).await? else { return Ok(None) };
    // A PDF with scripts, uploaded before the library checked for them, is
    // only offered as a download: no browser's viewer runs it on this site.
    let scripted = asset.content_type == Kind::Pdf.content_type() && crate::content::pdf::check(&asset.bytes).is_err();
    let content_type = if scripted { "application/octet-stream".to_owned() } else { asset.content_type };
    Ok(Some(Rendered { content_type, body: asset.bytes, cache_control: REVALIDATE, modified: asset.updated_at.into() }))
}

/// Static theme files are served from memory under hashed names, forever cacheable.
pub fn static_file(file: &crate::render::theme::StaticFile) -> Rendered {
    Rendered {
        content_type: file.content_type.into(),
        body: file.bytes.clone(),
        cache_control: IMMUTABLE,
        modified: SystemTime::UNIX_EPOCH,
    }
}

// What each page template gets as `content` (`docs/THEMES.md`).

#[derive(Serialize)]
struct PageContent<'a> {
    title: &'a str,
    is_home: bool,
    /// Each block's own fields and what it shows (`site/blocks.rs`).
    blocks: Vec<blocks::BlockView<'a>>,
}

#[derive(Serialize)]
struct NewsContent<'a> {
    title: &'a str,
    posts: Vec<views::PostView>,
    page: u32,
    pages: u32,
    newer_url: Option<String>,
    older_url: Option<String>,
}

#[derive(Serialize)]
struct PostContent {
    post: views::PostView,
    /// The cover's resized copies, for `srcset`.
    cover_srcset: String,
    /// The body in runs of text and the items placed in it (see [`super::embeds`]).
    body: Vec<super::embeds::Part>,
}

#[derive(Serialize)]
struct TagContent<'a> {
    label: &'a str,
    posts: Vec<views::PostView>,
}

#[derive(Serialize)]
struct BookContent {
    book: views::BookView,
}

#[derive(Serialize)]
struct MediaContent {
    item: views::MediaView,
    /// The visitor asked to load the player (`…/play`).
    play: bool,
}

#[derive(Serialize)]
struct PressContent {
    reports: Vec<views::PressView>,
}
