//! The emails the admin sends about accounts: an invitation and a link to
//! choose a new password. Both links also work when handed on by hand, so
//! a site without mail is never locked out.

use minijinja::context;

use super::AdminState;
use super::accounts::Role;
use crate::mail::site::{self, sender_needed};
use crate::mail::{EmailAddress, Letter, Mailer, Sender};

/// The mail server and the site's settings, when the site can send email
/// (`--smtp` given and a sender address in Settings).
pub async fn ready(state: &AdminState) -> anyhow::Result<Option<(Mailer, crate::content::settings::SiteSettings)>> {
    let Some(mailer) = state.outgoing.mailer.clone() else { return Ok(None) };
    let settings = crate::render::page::settings(&state.site).await?;
    Ok(site::sender(&settings).is_some().then_some((mailer, settings)))
}

pub fn invitation(
    settings: &crate::content::settings::SiteSettings,
    base_url: &str,
    to: &EmailAddress,
    by: &str,
    role: Role,
    url: &str,
) -> anyhow::Result<(Letter, Sender)> {
    let values = context! { by, role => role.as_str(), url };
    let id = format!("invitation.{}", crate::secrets::token());
    Ok((site::letter("invitation", settings, base_url, values, to, &id)?, sender_needed(settings)?))
}

pub fn password_reset(
    settings: &crate::content::settings::SiteSettings,
    base_url: &str,
    to: &EmailAddress,
    url: &str,
) -> anyhow::Result<(Letter, Sender)> {
    let values = context! { email => to.as_str(), url };
    let id = format!("reset.{}", crate::secrets::token());
    Ok((site::letter("password_reset", settings, base_url, values, to, &id)?, sender_needed(settings)?))
}

/// Sends the letter `build` makes, now, when the site can send mail: `None`
/// when it cannot, else the mail server's answer (`Err` says in words why not).
pub async fn send_if_ready(
    state: &AdminState,
    build: impl FnOnce(&crate::content::settings::SiteSettings) -> anyhow::Result<(Letter, Sender)>,
) -> anyhow::Result<Option<Result<(), String>>> {
    let Some((mailer, settings)) = ready(state).await? else { return Ok(None) };
    let sent = async {
        let (letter, sender) = build(&settings)?;
        mailer.send(letter.build(&sender)?).await?;
        anyhow::Ok(())
    };
    Ok(Some(sent.await.map_err(|e| format!("{e:#}"))))
}
