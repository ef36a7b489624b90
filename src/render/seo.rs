//! Metadata for search engines and link previews: canonical URL,
//! OpenGraph/Twitter cards and schema.org JSON-LD.

use serde_json::{Value, json};

use super::views::{date_rfc3339, rfc3339};
use crate::content::books::Book;
use crate::content::media::MediaItem;
use crate::content::posts::Post;
use crate::content::settings::SiteSettings;
use crate::render::markdown;

/// The head of a page: what `base.html` puts in `<head>`.
pub struct Meta {
    pub title: String,
    pub description: String,
    /// Path of the page; made absolute with the base URL.
    pub path: String,
    /// "website", "article", "book" or "video.other".
    pub og_type: &'static str,
    pub image: Option<String>,
    pub json_ld: Option<Value>,
    /// Keep the page out of search engines (e.g. search results).
    pub noindex: bool,
}

impl Meta {
    pub fn new(title: impl Into<String>, description: impl Into<String>, path: impl Into<String>) -> Self {
        Meta {
            title: title.into(),
            description: description.into(),
            path: path.into(),
            og_type: "website",
            image: None,
            json_ld: None,
            noindex: false,
        }
    }

    pub fn to_value(&self, base_url: &str) -> Value {
        // Social sites show only raster images: a page without one gets its share card.
        let raster = |i: &&String| [".png", ".jpg", ".jpeg", ".webp", ".gif"].iter().any(|e| i.to_ascii_lowercase().ends_with(e));
        let own = self.image.as_ref().filter(raster);
        let card = (own.is_none() && !self.noindex).then(|| share_card(&self.path));
        json!({
            "title": self.title,
            "description": self.description,
            "canonical": format!("{base_url}{}", self.path),
            "og_type": self.og_type,
            "image": own.or(card.as_ref()).map(|i| format!("{base_url}{i}")),
            "image_size": card.as_ref().map(|_| [1200, 630]),
            "json_ld": self.json_ld.as_ref().map(script_safe_json),
            "noindex": self.noindex,
        })
    }
}

/// The address of the share card (`site/cards.rs`) of the page at `path`.
pub fn share_card(path: &str) -> String {
    match path.trim_matches('/') {
        "" => "/share/index.png".to_owned(),
        inner => format!("/share/{inner}.png"),
    }
}

/// JSON that cannot close its `<script>` element or open a comment.
pub fn script_safe_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

pub fn organization(site: &SiteSettings, base_url: &str) -> Value {
    // The logo in Settings, else the icon made from the accent (`site/icons.rs`).
    let logo = site.logo.as_deref().map_or_else(|| "/icon-512.png".to_owned(), crate::content::assets::url);
    let same_as: Vec<&str> = site.social.iter().filter(|l| l.href.is_external()).map(|l| l.href.as_str()).collect();
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": site.name,
        "url": format!("{base_url}/"),
        "description": site.description,
        "logo": format!("{base_url}{logo}"),
    });
    if !same_as.is_empty() {
        ld["sameAs"] = json!(same_as);
    }
    ld
}

/// A page of the site; one that calls readers to sign a petition names that action.
pub fn web_page(title: &str, path: &str, base_url: &str, petition: Option<&str>) -> Value {
    let url = format!("{base_url}{path}");
    let mut ld = json!({ "@context": "https://schema.org", "@type": "WebPage", "name": title, "url": url });
    if let Some(petition) = petition {
        ld["potentialAction"] = json!({ "@type": "Action", "name": format!("Sign the petition “{petition}”"), "target": &url });
    }
    ld
}

/// The way from the home page to the page at `path`, through `section` (its label and address).
pub fn breadcrumbs(site: &SiteSettings, base_url: &str, section: Option<(&str, &str)>, title: &str, path: &str) -> Value {
    let mut steps = vec![(site.name.as_str(), "/".to_owned())];
    steps.extend(section.map(|(label, at)| (label, at.to_owned())));
    steps.push((title, path.to_owned()));
    let items: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(n, (name, at))| json!({ "@type": "ListItem", "position": n + 1, "name": name, "item": format!("{base_url}{at}") }))
        .collect();
    json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

/// An image for structured data: the item's own, else its page's share card.
fn image(own: Option<&str>, path: &str, base_url: &str) -> String {
    own.map_or_else(|| format!("{base_url}{}", share_card(path)), |name| format!("{base_url}{}", crate::content::assets::url(name)))
}

pub fn news_article(post: &Post, site: &SiteSettings, base_url: &str) -> Value {
    let author = if post.author.is_empty() {
        json!({ "@type": "Organization", "name": site.name })
    } else {
        json!({ "@type": "Person", "name": post.author })
    };
    json!({
        "@context": "https://schema.org",
        "@type": if post.kind == "article" { "Article" } else { "NewsArticle" },
        "headline": post.title,
        "description": markdown::to_text(&post.summary),
        "datePublished": date_rfc3339(post.date),
        "dateModified": rfc3339(post.updated_at),
        "author": author,
        "publisher": { "@type": "Organization", "name": site.name, "url": format!("{base_url}/") },
        "mainEntityOfPage": format!("{base_url}{}", post.url()),
        "image": image(post.cover.as_deref(), &post.url(), base_url),
        "keywords": post.tags.0,
    })
}

pub fn book(book: &Book, base_url: &str) -> Value {
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Book",
        "name": book.title,
        "url": format!("{base_url}{}", book.url()),
        "inLanguage": book.language,
        "description": markdown::to_text(&book.description),
    });
    let fields = [
        ("isbn", book.isbn13.as_ref().map(|i| json!(i))),
        ("author", (!book.author.is_empty()).then(|| json!({ "@type": "Person", "name": book.author }))),
        ("publisher", (!book.publisher.is_empty()).then(|| json!({ "@type": "Organization", "name": book.publisher }))),
        ("datePublished", book.year.map(|y| json!(y.to_string()))),
        ("image", Some(json!(image(book.cover.as_deref(), &book.url(), base_url)))),
        ("bookFormat", Some(json!("https://schema.org/Paperback")).filter(|_| book.isbn13.is_some())),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            ld[key] = value;
        }
    }
    ld
}

pub fn video(item: &MediaItem, base_url: &str) -> Value {
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": item.title,
        "description": markdown::to_text(&item.summary),
        "uploadDate": date_rfc3339(item.date),
        "url": format!("{base_url}{}", item.url()),
        "transcript": markdown::to_text(&item.transcript),
        // The page's share card stands for the video until it plays.
        "thumbnailUrl": format!("{base_url}{}", share_card(&item.url())),
    });
    if let Some(embed) = item.player() {
        ld["embedUrl"] = json!(embed);
    }
    if let Some(link) = &item.link_url {
        ld["contentUrl"] = json!(link);
    }
    if !item.outlet.is_empty() {
        ld["publisher"] = json!({ "@type": "Organization", "name": item.outlet });
    }
    ld
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_break_out_of_its_script_element() {
        let s = script_safe_json(&json!({ "name": "</script><script>alert(1)</script>" }));
        assert!(!s.contains("</script>") && !s.contains('<'), "{s}");
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap()["name"], "</script><script>alert(1)</script>");
    }
}
