//! What templates see: content rows turned into plain values with URLs,
//! display dates and sanitized HTML (fields ending in `_html`).

use serde::Serialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::content::{Link, assets, books::Book, media, media::MediaItem, posts, posts::Post, press::PressReport, slug::slugify};
use crate::render::markdown;

/// A calendar date as templates show it: `iso` for `<time datetime>`, `display` ("22 August 2016"), `year`.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    pub iso: String,
    pub display: String,
    pub year: i32,
}

pub fn date(d: Date) -> DateView {
    let display = d.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default();
    DateView { iso: d.to_string(), display, year: d.year() }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A date as an instant at midnight UTC, for feeds and structured data.
pub fn date_rfc3339(d: Date) -> String {
    rfc3339(d.midnight().assume_utc())
}

/// A tag with the page that lists its posts.
#[derive(Debug, Clone, Serialize)]
pub struct TagView {
    pub label: String,
    pub url: String,
}

/// A news item or article (`docs/THEMES.md`: `post`).
#[derive(Debug, Clone, Serialize)]
pub struct PostView {
    pub url: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub title: String,
    pub date: DateView,
    pub summary_html: String,
    /// Empty in lists.
    pub body_html: String,
    pub cover_url: Option<String>,
    pub author: String,
    pub tags: Vec<TagView>,
}

pub fn post(p: &Post, with_body: bool) -> PostView {
    PostView {
        url: p.url(),
        kind: p.kind.clone(),
        kind_label: if p.kind == "article" { "Article" } else { "News" },
        title: p.title.clone(),
        date: date(p.date),
        summary_html: markdown::to_html(&p.summary),
        body_html: if with_body { markdown::to_html(&p.body) } else { String::new() },
        cover_url: p.cover.as_deref().map(assets::url),
        author: p.author.clone(),
        tags: p.tags.0.iter().map(|t| TagView { label: t.clone(), url: posts::tag_url(&slugify(t)) }).collect(),
    }
}

/// A quote about a book and who said it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    pub text_html: String,
    pub source: String,
}

/// A book (`docs/THEMES.md`: `book`).
#[derive(Debug, Clone, Serialize)]
pub struct BookView {
    pub url: String,
    pub title: String,
    pub subtitle: String,
    pub author: String,
    pub co_authors: Vec<String>,
    pub foreword_by: String,
    pub publisher: String,
    pub year: Option<i32>,
    pub language: String,
    /// `978-…`, with a hyphen after the prefix.
    pub isbn: Option<String>,
    pub cover_url: Option<String>,
    pub cover_alt: String,
    pub description_html: String,
    /// The description as plain text, at most 220 characters.
    pub summary: String,
    /// Empty in lists, like `reviews`.
    pub sample_html: String,
    pub reviews: Vec<ReviewView>,
    pub awards: Vec<String>,
    pub buy_links: Vec<Link>,
}

pub fn book(b: &Book, with_details: bool) -> BookView {
    let isbn = b.isbn13.as_deref().map(|d| format!("{}-{}", &d[..3.min(d.len())], &d[3.min(d.len())..]));
    let reviews = if with_details {
        b.reviews.0.iter().map(|r| ReviewView { text_html: markdown::to_html(&r.text), source: r.source.clone() }).collect()
    } else {
        Vec::new()
    };
    BookView {
        url: b.url(),
        title: b.title.clone(),
        subtitle: b.subtitle.clone(),
        author: b.author.clone(),
        co_authors: b.co_authors.0.clone(),
        foreword_by: b.foreword_by.clone(),
        publisher: b.publisher.clone(),
        year: b.year,
        language: b.language.clone(),
        isbn,
        cover_url: b.cover.as_deref().map(assets::url),
        cover_alt: format!("Cover of {}", b.title),
        description_html: markdown::to_html(&b.description),
        summary: summary(&b.description, 220),
        sample_html: if with_details { markdown::to_html(&b.sample) } else { String::new() },
        reviews,
        awards: b.awards.0.clone(),
        buy_links: b.buy_links.0.clone(),
    }
}

/// A TV report, film or recording (`docs/THEMES.md`: `item`).
#[derive(Debug, Clone, Serialize)]
pub struct MediaView {
    pub url: String,
    pub play_url: String,
    pub kind_label: &'static str,
    pub title: String,
    pub outlet: String,
    pub date: DateView,
    pub embed_url: Option<String>,
    pub link_url: Option<String>,
    /// Where the player or the link would load from (`youtube-nocookie.com`).
    pub host: Option<String>,
    pub summary_html: String,
    /// Empty in lists.
    pub transcript_html: String,
}

pub fn media_item(m: &MediaItem, with_transcript: bool) -> MediaView {
    MediaView {
        url: m.url(),
        play_url: m.play_url(),
        kind_label: media::kind_label(&m.kind),
        title: m.title.clone(),
        outlet: m.outlet.clone(),
        date: date(m.date),
        embed_url: m.player().map(str::to_owned),
        link_url: m.link_url.clone(),
        host: m.player().or(m.link_url.as_deref()).and_then(host),
        summary_html: markdown::to_html(&m.summary),
        transcript_html: if with_transcript { markdown::to_html(&m.transcript) } else { String::new() },
    }
}

/// A press report (`docs/THEMES.md`: `report`).
#[derive(Debug, Clone, Serialize)]
pub struct PressView {
    pub anchor: String,
    pub outlet: String,
    pub date: DateView,
    pub title: String,
    pub source_url: Option<String>,
    pub video_url: Option<String>,
    pub language: String,
    pub summary_html: String,
    pub full_text_html: String,
}

pub fn press_report(r: &PressReport) -> PressView {
    PressView {
        anchor: r.slug.clone(),
        outlet: r.outlet.clone(),
        date: date(r.date),
        title: r.title.clone(),
        source_url: r.source_url.clone(),
        video_url: r.video_url.clone(),
        language: r.language.clone(),
        summary_html: markdown::to_html(&r.summary),
        full_text_html: markdown::to_html(&r.full_text),
    }
}

/// The host name of a URL, to tell visitors where a video would load from.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    Some(host.trim_start_matches("www.").to_owned())
}

/// The first `max` characters of a Markdown text as plain text, cut at a word.
pub fn summary(markdown_text: &str, max: usize) -> String {
    let text = markdown::to_text(markdown_text);
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_summaries_read_well() {
        assert_eq!(host("https://www.youtube-nocookie.com/embed/x").as_deref(), Some("youtube-nocookie.com"));
        assert_eq!(summary("One two three four", 9), "One two…");
        assert_eq!(date(time::macros::date!(2016 - 08 - 22)).display, "22 August 2016");
        assert_eq!(date_rfc3339(time::macros::date!(2016 - 08 - 22)), "2016-08-22T00:00:00Z");
    }
}
