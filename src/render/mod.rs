//! The renderer: one function from (template, context) to bytes, used by the
//! live server and the static export alike, plus the render cache.

pub mod cache;
pub mod lanes;
pub mod markdown;
pub mod page;
pub mod pictures;
pub mod seo;
pub mod theme;
pub mod views;

use std::sync::Arc;

use minijinja::{Environment, Value};

use theme::Theme;

pub struct Renderer {
    env: Environment<'static>,
    theme: Arc<Theme>,
}

impl Renderer {
    pub fn new(theme: Arc<Theme>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        let loader_theme = theme.clone();
        env.set_loader(move |name| {
            let bytes = loader_theme.file(&format!("templates/{name}")).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("cannot read template {name}: {e:#}"))
            })?;
            bytes
                .map(|b| {
                    String::from_utf8(b)
                        .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("template {name} is not UTF-8")))
                })
                .transpose()
        });
        env.set_formatter(escape_without_slashes);
        env.set_syntax(syntax()?);
        let asset_theme = theme.clone();
        env.add_function("asset", move |name: &str| -> Result<String, minijinja::Error> {
            asset_theme.static_url(name).map(str::to_owned).ok_or_else(|| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("the theme has no static file {name:?}"))
            })
        });
        env.add_filter("number", grouped);
        let renderer = Renderer { env, theme };
        // Fail at start, not on a visitor's request, when a template does not compile.
        for name in [
            "page.html",
            "post.html",
            "news.html",
            "tag.html",
            "book.html",
            "media.html",
            "press.html",
            "404.html",
            "search.html",
            "feed.xml",
            "sitemap.xml",
        ] {
            renderer.env.get_template(name).map_err(template_error)?;
        }
        Ok(renderer)
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn render(&self, template: &str, context: Value) -> anyhow::Result<String> {
        self.env.get_template(template).and_then(|t| t.render(context)).map_err(template_error)
    }
}

/// Block tags on their own lines leave no blank lines behind.
pub(crate) fn syntax() -> Result<minijinja::syntax::SyntaxConfig, minijinja::Error> {
    minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build()
}

/// Text for HTML built outside a template (search snippets, email parts).
pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The `number` filter: 10000 → "10,000", as the site's English reads it.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// minijinja's HTML escaping also escapes `/`, which turns every URL into
/// `&#x2f;` soup; escaping `& < > " '` is what HTML and XML need.
pub(crate) fn escape_without_slashes(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && matches!(state.auto_escape(), minijinja::AutoEscape::Html) => {
            let mut escaped = String::with_capacity(text.len() + 16);
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Names the template and line, which minijinja keeps on the error.
pub(crate) fn template_error(error: minijinja::Error) -> anyhow::Error {
    let place = match (error.name(), error.line()) {
        (Some(name), Some(line)) => format!("template {name}, line {line}: "),
        (Some(name), None) => format!("template {name}: "),
        _ => String::new(),
    };
    anyhow::anyhow!("{place}{error}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_thousands() {
        let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (10000, "10,000"), (1234567, "1,234,567"), (-45000, "-45,000")];
        for (n, shown) in cases {
            assert_eq!(super::grouped(n), shown);
        }
    }
}
