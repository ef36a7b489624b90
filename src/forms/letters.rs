//! The emails the forms send: a signer's verification link, and each
//! contact message forwarded to the team.

use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Letter, Sender};
use crate::newsletter::letters::{LinkLetter, id_domain};
use crate::render::escape_html;

pub fn verify_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/signatures/confirm/{token}")
}

/// The email that makes a signature count (and, if ticked, a subscription).
pub fn verification(
    settings: &SiteSettings,
    base_url: &str,
    to: &EmailAddress,
    petition: &str,
    subscribe: bool,
    token: &str,
) -> anyhow::Result<Letter> {
    let mut paragraphs = vec![format!("Someone, hopefully you, signed the petition “{petition}” with this address.")];
    if subscribe {
        paragraphs.push(format!("They also asked to receive the newsletter of {}.", settings.name));
    }
    paragraphs.push("Your signature counts once you open the link and press “Confirm”. The link works for 48 hours.".to_owned());
    LinkLetter {
        subject: format!("Confirm your signature: {petition}"),
        heading: "Please confirm your signature",
        paragraphs,
        button: "Confirm my signature",
        url: verify_url(base_url, token),
        footer: "If it was not you, ignore this email: the signature will not count and you will receive nothing more from us.",
    }
    .to(settings, base_url, to)
}

/// Who the site's emails come from, or why there is no one yet.
pub fn sender(settings: &SiteSettings) -> anyhow::Result<Sender> {
    crate::newsletter::letters::sender(settings).ok_or_else(|| anyhow::anyhow!("no sender address is set in Settings"))
}

/// A contact message for the team: from the site's sender (another
/// domain's address in From would fail its checks), Reply-To the writer.
pub fn forward(settings: &SiteSettings, base_url: &str, writing: &super::contact::Writing, id: i64) -> anyhow::Result<(Letter, Sender)> {
    let team = EmailAddress::parse(&settings.contact_email).map_err(|e| anyhow::anyhow!("the contact address in Settings: {e}"))?;
    let site_sender = sender(settings)?;
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
