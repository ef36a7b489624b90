//! Application assembly: open the store, load the demo into an empty one,
//! build the renderer and the router, start the background [`tasks`], serve.

mod health;
mod limits;
pub mod serve;
mod tasks;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use tokio::sync::oneshot;

use crate::admin::{self, AdminState};
use crate::config::Config;
use crate::demo;
use crate::mail::Mailer;
use crate::mail::Outgoing;
use crate::newsletter::{self, worker};
use crate::public_forms::{self, Forms};
use crate::render::Renderer;
use crate::render::cache::RenderCache;
use crate::render::page::{FormAnswers, KeptFrame, Site};
use crate::render::theme::Theme;
use crate::search::{self, SearchIndex};
use crate::site::{self, SiteState};
use crate::store::{Store, changes};
use tasks::Tasks;

/// A running server: its address, and a way to stop it.
pub struct Application {
    pub addr: SocketAddr,
    pub base_url: String,
    pub store: Store,
    pub cache: Arc<RenderCache>,
    /// True when this start loaded the demo into an empty store.
    pub loaded_demo: bool,
    /// While no account exists: a one-time link (valid an hour) that creates the owner.
    pub setup_link: Option<String>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Binds, prepares everything and starts serving in the background.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let store = Store::open(&config.store).await?;
        let loaded_demo = demo::load_if_empty(&store).await?;
        if loaded_demo {
            admin::first_record_versions(&store).await?;
        }
        let renderer = renderer(config.theme.as_deref())?;
        let listener = serve::listen(config.addr).with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let base_url = config.base_url.clone().unwrap_or_else(|| format!("http://{addr}"));

        let cache = Arc::new(RenderCache::default());
        let counters = Arc::new(crate::public_forms::Counters::default());
        store.on_commit({
            let (cache, counters) = (cache.clone(), counters.clone());
            move || {
                cache.invalidate();
                counters.forget();
            }
        });
        let seen = changes::latest_id(&store).await?;
        let search = Arc::new(SearchIndex::new(search::WRITER_MEMORY)?);
        let indexed = search::documents::index_all(&store, &search).await?;
        tracing::debug!(items = indexed, "search index built");
        let mut tasks = Tasks::default();
        tasks.follow_changes(&store, seen, cache.clone(), search.clone());
        tasks.spawn(tasks::publish_when_due(store.clone()));

        let setup_link = if admin::accounts::count(&store).await? == 0 {
            Some(format!("{base_url}{}", admin::links::path(&admin::links::issue_setup(&store).await?)))
        } else {
            None
        };
        // Without a mail server the signup form could confirm nobody: the
        // newsletter block then says how else to follow the news.
        let key = crate::stamps::Key::load(&store).await?;
        let site = Site {
            store: store.clone(),
            renderer,
            base_url: base_url.clone(),
            frame: None,
            kept_frame: Some(Arc::new(KeptFrame::new(cache.clone()))),
            forms: Some(FormAnswers { endpoint: String::new(), mail: config.mail.is_some(), stamps: Some(key.clone()) }),
        };
        let mut outgoing = Outgoing::default();
        if let Some(mail) = &config.mail {
            let mailer = Mailer::new(&mail.smtp_url, mail.connections)?;
            worker::Worker::start(
                store.clone(),
                mailer.clone(),
                base_url.clone(),
                (mail.connections, mail.per_second),
                mail.journals.clone(),
                &outgoing,
                tasks.set(),
            );
            outgoing.mailer = Some(mailer);
        }
        let recount = Arc::new(tokio::sync::Notify::new());
        tasks.spawn(crate::petitions::recount::recount(store.clone(), recount.clone()));
        let trusted = crate::client_ip::trusted(&config.trusted_proxies, config.addr.ip());
        let forms = Forms {
            site: site.clone(),
            outgoing: outgoing.clone(),
            trusted_proxies: trusted.clone().into(),
            key,
            recount,
            origins: config.form_origins.clone().into(),
            counters,
        };
        let admin = AdminState::new(site.clone(), outgoing, search.clone(), &trusted, config.upload_limit_mb * 1024 * 1024)?;
        let router = router(SiteState::new(site, cache.clone(), search), admin, forms);
        let (stop, stopped) = oneshot::channel::<()>();
        let max_connections = config.max_connections;
        let server = tokio::spawn(async move {
            serve::serve(listener, router, max_connections, async {
                let _ = stopped.await;
            })
            .await;
            tasks.stop().await;
        });
        Ok(Application { addr, base_url, store, cache, loaded_demo, setup_link, stop, server })
    }

    /// Stops accepting, finishes requests in flight and closes the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let result = self.server.await.context("the server task failed");
        self.store.close().await;
        result
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }
}

fn renderer(theme: Option<&std::path::Path>) -> anyhow::Result<Arc<Renderer>> {
    Ok(Arc::new(Renderer::new(Arc::new(Theme::load(theme)?))?))
}

/// The site as the static export sees it: the store (with the demo loaded
/// when empty, as `serve` does) and the renderer, without a server. Its
/// forms post to `form_endpoint`, a live Pamphlet, if one is given.
pub async fn open_site(
    location: &crate::store::Location,
    theme: Option<&std::path::Path>,
    base_url: &str,
    form_endpoint: Option<&str>,
) -> anyhow::Result<Site> {
    let store = Store::open(location).await?;
    demo::load_if_empty(&store).await?;
    let forms = form_endpoint.map(|endpoint| FormAnswers { endpoint: endpoint.to_owned(), mail: true, stamps: None });
    Ok(Site { store, renderer: renderer(theme)?, base_url: base_url.to_owned(), frame: None, kept_frame: None, forms })
}

pub fn router(state: SiteState, admin: AdminState, forms: Forms) -> Router {
    let largest_body = admin.upload_limit + admin::FORM_LIMIT;
    Router::new()
        .route("/healthz", get(health::healthz).with_state(health::Health::new(state.site.store.clone())))
        .route("/search/", get(site::search::page))
        .route("/search", get(site::search::moved))
        .merge(admin::router(admin))
        .merge(public_form_routes(forms))
        .fallback(site::serve)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(largest_body, limits::check))
        .layer(axum::middleware::from_fn(site::defences::add))
}

/// The public forms and their links: every route a visitor posts to.
fn public_form_routes(forms: Forms) -> Router<SiteState> {
    use crate::{inbox, petitions};
    use axum::extract::DefaultBodyLimit;
    use axum::routing::post;
    Router::new()
        .route("/petitions/{slug}/sign", post(petitions::public::sign))
        .route("/petitions/{slug}/tally", get(petitions::public::tally))
        .route("/contact/send", post(inbox::public::send_message))
        .route("/newsletter/subscribe", post(newsletter::public::subscribe))
        .route("/forms/challenge", get(public_forms::guard::challenge))
        // The token in the path is the secret that guards each form.
        .route("/signatures/confirm/{token}", get(petitions::public::verify_form).post(petitions::public::verify))
        .route("/newsletter/confirm/{token}", get(newsletter::public::confirm_form).post(newsletter::public::confirm))
        .route("/newsletter/unsubscribe/{key}", get(newsletter::public::unsubscribe_form).post(newsletter::public::unsubscribe))
        .layer(DefaultBodyLimit::max(public_forms::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            (public_forms::BODY_LIMIT, public_forms::answers::too_long as fn() -> _),
            limits::declared_within,
        ))
        .layer(axum::middleware::from_fn_with_state(forms.clone(), public_forms::answers::finish))
        .with_state(forms)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
