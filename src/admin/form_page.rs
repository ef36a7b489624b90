//! An edit form as an editor sees it, the same for every kind: the form as
//! typed, the saved item if there is one, and, when the form comes back
//! unsaved, why (the status, each field's message, a notice) and after a
//! conflict the other editor's version. Each kind renders it into its own
//! template (`impl FormPage<'_, Item, Form> { async fn render … }`).

use std::collections::BTreeMap;

use axum::http::StatusCode;

use super::saving::Again;

pub struct FormPage<'a, Item, Form, Field = String> {
    pub status: StatusCode,
    pub item: Option<&'a Item>,
    pub form: &'a Form,
    /// Each field's message (`form`: the whole form's).
    pub errors: BTreeMap<Field, String>,
    pub notice: &'a str,
    pub conflict: Option<minijinja::Value>,
}

impl<'a, Item, Form, Field: Ord + From<&'static str>> FormPage<'a, Item, Form, Field> {
    /// The form as opened.
    pub fn new(item: Option<&'a Item>, form: &'a Form) -> Self {
        FormPage { status: StatusCode::OK, item, form, errors: BTreeMap::new(), notice: "", conflict: None }
    }

    /// The form as opened, with a word on what just happened.
    pub fn with_notice(item: Option<&'a Item>, form: &'a Form, notice: &'a str) -> Self {
        FormPage { notice, ..Self::new(item, form) }
    }

    /// The form back unsaved: something typed does not pass its check.
    pub fn invalid(item: Option<&'a Item>, form: &'a Form, errors: BTreeMap<Field, String>) -> Self {
        FormPage { status: StatusCode::UNPROCESSABLE_ENTITY, errors, ..Self::new(item, form) }
    }

    /// The form back unsaved because the save did not happen (`saving::again`).
    pub fn again(item: Option<&'a Item>, form: &'a Form, again: &Again) -> Self {
        FormPage { status: again.status, errors: again.errors(), ..Self::new(item, form) }
    }

    /// Someone saved meanwhile: `theirs` is now the saved item, shown beside
    /// the typed form (whose version is theirs, so saving again goes over theirs knowingly).
    pub fn conflict(theirs: &'a Item, form: &'a Form, conflict: minijinja::Value) -> Self {
        FormPage { status: StatusCode::CONFLICT, conflict: Some(conflict), ..Self::new(Some(theirs), form) }
    }

    /// Whether the page shows text the store may not have (the browser keeps a copy).
    pub fn unsaved(&self) -> bool {
        self.status != StatusCode::OK || !self.errors.is_empty()
    }
}
