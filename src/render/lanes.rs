//! Where pages are rendered: on tokio's blocking pool, never on the threads
//! that answer requests, a few at a time and each within [`BUDGET`]. A
//! render past its budget is answered at once ("try again") but keeps its
//! slot until it ends, so slow renders can never take more cores than their
//! lane has, and a stop never waits for one (the runtime is shut down with a
//! timeout in `main`).

use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a visitor or an editor waits for a page before being told to try again.
pub const BUDGET: Duration = Duration::from_secs(10);

/// A few slots for one kind of render.
pub struct Lane {
    slots: Semaphore,
}

/// Public pages on a cache miss, and searches: one slot per core of a small server.
pub static PAGES: Lane = Lane::new(2);
/// The admin's previews, so editors' typing never takes the public pages' slots.
pub static PREVIEWS: Lane = Lane::new(1);

/// A render that did not finish within [`BUDGET`].
#[derive(Debug, thiserror::Error)]
#[error("the page took longer than {} s to prepare", BUDGET.as_secs())]
pub struct TooSlow;

impl Lane {
    const fn new(slots: usize) -> Self {
        Lane { slots: Semaphore::const_new(slots) }
    }

    /// Runs `work` (which may wait on the store) on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.within(BUDGET, work).await
    }

    async fn within<T: Send + 'static>(
        &'static self,
        budget: Duration,
        work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
    ) -> anyhow::Result<T> {
        let handle = tokio::runtime::Handle::current();
        let run = async move {
            let slot = self.slots.acquire().await?;
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                handle.block_on(work)
            })
            .await?
        };
        tokio::time::timeout(budget, run).await.map_err(|_| anyhow::Error::new(TooSlow))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    static ONE: Lane = Lane::new(1);

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_slow_render_leaves_the_workers_free_and_overruns_into_too_slow() {
        let started = Instant::now();
        let slow = tokio::spawn(ONE.within(Duration::from_millis(300), async {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        }));
        // The only worker thread is free while the render runs.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
        let error = slow.await.unwrap().unwrap_err();
        assert!(error.is::<TooSlow>(), "{error:#}");
        assert!(started.elapsed() < Duration::from_secs(1), "answered at the budget, not when the render ends");
        // The overrunning render keeps its slot: the next waits for it, then runs.
        let next = ONE.within(Duration::from_secs(5), async { Ok(7) }).await.unwrap();
        assert_eq!(next, 7);
        assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn work_can_wait_on_io_from_the_blocking_thread() {
        let value = ONE
            .run(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok("done")
            })
            .await
            .unwrap();
        assert_eq!(value, "done");
    }
}
