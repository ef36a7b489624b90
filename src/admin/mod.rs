//! The admin: where editors sign in and keep the site. Every route is
//! listed in [`router`], grouped by the least role it needs; the
//! [`gate::gate`] in front of each group checks the session, the role and
//! the CSRF token before a handler runs.

mod account;
pub mod accounts;
mod confirm;
pub(crate) mod csv;
mod dashboard;
mod devices;
mod diff;
pub mod done;
mod drafts;
pub mod error;
pub(crate) mod fields;
mod finder;
mod form;
mod form_page;
mod gate;
mod history;
mod inbox;
mod letters;
mod library;
pub mod links;
mod login;
mod markdown;
mod menus;
mod newsletter;
pub(crate) mod pages;
pub mod password;
mod people;
mod petitions;
mod posts;
mod publishing;
mod records;
mod reset;
mod rows;
mod saving;
pub mod sessions;
mod settings;
mod sharing;
pub mod throttle;
pub mod totp;
pub mod two_factor;
mod users;
mod views;
mod welcome;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::render::page::Site;
pub use accounts::Role;
pub use gate::Editor;
use gate::Need;
pub use records::first_versions as first_record_versions;

/// The largest form body the admin takes.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AdminState {
    /// The public site: its store, its renderer (previews look exactly like
    /// the site) and its address, which links handed out start with.
    pub site: Site,
    pub views: Arc<views::Views>,
    /// Cookies get `Secure` when the site is served over https.
    pub secure_cookies: bool,
    /// Peers whose `X-Forwarded-For` is believed (see [`crate::client_ip::ClientIp`]).
    pub trusted_proxies: Arc<[IpAddr]>,
    /// The largest file the media library takes, in bytes.
    pub upload_limit: usize,
    /// The mailer and the senders' wake-up, for the newsletter pages.
    pub outgoing: crate::mail::Outgoing,
    /// The site's search, which the link dialog finds pages with.
    pub search: Arc<crate::search::SearchIndex>,
}

impl AdminState {
    pub fn new(
        site: Site,
        outgoing: crate::mail::Outgoing,
        search: Arc<crate::search::SearchIndex>,
        trusted_proxies: &[IpAddr],
        upload_limit: usize,
    ) -> anyhow::Result<Self> {
        Ok(AdminState {
            secure_cookies: site.base_url.starts_with("https://"),
            site,
            views: Arc::new(views::Views::new()?),
            trusted_proxies: trusted_proxies.into(),
            upload_limit,
            outgoing,
            search,
        })
    }
}

pub fn router<S: Clone + Send + Sync + 'static>(state: AdminState) -> Router<S> {
    let signed_in = |role| from_fn_with_state(Need { state: state.clone(), role, confirmed: false }, gate::gate);
    let authors = Router::new()
        .route("/admin", get(dashboard::show))
        .route("/admin/account", get(account::show))
        .route("/admin/account/password", post(account::change_password))
        .route("/admin/account/sessions/end", post(account::end_session))
        .route("/admin/account/sessions/end-all", post(account::end_all_sessions))
        .route("/admin/account/two-factor", get(two_factor::show).post(two_factor::start))
        .route("/admin/account/two-factor/codes", post(two_factor::new_codes))
        .route("/admin/account/two-factor/off", post(two_factor::stop))
        .route("/admin/logout", post(login::sign_out))
        .route("/admin/confirm", get(confirm::form).post(confirm::submit))
        .route("/admin/markdown", post(markdown::render))
        .route("/admin/find", get(finder::find))
        .route("/admin/drafts/{form}", get(drafts::show).post(drafts::keep))
        .route("/admin/drafts/{form}/discard", post(drafts::discard))
        .route("/admin/library", get(library::show).post(library::upload).layer(DefaultBodyLimit::max(state.upload_limit + FORM_LIMIT)))
        // Handlers check that authors only touch their own drafts.
        .route("/admin/posts", get(posts::list).post(posts::create))
        .route("/admin/posts/new", get(posts::new))
        .route("/admin/posts/preview", post(posts::preview))
        .route("/admin/posts/{id}", get(posts::edit).post(posts::update))
        .route("/admin/posts/{id}/trash", post(posts::trash))
        .route("/admin/posts/{id}/share", post(sharing::share_post))
        .route("/admin/posts/{id}/untrash", post(posts::untrash))
        .route("/admin/posts/{id}/undo-trash", post(posts::undo_trash))
        .route("/admin/posts/{id}/revisions", get(posts::history::show))
        .route("/admin/posts/{id}/revisions/{version}/restore", post(posts::history::restore))
        .route_layer(signed_in(Role::Author));
    // Books, media items and press reports: one set of handlers, a path each.
    let mut record_routes = Router::new();
    for kind in records::kinds::ALL {
        let path = kind.path;
        record_routes = record_routes
            .route(path, get(records::list).post(records::create))
            .route(&format!("{path}/new"), get(records::new))
            .route(&format!("{path}/{{id}}"), get(records::edit).post(records::update))
            .route(&format!("{path}/{{id}}/revisions"), get(records::history))
            .route(&format!("{path}/{{id}}/revisions/{{version}}/restore"), post(records::restore));
    }
    let editors = record_routes
        .route("/admin/posts/{id}/delete", post(posts::delete))
        .route("/admin/pages", get(pages::list).post(pages::create))
        .route("/admin/pages/new", get(pages::new))
        .route("/admin/pages/preview", post(pages::preview))
        .route("/admin/pages/{id}", get(pages::edit).post(pages::update))
        .route("/admin/pages/{id}/trash", post(pages::trash))
        .route("/admin/pages/{id}/share", post(sharing::share_page))
        .route("/admin/pages/{id}/untrash", post(pages::untrash))
        .route("/admin/pages/{id}/undo-trash", post(pages::undo_trash))
        .route("/admin/pages/{id}/delete", post(pages::delete))
        .route("/admin/pages/{id}/revisions", get(pages::history))
        .route("/admin/pages/{id}/revisions/{version}/restore", post(pages::restore))
        .route("/admin/library/images", get(library::images))
        .route("/admin/library/{name}/alt", post(library::set_alt))
        .route("/admin/library/{name}/delete", post(library::delete))
        .route("/admin/menus", get(menus::show))
        .route("/admin/menus/{name}", post(menus::save))
        .route("/admin/menus/{name}/revisions", get(menus::history))
        .route("/admin/menus/{name}/revisions/{version}/restore", post(menus::restore))
        .route("/admin/newsletters", get(newsletter::list).post(newsletter::create))
        .route("/admin/newsletters/new", get(newsletter::new))
        .route("/admin/newsletters/from-post", post(newsletter::from_post))
        .route("/admin/newsletters/preview", post(newsletter::preview))
        .route("/admin/newsletters/{id}", get(newsletter::show).post(newsletter::update))
        .route("/admin/newsletters/{id}/send", get(newsletter::confirm_send).post(newsletter::send))
        .route("/admin/newsletters/{id}/progress", get(newsletter::progress))
        .route("/admin/newsletters/{id}/retry", post(newsletter::retry))
        .route("/admin/newsletters/{id}/delete", post(newsletter::delete))
        .route("/admin/subscribers", get(newsletter::subscribers::list).post(newsletter::subscribers::add))
        .route(
            "/admin/subscribers/import",
            post(newsletter::subscribers::import).layer(DefaultBodyLimit::max(state.upload_limit + FORM_LIMIT)),
        )
        .route("/admin/subscribers/export.csv", get(newsletter::subscribers::export))
        .route("/admin/petitions", get(petitions::list).post(petitions::create))
        .route("/admin/petitions/new", get(petitions::new))
        .route("/admin/petitions/{id}", get(petitions::edit).post(petitions::update))
        .route("/admin/petitions/{id}/close", post(petitions::close))
        .route("/admin/signatures", get(petitions::signatures::latest))
        .route("/admin/petitions/{id}/signatures", get(petitions::signatures::list))
        .route("/admin/petitions/{id}/signatures.csv", get(petitions::signatures::export))
        .route("/admin/petitions/{id}/void", post(petitions::signatures::void))
        .route("/admin/petitions/{id}/anonymise", post(petitions::signatures::anonymise))
        .route("/admin/petitions/{id}/signatures/{signature}/hide-name", post(petitions::signatures::hide_name))
        .route("/admin/inbox", get(inbox::list))
        .route("/admin/inbox/{id}", get(inbox::show))
        .route("/admin/inbox/{id}/status", post(inbox::set_status))
        .route("/admin/inbox/{id}/forward", post(inbox::forward))
        .route("/admin/inbox/{id}/delete", post(inbox::delete))
        .route("/admin/people/erase", get(people::confirm).post(people::erase))
        .route_layer(signed_in(Role::Editor));
    let owners = Router::new()
        .route("/admin/settings", get(settings::show).post(settings::save))
        .route("/admin/settings/revisions", get(settings::history))
        .route("/admin/settings/revisions/{version}/restore", post(settings::restore))
        .route("/admin/users", get(users::list).post(users::invite))
        .route("/admin/users/{id}/role", post(users::set_role))
        .route("/admin/users/{id}/reset", post(users::reset_link))
        .route("/admin/users/{id}/two-factor/off", post(users::turn_off_two_factor))
        .route("/admin/users/{id}/remove", get(users::confirm_remove).post(users::remove))
        .route("/admin/users/invites/withdraw", post(users::withdraw_invite))
        .route_layer(from_fn_with_state(Need { state: state.clone(), role: Role::Owner, confirmed: true }, gate::gate));
    // Open to anyone: signing in, one-time account links (the link's token
    // is the secret that guards its form), the admin's own files.
    let open = Router::new()
        .route("/admin/login", get(login::form).post(login::sign_in))
        .route("/admin/login/code", post(login::second_step))
        .route("/admin/login/forgot", get(reset::form).post(reset::ask))
        .route("/admin/welcome/{token}", get(welcome::form).post(welcome::create_account))
        .route("/admin/static/{file}", get(views::serve_static))
        .route("/preview/{token}", get(sharing::open))
        .route("/admin/{*rest}", get(not_found).post(not_found));
    authors
        .merge(editors)
        .merge(owners)
        .merge(open)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(from_fn_with_state(state.clone(), views::finish))
        .with_state(state)
}

/// An admin address that does not exist; for someone signed in it stays
/// inside the admin's layout, with the menu to go on from.
async fn not_found(
    axum::extract::State(state): axum::extract::State<AdminState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let editor = gate::recognise(&state, &headers).await.ok().flatten();
    let message = "There is no admin page at this address. The menu shows every part of the admin.";
    let values = minijinja::context! { status => 404, message };
    state.views.page(axum::http::StatusCode::NOT_FOUND, "problem.html", editor.as_ref(), values)
}
