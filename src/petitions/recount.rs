//! Pages show petition counters, and the render caches keep pages until a
//! change: this task turns confirmed signatures into changes, a few at a time.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::store::{Store, changes};

/// How often, at most, new signatures age the nodes' render caches.
pub const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Pages show petition counters and the render caches keep pages until a
/// change. Each confirmed signature rings `asked`; this task records one
/// [`changes::COUNTS`] change for all that rang in [`RECOUNT_EVERY`]. It
/// empties no cache: each node renders its pages again as they are asked
/// for, answering their last version meanwhile, so a busy petition never
/// makes a visitor wait for a render. `/petitions/{slug}/tally` is live.
pub async fn recount(store: Store, asked: Arc<Notify>) {
    loop {
        asked.notified().await;
        tokio::time::sleep(RECOUNT_EVERY).await;
        // Not a commit that empties this node's cache: the change feed's
        // follower, woken here as on every node, ages it instead.
        let recorded = async {
            let mut tx = store.begin().await?;
            changes::record(&mut tx, changes::COUNTS, "").await?;
            tx.commit_unseen().await?;
            store.wake().notify_one();
            anyhow::Ok(())
        };
        if let Err(error) = recorded.await {
            tracing::warn!(error = format!("{error:#}"), "cannot record new signatures; pages show them after the next change");
        }
    }
}
