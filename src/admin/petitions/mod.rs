//! `/admin/petitions` (editors and owners): write a petition, set its goal,
//! end and state, close it; its signatures are in [`signatures`].

pub mod signatures;

use std::collections::BTreeMap;

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::error::{AdminResult, Problem};
use super::form_page::FormPage;
use super::gate::Editor;
use super::publishing::{author, minute, typed_time};
use super::{AdminState, saving, views};
use crate::admin::done::Done;
use crate::content::SaveError;
use crate::content::slug::{Slug, slugify};
use crate::content::versioned::{Over, Saved};
use crate::petitions::signatures as signed;
use crate::petitions::{self, Draft, Petition};

/// The petition form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PetitionForm {
    title: String,
    slug: String,
    addressee: String,
    goal: String,
    /// `YYYY-MM-DDTHH:MM` on the site's clock, or empty for no end.
    ends_at: String,
    status: String,
    result: String,
    body: String,
    version: i64,
}

type Errors = BTreeMap<&'static str, String>;

const TITLE_LIMIT: usize = 200;

impl PetitionForm {
    fn of(petition: &Petition) -> Self {
        PetitionForm {
            title: petition.title.clone(),
            slug: petition.slug.clone(),
            addressee: petition.addressee.clone(),
            goal: petition.goal.to_string(),
            ends_at: petition.ends_at.map(minute).unwrap_or_default(),
            status: petition.status.clone(),
            result: petition.result.clone(),
            body: petition.body.clone(),
            version: petition.version,
        }
    }

    /// What was typed, as checked: for comparing with a saved version.
    fn of_draft(draft: &Draft) -> Self {
        PetitionForm {
            title: draft.title.clone(),
            slug: draft.slug.to_string(),
            addressee: draft.addressee.clone(),
            goal: draft.goal.to_string(),
            ends_at: draft.ends_at.map(minute).unwrap_or_default(),
            status: draft.status.clone(),
            result: draft.result.clone(),
            body: draft.body.clone(),
            version: 0,
        }
    }

    fn check(&self) -> Result<Draft, Errors> {
        let mut errors = Errors::new();
        let line = |value: &str, key: &'static str, what: &str, errors: &mut Errors| {
            let value = value.trim();
            if value.is_empty() {
                errors.insert(key, format!("{what} is needed."));
            } else if value.chars().count() > TITLE_LIMIT || value.chars().any(char::is_control) {
                errors.insert(key, format!("{what} is one line of at most {TITLE_LIMIT} characters."));
            }
            value.to_owned()
        };
        let title = line(&self.title, "title", "A title", &mut errors);
        let addressee = line(&self.addressee, "addressee", "Whom it is addressed to", &mut errors);
        let slug = match self.slug.trim() {
            "" => Slug::parse(&slugify(&title)),
            typed => Slug::parse(typed),
        }
        .map_err(|e| errors.insert("slug", e))
        .ok();
        let goal = match self.goal.trim().replace([',', '.', ' '], "").parse::<i64>() {
            Ok(goal) if (1..=100_000_000).contains(&goal) => goal,
            _ => {
                errors.insert("goal", "Write the number of signatures hoped for, e.g. 10000.".into());
                0
            }
        };
        let ends_at = match self.ends_at.trim() {
            "" => None,
            typed => typed_time(typed).map_err(|e| errors.insert("ends_at", e)).ok(),
        };
        if !petitions::STATUSES.contains(&self.status.as_str()) {
            errors.insert("status", "Choose open, closed or delivered.".into());
        }
        let body = self.body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            errors.insert("body", "Write what the petition asks for.".into());
        }
        for (field, text) in [("body", &body), ("result", &self.result)] {
            if let Err(e) = crate::render::markdown::check(text) {
                errors.insert(field, e);
            }
        }
        match slug {
            Some(slug) if errors.is_empty() => Ok(Draft {
                slug,
                title,
                body,
                addressee,
                goal,
                ends_at,
                status: self.status.clone(),
                result: self.result.replace("\r\n", "\n").trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

fn notice(done: &str) -> &'static str {
    match done {
        "saved" => "Saved. Pages with a Petition block that names it show it now.",
        "closed" => "Closed: the petition shows its result and takes no more signatures.",
        _ => "",
    }
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let mut rows = Vec::new();
    for petition in petitions::list(&state.site.store).await? {
        let counts = signed::counts(&state.site.store, petition.id).await?;
        let count = |status: &str| counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        rows.push(context! {
            id => petition.id, title => &petition.title, slug => &petition.slug, status => &petition.status,
            open => petition.is_open(), goal => petition.goal, verified => count(signed::VERIFIED), pending => count(signed::PENDING),
        });
    }
    let values = context! { rows, notice => notice(&done.done) };
    Ok(state.views.page(StatusCode::OK, "petitions.html", Some(&editor), values))
}

pub async fn new(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    let form = PetitionForm { status: petitions::OPEN.into(), ..PetitionForm::default() };
    Shown::new(None, &form).render(&state, &editor).await
}

pub async fn create(State(state): State<AdminState>, editor: Editor, Form(form): Form<PetitionForm>) -> AdminResult {
    let draft = match form.check() {
        Ok(draft) => draft,
        Err(errors) => return Shown::invalid(None, &form, errors).render(&state, &editor).await,
    };
    let saved = petitions::save(&state.site.store, Over::New, &draft, &author(&editor)).await;
    answer(&state, &editor, None, &form, &draft, saved).await
}

pub async fn edit(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(done): Query<Done>) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    Shown::with_notice(Some(&petition), &PetitionForm::of(&petition), notice(&done.done)).render(&state, &editor).await
}

pub async fn update(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(form): Form<PetitionForm>) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let draft = match form.check() {
        Ok(draft) if petition.anonymised_at.is_some() && draft.status == petitions::OPEN => {
            let errors = Errors::from([(
                "status",
                "Its signatures were anonymised, so this petition stays closed; start a new one to collect signatures again.".to_owned(),
            )]);
            return Shown::invalid(Some(&petition), &form, errors).render(&state, &editor).await;
        }
        Ok(draft) => draft,
        Err(errors) => return Shown::invalid(Some(&petition), &form, errors).render(&state, &editor).await,
    };
    let saved = petitions::save(&state.site.store, Over::Version { id, version: form.version }, &draft, &author(&editor)).await;
    answer(&state, &editor, Some(&petition), &form, &draft, saved).await
}

/// After a save: the petition's editor, or the form again as typed, with why it was not saved.
async fn answer(
    state: &AdminState,
    editor: &Editor,
    petition: Option<&Petition>,
    form: &PetitionForm,
    mine: &Draft,
    saved: Result<Saved, SaveError>,
) -> AdminResult {
    let again = match saved {
        Ok(saved) => return Ok(Redirect::to(&format!("/admin/petitions/{}?done=saved", saved.id)).into_response()),
        Err(error) => saving::again(error, "petition")?,
    };
    let Some(petition) = petition.filter(|_| again.conflict) else {
        return Shown::again(petition, form, &again).render(state, editor).await;
    };
    // The next save goes over the newer version, knowingly.
    let theirs = petitions::get(&state.site.store, petition.id).await?.ok_or_else(Problem::not_found)?;
    let conflict = saving::conflict(
        &state.site.store,
        petitions::KIND.entity,
        theirs.id,
        &PetitionForm::of(&theirs),
        &PetitionForm::of_draft(mine),
        &["version"],
    )
    .await?;
    let fresh = PetitionForm { version: theirs.version, ..form.clone() };
    Shown::conflict(&theirs, &fresh, conflict).render(state, editor).await
}

pub async fn close(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    petitions::close(&state.site.store, id).await?;
    Ok(Redirect::to(&format!("/admin/petitions/{id}?done=closed")).into_response())
}

/// What the petition editor shows: the form (as typed), messages, the saved petition.
type Shown<'a> = FormPage<'a, Petition, PetitionForm, &'static str>;

impl Shown<'_> {
    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        let unsaved = self.unsaved();
        let Shown { status, item: petition, form, errors, notice, conflict } = self;
        let current = match petition {
            Some(p) => {
                let counts = signed::counts(&state.site.store, p.id).await?;
                Some(context! {
                    id => p.id, slug => &p.slug, open => p.is_open(), status => &p.status, counts => Serde(counts),
                    anonymised => p.anonymised_at.map(views::when), updated => views::when(p.updated_at),
                })
            }
            None => None,
        };
        let statuses =
            [["open", "Open: takes signatures"], ["closed", "Closed: shows its result"], ["delivered", "Delivered to the addressee"]];
        let values = context! {
            petition => current, form => Serde(form), errors => Serde(errors), notice, statuses,
            unsaved, conflict,
        };
        Ok(state.views.page(status, "petition_edit.html", Some(editor), values))
    }
}
