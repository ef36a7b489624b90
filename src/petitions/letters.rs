//! The email that makes a signature count.

use minijinja::context;

use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Letter, site};

pub fn verify_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/signatures/confirm/{token}")
}

/// The email that makes a signature count (and, if ticked, a subscription).
/// It goes to any address anyone types, so it carries none of their words.
pub fn verification(
    settings: &SiteSettings,
    base_url: &str,
    to: &EmailAddress,
    petition: &str,
    subscribe: bool,
    token: &str,
) -> anyhow::Result<Letter> {
    let values = context! { petition, subscribe, url => verify_url(base_url, token) };
    site::letter("confirm_signature", settings, base_url, values, to, &format!("confirm.{}", crate::secrets::token()))
}
