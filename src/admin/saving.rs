//! What an editor sees when a save did not happen, the same for every kind:
//! the form again with the typed text, the reason, and, when someone else
//! saved meanwhile, what they changed beside it.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::error::{AdminError, Problem, unsaved};
use super::{diff, views};
use crate::content::{SaveError, revisions};
use crate::store::Store;

/// How the form is shown again.
#[derive(Debug)]
pub struct Again {
    pub status: StatusCode,
    /// The field the message is about (`form`: the whole form) and the message.
    pub message: Option<(&'static str, String)>,
    /// Someone saved since the form was opened: show theirs beside it, and
    /// let the next save go over theirs, knowingly.
    pub conflict: bool,
}

impl Again {
    /// The message as a form's field errors.
    pub fn errors<K: From<&'static str> + Ord>(&self) -> BTreeMap<K, String> {
        self.message.iter().map(|(field, message)| (K::from(field), message.clone())).collect()
    }
}

/// Why a save of a `noun` ("post", "book") did not happen, as the form
/// shows it again; an error that is no passing reason stays an error.
pub fn again(error: SaveError, noun: &str) -> Result<Again, AdminError> {
    let (status, message, conflict) = match error {
        SaveError::Conflict => (StatusCode::CONFLICT, None, true),
        SaveError::SlugTaken => (
            StatusCode::CONFLICT,
            Some(("slug", format!("Another {noun} (perhaps one in the trash) already uses this address; choose another."))),
            false,
        ),
        SaveError::Gone => (
            StatusCode::GONE,
            Some(("form", format!("This {noun} was deleted while you were editing it. Nothing was saved: your text is below, to copy."))),
            false,
        ),
        SaveError::Closed => (
            StatusCode::CONFLICT,
            Some((
                "form",
                format!(
                    "This {noun} started going out meanwhile, so it can no longer change. Nothing of yours was saved: your text is below, to copy into a new one."
                ),
            )),
            false,
        ),
        SaveError::Refused(message) => (StatusCode::UNPROCESSABLE_ENTITY, Some(("form", message)), false),
        SaveError::Store(error) => (StatusCode::SERVICE_UNAVAILABLE, Some(("form", unsaved(error)?)), false),
    };
    Ok(Again { status, message, conflict })
}

/// The conflict box: who saved item `id` of `entity` last, when, and how
/// their version differs from the typed one (`skip`: fields that are not content).
pub async fn conflict(
    store: &Store,
    entity: &str,
    id: i64,
    theirs: &impl Serialize,
    mine: &impl Serialize,
    skip: &[&str],
) -> Result<minijinja::Value, AdminError> {
    let latest = revisions::latest(store, entity, id).await?;
    let changes = diff::fields(&serde_json::to_value(theirs)?, &serde_json::to_value(mine)?, skip);
    Ok(context! {
        who => latest.as_ref().map(|r| r.user_name.clone()), when => latest.map(|r| views::when(r.at)), changes => Serde(&changes),
    })
}

/// Why a save made by a button rather than a typed form (a restore, a move
/// to the trash) did not happen, as a message page: there is no typed text to keep.
pub fn problem(error: SaveError, noun: &str) -> AdminError {
    let message = match error {
        SaveError::Conflict => format!("Someone saved this {noun} a moment ago; look at it again, then retry."),
        SaveError::SlugTaken => format!("Another {noun} now uses this version's address; change that one's address first."),
        SaveError::Gone => return Problem::not_found().into(),
        SaveError::Closed => format!("This {noun} can no longer change."),
        SaveError::Refused(why) => format!("That version no longer passes today's checks ({why}); copy what you need from it instead."),
        SaveError::Store(error) => return AdminError::Internal(error),
    };
    Problem::new(StatusCode::CONFLICT, message).into()
}
