//! `/admin`: what needs doing first (unread messages, drafts, what goes
//! live next, how the petitions stand, the last newsletter), then who
//! changed what lately and what the site holds, all in plain words.

use crate::newsletter::{issues, outbox};
use crate::petitions::{self, signatures};
use axum::extract::State;
use axum::http::StatusCode;
use minijinja::{Value, context};

use super::error::AdminResult;
use super::gate::Editor;
use super::{AdminState, Role, views};
use crate::content::{self, Status, menus, pages, posts, revisions};

pub async fn show(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    let store = &state.site.store;
    let editor_or_owner = editor.role() >= Role::Editor;
    // Authors see their own posts only, and no pages.
    let own = (!editor_or_owner).then_some(editor.user.id);
    let post_rows = |list: Vec<posts::editing::Listed>| -> Vec<Value> {
        list.into_iter()
            .map(|p| context! { title => p.title, path => format!("/admin/posts/{}", p.id), kind => p.kind, when => p.publish_at.map(views::when) })
            .collect()
    };
    let page_rows = |list: Vec<pages::editing::Listed>| -> Vec<Value> {
        list.into_iter()
            .map(|p| context! { title => p.title, path => format!("/admin/pages/{}", p.id), kind => "page", when => p.publish_at.map(views::when) })
            .collect()
    };
    let mut scheduled = post_rows(posts::editing::list(store, Some(Status::Scheduled), own, 20, 0).await?);
    let mut drafts = post_rows(posts::editing::list(store, Some(Status::Draft), own, 10, 0).await?);
    if editor_or_owner {
        scheduled.extend(page_rows(pages::editing::list(store, Some(Status::Scheduled)).await?));
        drafts.extend(page_rows(pages::editing::list(store, Some(Status::Draft)).await?.into_iter().take(10).collect()));
    }
    let recent: Vec<Value> = revisions::recent(store, 12)
        .await?
        .into_iter()
        // An author sees their own saves only.
        .filter(|r| editor_or_owner || r.user_id == Some(editor.user.id))
        .map(|r| {
            let (kind, path) = described(&r.entity, r.entity_id);
            let named = r.data.0.get("title").or_else(|| r.data.0.get("subject")).or_else(|| r.data.0.get("name")).and_then(|t| t.as_str());
            let title = match r.entity.strip_prefix("menu:") {
                Some(menus::PRIMARY) => "The main menu".to_owned(),
                Some(_) => "The footer links".to_owned(),
                None => named.unwrap_or(kind).to_owned(),
            };
            context! { kind, title, path, who => r.user_name, when => views::when(r.at), version => r.version }
        })
        .collect();
    // Supporters' data is for editors and owners: what waits in the inbox,
    // how the open petitions stand, how the last newsletter went.
    let supporters = if editor_or_owner {
        let unread = editor.bar.unread.unwrap_or_default();
        let mut open = Vec::new();
        for petition in petitions::list(store).await?.into_iter().filter(|p| p.is_open()) {
            let counts = signatures::counts(store, petition.id).await?;
            let count = counts.iter().find(|(s, _)| s == signatures::VERIFIED).map_or(0, |(_, n)| *n);
            let waiting = counts.iter().find(|(s, _)| s == signatures::PENDING).map_or(0, |(_, n)| *n);
            open.push(context! { id => petition.id, title => petition.title, goal => petition.goal, count, waiting });
        }
        let last = issues::list(store).await?.into_iter().filter(|i| i.started_at.is_some()).max_by_key(|i| i.started_at);
        let last_send = match last {
            Some(issue) => {
                let progress = outbox::progress(store, issue.id).await?;
                Some(context! {
                    id => issue.id, subject => issue.subject, sending => issue.status == issues::SENDING,
                    when => issue.started_at.map(views::when), sent => progress.sent, failed => progress.failed, total => progress.total,
                })
            }
            None => None,
        };
        Some(context! { unread, petitions => open, last_send })
    } else {
        None
    };
    let tally: Vec<Value> = content::tally(store)
        .await?
        .into_iter()
        .map(|t| {
            let kind = match t.kind.as_str() {
                "media" => "TV and video reports".to_owned(),
                "press" => "press reports".to_owned(),
                "news" => "news posts".to_owned(),
                other => format!("{other}s"),
            };
            context! { kind, status => t.status, count => t.count }
        })
        .collect();
    let values = context! { tally, scheduled, drafts, recent, supporters };
    Ok(state.views.page(StatusCode::OK, "dashboard.html", Some(&editor), values))
}

/// What a saved item is called in plain words, and where it is edited.
fn described(entity: &str, id: i64) -> (&'static str, Option<String>) {
    let at = |path: &str| Some(format!("{path}/{id}"));
    match entity {
        posts::editing::ENTITY => ("post", at("/admin/posts")),
        pages::editing::ENTITY => ("page", at("/admin/pages")),
        "book" => ("book", at("/admin/books")),
        "media" => ("TV or video report", at("/admin/media")),
        "press" => ("press report", at("/admin/press")),
        "newsletter" => ("newsletter issue", at("/admin/newsletters")),
        "petition" => ("petition", at("/admin/petitions")),
        "settings" => ("site settings", Some("/admin/settings".to_owned())),
        other if other.starts_with("menu:") => ("menu", Some("/admin/menus".to_owned())),
        _ => ("item", None),
    }
}
