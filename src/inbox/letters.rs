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
        name: format!("{} via {}", display_name(&writing.name), settings.name),
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

/// The writer's name as a display name: without the characters that make
/// a display name look like an address or a list (`"Boss" <ceo@bank>`), so
/// a mail program that shows only the name never shows another sender.
/// The name stays whole in the message and in the inbox.
fn display_name(name: &str) -> String {
    let kept: String = name.chars().filter(|c| !"\"<>@,;:()[]\\".contains(*c)).collect();
    let kept = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    let kept: String = kept.chars().take(60).collect();
    if kept.is_empty() { "Someone".to_owned() } else { kept }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn a_writers_name_cannot_pose_as_another_sender() {
        assert_eq!(display_name(r#"Eve "Boss" <ceo@bank.example>, x"#), "Eve Boss ceobank.example x");
        assert_eq!(display_name("Carla Ödegaard"), "Carla Ödegaard");
        assert_eq!(display_name("<@>"), "Someone");
        assert_eq!(display_name(&"a".repeat(200)).len(), 60);
    }
}
