//! `/admin/settings` (owners): the site's name, tagline, footer, contact
//! address, social links, the theme's accent colour and logo, and the
//! newsletter's sender and blocked signup domains, and whether signing in
//! takes a code from an authenticator app.

use std::collections::BTreeMap;

use crate::admin::form::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::done::Done;
use super::error::AdminResult;
use super::gate::Editor;
use super::publishing::author;
use super::{AdminState, saving};
use crate::content::blocks::{Block, Image};
use crate::content::settings::{self, Lead, SiteSettings};
use crate::content::{Href, Link, assets, revisions, versioned};
use crate::mail::EmailAddress;

const ENTITY: &str = settings::KIND.entity;

/// The settings form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    tagline: String,
    description: String,
    owner: String,
    contact_email: String,
    language: String,
    time_zone: String,
    notice: String,
    /// One link a line: `Label | address`.
    social: String,
    accent: String,
    logo: String,
    hero_image: String,
    hero_alt: String,
    /// `""`, `newsletter` or `petition:SLUG` (see [`Lead`]).
    lead: String,
    mail_from: String,
    mail_from_name: String,
    /// One domain a line.
    blocked_domains: String,
    /// `yes` when ticked.
    require_two_factor: String,
    /// The version of the settings the form was opened with.
    version: i64,
}

type Errors = BTreeMap<&'static str, String>;

impl SettingsForm {
    fn from_settings(s: &SiteSettings, version: i64) -> Self {
        SettingsForm {
            name: s.name.clone(),
            tagline: s.tagline.clone(),
            description: s.description.clone(),
            owner: s.owner.clone(),
            contact_email: s.contact_email.clone(),
            language: s.language.clone(),
            time_zone: crate::content::zone::Zone::of(s).name().to_owned(),
            notice: s.notice.clone(),
            social: s.social.iter().map(|l| format!("{} | {}", l.label, l.href.as_str())).collect::<Vec<_>>().join("\n"),
            accent: s.accent.clone(),
            logo: s.logo.clone().unwrap_or_default(),
            hero_image: s.hero_image.as_ref().map(|i| i.asset.clone()).unwrap_or_default(),
            hero_alt: s.hero_image.as_ref().map(|i| i.alt.clone()).unwrap_or_default(),
            lead: match &s.lead {
                Lead::Nothing => String::new(),
                Lead::Newsletter => "newsletter".into(),
                Lead::Petition(slug) => format!("petition:{slug}"),
            },
            mail_from: s.mail_from.clone(),
            mail_from_name: s.mail_from_name.clone(),
            blocked_domains: s.blocked_domains.join("\n"),
            require_two_factor: if s.require_two_factor { "yes" } else { "" }.to_owned(),
            version,
        }
    }

    /// `petitions`: the slugs of the petitions a site can lead with (open, on a page).
    fn read(&self, images: &[String], petitions: &[String]) -> Result<SiteSettings, Errors> {
        let mut errors = Errors::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.insert("name", "The site needs a name.".into());
        }
        let contact_email = optional_address(&self.contact_email, "contact_email", &mut errors);
        let language = self.language.trim().to_owned();
        let language_ok = language.split('-').enumerate().all(|(i, part)| {
            let letters = part.chars().all(|c| c.is_ascii_alphanumeric());
            if i == 0 {
                (2..=3).contains(&part.len()) && part.chars().all(|c| c.is_ascii_lowercase())
            } else {
                (1..=8).contains(&part.len()) && letters
            }
        });
        if !language_ok {
            errors.insert("language", "Write a language code such as en, de or en-GB.".into());
        }
        let time_zone = crate::content::zone::Zone::parse(&self.time_zone).map(|zone| zone.name().to_owned()).unwrap_or_else(|message| {
            errors.insert("time_zone", message);
            String::new()
        });
        let mut social = Vec::new();
        for (n, line) in self.social.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            match line.split_once('|').map(|(l, h)| (l.trim(), Href::parse(h.trim()))) {
                Some((label, Ok(href))) if !label.is_empty() => social.push(Link { label: label.to_owned(), href }),
                _ => {
                    errors.insert("social", format!("Line {}: write it as Label | https://…", n + 1));
                }
            }
        }
        let accent = self.accent.trim().to_lowercase();
        if !accent.is_empty() && !settings::is_hex_colour(&accent) {
            errors.insert("accent", "Write the colour as # and six hex digits, e.g. #8a1c1c.".into());
        }
        let logo = Some(self.logo.trim().to_owned()).filter(|l| !l.is_empty());
        if logo.as_ref().is_some_and(|l| !images.contains(l)) {
            errors.insert("logo", "Choose an image from the library.".into());
        }
        let hero_image = Some(self.hero_image.trim())
            .filter(|n| !n.is_empty())
            .map(|asset| Image { asset: asset.to_owned(), alt: self.hero_alt.trim().to_owned() });
        if hero_image.as_ref().is_some_and(|i| !images.contains(&i.asset)) {
            errors.insert("hero_image", "Choose an image from the library.".into());
        } else if hero_image.as_ref().is_some_and(|i| i.alt.is_empty()) {
            errors.insert("hero_alt", "Say what the picture shows, for those who cannot see it.".into());
        }
        let lead = match self.lead.trim() {
            "" => Lead::Nothing,
            "newsletter" => Lead::Newsletter,
            other => match other.strip_prefix("petition:") {
                Some(slug) if petitions.iter().any(|p| p == slug) => Lead::Petition(slug.to_owned()),
                _ => {
                    errors.insert("lead", "Lead with an open petition that a page shows (add a Petition block to a page first).".into());
                    Lead::Nothing
                }
            },
        };
        let mail_from = optional_address(&self.mail_from, "mail_from", &mut errors);
        let mail_from_name = self.mail_from_name.trim().to_owned();
        if mail_from_name.chars().any(char::is_control) || mail_from_name.chars().count() > 100 {
            errors.insert("mail_from_name", "A sender name is one line of at most 100 characters.".into());
        }
        let mut blocked_domains = Vec::new();
        for (n, line) in self.blocked_domains.lines().map(|l| l.trim().trim_start_matches('@').to_lowercase()).enumerate() {
            if line.is_empty() {
                continue;
            }
            if line.contains('.') && line.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-') {
                blocked_domains.push(line);
            } else {
                errors.insert("blocked_domains", format!("Line {}: write a domain such as example.com.", n + 1));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SiteSettings {
            mail_from,
            mail_from_name,
            blocked_domains,
            name,
            tagline: self.tagline.trim().to_owned(),
            description: self.description.trim().to_owned(),
            owner: self.owner.trim().to_owned(),
            contact_email,
            language,
            time_zone,
            notice: self.notice.trim().to_owned(),
            social,
            accent,
            logo,
            hero_image,
            lead,
            require_two_factor: self.require_two_factor == "yes",
        })
    }
}

/// An address that may be left empty, checked when it is not.
fn optional_address(typed: &str, field: &'static str, errors: &mut Errors) -> String {
    match typed.trim() {
        "" => String::new(),
        typed => EmailAddress::parse(typed).map(|e| e.to_string()).unwrap_or_else(|e| {
            errors.insert(field, e);
            String::new()
        }),
    }
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let current = settings::load(&state.site.store).await?.ok_or_else(|| anyhow::anyhow!("the store has no site settings"))?;
    let notice = if done.done == "saved" { "Saved: every page shows the new settings." } else { "" };
    page(
        &state,
        &editor,
        StatusCode::OK,
        &SettingsForm::from_settings(&current, versioned::current(&state.site.store, ENTITY).await?),
        &Errors::new(),
        notice,
        None,
    )
    .await
}

async fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    form: &SettingsForm,
    errors: &Errors,
    notice: &str,
    conflict: Option<minijinja::Value>,
) -> AdminResult {
    let images = assets::image_names(&state.site.store).await?;
    let leads = leads(&state.site.store).await?;
    let zones: Vec<[String; 2]> = crate::content::zone::Zone::names().into_iter().map(|n| [n.clone(), n.replace('_', " ")]).collect();
    let values = context! { form => Serde(form), errors, notice, images, conflict, zones, leads };
    Ok(state.views.page(status, "settings.html", Some(editor), values))
}

/// `GET /admin/settings/revisions`: the settings' saved versions.
pub async fn history(State(state): State<AdminState>, editor: Editor, Query(compare): Query<super::history::Compare>) -> AdminResult {
    let version = versioned::current(&state.site.store, ENTITY).await?;
    let item = super::history::Item {
        entity: ENTITY,
        id: 0,
        title: "Site settings",
        path: "/admin/settings".to_owned(),
        back: None,
        version,
        fields: |data| Ok(data.clone()),
    };
    super::history::show(&state, &editor, item, compare).await
}

/// Saves an older version of the settings as the newest; a save since the history was shown wins.
pub async fn restore(
    State(state): State<AdminState>,
    editor: Editor,
    Path(version): Path<i64>,
    Form(seen): Form<super::history::Seen>,
) -> AdminResult {
    let revision = revisions::get(&state.site.store, ENTITY, 0, version).await?.ok_or_else(super::error::Problem::not_found)?;
    let old: SiteSettings = serde_json::from_value(revision.data.0)?;
    settings::save(&state.site.store, seen.version()?, &old, &author(&editor)).await.map_err(|e| saving::problem(e, "settings page"))?;
    Ok(Redirect::to("/admin/settings?done=saved").into_response())
}

/// What a site can lead with, as the form's choices `[value, label]`:
/// nothing, the newsletter, and each open petition a published page shows.
async fn leads(store: &crate::store::Store) -> anyhow::Result<Vec<[String; 2]>> {
    let shown: Vec<String> = crate::content::pages::published_all(store)
        .await?
        .iter()
        .flat_map(|page| page.blocks.0.iter())
        .filter_map(|block| match block {
            Block::Petition { petition: Some(slug), .. } => Some(slug.as_str().to_owned()),
            _ => None,
        })
        .collect();
    let mut leads = vec![[String::new(), "Nothing: no button".to_owned()], ["newsletter".to_owned(), "The newsletter signup".to_owned()]];
    for petition in crate::petitions::list(store).await?.into_iter().filter(|p| p.is_open() && shown.contains(&p.slug)) {
        leads.push([format!("petition:{}", petition.slug), format!("The petition “{}”", petition.title)]);
    }
    Ok(leads)
}

pub async fn save(State(state): State<AdminState>, editor: Editor, Form(form): Form<SettingsForm>) -> AdminResult {
    let images = assets::image_names(&state.site.store).await?;
    let petitions: Vec<String> =
        leads(&state.site.store).await?.into_iter().filter_map(|[value, _]| value.strip_prefix("petition:").map(str::to_owned)).collect();
    let mut read = form.read(&images, &petitions);
    // Requiring it without having it would send the owner to its setup at once.
    if form.require_two_factor == "yes" && !editor.user.two_factor {
        let message = "Turn two-factor sign-in on for yourself first (Your account → Two-factor sign-in); then require it of everyone.";
        let mut errors = read.err().unwrap_or_default();
        errors.insert("require_two_factor", message.to_owned());
        read = Err(errors);
    }
    let new = match read {
        Ok(new) => new,
        Err(errors) => return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors, "", None).await,
    };
    let error = match settings::save(&state.site.store, form.version, &new, &author(&editor)).await {
        Ok(_) => return Ok(Redirect::to("/admin/settings?done=saved").into_response()),
        Err(error) => saving::again(error, "settings page")?,
    };
    if !error.conflict {
        return page(&state, &editor, error.status, &form, &error.errors(), "", None).await;
    }
    // Theirs beside the typed settings; the next save goes over theirs, knowingly.
    let saved = settings::load(&state.site.store).await?.ok_or_else(|| anyhow::anyhow!("the store has no site settings"))?;
    let theirs = SettingsForm::from_settings(&saved, versioned::current(&state.site.store, ENTITY).await?);
    let conflict = saving::conflict(&state.site.store, ENTITY, 0, &theirs, &form, &["version"]).await?;
    let form = SettingsForm { version: theirs.version, ..form };
    page(&state, &editor, StatusCode::CONFLICT, &form, &Errors::new(), "", Some(conflict)).await
}
