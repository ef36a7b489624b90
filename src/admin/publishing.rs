//! What the editor's buttons (save, publish, schedule, unpublish) ask of an
//! item's state, and what the page says afterwards; pages and posts alike.

use time::{OffsetDateTime, PrimitiveDateTime};

use super::gate::Editor;
use crate::content::Status;
use crate::content::revisions::Author;
use crate::content::zone::Zone;

/// The state a pressed button asks for; "save" keeps the current one.
pub fn wanted_status(action: &str, current: Option<Status>) -> Status {
    match action {
        "publish" => Status::Published,
        "schedule" => Status::Scheduled,
        "unpublish" => Status::Draft,
        _ => match current {
            None | Some(Status::Trash) => Status::Draft,
            Some(status) => status,
        },
    }
}

/// The `?done=` word after a save.
pub fn done(action: &str, status: Status) -> &'static str {
    match (action, status) {
        ("unpublish", _) => "unpublished",
        ("publish", _) => "published",
        (_, Status::Scheduled) => "scheduled",
        _ => "saved",
    }
}

/// The Undo button's form after "Move to the trash": the version the
/// trash made (so a later change is not undone blindly) and the state
/// before. A scheduled item comes back as a draft: its time has been
/// cleared, and may have passed.
#[derive(Debug, serde::Deserialize)]
pub struct Undo {
    pub version: i64,
    #[serde(default)]
    was: String,
}

impl Undo {
    pub fn state(&self) -> Status {
        if self.was == Status::Published.as_str() { Status::Published } else { Status::Draft }
    }

    /// The word the list's Undo carries for a state.
    pub fn word(was: Status) -> &'static str {
        if was == Status::Published { Status::Published.as_str() } else { Status::Draft.as_str() }
    }
}

/// The notice for a `?done=` word.
pub fn notice(done: &str) -> &'static str {
    match done {
        "saved" => "Saved.",
        "published" => "Published: it is on the site now.",
        "scheduled" => "Scheduled: it goes live at the time you chose.",
        "unpublished" => "Unpublished: it is a draft again and gone from the site.",
        "restored" => "The older version is restored as the newest one.",
        "untrashed" => "Taken out of the trash, as a draft.",
        "back" => "Back out of the trash, as it was before.",
        _ => "",
    }
}

/// The editor as revisions remember them.
pub fn author(editor: &Editor) -> Author {
    let name = if editor.user.name.is_empty() { &editor.user.email } else { &editor.user.name };
    Author { id: Some(editor.user.id), name: name.clone() }
}

/// What a `datetime-local` field sends: seconds only when the browser shows them.
const TYPED_TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute][optional [:[second]]]");

/// A time typed in a `datetime-local` field, on the site's clock.
pub fn typed_time(text: &str) -> Result<OffsetDateTime, String> {
    let zone = Zone::current();
    PrimitiveDateTime::parse(text.trim(), TYPED_TIME)
        .ok()
        .and_then(|at| zone.instant(at))
        .ok_or_else(|| format!("Write the time as YYYY-MM-DD HH:MM ({} time).", zone.name().replace('_', " ")))
}

/// When a scheduled item goes out, typed in a `datetime-local` field: a
/// time still to come. `or_now` is the button that does it at once.
pub fn scheduled_at(text: &str, or_now: &str) -> Result<OffsetDateTime, String> {
    if text.trim().is_empty() {
        return Err("Choose the date and time it should happen.".to_owned());
    }
    match typed_time(text)? {
        at if at > OffsetDateTime::now_utc() => Ok(at),
        _ => Err(format!("This time has passed: choose a later one, or {or_now}.")),
    }
}

/// A time as a `datetime-local` field shows it on the site's clock: `2026-11-27T09:30`.
pub fn minute(at: OffsetDateTime) -> String {
    let (at, _) = Zone::current().local(at);
    format!("{}T{:02}:{:02}", at.date(), at.hour(), at.minute())
}
