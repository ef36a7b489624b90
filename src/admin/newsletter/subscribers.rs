//! `/admin/subscribers` (editors and owners): the list with search and
//! counts, adding people by hand, importing a CSV file of people who agreed
//! elsewhere, exporting everyone as CSV, erasing a person, and the signup
//! bursts worth a look.

use std::collections::BTreeMap;

use crate::admin::form::{FileForm, Form};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use crate::admin::error::AdminResult;
use crate::admin::gate::Editor;
use crate::admin::{AdminState, csv, views};
use crate::mail::EmailAddress;
use crate::newsletter::subscribers;
use crate::public_forms::attempts;

const PER_PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    page: i64,
    done: String,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AddForm {
    email: String,
    name: String,
    /// "yes" when the editor confirms the person agreed to receive the newsletter.
    consent: String,
}

type Errors = BTreeMap<&'static str, String>;

/// What an import did, shown above the list.
#[derive(Debug, Default, serde::Serialize)]
struct Report {
    added: usize,
    known: usize,
    /// "Line 3: …" for every line that was not taken.
    problems: Vec<String>,
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(query): Query<ListQuery>) -> AdminResult {
    page(&state, &editor, StatusCode::OK, &query, &AddForm::default(), &Errors::new(), None).await
}

async fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    query: &ListQuery,
    add: &AddForm,
    errors: &Errors,
    report: Option<&Report>,
) -> AdminResult {
    let filter = subscribers::STATUSES.iter().find(|s| **s == query.status).copied();
    let paging = views::Paging::new(query.page, PER_PAGE);
    let (found, more) = paging.cut(subscribers::list(&state.site.store, &query.q, filter, paging.limit(), paging.offset()).await?);
    let rows: Vec<_> = found
        .into_iter()
        .map(|s| {
            let since = s.confirmed_at.unwrap_or(s.created_at);
            context! { id => s.id, email => s.email, name => s.name, status => s.status, source => s.source, since => views::when(since) }
        })
        .collect();
    let notice = match query.done.as_str() {
        "added" => "Added as a confirmed subscriber.",
        _ => "",
    };
    let values = context! {
        rows, more, page => paging.page, q => &query.q, status => filter.unwrap_or(""), counts => Serde(subscribers::counts(&state.site.store).await?),
        bursts => Serde(attempts::bursts(&state.site.store, subscribers::SIGNUP_LIMITS.form).await?), burst => attempts::BURST,
        add => Serde(add), errors => Serde(errors), report => report.map(Serde), notice,
    };
    Ok(state.views.page(status, "subscribers.html", Some(editor), values))
}

const CONSENT: &str = "Tick the box to confirm that this person agreed to receive the newsletter.";

pub async fn add(State(state): State<AdminState>, editor: Editor, Form(form): Form<AddForm>) -> AdminResult {
    let mut errors = Errors::new();
    let email = EmailAddress::parse(&form.email).map_err(|e| errors.insert("email", e)).ok();
    let name = form.name.trim();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.insert("name", "A name is one line of at most 100 characters.".into());
    }
    if form.consent != "yes" {
        errors.insert("consent", CONSENT.into());
    }
    if let (Some(email), true) = (&email, errors.is_empty()) {
        if subscribers::add_confirmed(&state.site.store, email, name, "admin").await? {
            return Ok(Redirect::to("/admin/subscribers?done=added").into_response());
        }
        errors.insert("email", "This address is on the list already; search for it to see its status.".into());
    }
    page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &ListQuery::default(), &form, &errors, None).await
}

/// `POST /admin/subscribers/import` (multipart): a CSV file, one person a
/// line (`email` or `email,name`; a header line is skipped), and the
/// editor's word that these people agreed. Good lines are added even when
/// others are bad; each bad line is reported by number.
pub async fn import(State(state): State<AdminState>, editor: Editor, form: FileForm) -> AdminResult {
    let consent = form.fields.get("consent").map_or("", String::as_str);
    let file = form.file.map(|(_, bytes)| bytes);
    let mut errors = Errors::new();
    if consent != "yes" {
        errors.insert("import", "Tick the box to confirm that everyone in the file agreed to receive the newsletter.".into());
    }
    let text = match file.filter(|f| !f.is_empty()).map(|f| String::from_utf8(f.to_vec())) {
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => {
            errors.insert("import", "This file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8” and try again.".into());
            None
        }
        None => {
            errors.insert("import", "Choose a CSV file.".into());
            None
        }
    };
    let (Some(text), true) = (text, errors.is_empty()) else {
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &ListQuery::default(), &AddForm::default(), &errors, None).await;
    };
    let mut report = Report::default();
    // Spreadsheets write "CSV UTF-8" with a byte-order mark first.
    for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let cells = csv::cells(line);
        let first = cells.first().map(|c| c.trim()).unwrap_or("");
        if first.is_empty() || (n == 0 && first.eq_ignore_ascii_case("email")) {
            continue;
        }
        let name = cells.get(1).map(|c| c.trim()).unwrap_or("");
        match EmailAddress::parse(first) {
            Err(error) => report.problems.push(format!("Line {}: {error}", n + 1)),
            Ok(_) if name.chars().any(char::is_control) || name.chars().count() > 100 => {
                report.problems.push(format!("Line {}: the name is longer than 100 characters.", n + 1))
            }
            Ok(email) => {
                if subscribers::add_confirmed(&state.site.store, &email, name, "import").await? {
                    report.added += 1;
                } else {
                    report.known += 1;
                }
            }
        }
    }
    page(&state, &editor, StatusCode::OK, &ListQuery::default(), &AddForm::default(), &Errors::new(), Some(&report)).await
}

/// `GET /admin/subscribers/export.csv`: everyone, every status.
pub async fn export(State(state): State<AdminState>, _editor: Editor) -> AdminResult {
    let mut out = String::from("email,name,status,source,signed_up,confirmed,unsubscribed\r\n");
    // One query: people signing up during the download neither repeat nor go missing.
    for s in subscribers::list(&state.site.store, "", None, i64::MAX, 0).await? {
        let at = |t: Option<time::OffsetDateTime>| t.map(views::when).unwrap_or_default();
        let cells = [
            s.email.clone(),
            s.name.clone(),
            s.status.clone(),
            s.source.clone(),
            at(Some(s.created_at)),
            at(s.confirmed_at),
            at(s.unsubscribed_at),
        ];
        out.push_str(&csv::line(&cells));
    }
    let headers =
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"subscribers.csv\"")];
    Ok((headers, out).into_response())
}
