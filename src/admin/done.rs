//! What a page says after the action that redirected to it: a successful
//! save answers `303 → ?done=saved`, and the page shows that it worked.

use serde::Deserialize;

/// The `?done=…` of a page reached by a redirect after an action.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Done {
    pub done: String,
    /// The media library names the file it just took (`?done=uploaded&name=…`).
    pub name: String,
    /// The newsletter's recipients, filtered by delivery state (`?status=failed`).
    pub status: String,
}
