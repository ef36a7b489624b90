//! The email that forwards a contact message to the team.

use minijinja::context;

use crate::content::settings::SiteSettings;
use crate::mail::site::{self, sender_needed};
use crate::mail::{EmailAddress, Letter, Sender};

/// A contact message for the team: from the site's sender (another
/// domain's address in From would fail its checks), Reply-To the writer.
pub fn forward(settings: &SiteSettings, base_url: &str, writing: &super::Writing, id: i64) -> anyhow::Result<(Letter, Sender)> {
    let team = EmailAddress::parse(&settings.contact_email).map_err(|e| anyhow::anyhow!("the contact address in Settings: {e}"))?;
    let site_sender = sender_needed(settings)?;
    let sender = Sender {
        name: format!("{} via {}", writing.name, settings.name),
        address: site_sender.address,
        reply_to: Some(writing.email.clone()),
    };
    let values = context! {
        name => &writing.name, email => writing.email.as_str(), subject => &writing.subject, body => &writing.body,
        link => format!("{base_url}/admin/inbox/{id}"),
    };
    let id = format!("contact.{id}.{}", crate::secrets::token());
    let letter = site::letter("contact_message", settings, base_url, values, &team, &id)?;
    Ok((letter, sender))
}
