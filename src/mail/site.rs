//! What every email the site sends shares: who it comes from (the
//! sender in the settings), the host of its Message-IDs, and the layout of
//! a letter that asks someone to confirm with a link.

use std::sync::LazyLock;

use minijinja::{Environment, context};

use super::{EmailAddress, Letter, Sender};
use crate::content::settings::SiteSettings;
use crate::render::escape_html;

pub(crate) static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_formatter(crate::render::escape_without_slashes);
    env.add_template("letter.html", include_str!("templates/letter.html")).expect("the letter template parses");
    env
});

const ACCENT: &str = "#8a3b12";

/// Who the site's emails come from: the sender set in the settings, else the
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
    let host = crate::render::views::host(base_url).unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty() { "localhost".into() } else { host.to_owned() }
}

/// Who the site's emails come from, or why there is no one yet.
pub fn sender_needed(settings: &SiteSettings) -> anyhow::Result<Sender> {
    sender(settings).ok_or_else(|| anyhow::anyhow!("no sender address is set in Settings"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SiteSettings {
        toml::from_str("name = \"Friends of Jens Söring\"\ncontact_email = \"team@example.org\"").unwrap()
    }

    #[test]
    fn the_sender_falls_back_to_the_contact_address() {
        let sender = sender(&settings()).unwrap();
        assert_eq!(sender.address.as_str(), "team@example.org");
        assert_eq!(sender.name, "Friends of Jens Söring");
        assert!(super::sender(&toml::from_str("name = \"x\"").unwrap()).is_none());
    }
}
