//! `/admin/petitions/{id}/signatures`: the signatures of one petition with
//! search, a filter by state and counts by country; CSV export; voiding a
//! batch that looks fraudulent; taking a signer's name off the public page;
//! anonymising everyone after the campaign.

use std::collections::BTreeMap;

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use crate::admin::error::{AdminResult, Problem};
use crate::admin::gate::Editor;
use crate::admin::publishing::typed_time;
use crate::admin::{AdminState, csv, views};
use crate::petitions::signatures::{self as signed, Batch};
use crate::petitions::{self, Petition, countries, public};
use crate::public_forms::attempts;

const PER_PAGE: i64 = 100;

/// `/admin/signatures`, the menu's way in: the newest open petition's
/// signatures (else the newest petition's), or the petitions list when
/// there is none yet.
pub async fn latest(State(state): State<AdminState>) -> AdminResult {
    let all = petitions::list(&state.site.store).await?;
    let chosen = all.iter().find(|p| p.is_open()).or(all.first());
    Ok(match chosen {
        Some(petition) => Redirect::to(&format!("/admin/petitions/{}/signatures", petition.id)).into_response(),
        None => Redirect::to("/admin/petitions").into_response(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    page: i64,
    done: String,
    n: u64,
}

/// Which signatures to void, and why, as typed.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct VoidForm {
    domain: String,
    from: String,
    until: String,
    reason: String,
}

type Errors = BTreeMap<&'static str, String>;

pub async fn list(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Query(query): Query<ListQuery>) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    page(&state, &editor, StatusCode::OK, &petition, &query, &VoidForm::default(), &Errors::new()).await
}

fn country(code: &str) -> &str {
    if code.is_empty() { "not given" } else { countries::name(code).unwrap_or(code) }
}

async fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    petition: &Petition,
    query: &ListQuery,
    void: &VoidForm,
    errors: &Errors,
) -> AdminResult {
    let filter = signed::STATUSES.iter().find(|s| **s == query.status).copied();
    let paging = views::Paging::new(query.page, PER_PAGE);
    let (found, more) = paging.cut(signed::list(&state.site.store, petition.id, &query.q, filter, paging.limit(), paging.offset()).await?);
    let rows: Vec<_> = found
        .into_iter()
        .map(|s| {
            context! {
                id => s.id, email => s.email, name => &s.name, country => country(&s.country), postcode => s.postcode,
                comment => s.comment, show_name => s.show_name && !signed::public_name(&s.name).is_empty(), subscribe => s.subscribe, status => s.status,
                signed => views::when(s.created_at), verified => s.verified_at.map(views::when), void_reason => s.void_reason,
            }
        })
        .collect();
    let by_country: Vec<_> =
        signed::by_country(&state.site.store, petition.id).await?.into_iter().map(|(code, n)| (country(&code).to_owned(), n)).collect();
    let notice = match query.done.as_str() {
        "voided" => format!("{} signatures voided; they no longer count.", query.n),
        "hidden" => "The name is no longer shown on the petition; the signature still counts.".to_owned(),
        "anonymised" => format!("{} signatures anonymised: the counts stay, the people are no longer named.", query.n),
        _ => String::new(),
    };
    let values = context! {
        petition => context! { id => petition.id, title => &petition.title, open => petition.is_open(), anonymised => petition.anonymised_at.map(views::when) },
        rows, more, page => paging.page, q => &query.q, status => filter.unwrap_or(""), counts => Serde(signed::counts(&state.site.store, petition.id).await?),
        by_country, bursts => Serde(attempts::bursts(&state.site.store, public::PETITION_LIMITS.form).await?), burst => attempts::BURST,
        void => Serde(void), errors => Serde(errors), notice,
    };
    Ok(state.views.page(status, "signatures.html", Some(editor), values))
}

/// `GET /admin/petitions/{id}/signatures.csv`: every signature, every state.
pub async fn export(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let mut out = csv::line(&[
        "email",
        "name",
        "country",
        "postcode",
        "comment",
        "show_name",
        "newsletter",
        "status",
        "signed",
        "verified",
        "void_reason",
    ]);
    // One query: rows arriving during the download neither repeat nor go missing.
    for s in signed::list(&state.site.store, petition.id, "", None, i64::MAX, 0).await? {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
        out.push_str(&csv::line(&[
            s.email.clone().unwrap_or_default(),
            s.name.clone(),
            s.country.clone(),
            s.postcode.clone(),
            s.comment.clone(),
            yes(s.show_name),
            yes(s.subscribe),
            s.status.clone(),
            views::when(s.created_at),
            s.verified_at.map(views::when).unwrap_or_default(),
            s.void_reason.clone(),
        ]));
    }
    let disposition = format!("attachment; filename=\"signatures-{}.csv\"", petition.slug);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], out).into_response())
}

/// `POST /admin/petitions/{id}/void`: voids the signatures from an email
/// domain and/or a time window, with a reason the list keeps.
pub async fn void(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, Form(form): Form<VoidForm>) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let mut errors = Errors::new();
    let domain = form.domain.trim().trim_start_matches('@').to_lowercase();
    if !domain.is_empty() && (!domain.contains('.') || domain.contains(char::is_whitespace) || domain.contains('@')) {
        errors.insert("domain", "Write a domain like example.com, without the part before @.".into());
    }
    let time = |typed: &str, key: &'static str, errors: &mut Errors| match typed.trim() {
        "" => None,
        typed => typed_time(typed).map_err(|e| errors.insert(key, e)).ok(),
    };
    let (from, until) = (time(&form.from, "from", &mut errors), time(&form.until, "until", &mut errors));
    if domain.is_empty() && from.is_none() && until.is_none() && errors.is_empty() {
        errors.insert("domain", "Give a domain, a time window, or both: voiding every signature at once is not offered.".into());
    }
    if let (Some(from), Some(until)) = (from, until)
        && from >= until
    {
        errors.insert("until", "The end of the window must come after its start.".into());
    }
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        errors.insert("reason", "Say in a line (at most 200 characters) why these signatures do not count.".into());
    }
    if !errors.is_empty() {
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &petition, &ListQuery::default(), &form, &errors).await;
    }
    let batch = Batch { domain: (!domain.is_empty()).then_some(domain), from, until };
    let n = signed::void(&state.site.store, id, &batch, reason).await?;
    Ok(Redirect::to(&format!("/admin/petitions/{id}/signatures?done=voided&n={n}")).into_response())
}

/// `POST /admin/petitions/{id}/signatures/{signature}/hide-name`: a name
/// that should not stand on the campaign page comes off it.
pub async fn hide_name(
    State(state): State<AdminState>,
    _editor: Editor,
    Path((id, signature)): Path<(i64, i64)>,
    _: Checked,
) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    signed::hide_name(&state.site.store, petition.id, signature).await?;
    Ok(Redirect::to(&format!("/admin/petitions/{id}/signatures?done=hidden")).into_response())
}

/// `POST /admin/petitions/{id}/anonymise`: after the campaign, keeps the
/// counts and forgets the people. Only for a petition that is closed.
pub async fn anonymise(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let petition = petitions::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if petition.is_open() {
        let errors = Errors::from([("anonymise", "Close the petition first: an open petition still takes signatures.".to_owned())]);
        return page(&state, &editor, StatusCode::CONFLICT, &petition, &ListQuery::default(), &VoidForm::default(), &errors).await;
    }
    let n = signed::anonymise(&state.site.store, id).await?;
    Ok(Redirect::to(&format!("/admin/petitions/{id}/signatures?done=anonymised&n={n}")).into_response())
}
