//! URLs in rendered HTML: finding the internal ones, mapping a URL to its
//! file in the export, and moving root-relative links under a base path.
//!
//! The scanner reads double-quoted attributes only: the theme's templates
//! and the Markdown renderer write no other kind.

/// Attributes that hold URLs; `srcset` holds a list of them.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "srcset", "action", "data-index", "poster"];

/// The path part of a base URL: `https://example.org/friends` → `/friends`.
pub fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    after_scheme.find('/').map(|i| after_scheme[i..].trim_end_matches('/').to_owned()).unwrap_or_default()
}

/// The site paths an HTML page links to, without query or fragment.
pub fn internal(html: &[u8]) -> Vec<String> {
    let html = String::from_utf8_lossy(html);
    url_spans(&html).into_iter().filter_map(|span| site_path(&html[span])).collect()
}

/// Root-relative URLs moved under `prefix` (e.g. `/friends`).
pub fn prefix_root_links(html: &[u8], prefix: &str) -> Vec<u8> {
    let html = String::from_utf8_lossy(html);
    let mut out = String::with_capacity(html.len() + 256);
    let mut copied = 0;
    for span in url_spans(&html) {
        if html[span.clone()].starts_with('/') && !html[span.clone()].starts_with("//") {
            out.push_str(&html[copied..span.start]);
            out.push_str(prefix);
            copied = span.start;
        }
    }
    out.push_str(&html[copied..]);
    out.into_bytes()
}

/// The file that holds `path`: pages become `dir/index.html`, so that
/// `/news/foo` and `/news/foo/` both find theirs on any static host.
pub fn file_for(path: &str, content_type: &str) -> String {
    let relative = path.trim_start_matches('/');
    if !content_type.starts_with("text/html") || relative.ends_with(".html") {
        relative.to_owned()
    } else if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        format!("{relative}/index.html")
    }
}

/// A root-relative link's path, if it is one that could be a file here.
fn site_path(url: &str) -> Option<String> {
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    let safe = path.split('/').all(|segment| segment != ".." && segment != ".");
    (safe && !path.is_empty()).then(|| path.to_owned())
}

/// Where each URL in a URL attribute sits in the text, in order; a
/// `srcset` gives one span per candidate.
fn url_spans(html: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some((start, attribute)) = next_attribute(&html[from..]) {
        let value_start = from + start + attribute.len() + 2;
        let Some(value_len) = html[value_start..].find('"') else { break };
        if attribute == "srcset" {
            let mut offset = value_start;
            for candidate in html[value_start..value_start + value_len].split(',') {
                let trimmed = candidate.trim_start();
                let url_start = offset + candidate.len() - trimmed.len();
                let url_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
                if url_len > 0 {
                    spans.push(url_start..url_start + url_len);
                }
                offset += candidate.len() + 1;
            }
        } else {
            spans.push(value_start..value_start + value_len);
        }
        from = value_start + value_len;
    }
    spans
}

/// The next ` attr="` of a URL attribute: its offset and name.
fn next_attribute(text: &str) -> Option<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("=\"").map(|i| i + from) {
        for attribute in URL_ATTRIBUTES {
            let Some(start) = i.checked_sub(attribute.len()) else { continue };
            if &text[start..i] == *attribute && start > 0 && bytes[start - 1].is_ascii_whitespace() {
                return Some((start, attribute));
            }
        }
        from = i + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_links_are_found_without_query_or_fragment() {
        let html = br#"<a href="/news/x#top">x</a> <img src="/uploads/a.svg" srcset="/uploads/a-480.webp 480w, /uploads/a-960.webp 960w">
            <a href="https://example.org/">e</a> <a href="//cdn.example.org/x">c</a> <form action="/search?q=a"></form>
            <a href="/../etc/passwd">bad</a> <p data-x="/not-a-link">"#;
        assert_eq!(internal(html), ["/news/x", "/uploads/a.svg", "/uploads/a-480.webp", "/uploads/a-960.webp", "/search"]);
    }

    #[test]
    fn root_links_move_under_the_base_path() {
        let html = br#"<a href="/news/">n</a> <img src="/a.svg" srcset="/a.svg 1x, /b.svg 2x"> <a href="https://x.org/">x</a>"#;
        assert_eq!(
            String::from_utf8(prefix_root_links(html, "/friends")).unwrap(),
            r#"<a href="/friends/news/">n</a> <img src="/friends/a.svg" srcset="/friends/a.svg 1x, /friends/b.svg 2x"> <a href="https://x.org/">x</a>"#
        );
        assert_eq!(base_path("https://example.org/friends/"), "/friends");
        assert_eq!(base_path("https://example.org"), "");
    }

    #[test]
    fn pages_become_index_files() {
        let html = "text/html; charset=utf-8";
        assert_eq!(file_for("/", html), "index.html");
        assert_eq!(file_for("/news/", html), "news/index.html");
        assert_eq!(file_for("/news/foo", html), "news/foo/index.html");
        assert_eq!(file_for("/404.html", html), "404.html");
        assert_eq!(file_for("/feed.xml", "application/atom+xml"), "feed.xml");
        assert_eq!(file_for("/uploads/a.svg", "image/svg+xml"), "uploads/a.svg");
    }
}
