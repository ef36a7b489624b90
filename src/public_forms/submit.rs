//! The steps every public form takes before its own action, in one place:
//! the guard against bots, the typed fields, a mail server where the form
//! confirms by email, the limits on attempts, and the blocked domains.
//! A form supplies only what differs ([`PublicForm`]).

use super::answers::FormAgain;
use axum::http::HeaderMap;

use super::answers::{self, Answer, PublicError};
use super::attempts::{self, Limits};
use super::guard::{self, Guard, Verdict};
use super::{Errors, Forms};
use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Mailer};

/// What one public form adds to the shared steps.
pub trait PublicForm {
    /// The checked fields the form's action takes.
    type Input;
    const LIMITS: Limits;
    fn guard(&self) -> &Guard;
    /// The typed fields, checked, or what is wrong with each.
    fn read(&self) -> Result<Self::Input, Errors>;
    /// The address the person gave: counted against the limits and checked
    /// against the blocked domains.
    fn email(input: &Self::Input) -> &EmailAddress;
    /// The answer while this site cannot send mail, for a form that
    /// confirms by email; `None` for one that works without.
    fn paused(&self, _again: FormAgain) -> Option<Answer> {
        None
    }
    /// The title of the page that shows the form again with its errors.
    fn invalid_title(_errors: &Errors) -> &'static str {
        "Please check the form"
    }
}

/// A submission the shared steps let through.
pub struct Admitted<I> {
    pub input: I,
    pub settings: SiteSettings,
    /// Always there for a form that needs it (see [`PublicForm::paused`]).
    pub mailer: Option<Mailer>,
}

/// Runs the shared steps. `Ok(None)` means: answer as if the form was
/// taken and do nothing (a bot, or an address of a blocked domain), so
/// neither learns anything. `again` shows the form once more with what was
/// typed and the errors.
pub async fn admit<F: PublicForm>(
    state: &Forms,
    ip: &str,
    headers: &HeaderMap,
    form: &F,
    again: impl Fn(&Errors) -> FormAgain,
) -> Result<Option<Admitted<F::Input>>, PublicError> {
    let proof = match guard::check(&state.key, headers, form.guard(), &state.origins) {
        Verdict::CrossSite => return Err(answers::cross_site().into()),
        Verdict::Drop => return Ok(None),
        Verdict::Stale => return Err(answers::stale(again(&Errors::new())).into()),
        Verdict::Pass { proof } => proof,
    };
    let input = form.read().map_err(|errors| answers::invalid(F::invalid_title(&errors), again(&errors)))?;
    let settings = crate::render::page::settings(&state.site).await?;
    let mailer = state.outgoing.mailer.clone();
    // Mail needs a server and an address to come from.
    if (mailer.is_none() || crate::mail::site::sender(&settings).is_none())
        && let Some(paused) = form.paused(again(&Errors::new()))
    {
        return Err(paused.into());
    }
    let email = F::email(&input);
    if let Some(wait) = attempts::admit(&state.site.store, F::LIMITS, ip, email.as_str(), proof.as_deref()).await? {
        return Err(answers::too_many(wait, again(&Errors::new())).into());
    }
    if is_blocked(&settings, email) {
        return Ok(None);
    }
    Ok(Some(Admitted { input, settings, mailer }))
}

/// True when the address's domain is on the blocked list in Settings.
fn is_blocked(settings: &SiteSettings, email: &EmailAddress) -> bool {
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    settings.blocked_domains.iter().any(|blocked| blocked.eq_ignore_ascii_case(domain))
}
