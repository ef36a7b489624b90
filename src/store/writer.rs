//! The SQLite store's writer thread. A transaction waits for a reply from
//! SQLite's own thread at every statement, and under load a request task
//! woken by that reply waits again for a turn on the runtime's busy
//! workers, while it holds the only write lock. The hot writes (a form's
//! admission, a signature, a confirmation) run their transaction here
//! instead, on a thread that does nothing else, so the lock is held for
//! the statements alone.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the thread; it ends once the last handle of its store is dropped.
    pub(super) fn start() -> anyhow::Result<Self> {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("store-writer".into()).spawn(move || {
            runtime.block_on(async move {
                // Each job waits for its turn by itself, as any writer does, so
                // one that times out holds none behind it. A job that panics
                // ends alone: its caller finds its answer dropped.
                while let Some(job) = queue.recv().await {
                    tokio::spawn(job());
                }
            })
        })?;
        Ok(Writer { jobs })
    }

    pub(super) async fn run<T, F>(&self, work: impl FnOnce() -> F + Send + 'static) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = answer.send(work().await);
            })
        });
        self.jobs.send(job).map_err(|_| anyhow::anyhow!("the store's writer thread has stopped"))?;
        answered.await.map_err(|_| anyhow::anyhow!("a write on the store's writer thread failed unexpectedly"))?
    }
}
