//! `GET /healthz`: 200 while the store takes writes, 503 when it does not
//! (a full disk, a lost database server), so a load balancer stops sending
//! editors to a node whose saves would fail. One write a second answers
//! every check that arrives meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::Mutex;

use crate::store::Store;

pub struct Health {
    store: Store,
    /// When the store was last tried and whether it took the write; the
    /// lock also makes checks that arrive together share one write.
    last: Mutex<Option<(Instant, bool)>>,
}

impl Health {
    pub fn new(store: Store) -> Arc<Self> {
        Arc::new(Health { store, last: Mutex::new(None) })
    }
}

const FRESH_FOR: Duration = Duration::from_secs(1);

pub async fn healthz(State(health): State<Arc<Health>>) -> (StatusCode, &'static str) {
    let mut last = health.last.lock().await;
    let writes = match *last {
        Some((at, writes)) if at.elapsed() < FRESH_FOR => writes,
        _ => {
            let writes = match health.store.takes_writes().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(%error, "the store does not take writes");
                    false
                }
            };
            *last = Some((Instant::now(), writes));
            writes
        }
    };
    if writes { (StatusCode::OK, "ok\n") } else { (StatusCode::SERVICE_UNAVAILABLE, "the store does not take writes\n") }
}
