//! The email that forwards a contact message to the team.

use crate::content::settings::SiteSettings;
use crate::mail::site::{id_domain, sender_needed};
use crate::mail::{EmailAddress, Letter, Sender};
use crate::render::escape_html;

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
    let link = format!("{base_url}/admin/inbox/{id}");
    let text = format!(
        "{} <{}> wrote on the site:\n\nSubject: {}\n\n{}\n\n--\nReply to this email to answer them. In the inbox: {link}\n",
        writing.name, writing.email, writing.subject, writing.body
    );
    let html = format!(
        "<p><strong>{}</strong> &lt;{}&gt; wrote on the site:</p><p><strong>Subject:</strong> {}</p><pre style=\"white-space:pre-wrap;font:inherit;\">{}</pre><hr><p>Reply to this email to answer them. <a href=\"{}\">Open it in the inbox</a>.</p>",
        escape_html(&writing.name),
        escape_html(writing.email.as_str()),
        escape_html(&writing.subject),
        escape_html(&writing.body),
        escape_html(&link)
    );
    let letter = Letter {
        to: team,
        to_name: String::new(),
        subject: format!("[Contact] {}", writing.subject),
        text,
        html,
        message_id: format!("contact.{id}.{}@{}", crate::secrets::token(), id_domain(base_url)),
        unsubscribe: None,
    };
    Ok((letter, sender))
}
