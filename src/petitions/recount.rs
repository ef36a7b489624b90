//! Pages show petition counters, and the render caches keep pages until a
//! change: this task turns confirmed signatures into changes, a few at a time.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::store::Store;

/// How often, at most, a node empties the render caches for new signatures.
pub const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Pages show petition counters and the render caches keep pages until a
/// change. Each confirmed signature rings `asked`; this task records one
/// change for all that rang in [`RECOUNT_EVERY`], so a busy petition does not
/// empty every node's cache with each signature. `/petitions/{slug}/tally`
/// is live meanwhile.
pub async fn recount(store: Store, asked: Arc<Notify>) {
    loop {
        asked.notified().await;
        tokio::time::sleep(RECOUNT_EVERY).await;
        let recorded = async {
            let mut tx = store.begin().await?;
            super::changed(&mut tx, "counts").await?;
            tx.commit().await
        };
        if let Err(error) = recorded.await {
            tracing::warn!(error = format!("{error:#}"), "cannot record new signatures; pages show them after the next change");
        }
    }
}
