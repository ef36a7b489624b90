//! What templates see: content rows turned into plain values with URLs,
//! display dates and sanitized HTML (fields ending in `_html`).

use serde_json::{Value, json};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::content::{assets, books::Book, media, media::MediaItem, posts::Post, press::PressReport, slug::slugify};
use crate::render::markdown;

pub fn date(d: Date) -> Value {
    let display = d.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default();
    json!({ "iso": d.to_string(), "display": display, "year": d.year() })
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A date as an instant at midnight UTC, for feeds and structured data.
pub fn date_rfc3339(d: Date) -> String {
    rfc3339(d.midnight().assume_utc())
}

pub fn post(p: &Post, with_body: bool) -> Value {
    let tags: Vec<Value> = p.tags.0.iter().map(|t| json!({ "label": t, "url": format!("/tags/{}", slugify(t)) })).collect();
    json!({
        "url": p.url(),
        "kind": p.kind,
        "kind_label": if p.kind == "article" { "Article" } else { "News" },
        "title": p.title,
        "date": date(p.date),
        "summary_html": markdown::to_html(&p.summary),
        "body_html": if with_body { markdown::to_html(&p.body) } else { String::new() },
        "cover_url": p.cover.as_deref().map(assets::url),
        "author": p.author,
        "tags": tags,
    })
}

pub fn book(b: &Book, with_details: bool) -> Value {
    let isbn = b.isbn13.as_deref().map(|d| format!("{}-{}", &d[..3.min(d.len())], &d[3.min(d.len())..]));
    let reviews: Vec<Value> = if with_details {
        b.reviews.0.iter().map(|r| json!({ "text_html": markdown::to_html(&r.text), "source": r.source })).collect()
    } else {
        Vec::new()
    };
    json!({
        "url": b.url(),
        "title": b.title,
        "subtitle": b.subtitle,
        "author": b.author,
        "co_authors": b.co_authors.0,
        "foreword_by": b.foreword_by,
        "publisher": b.publisher,
        "year": b.year,
        "language": b.language,
        "isbn": isbn,
        "cover_url": b.cover.as_deref().map(assets::url),
        "cover_alt": format!("Cover of {}", b.title),
        "description_html": markdown::to_html(&b.description),
        "summary": summary(&b.description, 220),
        "sample_html": if with_details { markdown::to_html(&b.sample) } else { String::new() },
        "reviews": reviews,
        "awards": b.awards.0,
        "buy_links": b.buy_links.0,
    })
}

pub fn media_item(m: &MediaItem, with_transcript: bool) -> Value {
    json!({
        "url": m.url(),
        "play_url": format!("{}/play", m.url()),
        "kind_label": media::kind_label(&m.kind),
        "title": m.title,
        "outlet": m.outlet,
        "date": date(m.date),
        "embed_url": m.embed_url,
        "link_url": m.link_url,
        "host": m.embed_url.as_deref().or(m.link_url.as_deref()).and_then(host),
        "summary_html": markdown::to_html(&m.summary),
        "transcript_html": if with_transcript { markdown::to_html(&m.transcript) } else { String::new() },
    })
}

pub fn press_report(r: &PressReport) -> Value {
    json!({
        "anchor": r.slug,
        "outlet": r.outlet,
        "date": date(r.date),
        "title": r.title,
        "source_url": r.source_url,
        "video_url": r.video_url,
        "language": r.language,
        "summary_html": markdown::to_html(&r.summary),
        "full_text_html": markdown::to_html(&r.full_text),
    })
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
        assert_eq!(date(time::macros::date!(2016 - 08 - 22))["display"], "22 August 2016");
        assert_eq!(date_rfc3339(time::macros::date!(2016 - 08 - 22)), "2016-08-22T00:00:00Z");
    }
}
