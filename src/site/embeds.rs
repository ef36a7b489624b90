//! Items placed in a post's text. The stored Markdown stays plain: a
//! paragraph that is only a link titled "embed" to a TV report, a book or a
//! petition (`[Title](/media/slug "embed")`). Feeds, email, search and the
//! export read it as the link it is; the site's pages show the item itself
//! in its place: the click-to-load player, the book's card, the petition
//! with its counter and form. A quote whose last line starts with "— "
//! shows that line as who said it, as the quote block does.

use serde::Serialize;

use crate::content::zone::Zone;
use crate::content::{books, media};
use crate::petitions::{self, PetitionView, countries, signatures};
use crate::render::views::{self, BookView, MediaView};
use crate::store::Store;

/// The title that marks a link as an embed.
pub const MARK: &str = "embed";

/// A run of text, or an item in its place; the theme renders them in order.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Part {
    Html { html: String },
    Embed { embed: Box<Embed> },
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Embed {
    Video { item: MediaView },
    Book { book: BookView },
    Petition { petition: PetitionView, countries: &'static [(&'static str, &'static str)] },
}

/// `html` cut at each embed paragraph whose item is on the site; an embed
/// of an item that is unpublished or gone stays the link it is.
pub async fn parts(store: &Store, html: &str) -> anyhow::Result<Vec<Part>> {
    let attributed = attributed(html);
    let html = attributed.as_str();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some((before, href, after)) = next_marker(rest) {
        // `/media/{slug}/`, `/books/{slug}/`: the marker links the item's page.
        let embed = match href.trim_end_matches('/').split_once('/').map(|(_, path)| path.split_once('/')) {
            Some(Some(("media", slug))) => {
                media::published_by_slug(store, slug).await?.map(|m| Embed::Video { item: views::media_item(&m, false) })
            }
            Some(Some(("books", slug))) => {
                books::published_by_slug(store, slug).await?.map(|b| Embed::Book { book: views::book(&b, false) })
            }
            Some(Some(("petitions", slug))) => match petitions::by_slug(store, slug).await? {
                Some(p) => {
                    let tally = signatures::tally(store, p.id).await?;
                    let zone = Zone::of_site(store).await?;
                    Some(Embed::Petition { petition: petitions::view(&p, &tally, &zone), countries: countries::COUNTRIES })
                }
                None => None,
            },
            _ => None,
        };
        let marker_len = rest.len() - before.len() - after.len();
        match embed {
            Some(embed) => {
                text.push_str(before);
                parts.push(Part::Html { html: std::mem::take(&mut text) });
                parts.push(Part::Embed { embed: Box::new(embed) });
            }
            None => text.push_str(&rest[..before.len() + marker_len]),
        }
        rest = after;
    }
    text.push_str(rest);
    parts.push(Part::Html { html: text });
    parts.retain(|p| !matches!(p, Part::Html { html } if html.trim().is_empty()));
    Ok(parts)
}

/// `html` with each quote that ends in a "— Someone" line as a figure
/// with that line as its caption.
fn attributed(html: &str) -> String {
    const OPEN: &str = "<blockquote>\n";
    const CLOSE: &str = "</blockquote>";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].find(CLOSE) else { break };
        let inner = &rest[start + OPEN.len()..start + len];
        out.push_str(&rest[..start]);
        let last = inner.trim_end().strip_suffix("</p>").and_then(|body| body.rfind("<p>").map(|at| (at, body)));
        match last {
            Some((at, body)) if !inner.contains("<blockquote") && at > 0 && body[at + 3..].starts_with("— ") => {
                let who = &body[at + 3..];
                out.push_str(&format!(
                    "<figure class=\"quote\"><blockquote>\n{}</blockquote><figcaption>{who}</figcaption></figure>",
                    &inner[..at]
                ));
            }
            _ => out.push_str(&rest[start..start + len + CLOSE.len()]),
        }
        rest = &rest[start + len + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

/// The next `<p><a href="…" title="embed">…</a></p>` in `html`: the text
/// before it, its address, the text after it. The renderer writes links
/// with their attributes in double quotes, which is all this reads.
fn next_marker(html: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(start) = html[from..].find("<p><a ").map(|i| from + i) {
        let end = html[start..].find("</a></p>").map(|i| start + i + "</a></p>".len())?;
        let paragraph = &html[start..end];
        let link = &paragraph["<p>".len()..];
        let tag = &link[..link.find('>').unwrap_or(0)];
        let only_a_link = link.matches('<').count() == 3;
        if only_a_link
            && tag.contains(&format!(" title=\"{MARK}\""))
            && let Some(href) = tag.split_once(" href=\"").and_then(|(_, v)| v.split('"').next())
            && href.starts_with('/')
        {
            return Some((&html[..start], href, &html[end..]));
        }
        from = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embed_is_a_paragraph_that_is_only_a_marked_link() {
        let html =
            r#"<p>Before.</p><p><a href="/media/interview" title="embed" rel="noopener noreferrer">The interview</a></p><p>After.</p>"#;
        let (before, href, after) = next_marker(html).unwrap();
        assert_eq!((before, href, after), ("<p>Before.</p>", "/media/interview", "<p>After.</p>"));
        assert!(next_marker(r#"<p>See <a href="/media/x" title="embed">it</a></p>"#).is_none(), "a link inside a sentence stays a link");
        assert!(next_marker(r#"<p><a href="/media/x">it</a></p>"#).is_none(), "an unmarked link stays a link");
        assert!(next_marker(r#"<p><a href="https://example.org/x" title="embed">it</a></p>"#).is_none(), "only the site's own items");
        assert!(next_marker(r#"<p><a href="/media/x" title="embed"><strong>it</strong></a></p>"#).is_none());
    }

    #[test]
    fn a_quote_ending_in_who_said_it_gets_a_caption() {
        let html = crate::render::markdown::to_html("> The case is complex.\n>\n> — Friends of Jens\n\n> Only words.");
        let shown = attributed(&html);
        assert!(shown.contains("<figure class=\"quote\"><blockquote>\n<p>The case is complex.</p>\n</blockquote><figcaption>— Friends of Jens</figcaption></figure>"), "{shown}");
        assert!(shown.contains("<blockquote>\n<p>Only words.</p>\n</blockquote>"), "a quote without one stays: {shown}");
    }

    #[test]
    fn the_markdown_of_an_embed_renders_as_the_marker() {
        let html = crate::render::markdown::to_html("Before.\n\n[The interview](/media/interview \"embed\")\n\nAfter.");
        let (_, href, _) = next_marker(&html).unwrap_or_else(|| panic!("{html}"));
        assert_eq!(href, "/media/interview/", "the page's address, with its slash");
    }
}
