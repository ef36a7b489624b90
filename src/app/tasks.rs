//! The background work of one node, started with it and stopped with it:
//! following the change feed (the render cache and the search index), the
//! scheduler, the petitions' recount and, with `--smtp`, the mail worker.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::content::lifecycle;
use crate::render::cache::RenderCache;
use crate::search::{self, SearchIndex};
use crate::store::{Store, changes};

/// How long stopping waits for the tasks to end before it goes on without them.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// Every background task of this node, in one set.
#[derive(Default)]
pub struct Tasks(JoinSet<()>);

impl Tasks {
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.0.spawn(task);
    }

    /// The set itself, for a part that starts several tasks of its own (the mail worker).
    pub fn set(&mut self) -> &mut JoinSet<()> {
        &mut self.0
    }

    /// Follows the change feed from `seen`: each change empties the render
    /// cache and brings the search index up to date.
    pub fn follow_changes(&mut self, store: &Store, seen: i64, cache: Arc<RenderCache>, search: Arc<SearchIndex>) {
        let (changed, mut watch_changes) = watch::channel(seen);
        self.spawn(changes::follow(store.clone(), store.wake(), seen, move |id, counts| {
            if counts {
                tracing::debug!(change.id = id, "signatures counted; cached pages are rendered again as they are asked for");
                cache.age();
            } else {
                tracing::info!(change.id = id, "content changed; render cache emptied");
                cache.invalidate();
            }
            changed.send_replace(id);
        }));
        let store = store.clone();
        self.spawn(async move {
            let mut indexed_up_to = seen;
            while watch_changes.changed().await.is_ok() {
                // A failed update is retried until the store answers again, so a
                // passing outage never leaves the index behind the site.
                loop {
                    match search::documents::apply_changes(&store, &search, indexed_up_to).await {
                        Ok(id) => break indexed_up_to = id,
                        Err(error) => {
                            tracing::warn!(error = format!("{error:#}"), "cannot update the search index; retrying in a second");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            }
        });
    }

    /// Ends every task and waits for them, at most [`STOP_WITHIN`].
    pub async fn stop(mut self) {
        self.0.abort_all();
        let ended = tokio::time::timeout(STOP_WITHIN, async { while self.0.join_next().await.is_some() {} }).await;
        if ended.is_err() {
            tracing::warn!(left = self.0.len(), "background tasks did not end in time; stopping without them");
        }
    }
}

/// Publishes scheduled posts and pages when their time comes, and closes
/// petitions whose end passed, checking every second; every node runs this,
/// and the store lets each change happen once.
pub async fn publish_when_due(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
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
        match crate::petitions::close_ended(&store).await {
            Ok(0) => {}
            Ok(closed) => tracing::info!(closed, "petitions reached their end"),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot close ended petitions; trying again"),
        }
    }
}
