//! `/admin/petitions` (editors and owners): write a petition, set its goal,
//! end and state, close it; its signatures are in [`signatures`].

pub mod signatures;

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::error::{AdminResult, Problem, unsaved};
use super::gate::Editor;
use super::publishing::{minute, typed_time};
use super::{AdminState, views};
use crate::admin::done::Done;
use crate::content::slug::{Slug, slugify};
use crate::petitions::signatures as signed;
use crate::petitions::{self, Draft, Petition, SaveError};

/// The petition form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PetitionForm {
    title: String,
    slug: String,
    addressee: String,
    goal: String,
    /// `YYYY-MM-DDTHH:MM` in UTC, or empty for no end.
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
    for petition in petitions::list(&state.store).await? {
        let counts = signed::counts(&state.store, petition.id).await?;
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
    form_page(&state, &editor, StatusCode::OK, None, &form, &Errors::new(), "").await
}

pub async fn create(State(state): State<AdminState>, editor: Editor, Form(form): Form<PetitionForm>) -> AdminResult {
    let draft = match form.check() {
        Ok(draft) => draft,
        Err(errors) => return form_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, None, &form, &errors, "").await,
    };
    match petitions::create(&state.store, &draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/petitions/{id}?done=saved")).into_response()),
        Err(SaveError::Store(error)) => {
            let errors = Errors::from([("form", unsaved(error)?)]);
            form_page(&state, &editor, StatusCode::SERVICE_UNAVAILABLE, None, &form, &errors, "").await
        }
        Err(error) => {
            form_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, None, &form, &Errors::from([("slug", error.to_string())]), "")
                .await
        }
    }
}

pub async fn edit(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(done): Query<Done>) -> AdminResult {
    let petition = petitions::get(&state.store, id).await?.ok_or_else(Problem::not_found)?;
    form_page(&state, &editor, StatusCode::OK, Some(&petition), &PetitionForm::of(&petition), &Errors::new(), notice(&done.done)).await
}

pub async fn update(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(form): Form<PetitionForm>) -> AdminResult {
    let petition = petitions::get(&state.store, id).await?.ok_or_else(Problem::not_found)?;
    let draft = match form.check() {
        Ok(draft) if petition.anonymised_at.is_some() && draft.status == petitions::OPEN => {
            let errors = Errors::from([(
                "status",
                "Its signatures were anonymised, so this petition stays closed; start a new one to collect signatures again.".to_owned(),
            )]);
            return form_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, Some(&petition), &form, &errors, "").await;
        }
        Ok(draft) => draft,
        Err(errors) => return form_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, Some(&petition), &form, &errors, "").await,
    };
    match petitions::update(&state.store, id, form.version, &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/petitions/{id}?done=saved")).into_response()),
        Err(SaveError::Stale) => {
            let text = "Someone saved this petition after you opened it. Nothing of yours was saved: your text is below. Open the petition in a new tab to see their version, then save again.";
            // The next save goes over the newer version, knowingly.
            let fresh = PetitionForm { version: petition.version, ..form };
            form_page(&state, &editor, StatusCode::CONFLICT, Some(&petition), &fresh, &Errors::new(), text).await
        }
        Err(SaveError::Store(error)) => {
            let errors = Errors::from([("form", unsaved(error)?)]);
            form_page(&state, &editor, StatusCode::SERVICE_UNAVAILABLE, Some(&petition), &form, &errors, "").await
        }
        Err(error) => {
            let errors = Errors::from([("slug", error.to_string())]);
            form_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, Some(&petition), &form, &errors, "").await
        }
    }
}

pub async fn close(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>) -> AdminResult {
    petitions::get(&state.store, id).await?.ok_or_else(Problem::not_found)?;
    petitions::close(&state.store, id).await?;
    Ok(Redirect::to(&format!("/admin/petitions/{id}?done=closed")).into_response())
}

async fn form_page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    petition: Option<&Petition>,
    form: &PetitionForm,
    errors: &Errors,
    notice: &str,
) -> AdminResult {
    let current = match petition {
        Some(p) => {
            let counts = signed::counts(&state.store, p.id).await?;
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
        unsaved => status != StatusCode::OK || !errors.is_empty(),
    };
    Ok(state.views.page(status, "petition_edit.html", Some(editor), values))
}
