//! The emails the newsletter sends: the confirmation of a signup and the
//! issues themselves, each as plain text and as HTML with inline styles
//! (mail programs drop style sheets).

use minijinja::{Value, context};

use crate::content::settings::SiteSettings;
use crate::mail::emails;
use crate::mail::site::{self, accent, id_domain, sender};
use crate::mail::{EmailAddress, Letter, Unsubscribe};
use crate::render::{escape_html, markdown};

pub fn unsubscribe_url(base_url: &str, key: &str) -> String {
    format!("{base_url}/newsletter/unsubscribe/{key}")
}

pub fn confirm_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/newsletter/confirm/{token}")
}

/// The one email an unconfirmed address receives; like every confirmation,
/// it carries none of the words of whoever typed the address.
pub fn confirmation(settings: &SiteSettings, base_url: &str, to: &EmailAddress, token: &str) -> anyhow::Result<Letter> {
    let values = context! { url => confirm_url(base_url, token) };
    site::letter("confirm_subscription", settings, base_url, values, to, &format!("confirm.{}", crate::secrets::token()))
}

/// An issue rendered once, with a mark where each person's unsubscribe link goes.
#[derive(Debug, Clone)]
pub struct Edition {
    pub issue_id: i64,
    pub subject: String,
    text: String,
    html: String,
    id_domain: String,
    base_url: String,
    mailto: String,
}

const UNSUBSCRIBE_MARK: &str = "\u{1}unsubscribe\u{1}";

impl Edition {
    pub fn new(settings: &SiteSettings, base_url: &str, issue_id: i64, subject: &str, body: &str) -> anyhow::Result<Self> {
        let body_html = inline_styles(&absolute_links(&markdown::to_html(body), base_url), accent(settings));
        let values =
            context! { subject, body => body.trim(), body_html => Value::from_safe_string(body_html), unsubscribe => UNSUBSCRIBE_MARK };
        let email = emails::render("newsletter_issue", settings, values)?;
        let (text, html) = (email.text, email.html);
        let mailto = match sender(settings) {
            Some(sender) => format!("mailto:{}?subject=unsubscribe", sender.address),
            None => String::new(),
        };
        Ok(Edition {
            issue_id,
            subject: subject.to_owned(),
            text,
            html,
            id_domain: id_domain(base_url),
            base_url: base_url.to_owned(),
            mailto,
        })
    }

    /// The issue for one person. Its Message-ID depends only on the issue
    /// and the subscriber, so a resend after a crash is the same message.
    pub fn letter(&self, subscriber_id: i64, to: &EmailAddress, name: &str, unsubscribe_key: &str) -> Letter {
        let url = unsubscribe_url(&self.base_url, unsubscribe_key);
        Letter {
            to: to.clone(),
            to_name: name.to_owned(),
            subject: self.subject.clone(),
            text: self.text.replace(UNSUBSCRIBE_MARK, &url),
            html: self.html.replace(UNSUBSCRIBE_MARK, &escape_html(&url)),
            message_id: format!("newsletter.{}.{}@{}", self.issue_id, subscriber_id, self.id_domain),
            unsubscribe: Some(Unsubscribe { url, mailto: self.mailto.clone() }),
        }
    }
}

/// Links and images in the body point at the site (`/news/x` → `https://site/news/x`).
fn absolute_links(html: &str, base_url: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base_url}/")).replace("src=\"/", &format!("src=\"{base_url}/"))
}

/// Sanitised Markdown output has bare tags; each gets the style it needs in a mail program.
fn inline_styles(html: &str, accent: &str) -> String {
    let text = "font-size:17px;line-height:1.55;color:#1f1b16;";
    [
        ("<p>", format!("<p style=\"{text}margin:0 0 14px 0;\">")),
        ("<h2>", "<h2 style=\"font-size:21px;line-height:1.3;color:#1f1b16;margin:24px 0 10px 0;\">".into()),
        ("<h3>", "<h3 style=\"font-size:18px;line-height:1.3;color:#1f1b16;margin:20px 0 8px 0;\">".into()),
        ("<ul>", format!("<ul style=\"{text}margin:0 0 14px 0;padding-left:22px;\">")),
        ("<ol>", format!("<ol style=\"{text}margin:0 0 14px 0;padding-left:22px;\">")),
        ("<blockquote>", "<blockquote style=\"margin:0 0 14px 0;padding-left:14px;border-left:3px solid #e7e1d8;color:#4a433c;\">".into()),
        ("<a ", format!("<a style=\"color:{accent};\" ")),
        ("<img ", "<img style=\"max-width:100%;height:auto;\" ".into()),
    ]
    .iter()
    .fold(html.to_owned(), |html, (tag, styled)| html.replace(tag, styled))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SiteSettings {
        toml::from_str("name = \"Friends of Jens Söring\"\ncontact_email = \"team@example.org\"").unwrap()
    }

    #[test]
    fn an_issue_has_absolute_styled_links_and_a_personal_unsubscribe_link() {
        let edition = Edition::new(&settings(), "https://example.org", 7, "News", "Read [the case](/about-the-case/).").unwrap();
        let letter = edition.letter(42, &EmailAddress::parse("ann@example.org").unwrap(), "Ann", "KEY");
        assert!(letter.html.contains("href=\"https://example.org/about-the-case/\""), "{}", letter.html);
        assert!(letter.html.contains("<p style="), "{}", letter.html);
        assert!(letter.html.contains("https://example.org/newsletter/unsubscribe/KEY"), "{}", letter.html);
        assert!(letter.text.contains("Unsubscribe: https://example.org/newsletter/unsubscribe/KEY"), "{}", letter.text);
        assert_eq!(letter.message_id, "newsletter.7.42@example.org");
        assert_eq!(letter.unsubscribe.unwrap().mailto, "mailto:team@example.org?subject=unsubscribe");
    }
}
