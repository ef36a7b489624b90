//! What every email the site sends shares: who it comes from (the
//! sender in the settings), the host of its Message-IDs, the accent colour.

use super::{EmailAddress, Letter, Sender};
use crate::content::settings::SiteSettings;

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

/// A letter of the site to `to`, made from the templates of email `name`
/// (see [`super::emails`]); `id` is the part of its Message-ID before the host.
pub fn letter(
    name: &str,
    settings: &SiteSettings,
    base_url: &str,
    values: minijinja::Value,
    to: &EmailAddress,
    id: &str,
) -> anyhow::Result<Letter> {
    let email = super::emails::render(name, settings, values)?;
    Ok(Letter {
        to: to.clone(),
        to_name: String::new(),
        subject: email.subject,
        text: email.text,
        html: email.html,
        message_id: format!("{id}@{}", id_domain(base_url)),
        unsubscribe: None,
    })
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
