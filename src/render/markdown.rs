//! Markdown → safe HTML. comrak renders, ammonia removes anything that could
//! run script (tags, event handlers, javascript: URLs), so no stored content
//! can inject script whatever an editor types.
//!
//! Both take time that grows faster than the square of the nesting depth
//! (50,000 quotes inside one another keep a core busy for minutes), so a
//! text is measured first, in one linear pass: editors are refused a text
//! past [`MAX_BYTES`] or [`MAX_NESTING`] ([`check`]), and one stored before
//! these limits is shown as plain paragraphs rather than rendered.

use std::sync::LazyLock;

use comrak::Options;

static OPTIONS: LazyLock<Options<'static>> = LazyLock::new(|| {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    // Raw HTML is passed on so that ammonia, not comrak, decides what stays.
    options.render.r#unsafe = true;
    options
});

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = cleaner();
    // A link to `/pardon` leads to `/pardon/`, the page's address, with no redirect on the way.
    builder.attribute_filter(|element, attribute, value| match (element, attribute) {
        ("a", "href") => Some(crate::content::with_page_slash(value).into_owned().into()),
        _ => Some(value.into()),
    });
    builder
});

/// The same, with links as the editor wrote them.
static AS_WRITTEN: LazyLock<ammonia::Builder<'static>> = LazyLock::new(cleaner);

/// HTML for an email: links and pictures absolute (`/news/x` →
/// `{base_url}/news/x`) and each element with its inline style, since mail
/// programs drop style sheets. The sanitiser sets both while it writes the
/// HTML, so no text can pass for a tag.
pub fn to_mail_html(markdown: &str, base_url: &str, accent: &str) -> String {
    let text = "font-size:17px;line-height:1.55;color:#1f1b16;";
    let styles = [
        ("p", format!("{text}margin:0 0 14px 0;")),
        ("h2", "font-size:21px;line-height:1.3;color:#1f1b16;margin:24px 0 10px 0;".to_owned()),
        ("h3", "font-size:18px;line-height:1.3;color:#1f1b16;margin:20px 0 8px 0;".to_owned()),
        ("ul", format!("{text}margin:0 0 14px 0;padding-left:22px;")),
        ("ol", format!("{text}margin:0 0 14px 0;padding-left:22px;")),
        ("blockquote", "margin:0 0 14px 0;padding-left:14px;border-left:3px solid #e7e1d8;color:#4a433c;".to_owned()),
        ("a", format!("color:{accent};")),
        ("img", "max-width:100%;height:auto;".to_owned()),
    ];
    let mut builder = cleaner();
    for (tag, style) in &styles {
        builder.set_tag_attribute_value(*tag, "style", style.as_str());
    }
    let base_url = base_url.trim_end_matches('/').to_owned();
    builder.attribute_filter(move |element, attribute, value| match (element, attribute) {
        ("a", "href") | ("img", "src") if value.starts_with('/') && !value.starts_with("//") => {
            Some(format!("{base_url}{}", crate::content::with_page_slash(value)).into())
        }
        _ => Some(value.into()),
    });
    cleaned(markdown, &builder)
}

fn cleaner<'a>() -> ammonia::Builder<'a> {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    builder
}

/// The longest text a field takes, about 40,000 words: more than a book's
/// reading sample or a long programme's transcript. The slowest Markdown of
/// this size (a table, a run of web addresses) renders in about half a second.
pub const MAX_BYTES: usize = 256 * 1024;

/// The deepest that quotes, lists and HTML tags may sit inside one another;
/// no page needs more than a handful, and at 100 a render takes microseconds.
pub const MAX_NESTING: usize = 100;

/// Whether a text can be rendered at once; the error says what to change.
pub fn check(markdown: &str) -> Result<(), String> {
    if markdown.len() > MAX_BYTES {
        Err(format!(
            "This text is {} KB long; a text can be at most {} KB (about 40,000 words). Split it over several pages.",
            markdown.len().div_ceil(1024),
            MAX_BYTES / 1024
        ))
    } else if nesting(markdown) > MAX_NESTING {
        Err(format!(
            "This text puts quotes, lists or HTML tags more than {MAX_NESTING} levels inside one another; take out the extra levels."
        ))
    } else {
        Ok(())
    }
}

/// An upper bound, in one pass, of how deep the rendered HTML nests: the
/// quote and list markers and the indentation that open a line, or the
/// HTML tags left open, whichever is deeper.
fn nesting(markdown: &str) -> usize {
    let containers = markdown.lines().map(line_depth).max().unwrap_or(0);
    containers.max(tag_depth(markdown.as_bytes()))
}

/// Each `>` and list marker opens a level; a nested list item needs at
/// least two more columns of indentation than its parent.
fn line_depth(line: &str) -> usize {
    let bytes = line.as_bytes();
    let blank = |at: usize| matches!(bytes.get(at), None | Some(b' ' | b'\t'));
    let (mut markers, mut columns, mut at) = (0, 0, 0);
    while at < bytes.len() {
        match bytes[at] {
            // The space after a marker is part of it.
            b' ' if at > 0 && matches!(bytes[at - 1], b'>' | b'-' | b'*' | b'+' | b'.' | b')') => {}
            b' ' => columns += 1,
            b'\t' => columns += 4,
            b'>' => markers += 1,
            b'-' | b'*' | b'+' if blank(at + 1) => markers += 1,
            b'0'..=b'9' => {
                let digits = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
                if !(matches!(bytes.get(at + digits), Some(b'.' | b')')) && blank(at + digits + 1)) {
                    break;
                }
                markers += 1;
                at += digits;
            }
            _ => break,
        }
        at += 1;
    }
    markers + columns / 2
}

/// Elements that hold nothing (`<br>`) or that the next one of their kind
/// closes (`<p>`, `<li>`) never deepen the tree.
const NEVER_NEST: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd",
    "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rp", "rt", "colgroup", "caption", "html", "head", "body",
];

/// The most HTML elements open at once, counting `<name` as opening and
/// `</name` as closing; tags in code count too, which can only overstate.
fn tag_depth(text: &[u8]) -> usize {
    let (mut open, mut deepest, mut at) = (0usize, 0, 0);
    while let Some(found) = text[at..].iter().position(|b| *b == b'<') {
        let start = at + found + 1;
        let closing = text.get(start) == Some(&b'/');
        let name_at = start + usize::from(closing);
        let length = text[name_at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        at = name_at + length;
        if length == 0 || !text[name_at].is_ascii_alphabetic() {
            continue;
        }
        let name = &text[name_at..at];
        if NEVER_NEST.iter().any(|never| never.as_bytes().eq_ignore_ascii_case(name)) {
            continue;
        }
        let Some(end) = text[at..].iter().position(|b| *b == b'>') else { break };
        let self_closing = text[at + end - 1] == b'/';
        at += end + 1;
        if closing {
            open = open.saturating_sub(1);
        } else if !self_closing {
            open += 1;
            deepest = deepest.max(open);
        }
    }
    deepest
}

pub fn to_html(markdown: &str) -> String {
    cleaned(markdown, &CLEANER)
}

/// As [`to_html`], but every link as written: the editor's formatted view
/// turns this HTML back into Markdown, which must come back unchanged.
pub fn to_html_as_written(markdown: &str) -> String {
    cleaned(markdown, &AS_WRITTEN)
}

fn cleaned(markdown: &str, cleaner: &ammonia::Builder) -> String {
    if markdown.trim().is_empty() {
        return String::new();
    }
    if check(markdown).is_err() {
        return paragraphs(markdown);
    }
    cleaner.clean(&comrak::markdown_to_html(markdown, &OPTIONS)).to_string()
}

/// Plain text of a Markdown snippet, for meta descriptions, feeds and the
/// search index: the text of the parsed document, without raw HTML.
/// Templates escape it like any other text.
pub fn to_text(markdown: &str) -> String {
    use comrak::nodes::NodeValue;
    if check(markdown).is_err() {
        return collapsed(markdown);
    }
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, markdown, &OPTIONS);
    let mut text = String::with_capacity(markdown.len());
    for node in root.descendants() {
        let data = node.data();
        match &data.value {
            NodeValue::Text(t) => text.push_str(t),
            NodeValue::Code(code) => text.push_str(&code.literal),
            NodeValue::CodeBlock(block) => {
                text.push(' ');
                text.push_str(&block.literal);
            }
            NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
            value if value.block() => text.push(' '),
            _ => {}
        }
    }
    collapsed(&text)
}

fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text too large or too deep to render, as escaped paragraphs: every
/// word still shows, in linear time.
fn paragraphs(markdown: &str) -> String {
    markdown.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(|p| format!("<p>{}</p>\n", super::escape_html(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("## Pardon\n\nFiled on *22 August 2016*.\n\n- one\n- two");
        assert!(html.contains("<h2>Pardon</h2>"), "{html}");
        assert!(html.contains("<em>22 August 2016</em>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn scripts_event_handlers_and_javascript_urls_are_stripped() {
        let html = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<a href=\"JavaScript:alert(4)\">x</a>\n\n<iframe src=\"https://evil.example\"></iframe><svg onload=alert(5)></svg>",
        );
        for bad in ["<script", "alert(1)", "onerror", "javascript:", "JavaScript:", "<iframe", "onload", "<svg"] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn links_keep_their_target_and_get_safe_rel() {
        let html = to_html("[film](https://example.org/the-promise)");
        assert!(html.contains(r#"href="https://example.org/the-promise""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn text_drops_markup_and_collapses_space() {
        assert_eq!(to_text("**Jens** & the  <b>case</b>\n\nnext"), "Jens & the case next");
        assert_eq!(to_text("<script>alert(1)</script>\n\n## After\n\n- `code` [link](/x)"), "After code link");
    }

    #[test]
    fn a_nesting_bomb_is_refused_and_shown_flat_at_once() {
        for bomb in [
            "> ".repeat(50_000) + "x",
            "<div>".repeat(50_000) + "x",
            "<DIV CLASS=a>".repeat(10_000),
            "- ".repeat(2) + &"1. ".repeat(50_000),
        ] {
            let started = std::time::Instant::now();
            assert!(check(&bomb).unwrap_err().contains("100 levels"), "{}", &bomb[..20]);
            let html = to_html(&bomb);
            assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?} for {}", started.elapsed(), &bomb[..20]);
            assert!(html.starts_with("<p>") && !html.contains("<blockquote") && !html.contains("<div"), "{}", &html[..60]);
            assert!(html.contains("&lt;") || html.contains("&gt;") || html.contains("1. "), "the text still shows");
            assert!(!to_text(&bomb).is_empty());
        }
    }

    #[test]
    fn nesting_up_to_the_limit_renders() {
        let quotes = "> ".repeat(MAX_NESTING) + "deep";
        assert_eq!(check(&quotes), Ok(()));
        assert_eq!(to_html(&quotes).matches("<blockquote>").count(), MAX_NESTING);
        assert!(check(&("> ".repeat(MAX_NESTING + 1) + "x")).is_err());
        let list: String = (0..=MAX_NESTING).map(|level| format!("{}- item\n", "  ".repeat(level))).collect();
        assert!(check(&list).is_err(), "a list nested by indentation counts too");
        let divs = "<div>".repeat(MAX_NESTING) + &"</div>".repeat(MAX_NESTING);
        assert_eq!(check(&(divs.clone() + &divs)), Ok(()), "closed tags are counted off");
        let tags = "<p>a<br><img src=x alt=y><hr/><span/>".repeat(1000);
        assert_eq!(check(&tags), Ok(()), "void, self-closing and self-closed elements do not deepen");
    }

    #[test]
    fn a_text_past_the_size_limit_is_refused_and_shown_flat() {
        let long = "Word *word* ".repeat(MAX_BYTES / 10);
        assert!(check(&long).unwrap_err().contains("at most 256 KB"), "{:?}", check(&long));
        let html = to_html(&long);
        assert!(html.starts_with("<p>Word *word*") && !html.contains("<em>"), "{}", &html[..40]);
        assert_eq!(check(&"Word *word* ".repeat(MAX_BYTES / 20)), Ok(()));
    }

    #[test]
    fn ordinary_texts_pass_the_check() {
        let text = "## Case\n\n> A quote\n> > inside a quote\n\n1. one\n   - two\n     - three\n\n<details><summary>More</summary>\n\nText.\n\n</details>\n\n    code 1 < 2 > 0\n";
        assert_eq!(check(text), Ok(()));
        assert_eq!(nesting(text), 3);
    }
}
