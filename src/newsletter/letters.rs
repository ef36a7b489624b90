//! The emails the newsletter sends: the confirmation of a signup and the
//! issues themselves, each as plain text and as HTML with inline styles
//! (mail programs drop style sheets).

use std::sync::LazyLock;

use minijinja::{Environment, context};

use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Letter, Sender, Unsubscribe};
use crate::render::{escape_html, markdown};

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_formatter(crate::render::escape_without_slashes);
    env.add_template("letter.html", include_str!("templates/letter.html")).expect("the letter template parses");
    env
});

const ACCENT: &str = "#8a3b12";

/// Who the newsletter comes from: the sender set in the settings, else the
/// contact address; replies go to the contact address. `None` until one is set.
pub fn sender(settings: &SiteSettings) -> Option<Sender> {
    let address = if settings.mail_from.trim().is_empty() { &settings.contact_email } else { &settings.mail_from };
    let name = if settings.mail_from_name.trim().is_empty() { &settings.name } else { &settings.mail_from_name };
    Some(Sender {
        name: name.trim().to_owned(),
        address: EmailAddress::parse(address).ok()?,
        reply_to: EmailAddress::parse(&settings.contact_email).ok(),
    })
}

/// The host part of Message-IDs: the site's own host, without a port.
pub fn id_domain(base_url: &str) -> String {
    let host = crate::site::views::host(base_url).unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty() { "localhost".into() } else { host.to_owned() }
}

pub fn unsubscribe_url(base_url: &str, key: &str) -> String {
    format!("{base_url}/newsletter/unsubscribe/{key}")
}

pub fn confirm_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/newsletter/confirm/{token}")
}

pub fn accent(settings: &SiteSettings) -> &str {
    if settings.accent.is_empty() { ACCENT } else { &settings.accent }
}

/// An email that asks someone to open a link to confirm what they did on
/// the site: a greeting, paragraphs, one button, and a footer line.
#[derive(Debug, Clone)]
pub struct LinkLetter<'a> {
    pub subject: String,
    pub heading: &'a str,
    pub paragraphs: Vec<String>,
    pub button: &'a str,
    pub url: String,
    pub footer: &'a str,
}

impl LinkLetter<'_> {
    /// The letter for `to`. It goes to any address anyone types, so it
    /// carries none of their words: no name in the greeting or the To header.
    pub fn to(&self, settings: &SiteSettings, base_url: &str, to: &EmailAddress) -> anyhow::Result<Letter> {
        let greeting = "Hello,";
        let text = format!("{greeting}\n\n{}\n\n{}\n\n{}\n", self.paragraphs.join("\n"), self.url, self.footer);
        let paragraph =
            |t: &str| format!("<p style=\"font-size:17px;line-height:1.55;color:#1f1b16;margin:0 0 14px 0;\">{}</p>", escape_html(t));
        let body: String = std::iter::once(greeting).chain(self.paragraphs.iter().map(String::as_str)).map(paragraph).collect();
        let html = TEMPLATES.get_template("letter.html")?.render(context! {
            language => &settings.language, subject => &self.subject, site_name => &settings.name,
            heading => self.heading, body => body, accent => accent(settings),
            button => context! { url => &self.url, label => self.button },
            footer => self.footer, unsubscribe => None::<String>,
        })?;
        Ok(Letter {
            to: to.clone(),
            to_name: String::new(),
            subject: self.subject.clone(),
            text,
            html,
            message_id: format!("confirm.{}@{}", crate::secrets::token(), id_domain(base_url)),
            unsubscribe: None,
        })
    }
}

/// The one email an unconfirmed address receives.
pub fn confirmation(settings: &SiteSettings, base_url: &str, to: &EmailAddress, token: &str) -> anyhow::Result<Letter> {
    let site = settings.name.as_str();
    LinkLetter {
        subject: format!("Confirm your subscription to {site}"),
        heading: "Please confirm your subscription",
        paragraphs: vec![
            format!("Someone, hopefully you, asked to receive the newsletter of {site} at this address."),
            "To confirm, open the link and press “Confirm”. The link works for 48 hours.".to_owned(),
        ],
        button: "Confirm my subscription",
        url: confirm_url(base_url, token),
        footer: "If it was not you, ignore this email: you will receive nothing more from us.",
    }
    .to(settings, base_url, to)
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
        let site = settings.name.as_str();
        let footer = format!("You receive this because you subscribed to the newsletter of {site}.");
        let html = TEMPLATES.get_template("letter.html")?.render(context! {
            language => &settings.language, subject => subject, site_name => site, heading => subject,
            body => inline_styles(&absolute_links(&markdown::to_html(body), base_url), accent(settings)),
            accent => accent(settings), button => None::<()>, footer => &footer, unsubscribe => UNSUBSCRIBE_MARK,
        })?;
        let text = format!("{subject}\n\n{}\n\n--\n{footer}\nUnsubscribe: {UNSUBSCRIBE_MARK}\n", body.trim());
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

    #[test]
    fn the_sender_falls_back_to_the_contact_address() {
        let sender = sender(&settings()).unwrap();
        assert_eq!(sender.address.as_str(), "team@example.org");
        assert_eq!(sender.name, "Friends of Jens Söring");
        assert!(super::sender(&toml::from_str("name = \"x\"").unwrap()).is_none());
    }
}
