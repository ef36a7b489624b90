//! Markdown → safe HTML. comrak renders, ammonia removes anything that could
//! run script (tags, event handlers, javascript: URLs), so no stored content
//! can inject script whatever an editor types.

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

fn cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    builder
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
    cleaner.clean(&comrak::markdown_to_html(markdown, &OPTIONS)).to_string()
}

/// Plain text of a Markdown snippet, for meta descriptions, feeds and the
/// search index: the text of the parsed document, without raw HTML.
/// Templates escape it like any other text.
pub fn to_text(markdown: &str) -> String {
    use comrak::nodes::NodeValue;
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
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
}
