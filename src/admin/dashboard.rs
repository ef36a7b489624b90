//! `/admin`: what the site holds, what goes live next, drafts waiting, and
//! who changed what lately.

use crate::inbox as contact;
use crate::petitions::{self, signatures};
use axum::extract::State;
use axum::http::StatusCode;
use minijinja::value::Serde;
use minijinja::{Value, context};

use super::error::AdminResult;
use super::gate::Editor;
use super::{AdminState, Role, views};
use crate::content::{self, Status, pages, posts, revisions};

pub async fn show(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    let tally = content::tally(&state.site.store).await?;
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
    let mut scheduled = post_rows(posts::editing::list(&state.site.store, Some(Status::Scheduled), own, 20, 0).await?);
    let mut drafts = post_rows(posts::editing::list(&state.site.store, Some(Status::Draft), own, 10, 0).await?);
    if editor_or_owner {
        scheduled.extend(page_rows(pages::editing::list(&state.site.store, Some(Status::Scheduled)).await?));
        drafts.extend(page_rows(pages::editing::list(&state.site.store, Some(Status::Draft)).await?.into_iter().take(10).collect()));
    }
    let recent: Vec<Value> = revisions::recent(&state.site.store, 12)
        .await?
        .into_iter()
        // An author sees their own saves only.
        .filter(|r| editor_or_owner || r.user_id == Some(editor.user.id))
        .map(|r| {
            let path = match r.entity.as_str() {
                posts::editing::ENTITY => Some(format!("/admin/posts/{}", r.entity_id)),
                pages::editing::ENTITY => Some(format!("/admin/pages/{}", r.entity_id)),
                "settings" => Some("/admin/settings".to_owned()),
                other if other.starts_with("menu:") => Some("/admin/menus".to_owned()),
                _ => None,
            };
            let title =
                r.data.0.get("title").or_else(|| r.data.0.get("name")).and_then(|t| t.as_str()).unwrap_or(r.entity.as_str()).to_owned();
            context! { entity => r.entity, title, path, who => r.user_name, when => views::when(r.at), version => r.version }
        })
        .collect();
    // Supporters' data is for editors and owners: what waits in the inbox, how the open petitions stand.
    let supporters = if editor_or_owner {
        let unread = contact::counts(&state.site.store).await?.into_iter().find(|(s, _)| s == contact::UNREAD).map_or(0, |(_, n)| n);
        let mut open = Vec::new();
        for petition in petitions::list(&state.site.store).await?.into_iter().filter(|p| p.is_open()) {
            let counts = signatures::counts(&state.site.store, petition.id).await?;
            let count = counts.iter().find(|(s, _)| s == signatures::VERIFIED).map_or(0, |(_, n)| *n);
            open.push(context! { id => petition.id, title => petition.title, goal => petition.goal, count });
        }
        Some(context! { unread, petitions => open })
    } else {
        None
    };
    let values = context! { tally => Serde(&tally), scheduled, drafts, recent, supporters };
    Ok(state.views.page(StatusCode::OK, "dashboard.html", Some(&editor), values))
}
