//! The HTTP server: hyper's HTTP/1 connections over the router, with the
//! bounds `axum::serve` leaves unset. A request head must arrive within
//! [`HEAD_TIMEOUT`] (which also closes keep-alive connections left idle),
//! and a stop waits at most [`STOP_WAIT`] for connections still open, so a
//! client that never finishes cannot hold a file descriptor, or a restart,
//! for ever. Beyond `max_connections` open at once a new one gets a short
//! 503 and is closed, so a flood cannot use up the file descriptors the
//! store and the uploads need.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower_service::Service;

pub const HEAD_TIMEOUT: Duration = Duration::from_secs(20);
pub const STOP_WAIT: Duration = Duration::from_secs(10);
/// Connections the kernel holds until they are accepted. Tokio's 1,024
/// overflowed under 2,000 connections at once (bench/abusive.py), and a
/// client whose connection is dropped there waits a second or more to try
/// again; the kernel caps it at `net.core.somaxconn`.
pub const BACKLOG: u32 = 4096;
/// Busy answers being written at once; past that a connection is just closed.
const BUSY_IN_FLIGHT: usize = 256;

/// Listens on `addr` with a backlog of [`BACKLOG`].
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restart need not wait for old connections to time out.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `router` on `listener`, with at most `max_connections` open at
/// once, until `stop` completes, then lets open connections finish what
/// they are doing for up to [`STOP_WAIT`].
pub async fn serve(listener: TcpListener, router: Router, max_connections: usize, stop: impl Future<Output = ()>) {
    let mut services = router.into_make_service_with_connect_info::<SocketAddr>();
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    let mut refusals = Refusals::default();
    let mut busy = Refusals::default();
    let answering_busy = std::sync::Arc::new(Semaphore::new(BUSY_IN_FLIGHT));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most often: say so, and try
                    // again soon rather than stall every new visitor.
                    refusals.report(&format!("cannot accept a connection ({error}; is the open-file limit too low? see docs/DEPLOYMENT.md)"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= max_connections {
            busy.report(&format!("{max_connections} connections are open"));
            if let Ok(permit) = answering_busy.clone().try_acquire_owned() {
                tokio::spawn(answer_busy(stream, permit));
            }
            continue;
        }
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
    fn report(&mut self, what: &str) {
        self.unlogged += 1;
        if self.last.is_some_and(|last| last.elapsed() < Duration::from_secs(10)) {
            return;
        }
        let times = std::mem::take(&mut self.unlogged);
        tracing::error!(times, "{what}; new connections are turned away");
        self.last = Some(tokio::time::Instant::now());
    }
}

/// A 503 that says why, written within a second, then the connection is
/// closed. The request is read first, so the close does not reset the
/// connection before the client has read the answer.
async fn answer_busy(mut stream: TcpStream, _permit: OwnedSemaphorePermit) {
    let text = "The server is busy: too many connections are open. Please try again in a few seconds.\n";
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Retry-After: 5\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0; 4096];
        for _ in 0..16 {
            if stream.read(&mut sink).await? == 0 {
                break;
            }
        }
        std::io::Result::Ok(())
    })
    .await;
}
