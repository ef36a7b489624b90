//! Site settings: name, tagline, owner line, contact address, language.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::revisions::Author;
use super::versioned::{self, Kind, Over, Saved};
use super::{Link, SaveError};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    pub name: String,
    #[serde(default)]
    pub tagline: String,
    /// Meta description of the home page and the feeds.
    #[serde(default)]
    pub description: String,
    /// The line in the footer, e.g. "© Friends of Jens Söring".
    #[serde(default)]
    pub owner: String,
    /// Shown on the site only in the obfuscated form "admin (at) example.org".
    #[serde(default)]
    pub contact_email: String,
    /// BCP 47 language tag of the site's content, for `<html lang>`.
    #[serde(default = "default_language")]
    pub language: String,
    /// A notice shown in every footer, e.g. that the content is a demo.
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub social: Vec<Link>,
    /// The theme's accent colour as `#rrggbb`; empty keeps the theme's own.
    #[serde(default)]
    pub accent: String,
    /// An image from the library shown beside the site's name.
    #[serde(default)]
    pub logo: Option<String>,
    /// The picture of the home page's opening (a portrait, the cause), for
    /// hero blocks without one of their own.
    #[serde(default)]
    pub hero_image: Option<super::blocks::Image>,
    /// What the site asks a visitor to do first: the header's button and
    /// the action in the hero block.
    #[serde(default)]
    pub lead: Lead,
    /// The address newsletters come from; empty uses the contact address.
    #[serde(default)]
    pub mail_from: String,
    /// The name newsletters come from; empty uses the site's name.
    #[serde(default)]
    pub mail_from_name: String,
    /// Email domains whose newsletter signups are dropped (e.g. throwaway-mail services).
    #[serde(default)]
    pub blocked_domains: Vec<String>,
    /// The IANA time zone every time in the admin is shown and typed in
    /// (see [`super::zone`]); empty is UTC.
    #[serde(default)]
    pub time_zone: String,
    /// Everyone who signs in to the admin must use a code from an
    /// authenticator app after the password.
    #[serde(default)]
    pub require_two_factor: bool,
}

/// The action a site leads with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lead {
    #[default]
    Nothing,
    Newsletter,
    /// Signing the petition with this slug, on the page that holds it.
    Petition(String),
}

fn default_language() -> String {
    "en".into()
}

/// `#rrggbb`, the one way an accent colour is written.
pub fn is_hex_colour(colour: &str) -> bool {
    colour.len() == 7 && colour.starts_with('#') && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl SiteSettings {
    /// "admin@example.org" → "admin (at) example.org", as the address is shown on pages.
    pub fn contact_obfuscated(&self) -> String {
        self.contact_email.replacen('@', " (at) ", 1)
    }
}

const KEY: &str = "site";

/// The site settings, or `None` for a store nothing was loaded into yet.
pub async fn load(store: &Store) -> anyhow::Result<Option<SiteSettings>> {
    let value: Option<Json<SiteSettings>> =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(KEY).fetch_optional(pool).await)?;
    Ok(value.map(|v| v.0))
}

/// The kind as [`versioned`] saves it (one item; the revisions' name is `settings`).
pub const KIND: Kind = Kind::single("settings");

/// An editor's save over the version their form showed.
pub async fn save(store: &Store, version: i64, settings: &SiteSettings, by: &Author) -> Result<Saved, SaveError> {
    versioned::save(store, &KIND, Over::Version { id: 0, version }, None, settings, by, async |tx, _| {
        write(tx, settings).await?;
        Ok(0)
    })
    .await
}

/// Writes the settings inside `tx` (an editor's save, the demo's load).
pub async fn write(tx: &mut Tx, settings: &SiteSettings) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    .bind(KEY)
    .bind(Json(settings))
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "settings", KEY).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_contact_address_is_shown_obfuscated() {
        let s: super::SiteSettings = toml::from_str("name = \"x\"\ncontact_email = \"admin@example.org\"").unwrap();
        assert_eq!(s.contact_obfuscated(), "admin (at) example.org");
    }
}
