//! `/admin/newsletters` (editors and owners): write an issue in Markdown or
//! start from a post, preview it as the email, send a test, send it to every
//! confirmed subscriber now or at a set time, and follow the sending.

pub mod subscribers;

use std::collections::BTreeMap;

use crate::admin::form::{Checked, Form};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::error::{AdminResult, Problem};
use super::form_page::FormPage;
use super::gate::Editor;
use super::publishing::{author, minute, scheduled_at};
use super::{AdminState, saving, views};
use crate::admin::done::Done;
use crate::content::Status;
use crate::content::posts::editing as posts;
use crate::content::settings::SiteSettings;
use crate::content::versioned::Over;
use crate::mail::{EmailAddress, Mailer, Sender};
use crate::newsletter::letters::Edition;
use crate::newsletter::{issues, outbox, subscribers as people};

/// The issue form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    subject: String,
    body: String,
    /// The version the form was opened at.
    version: i64,
    /// save, test, send, schedule or unschedule.
    action: String,
    /// Where a test goes; empty sends it to the editor.
    test_to: String,
    /// `YYYY-MM-DDTHH:MM` on the site's clock, for "schedule".
    send_at: String,
}

type Errors = BTreeMap<&'static str, String>;

const SUBJECT_LIMIT: usize = 200;

impl IssueForm {
    fn of(issue: &issues::Issue) -> Self {
        IssueForm {
            subject: issue.subject.clone(),
            body: issue.body.clone(),
            version: issue.version,
            send_at: issue.send_at.map(minute).unwrap_or_default(),
            ..Default::default()
        }
    }

    /// Subject and body, trimmed, or what is wrong with them.
    fn check(&self) -> Result<(String, String), Errors> {
        let mut errors = Errors::new();
        let subject = self.subject.trim();
        if subject.is_empty() {
            errors.insert("subject", "The issue needs a subject.".into());
        } else if subject.chars().count() > SUBJECT_LIMIT || subject.chars().any(char::is_control) {
            errors.insert("subject", format!("A subject is one line of at most {SUBJECT_LIMIT} characters."));
        }
        let body = self.body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            errors.insert("body", "Write the text of the issue.".into());
        } else if let Err(e) = crate::render::markdown::check(&body) {
            errors.insert("body", e);
        }
        if errors.is_empty() { Ok((subject.to_owned(), body)) } else { Err(errors) }
    }
}

fn notice(done: &str) -> &'static str {
    match done {
        "saved" => "Saved.",
        "started" => "Sending has started. This page follows it.",
        "scheduled" => "Scheduled: the issue goes out at the time you chose.",
        "unscheduled" => "No longer scheduled: the issue is a draft again.",
        "retried" => "The failed deliveries are queued again.",
        "deleted" => "The issue is deleted.",
        _ => "",
    }
}

/// What sending needs: a mail server, and settings that name a sender.
struct Ready {
    mailer: Mailer,
    settings: SiteSettings,
    sender: Sender,
}

/// The means to send, or why there are none yet.
async fn ready(state: &AdminState) -> anyhow::Result<Result<Ready, &'static str>> {
    let Some(mailer) = state.outgoing.mailer.clone() else {
        return Ok(Err("This site has no mail server: start Pamphlet with --smtp (or PAMPHLET_SMTP_URL) to send email."));
    };
    let settings = crate::content::settings::load(&state.site.store).await?;
    Ok(match settings.and_then(|s| crate::mail::site::sender(&s).map(|sender| (s, sender))) {
        Some((settings, sender)) => Ok(Ready { mailer, settings, sender }),
        None => Err("Set a sender address or a contact address in Settings first: email needs a From address."),
    })
}

/// Why nothing can be sent yet, if so.
async fn not_ready(state: &AdminState) -> anyhow::Result<Option<&'static str>> {
    Ok(ready(state).await?.err())
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let mut progress = outbox::progress_by_issue(&state.site.store).await?;
    let mut rows = Vec::new();
    for issue in issues::list(&state.site.store).await? {
        let progress = progress.remove(&issue.id).filter(|_| !issue.is_editable());
        rows.push(context! {
            id => issue.id, subject => issue.subject, status => issue.status,
            send_at => issue.send_at.map(views::when), finished_at => issue.finished_at.map(views::when),
            updated_at => views::when(issue.updated_at), progress => progress.map(Serde),
        });
    }
    let posts: Vec<_> = posts::list(&state.site.store, Some(Status::Published), None, 50, 0)
        .await?
        .into_iter()
        .map(|p| context! { id => p.id, title => p.title, date => p.date.to_string() })
        .collect();
    let counts = people::counts(&state.site.store).await?;
    let values = context! {
        rows, posts, counts => Serde(counts), problem => not_ready(&state).await?, notice => notice(&done.done),
    };
    Ok(state.views.page(StatusCode::OK, "newsletters.html", Some(&editor), values))
}

pub async fn new(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    Shown::new(None, &IssueForm::default()).render(&state, &editor).await
}

pub async fn create(State(state): State<AdminState>, editor: Editor, Form(form): Form<IssueForm>) -> AdminResult {
    match form.check() {
        Ok((subject, body)) => {
            match issues::create(&state.site.store, &issues::Text { subject: &subject, body: &body }, None, &author(&editor)).await {
                Ok(id) => Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=saved")).into_response()),
                Err(error) => {
                    let again = saving::again(error, "issue")?;
                    Shown::again(None, &form, &again).render(&state, &editor).await
                }
            }
        }
        Err(errors) => Shown::invalid(None, &form, errors).render(&state, &editor).await,
    }
}

#[derive(Deserialize)]
pub struct FromPost {
    post: i64,
}

/// A new draft issue from a published post: its title, summary, text and a link to it.
pub async fn from_post(State(state): State<AdminState>, editor: Editor, Form(from): Form<FromPost>) -> AdminResult {
    let post =
        posts::by_id(&state.site.store, from.post).await?.filter(|p| p.status() == Status::Published).ok_or_else(Problem::not_found)?;
    let post = post.post;
    let summary = if post.summary.trim().is_empty() { String::new() } else { format!("_{}_\n\n", post.summary.trim()) };
    let body = format!("{summary}{}\n\n[Read it on the site]({})\n", post.body.trim(), post.url());
    let text = issues::Text { subject: &post.title, body: &body };
    let id = issues::create(&state.site.store, &text, Some(from.post), &author(&editor)).await.map_err(|e| saving::problem(e, "issue"))?;
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=saved")).into_response())
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(done): Query<Done>) -> AdminResult {
    let issue = issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if issue.is_editable() {
        return Shown::with_notice(Some(&issue), &IssueForm::of(&issue), notice(&done.done)).render(&state, &editor).await;
    }
    let filter = if outbox::STATUSES.contains(&done.status.as_str()) { done.status.as_str() } else { "" };
    let recipients = outbox::recipients(&state.site.store, id, filter, 500).await?;
    let recipients: Vec<_> = recipients
        .into_iter()
        .map(|r| context! { email => r.email, status => r.status, attempts => r.attempts, sent_at => r.sent_at.map(views::when), error => r.error })
        .collect();
    // "Sending has started" is old news once it has finished.
    let notice = if done.done == "started" && issue.status != "sending" { "" } else { notice(&done.done) };
    let values = context! {
        issue => context! { id => issue.id, subject => issue.subject, status => issue.status,
            started_at => issue.started_at.map(views::when), finished_at => issue.finished_at.map(views::when) },
        progress => Serde(outbox::progress(&state.site.store, id).await?), recipients, filter, notice,
    };
    Ok(state.views.page(StatusCode::OK, "newsletter_sending.html", Some(&editor), values))
}

pub async fn update(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(form): Form<IssueForm>) -> AdminResult {
    let issue = issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let invalid = async |errors: Errors| Shown::invalid(Some(&issue), &form, errors).render(&state, &editor).await;
    let (subject, body) = match form.check() {
        Ok(checked) => checked,
        Err(errors) => return invalid(errors).await,
    };
    if form.action == "test" {
        return send_test(&state, &editor, &issue, &form, &subject, &body).await;
    }
    if form.action == "send"
        && let Some(problem) = not_ready(&state).await?
    {
        return invalid(Errors::from([("send", problem.to_owned())])).await;
    }
    let send_at = if form.action == "schedule" {
        match scheduled_at(&form.send_at, "send now") {
            Ok(at) => Some(at),
            Err(error) => return invalid(Errors::from([("send_at", error)])).await,
        }
    } else {
        None
    };
    let text = issues::Text { subject: &subject, body: &body };
    if let Err(error) = issues::save(&state.site.store, Over::Version { id, version: form.version }, &text, None, &author(&editor)).await {
        let refused = saving::again(error, "issue")?;
        if !refused.conflict {
            return Shown::again(Some(&issue), &form, &refused).render(&state, &editor).await;
        }
        // Theirs beside the typed text; the next save goes over theirs, knowingly.
        let theirs = issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
        let saved = issues::Text { subject: &theirs.subject, body: &theirs.body };
        let conflict = saving::conflict(&state.site.store, issues::KIND.entity, id, &saved, &text, &[]).await?;
        let fresh = IssueForm { version: theirs.version, ..form.clone() };
        return Shown::conflict(&theirs, &fresh, conflict).render(&state, &editor).await;
    }
    let done = match form.action.as_str() {
        // Saved; sending to everyone asks once more, with the count.
        "send" => return Ok(Redirect::to(&format!("/admin/newsletters/{id}/send")).into_response()),
        "schedule" => {
            issues::schedule(&state.site.store, id, send_at).await?;
            "scheduled"
        }
        "unschedule" => {
            issues::schedule(&state.site.store, id, None).await?;
            "unscheduled"
        }
        _ => "saved",
    };
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done={done}")).into_response())
}

/// `GET …/send`: the last question before an issue goes to everyone,
/// with how many will get it; the text is saved already.
pub async fn confirm_send(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>) -> AdminResult {
    let issue = issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if !issue.is_editable() {
        return Ok(Redirect::to(&format!("/admin/newsletters/{id}")).into_response());
    }
    let confirmed = people::counts(&state.site.store).await?.iter().find(|(s, _)| s == people::CONFIRMED).map_or(0, |(_, n)| *n);
    let values = context! { id, subject => issue.subject, confirmed, problem => not_ready(&state).await? };
    Ok(state.views.page(StatusCode::OK, "newsletter_send.html", Some(&editor), values))
}

/// `POST …/send`: the editor said yes; the senders start.
pub async fn send(State(state): State<AdminState>, _: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    if let Some(problem) = not_ready(&state).await? {
        return Err(Problem::new(StatusCode::CONFLICT, problem).into());
    }
    issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if issues::start(&state.site.store, id).await?.is_some() {
        state.outgoing.wake.notify_waiters();
    }
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=started")).into_response())
}

/// Sends the issue as typed to one address (the editor's own by default);
/// nothing is saved, and the form comes back with the text as it was.
async fn send_test(state: &AdminState, editor: &Editor, issue: &issues::Issue, form: &IssueForm, subject: &str, body: &str) -> AdminResult {
    let typed = if form.test_to.trim().is_empty() { editor.user.email.as_str() } else { form.test_to.as_str() };
    let to = match EmailAddress::parse(typed) {
        Ok(to) => to,
        Err(error) => {
            return Shown::invalid(Some(issue), form, Errors::from([("test_to", error)])).render(state, editor).await;
        }
    };
    let Ready { mailer, settings, sender } = match ready(state).await? {
        Ok(ready) => ready,
        Err(problem) => {
            let errors = Errors::from([("test_to", problem.to_owned())]);
            return Shown::invalid(Some(issue), form, errors).render(state, editor).await;
        }
    };
    let edition = Edition::new(&settings, &state.site.base_url, issue.id, &format!("[Test] {subject}"), body)?;
    let mut letter = edition.letter(0, &to, "", "test");
    // A test is a new message each time, not a resend of the last one.
    letter.message_id = format!("test.{}.{}@{}", issue.id, crate::secrets::token(), crate::mail::site::id_domain(&state.site.base_url));
    let (status, errors, notice) = match mailer.send(letter.build(&sender)?).await {
        Ok(()) => (StatusCode::OK, Errors::new(), format!("A test went to {to}. Nothing was saved yet.")),
        Err(error) => {
            (StatusCode::BAD_GATEWAY, Errors::from([("test_to", format!("The mail server did not take the test: {error}"))]), String::new())
        }
    };
    Shown { status, errors, notice: &notice, ..Shown::new(Some(issue), form) }.render(state, editor).await
}

/// What the issue editor shows: the form (as typed), messages, the saved issue.
type Shown<'a> = FormPage<'a, issues::Issue, IssueForm, &'static str>;

impl Shown<'_> {
    async fn render(self, state: &AdminState, editor: &Editor) -> AdminResult {
        // A test sent saves nothing either: the browser keeps a copy and warns before leaving.
        let unsaved = self.unsaved() || self.form.action == "test";
        let Shown { status, item: issue, form, errors, notice, conflict } = self;
        let confirmed = people::counts(&state.site.store).await?.iter().find(|(s, _)| s == people::CONFIRMED).map_or(0, |(_, n)| *n);
        let values = context! {
            issue => issue.map(|i| context! { id => i.id, status => i.status.clone(), send_at => i.send_at.map(views::when) }),
            form => Serde(form), errors => Serde(errors), notice, confirmed, unsaved,
            problem => not_ready(state).await?, me_email => editor.user.email.clone(), conflict,
        };
        Ok(state.views.page(status, "newsletter_edit.html", Some(editor), values))
    }
}

/// `POST /admin/newsletters/preview`: the email as typed, in a new tab.
pub async fn preview(State(state): State<AdminState>, _editor: Editor, Form(form): Form<IssueForm>) -> AdminResult {
    let settings =
        crate::content::settings::load(&state.site.store).await?.ok_or_else(|| anyhow::anyhow!("the store has no site settings"))?;
    let edition = Edition::new(&settings, &state.site.base_url, 0, form.subject.trim(), &form.body)?;
    let letter = edition.letter(0, &EmailAddress::parse("preview@example.org").map_err(anyhow::Error::msg)?, "", "preview");
    // The letter's own inline styles, and nothing that runs.
    let csp = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'none'; form-action 'none'";
    Ok(([(header::CONTENT_SECURITY_POLICY, csp)], axum::response::Html(letter.html)).into_response())
}

pub async fn progress(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>) -> AdminResult {
    let issue = issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let progress = outbox::progress(&state.site.store, id).await?;
    Ok(Json(serde_json::json!({ "status": issue.status, "progress": progress })).into_response())
}

pub async fn retry(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    issues::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if outbox::retry_failed(&state.site.store, id).await? > 0 {
        state.outgoing.wake.notify_waiters();
    }
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=retried")).into_response())
}

pub async fn delete(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>, _: Checked) -> Response {
    match issues::delete(&state.site.store, id).await {
        Ok(true) => Redirect::to("/admin/newsletters?done=deleted").into_response(),
        Ok(false) => Problem::new(StatusCode::CONFLICT, "Only drafts and scheduled issues can be deleted; a sent issue stays as a record.")
            .into_response(),
        Err(error) => super::error::AdminError::from(error).into_response(),
    }
}
