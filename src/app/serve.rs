//! The HTTP server: hyper's HTTP/1 connections over the router, with the
//! bounds `axum::serve` leaves unset. A request head must arrive within
//! [`HEAD_TIMEOUT`] (which also closes keep-alive connections left idle),
//! and a stop waits at most [`STOP_WAIT`] for connections still open, so a
//! client that never finishes cannot hold a file descriptor, or a restart,
//! for ever.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower_service::Service;

pub const HEAD_TIMEOUT: Duration = Duration::from_secs(20);
pub const STOP_WAIT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `stop` completes, then lets open
/// connections finish what they are doing for up to [`STOP_WAIT`].
pub async fn serve(listener: TcpListener, router: Router, stop: impl Future<Output = ()>) {
    let mut services = router.into_make_service_with_connect_info::<SocketAddr>();
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    let mut refusals = Refusals::default();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most often: say so, and try
                    // again soon rather than stall every new visitor.
                    refusals.report(&error);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let Ok(service) = services.call(peer).await;
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(HEAD_TIMEOUT);
            let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    // Finish the request in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(STOP_WAIT, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        tracing::warn!(open = connections.len(), "closing connections still open {} s after the stop", STOP_WAIT.as_secs());
        connections.shutdown().await;
    }
}

/// Failed accepts, logged at most every ten seconds: while the limit stays
/// reached they repeat twenty times a second.
#[derive(Default)]
struct Refusals {
    last: Option<tokio::time::Instant>,
    unlogged: u64,
}

impl Refusals {
    fn report(&mut self, error: &std::io::Error) {
        self.unlogged += 1;
        if self.last.is_some_and(|last| last.elapsed() < Duration::from_secs(10)) {
            return;
        }
        let times = std::mem::take(&mut self.unlogged);
        tracing::error!(%error, times, "cannot accept a connection (is the open-file limit too low? see docs/DEPLOYMENT.md)");
        self.last = Some(tokio::time::Instant::now());
    }
}
