//! The email that makes a signature count.

use crate::content::settings::SiteSettings;
use crate::mail::site::LinkLetter;
use crate::mail::{EmailAddress, Letter};

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
