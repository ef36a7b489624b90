//! `--mail-rate`: at most a set number of messages a second from a node,
//! the newsletter's and the forms' confirmations alike, as a relay that
//! limits its senders counts them.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Spaces messages out to at most a set number per second across a node's senders.
pub struct Pace {
    gap: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pace {
    pub fn new(per_second: Option<u32>) -> Self {
        Pace { gap: per_second.filter(|n| *n > 0).map(|n| Duration::from_secs(1) / n), next: Mutex::new(Instant::now()) }
    }

    /// Waits for this message's slot; each caller gets the next one.
    pub async fn wait(&self) {
        let Some(gap) = self.gap else { return };
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + gap;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
