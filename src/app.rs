//! Application assembly: open the store, load the demo into an empty one,
//! build the renderer and the router, follow the change feed, serve.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use crate::admin::{self, AdminState};
use crate::config::Config;
use crate::content::{demo, lifecycle};
use crate::forms::Forms;
use crate::mail::Mailer;
use crate::newsletter::{self, Outgoing, worker};
use crate::render::Renderer;
use crate::render::cache::RenderCache;
use crate::render::theme::Theme;
use crate::search::{self, SearchIndex};
use crate::site::routes::{FormAnswers, Site};
use crate::site::{self, SiteState};
use crate::store::{Store, changes};

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
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Application {
    /// Binds, prepares everything and starts serving in the background.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let store = Store::open(&config.store).await?;
        let loaded_demo = demo::load_if_empty(&store).await?;
        let renderer = renderer(config.theme.as_deref())?;
        let listener = TcpListener::bind(config.addr).await.with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let base_url = config.base_url.clone().unwrap_or_else(|| format!("http://{addr}"));

        let cache = Arc::new(RenderCache::default());
        store.on_commit({
            let cache = cache.clone();
            move || cache.invalidate()
        });
        let wake = store.wake();
        let seen = changes::latest_id(&store).await?;
        let search = Arc::new(SearchIndex::new(search::WRITER_MEMORY)?);
        let indexed = search::documents::index_all(&store, &search).await?;
        tracing::debug!(items = indexed, "search index built");
        let (changed, mut watch_changes) = watch::channel(seen);
        let follower = tokio::spawn(changes::follow(store.clone(), wake, seen, {
            let cache = cache.clone();
            move |id| {
                tracing::info!(change.id = id, "content changed; render cache emptied");
                cache.invalidate();
                changed.send_replace(id);
            }
        }));
        let indexer = tokio::spawn({
            let (store, search) = (store.clone(), search.clone());
            async move {
                let mut indexed_up_to = seen;
                while watch_changes.changed().await.is_ok() {
                    // A failed update is retried until the store answers again, so a
                    // passing outage never leaves the index behind the site.
                    loop {
                        match search::documents::apply_changes(&store, &search, indexed_up_to).await {
                            Ok(id) => break indexed_up_to = id,
                            Err(error) => {
                                tracing::warn!(error = format!("{error:#}"), "cannot update the search index; retrying in a second");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            }
                        }
                    }
                }
            }
        });

        let setup_link = if admin::accounts::count(&store).await? == 0 {
            Some(format!("{base_url}{}", admin::links::path(&admin::links::issue_setup(&store).await?)))
        } else {
            None
        };
        let scheduler = tokio::spawn(publish_when_due(store.clone()));
        // Without a mail server the signup form could confirm nobody: the
        // newsletter block then says how else to follow the news.
        let key = crate::forms::guard::Key::load(&store).await?;
        let site = Site {
            store: store.clone(),
            renderer,
            base_url: base_url.clone(),
            frame: None,
            forms: Some(FormAnswers { endpoint: String::new(), mail: config.mail.is_some(), stamps: Some(key.clone()) }),
        };
        let mut outgoing = Outgoing::default();
        let mut mail_worker = tokio::task::JoinSet::new();
        if let Some(mail) = &config.mail {
            let mailer = Mailer::new(&mail.smtp_url, mail.connections)?;
            let wake = outgoing.wake.clone();
            mail_worker = worker::Worker::start(
                store.clone(),
                mailer.clone(),
                base_url.clone(),
                (mail.connections, mail.per_second),
                mail.journals.clone(),
                wake,
            );
            outgoing.mailer = Some(mailer);
        }
        let recount = Arc::new(tokio::sync::Notify::new());
        let recounter = tokio::spawn(crate::forms::recount(store.clone(), recount.clone()));
        let forms = Forms {
            site: site.clone(),
            outgoing: outgoing.clone(),
            trusted_proxies: config.trusted_proxies.clone().into(),
            key,
            recount,
            origins: config.form_origins.clone().into(),
        };
        let admin = AdminState::new(site.clone(), outgoing, &config.trusted_proxies, config.upload_limit_mb * 1024 * 1024)?;
        let router = router(SiteState::new(site, cache.clone(), search), admin, forms);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // The peer address feeds sign-in throttling (see client_ip::ClientIp).
            let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            follower.abort();
            scheduler.abort();
            indexer.abort();
            recounter.abort();
            mail_worker.abort_all();
            while mail_worker.join_next().await.is_some() {}
            result.context("the server stopped with an error")
        });
        Ok(Application { addr, base_url, store, cache, loaded_demo, setup_link, stop, server })
    }

    /// Stops accepting, finishes requests in flight and closes the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let result = self.server.await.context("the server task failed");
        self.store.close().await;
        result?
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }
}

/// Publishes scheduled posts and pages when their time comes, and closes
/// petitions whose end passed, checking every second; every node runs this,
/// and the store lets each change happen once.
async fn publish_when_due(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let due = async {
            Ok::<_, anyhow::Error>(
                lifecycle::publish_due(&store, lifecycle::POSTS).await? + lifecycle::publish_due(&store, lifecycle::PAGES).await?,
            )
        };
        match due.await {
            Ok(0) => {}
            Ok(published) => tracing::info!(published, "scheduled posts and pages went live"),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot publish scheduled posts; trying again"),
        }
        // A petition whose end passed closes, so cached pages show its result.
        match crate::forms::petitions::close_ended(&store).await {
            Ok(0) => {}
            Ok(closed) => tracing::info!(closed, "petitions reached their end"),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot close ended petitions; trying again"),
        }
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
    Ok(Site { store, renderer: renderer(theme)?, base_url: base_url.to_owned(), frame: None, forms })
}

pub fn router(state: SiteState, admin: AdminState, forms: Forms) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/search", get(site::search::page))
        .merge(admin::router(admin))
        .merge(newsletter::router(forms.clone()))
        .merge(crate::forms::router(forms))
        .fallback(site::serve)
        .with_state(state)
}

async fn healthz(State(state): State<SiteState>) -> (StatusCode, &'static str) {
    if state.site.store.is_reachable().await {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the store is not reachable\n")
    }
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
