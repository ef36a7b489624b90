//! What every public page shares: the site as the renderer sees it
//! ([`Site`]), the frame around each page (settings and menus), rendering a
//! template inside the layout, and the short message pages that answer a
//! form or a link. The public site, the forms and the export build on it.

use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Value as JinjaValue;
use minijinja::value::Serde;
use serde::Serialize;
use serde_json::Value;

use super::Renderer;
use super::seo::{self, Meta};
use crate::content::blocks::Block;
use crate::content::settings::{Lead, SiteSettings};
use crate::content::{assets, menus};
use crate::store::Store;

pub const HTML: &str = "text/html; charset=utf-8";

/// Everything needed to render the public site.
#[derive(Clone)]
pub struct Site {
    pub store: Store,
    pub renderer: Arc<Renderer>,
    /// e.g. `https://example.org`, without a trailing slash.
    pub base_url: String,
    /// The static export renders every page with one snapshot of the frame,
    /// so an edit during a build cannot mix two versions of the menus; the
    /// live site (`None`) reads it once per change, through `kept_frame`.
    pub frame: Option<Arc<Frame>>,
    /// The live site's frame between changes; without it (and without
    /// `frame`) each render reads the frame.
    pub kept_frame: Option<Arc<KeptFrame>>,
    /// Who answers the site's forms; `None` where no one does (a static
    /// export without `--form-endpoint`): the blocks then show another way
    /// to reach the team, never a dead form.
    pub forms: Option<FormAnswers>,
}

/// Who answers the site's forms, and how.
#[derive(Clone, Debug)]
pub struct FormAnswers {
    /// Where the forms post: `""` for this server, or the address of a live
    /// Pamphlet for the static export (`--form-endpoint`).
    pub endpoint: String,
    /// False when the answering server sends no mail (`serve` without
    /// `--smtp`): the newsletter and petition blocks, which confirm by
    /// email, show another way to take part; the contact form still works.
    pub mail: bool,
    /// Signs the forms' time stamps. `None` when the pages are written for
    /// another server, which hands out its own (`forms.js` fetches one).
    pub stamps: Option<crate::stamps::Key>,
}

impl Site {
    /// The key of this server's form stamps, where it answers forms itself.
    pub fn stamps(&self) -> Option<&crate::stamps::Key> {
        self.forms.as_ref().and_then(|f| f.stamps.as_ref())
    }
}

/// What every page's layout shows around its content: settings and menus.
pub struct Frame {
    pub settings: SiteSettings,
    pub primary: Vec<crate::content::Link>,
    pub footer: Vec<crate::content::Link>,
    /// The library's pictures, which pictures in texts are completed from.
    pub pictures: super::pictures::Pictures,
    /// Where the header's button leads, if the site leads with an action.
    pub lead: Option<LeadLink>,
}

/// The header's button: what the site leads with ([`Lead`]) and where it is done.
#[derive(Debug, Clone, Serialize)]
pub struct LeadLink {
    /// `petition` or `newsletter`.
    pub kind: &'static str,
    pub href: String,
}

impl LeadLink {
    /// The petition's form on the first page that shows it, or the footer's
    /// signup; a petition no published page shows leads nowhere.
    pub async fn find(store: &Store, lead: &Lead) -> anyhow::Result<Option<LeadLink>> {
        Ok(match lead {
            Lead::Nothing => None,
            Lead::Newsletter => Some(LeadLink { kind: "newsletter", href: "#newsletter".into() }),
            Lead::Petition(slug) => {
                let shows = |b: &Block| matches!(b, Block::Petition { petition: Some(s), .. } if s.as_str() == slug);
                crate::content::pages::first_with(store, shows)
                    .await?
                    .map(|page| LeadLink { kind: "petition", href: format!("{page}#sign") })
            }
        })
    }
}

/// The live site's frame, kept until its render cache is next emptied: a
/// form's answer page, rendered for each signer, read the settings, the
/// menus, the pictures and every page for it.
pub struct KeptFrame {
    cache: Arc<super::cache::RenderCache>,
    /// The frame with the cache's generation it was read in.
    kept: std::sync::RwLock<Option<(u64, Arc<Frame>)>>,
}

impl KeptFrame {
    pub fn new(cache: Arc<super::cache::RenderCache>) -> Self {
        KeptFrame { cache, kept: Default::default() }
    }

    async fn get(&self, store: &Store) -> anyhow::Result<Arc<Frame>> {
        let generation = self.cache.generation();
        if let Some((read_in, frame)) = &*self.kept.read().unwrap_or_else(|e| e.into_inner())
            && *read_in == generation
        {
            return Ok(frame.clone());
        }
        let frame = Arc::new(Frame::load(store).await?);
        // Tagged with the generation read before it: a change meanwhile makes
        // it stale for the next render, which reads the frame again.
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_none_or(|(read_in, _)| *read_in <= generation) {
            *kept = Some((generation, frame.clone()));
        }
        Ok(frame)
    }
}

impl Frame {
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        let settings = crate::content::settings::load(store).await?.ok_or_else(|| anyhow::anyhow!("the store has no site settings"))?;
        Ok(Frame {
            lead: LeadLink::find(store, &settings.lead).await?,
            settings,
            primary: menus::load(store, menus::PRIMARY).await?,
            footer: menus::load(store, menus::FOOTER).await?,
            pictures: super::pictures::Pictures::load(store).await?,
        })
    }
}

/// Renders `template` inside the site's layout: settings, menus, meta.
/// What every page template gets (`docs/THEMES.md`): the site, its menus,
/// the page's meta, its path, and the page's own `content`.
#[derive(Serialize)]
struct Layout<'a, C> {
    site: SiteView<'a>,
    menus: Menus,
    meta: Value,
    path: &'a str,
    content: C,
}

/// The site as every page shows it: its name and settings, and what its forms need.
#[derive(Serialize)]
struct SiteView<'a> {
    name: &'a str,
    tagline: &'a str,
    owner: &'a str,
    /// The contact address written so harvesters do not read it (`team (at) example.org`).
    contact: String,
    language: &'a str,
    notice: &'a str,
    social: &'a [crate::content::Link],
    accent: &'a str,
    logo: Option<String>,
    base_url: &'a str,
    contact_email: &'a str,
    /// The forms can send their confirmations (a mail server is set).
    forms: bool,
    /// Served live (not a static copy): the forms are answered here.
    live: bool,
    /// Where a static copy's forms send to (empty when live).
    endpoint: &'a str,
    /// The signed time stamp every form carries.
    stamp: String,
    lead: Option<&'a LeadLink>,
}

#[derive(Serialize)]
struct Menus {
    primary: Vec<MenuLink>,
    footer: Vec<MenuLink>,
}

#[derive(Serialize)]
struct MenuLink {
    label: String,
    href: String,
    /// The link leads to this page or the section it is in.
    current: bool,
    external: bool,
}

/// A page with nothing of its own beyond the layout (the 404 page).
#[derive(Serialize)]
pub struct Nothing {}

pub async fn layout_render(site: &Site, template: &str, path: &str, meta: Meta, content: impl Serialize) -> anyhow::Result<String> {
    let frame = frame(site).await?;
    let settings = &frame.settings;
    let menu = |items: &[crate::content::Link]| -> Vec<MenuLink> {
        items
            .iter()
            .map(|l| {
                let href = l.href.as_str();
                let current = href == path || (href.len() > 1 && href.ends_with('/') && path.starts_with(href));
                MenuLink { label: l.label.clone(), href: href.to_owned(), current, external: l.href.is_external() }
            })
            .collect()
    };
    let context = Layout {
        site: SiteView {
            name: &settings.name,
            tagline: &settings.tagline,
            owner: &settings.owner,
            contact: settings.contact_obfuscated(),
            language: &settings.language,
            notice: &settings.notice,
            social: &settings.social,
            accent: &settings.accent,
            logo: settings.logo.as_deref().map(assets::url),
            base_url: &site.base_url,
            contact_email: &settings.contact_email,
            forms: site.forms.as_ref().is_some_and(|f| f.mail),
            live: site.forms.is_some(),
            endpoint: site.forms.as_ref().map_or("", |f| f.endpoint.as_str()),
            stamp: site.stamps().map(|key| key.stamp()).unwrap_or_default(),
            lead: frame.lead.as_ref(),
        },
        menus: Menus { primary: menu(&frame.primary), footer: menu(&frame.footer) },
        meta: meta.to_value(&site.base_url),
        path,
        content,
    };
    Ok(frame.pictures.complete(site.renderer.render(template, JinjaValue::from(Serde(context)))?))
}

pub async fn settings(site: &Site) -> anyhow::Result<SiteSettings> {
    Ok(frame(site).await?.settings.clone())
}

/// The frame a render of `site` uses: the export's snapshot, the live
/// site's kept one, or one read now.
async fn frame(site: &Site) -> anyhow::Result<Arc<Frame>> {
    match (&site.frame, &site.kept_frame) {
        (Some(frame), _) => Ok(frame.clone()),
        (None, Some(kept)) => kept.get(&site.store).await,
        (None, None) => Ok(Arc::new(Frame::load(&site.store).await?)),
    }
}

/// The content of `message.html`; `extra` adds what one answer shows
/// (a button, a form to send again, links: `docs/THEMES.md`).
#[derive(Serialize)]
struct Message<'a, Extra> {
    title: &'a str,
    paragraphs: &'a [&'a str],
    /// A stamp already a few seconds old, for a form shown again.
    stamp: String,
    #[serde(flatten)]
    extra: Extra,
}

/// A short page in the site's own layout answering a form or a link
/// (`message.html`): never cached, kept out of search engines. `extra`
/// adds to the content (a button, a form to send again, links).
pub async fn message_page(
    site: &Site,
    status: StatusCode,
    path: &str,
    title: &str,
    paragraphs: &[&str],
    extra: impl Serialize,
) -> Response {
    let mut meta = seo::Meta::new(title, "", path);
    meta.noindex = true;
    let stamp = site.stamps().map(crate::stamps::Key::stamp_for_again).unwrap_or_default();
    let content = Message { title, paragraphs, stamp, extra };
    match layout_render(site, "message.html", path, meta, content).await {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], axum::response::Html(html)).into_response(),
        Err(error) => server_error(path, &error),
    }
}

/// The calm 500 page; the error is logged with where it happened (a path,
/// or a route where the path holds a secret).
pub fn server_error(at: &str, error: &anyhow::Error) -> Response {
    if error.is::<super::lanes::TooSlow>() {
        tracing::warn!(http.path = at, "a page took longer than its render budget");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::RETRY_AFTER, "30")],
            "503 Service Unavailable: this page is taking too long to prepare. Please try again in a minute.\n",
        )
            .into_response();
    }
    tracing::error!(http.path = at, error = format!("{error:#}"), "cannot answer a public request");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "500 Internal Server Error: this page cannot be shown right now. The error has been logged; please try again later.\n",
    )
        .into_response()
}

/// Whether a 4xx came from one of axum's extractors (a path, query or form
/// that does not parse): those answer in plain text, echoing the input. The
/// admin's and the public forms' finishing layers put them in the site's words.
pub fn from_an_extractor(response: &Response) -> bool {
    response.status().is_client_error()
        && response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/plain"))
}

/// What a visitor reads instead of an extractor's answer.
pub const UNREADABLE: &str = "This address or form could not be read: part of it is not what this page expects. \
    Go back and follow the site's own links, or reload the form and send it again.";
