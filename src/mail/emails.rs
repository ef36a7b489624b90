//! Every email the site sends is a folder in `templates/` with its
//! subject (`subject.txt`), its plain text (`body.txt`) and its HTML
//! (`body.html`, most extending `layout.html`), rendered from the values of
//! one call, with the site's escaping: HTML is escaped, text is not.
//! `docs/THEMES.md` lists each email and the values it gets.

use std::sync::LazyLock;

use minijinja::{Environment, Value, context};

use crate::content::settings::SiteSettings;

macro_rules! emails {
    ($($name:literal),*) => {
        const TEMPLATES: &[(&str, &str)] = &[
            ("layout.html", include_str!("templates/layout.html")),
            ("parts.html", include_str!("templates/parts.html")),
            $(
                (concat!($name, "/subject.txt"), include_str!(concat!("templates/", $name, "/subject.txt"))),
                (concat!($name, "/body.txt"), include_str!(concat!("templates/", $name, "/body.txt"))),
                (concat!($name, "/body.html"), include_str!(concat!("templates/", $name, "/body.html"))),
            )*
        ];
    };
}

emails!("confirm_signature", "confirm_subscription", "contact_message", "invitation", "newsletter_issue", "password_reset");

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_formatter(crate::render::escape_without_slashes);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).expect("the email templates parse");
    }
    env
});

/// An email as rendered: what goes in its Subject header and its two bodies.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders email `name` with `values`, plus what every email knows of the
/// site: `site_name`, `language`, `accent` (and its own `subject`, in the bodies).
pub fn render(name: &str, settings: &SiteSettings, values: Value) -> anyhow::Result<Rendered> {
    let site = context! { site_name => &settings.name, language => &settings.language, accent => super::site::accent(settings) };
    let values = context! { ..values, ..site };
    let subject = ENVIRONMENT.get_template(&format!("{name}/subject.txt"))?.render(&values)?;
    // A header is one line.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let values = context! { subject => &subject, ..values };
    // Plain text ends with a line break (the template's last one is dropped on parsing).
    let text = ENVIRONMENT.get_template(&format!("{name}/body.txt"))?.render(&values)? + "\n";
    let html = ENVIRONMENT.get_template(&format!("{name}/body.html"))?.render(&values)?;
    Ok(Rendered { subject, text, html })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let settings: SiteSettings = toml::from_str("name = \"Friends <of> Jens\"").unwrap();
        let values = context! { name => "Ann & <b>", email => "ann@example.org", subject => "Hi\nthere", body => "<script>", link => "https://example.org/x" };
        let email = render("contact_message", &settings, values).unwrap();
        assert_eq!(email.subject, "[Contact] Hi there");
        assert!(email.text.starts_with("Ann & <b> <ann@example.org> wrote on the site:") && email.text.contains("<script>"));
        assert!(email.html.contains("Ann &amp; &lt;b&gt;") && email.html.contains("&lt;script&gt;") && !email.html.contains("<script>"));
    }

    #[test]
    fn a_confirmation_has_its_heading_button_and_footer_in_the_frame() {
        let settings: SiteSettings = toml::from_str("name = \"Friends\"\naccent = \"#123456\"\nlanguage = \"de\"").unwrap();
        let values = context! { petition => "Pardon <now>", subscribe => true, url => "https://example.org/signatures/confirm/T" };
        let email = render("confirm_signature", &settings, values).unwrap();
        assert_eq!(email.subject, "Confirm your signature: Pardon <now>");
        assert!(email.text.contains("the petition “Pardon <now>”") && email.text.contains("newsletter of Friends"));
        assert!(email.text.ends_with("nothing more from us.\n"), "{:?}", email.text);
        let html = &email.html;
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains(r#"<html lang="de">"#), "{html}");
        assert!(html.contains("<title>Confirm your signature: Pardon &lt;now&gt;</title>"), "{html}");
        assert!(html.contains("Please confirm your signature</h1>") && html.contains("background:#123456"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org/signatures/confirm/T""#) && html.contains("Confirm my signature</a>"),
            "{html}"
        );
        assert!(html.contains("If it was not you, ignore this email"), "{html}");
    }
}
