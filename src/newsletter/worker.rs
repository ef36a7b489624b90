//! The mail worker every node runs when it has an SMTP server: senders that
//! claim, send and mark outbox rows (see [`super::outbox`] for why this
//! sends each row once), one sender of the forms' queued confirmations
//! ([`crate::mail::queue`]), a heartbeat for all of them, and a clock that
//! releases the claims of silent senders, starts scheduled issues and
//! closes finished ones.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lettre::address::Envelope;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use tokio::task::JoinSet;

use super::journal::{self, Journal};
use super::letters::Edition;
use super::{issues, outbox};
use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Mailer, Outgoing, Pace, SendError, Sender, Session, queue};
use crate::store::{Conn, Store};

/// Rows a sender claims at a time: enough that claiming and settling a
/// batch's marks cost little per message (listmonk takes 1,000), few enough
/// that several senders share a send to a thousand people.
const BATCH: i64 = 200;
/// How long the task writing marks keeps its connection without a mark to write.
const KEEP: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Worker {
    store: Store,
    mailer: Mailer,
    base_url: String,
    /// Rung when an issue starts, so idle senders need not wait for their next look.
    wake: Arc<Notify>,
    pace: Arc<Pace>,
    /// To the task that writes the marks of sent messages together.
    marks: mpsc::UnboundedSender<SentMark>,
    /// The connection of this node's claims and marks.
    writer: Writer,
    /// The folder of the senders' journals (see [`journal`]).
    journals: PathBuf,
}

/// A sent row to mark, and where to say whether it was still its sender's.
struct SentMark {
    issue_id: i64,
    subscriber_id: i64,
    sender: String,
    done: oneshot::Sender<Result<bool, String>>,
}

impl Worker {
    /// `senders` messages in flight at once (one SMTP connection each), at most
    /// `per_second` messages a second when set; each sender's journal in `journals`.
    /// One more sender sends the forms' [`queue`]d mail, woken by `outgoing`
    /// as the issues' senders are. Its tasks join `tasks`, the node's
    /// background work, and stop with it.
    pub fn start(
        store: Store,
        mailer: Mailer,
        base_url: String,
        (senders, per_second): (u32, Option<u32>),
        journals: PathBuf,
        outgoing: &Outgoing,
        tasks: &mut JoinSet<()>,
    ) {
        let (marks, to_record) = mpsc::unbounded_channel();
        let writer = Writer::default();
        let wake = outgoing.wake.clone();
        let worker = Worker { store, mailer, base_url, wake, pace: Arc::new(Pace::new(per_second)), marks, writer, journals };
        let node = &crate::secrets::token()[..12];
        let senders: Vec<(String, Arc<AtomicBool>)> =
            (0..senders.max(1)).map(|n| (format!("{node}/{n}"), Arc::new(AtomicBool::new(true)))).collect();
        let (queue_sender, queue_alive) = (format!("{node}/queue"), Arc::new(AtomicBool::new(true)));
        let everyone = senders.iter().cloned().chain([(queue_sender.clone(), queue_alive.clone())]).collect();
        tasks.spawn(worker.clone().keep_alive(everyone));
        tasks.spawn(worker.clone().keep_time());
        tasks.spawn(record_forever(worker.store.clone(), worker.writer.clone(), to_record));
        tasks.spawn(worker.clone().send_queue_forever(queue_sender, outgoing.queued.clone(), Alive(queue_alive)));
        for (id, alive) in senders {
            tasks.spawn(worker.clone().send_forever(id, Alive(alive)));
        }
    }

    /// The heartbeat, in a task that does nothing else so that slow work
    /// never makes a live sender look silent. It names only the senders
    /// whose task still runs.
    async fn keep_alive(self, senders: Vec<(String, Arc<AtomicBool>)>) {
        let mut tick = tokio::time::interval(outbox::HEARTBEAT);
        loop {
            tick.tick().await;
            let alive: Vec<String> = senders.iter().filter(|(_, a)| a.load(Ordering::Relaxed)).map(|(id, _)| id.clone()).collect();
            if let Err(error) = outbox::heartbeat(&self.store, &alive).await {
                tracing::warn!(error = format!("{error:#}"), "the mail worker cannot reach the store; trying again");
            }
        }
    }

    /// Releases the claims of silent senders, starts scheduled issues and
    /// closes finished ones.
    async fn keep_time(self) {
        let mut tick = tokio::time::interval(outbox::HEARTBEAT);
        loop {
            tick.tick().await;
            let round = async {
                // A dead sender's journal first, so that none of its rows sent
                // is released; while one cannot be read, no claim is released.
                let released = match journal::recover(&self.store, &self.journals).await {
                    Ok(recovered) => {
                        if recovered > 0 {
                            tracing::warn!(recovered, "a mail sender stopped; the messages its journal says were sent are marked");
                        }
                        outbox::release_dead(&self.store).await? + queue::release_dead(&self.store, outbox::SILENCE).await?
                    }
                    Err(error) => {
                        tracing::warn!(
                            error = format!("{error:#}"),
                            "cannot apply a stopped mail sender's journal; its claims stay held until it can be"
                        );
                        0
                    }
                };
                if released > 0 {
                    tracing::warn!(released, "a mail sender stopped; its claimed messages went back to the queue");
                }
                let started = issues::start_due(&self.store).await?;
                issues::finish_done(&self.store).await?;
                if released + started > 0 {
                    self.wake.notify_waiters();
                }
                anyhow::Ok(())
            };
            if let Err(error) = round.await {
                tracing::warn!(error = format!("{error:#}"), "the mail worker cannot reach the store; trying again");
            }
        }
    }

    /// Sends the forms' queued mail (see [`queue`]), with a journal as the issues' senders.
    async fn send_queue_forever(self, id: String, queued: Arc<Notify>, _alive: Alive) {
        self.first_heartbeat(&id).await;
        let journal = Journal::open(&self.journals, &id)
            .inspect_err(|error| tracing::warn!(%error, "the sender of queued mail cannot keep its journal; it waits for each row"))
            .ok();
        let notes = journal.map(|journal| Box::new(journal) as Box<dyn queue::Notes>);
        queue::send_forever(self.store, self.mailer, self.pace, id, queued, notes).await
    }

    /// Claims need a heartbeat on record first, or they would look abandoned.
    async fn first_heartbeat(&self, id: &str) {
        while let Err(error) = outbox::heartbeat(&self.store, &[id.to_owned()]).await {
            tracing::warn!(error = format!("{error:#}"), "the mail worker cannot reach the store; trying again");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn send_forever(self, id: String, _alive: Alive) {
        self.first_heartbeat(&id).await;
        // Without a journal (a folder that cannot be written), each sent
        // row's mark is awaited before the next message instead.
        let mut journal = Journal::open(&self.journals, &id)
            .inspect_err(|error| tracing::warn!(%error, "a mail sender cannot keep its journal; it waits for each mark"))
            .ok();
        let mut editions: HashMap<i64, Arc<Edition>> = HashMap::new();
        let mut pause = Duration::ZERO;
        loop {
            let batch = match self.writer.run(&self.store, async |conn| outbox::claim(conn, &id, BATCH).await).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "cannot claim outbox rows; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                // Nothing to send: the connection goes back to the pool.
                self.writer.release().await;
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
            // Settings are read once a batch: a changed sender applies from the next one.
            let from = self.sender().await;
            let mut session = self.mailer.session().await;
            let envelopes: Vec<Result<Envelope, SendError>> = batch
                .iter()
                .map(|row| match &from {
                    Ok((_, sender)) => envelope(sender, &row.email),
                    Err(error) => Err(error.clone()),
                })
                .collect();
            let (mut unmarked, mut answered) = (Vec::new(), 0);
            for (n, row) in batch.iter().enumerate() {
                if released(&mut unmarked, &mut answered) {
                    tracing::warn!(sender = %id, "a claim was released while its row was sent; this sender leaves the rest of its batch and claims afresh");
                    break;
                }
                self.pace.wait().await;
                let outcome = match (&from, &envelopes[n]) {
                    (Ok(from), Ok(to)) => {
                        let next = envelopes.get(n + 1).and_then(|next| next.as_ref().ok());
                        self.send(&mut session, &mut editions, from, row, to, next).await
                    }
                    (Err(error), _) | (_, Err(error)) => Err(error.clone()),
                };
                if outcome.is_ok() && self.journaled(&mut journal, row) {
                    unmarked.push(self.mark_later(row, &id));
                    pause = Duration::ZERO;
                    continue;
                }
                // A row must leave `claimed` before the next claim, or this
                // sender would find it in its next batch and send it again.
                let still_ours = loop {
                    let marked = match &outcome {
                        Ok(()) => self.mark_sent(row, &id).await,
                        Err(SendError::Permanent(text)) => outbox::mark_failed(&self.store, row, &id, text).await,
                        Err(SendError::Transient(text)) => outbox::retry_later(&self.store, row, &id, text).await,
                        Err(SendError::Unavailable(text)) => outbox::put_back(&self.store, row, &id, text).await,
                    };
                    match marked {
                        Ok(still_ours) => break still_ours,
                        Err(error) => {
                            tracing::warn!(error = format!("{error:#}"), "cannot record a delivery; trying again");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                };
                if !still_ours {
                    tracing::warn!(sender = %id, "a claim was released while its row was sent; this sender leaves the rest of its batch and claims afresh");
                    break;
                }
                // A server that is out of reach or refusing for now is given time, growing to 30 s.
                pause = match &outcome {
                    Err(SendError::Transient(text) | SendError::Unavailable(text)) => {
                        tracing::warn!(error = %text, "the SMTP server did not take a message; it will be retried");
                        (pause * 2).clamp(Duration::from_millis(250), Duration::from_secs(30))
                    }
                    _ => Duration::ZERO,
                };
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            drop(session);
            self.settle(unmarked).await;
            if let Some(journal) = &mut journal {
                // Every line is in the store now; a file that cannot be emptied only makes a later recovery longer.
                if let Err(error) = journal.clear() {
                    tracing::warn!(%error, "cannot empty a mail sender's journal");
                }
            }
        }
    }

    /// Writes `row` to the sender's journal; false when there is none or the write failed.
    fn journaled(&self, journal: &mut Option<Journal>, row: &outbox::Claimed) -> bool {
        let Some(file) = journal else { return false };
        match file.record(row.issue_id, row.subscriber_id) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "cannot write a mail sender's journal; it waits for each mark from now on");
                *journal = None;
                false
            }
        }
    }

    /// Step 3 of a journaled row: its mark goes to the task that writes marks together, unawaited.
    fn mark_later(&self, row: &outbox::Claimed, sender: &str) -> Unmarked {
        let (done, answer) = oneshot::channel();
        let mark = SentMark { issue_id: row.issue_id, subscriber_id: row.subscriber_id, sender: sender.to_owned(), done };
        // Should that task be gone, the dropped mark shows in `settle`, which writes it itself.
        let _ = self.marks.send(mark);
        Unmarked { issue_id: row.issue_id, subscriber_id: row.subscriber_id, answer, known: None }
    }

    /// Waits until the store holds the marks of a batch's journaled rows.
    async fn settle(&self, unmarked: Vec<Unmarked>) {
        for mut row in unmarked {
            let answer = match row.known.take() {
                Some(answer) => answer,
                None => (&mut row.answer).await.unwrap_or_else(|_| Err("the task that records deliveries stopped".into())),
            };
            if answer == Ok(true) {
                continue;
            }
            // Its write failed, or its claim may have gone to another
            // sender; the server took it, so it is sent, whoever holds it.
            while let Err(error) = outbox::mark_taken(&self.store, &[(row.issue_id, row.subscriber_id)]).await {
                tracing::warn!(error = format!("{error:#}"), "cannot record a delivery; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn sender(&self) -> Result<(SiteSettings, Sender), SendError> {
        let settings = crate::content::settings::load(&self.store).await.ok().flatten();
        let Some(settings) = settings else { return Err(SendError::Unavailable("the site settings cannot be read".into())) };
        match crate::mail::site::sender(&settings) {
            Some(sender) => Ok((settings, sender)),
            None => Err(SendError::Unavailable("no sender address is set: set one in Settings".into())),
        }
    }

    /// Sends `row`'s message to `envelope` in `session`; `next` is the
    /// envelope of the batch's next message, which may go out ahead (see `mail::smtp`).
    async fn send(
        &self,
        session: &mut Session<'_>,
        editions: &mut HashMap<i64, Arc<Edition>>,
        (settings, sender): &(SiteSettings, Sender),
        row: &outbox::Claimed,
        envelope: &Envelope,
        next: Option<&Envelope>,
    ) -> Result<(), SendError> {
        let edition = match editions.get(&row.issue_id) {
            Some(edition) => edition.clone(),
            None => {
                let issue = issues::get(&self.store, row.issue_id)
                    .await
                    .map_err(|e| SendError::Unavailable(format!("{e:#}")))?
                    .ok_or_else(|| SendError::Permanent("the issue was deleted".into()))?;
                let edition = Edition::new(settings, &self.base_url, issue.id, &issue.subject, &issue.body)
                    .map_err(|e| SendError::Permanent(format!("the issue cannot be rendered: {e:#}")))?;
                editions.entry(row.issue_id).or_insert(Arc::new(edition)).clone()
            }
        };
        let to = EmailAddress::parse(&row.email).map_err(SendError::Permanent)?;
        let message = edition
            .letter(row.subscriber_id, &to, &row.name, &row.unsubscribe_key)
            .build(sender)
            .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e:#}")))?;
        session.send(envelope, &message.formatted(), next).await
    }

    /// Step 3 of a sent row, through the task that writes marks together
    /// (by itself should that task be gone). False: a row written with it was no
    /// longer its sender's (see [`outbox::mark_sent`]).
    async fn mark_sent(&self, row: &outbox::Claimed, sender: &str) -> anyhow::Result<bool> {
        let (done, answer) = oneshot::channel();
        let mark = SentMark { issue_id: row.issue_id, subscriber_id: row.subscriber_id, sender: sender.to_owned(), done };
        if self.marks.send(mark).is_err() {
            let _turn = self.store.turn().await?;
            let mut conn = self.store.keep_connection().await?;
            return outbox::mark_sent(&mut conn, &[(row.issue_id, row.subscriber_id, sender)]).await;
        }
        match answer.await {
            Ok(result) => result.map_err(anyhow::Error::msg),
            Err(_) => anyhow::bail!("the task that records deliveries stopped"),
        }
    }
}

/// A journaled row whose mark may not be in the store yet.
struct Unmarked {
    issue_id: i64,
    subscriber_id: i64,
    answer: oneshot::Receiver<Result<bool, String>>,
    known: Option<Result<bool, String>>,
}

/// Whether a mark already written says a claim of this batch was released:
/// the sender then leaves the rest of its batch (see [`outbox::mark_sent`]).
/// Answers come in the order the marks were sent (one task writes them in
/// turn), so only those after the last one `answered` are looked at.
fn released(unmarked: &mut [Unmarked], answered: &mut usize) -> bool {
    while let Some(row) = unmarked.get_mut(*answered) {
        let Ok(answer) = row.answer.try_recv() else { return false };
        *answered += 1;
        let released = answer == Ok(false);
        row.known = Some(answer);
        if released {
            return true;
        }
    }
    false
}

/// Writes the marks of sent messages: all that are waiting, in one
/// statement, through the node's [`Writer`] (given back to the pool after
/// [`KEEP`] without marks).
async fn record_forever(store: Store, writer: Writer, mut marks: mpsc::UnboundedReceiver<SentMark>) {
    let mut group = Vec::new();
    loop {
        match tokio::time::timeout(KEEP, marks.recv_many(&mut group, 1024)).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(_) => {
                writer.release().await;
                continue;
            }
        }
        let rows: Vec<(i64, i64, &str)> = group.iter().map(|m| (m.issue_id, m.subscriber_id, m.sender.as_str())).collect();
        let marked = writer.run(&store, async |conn| outbox::mark_sent(conn, &rows).await).await;
        let marked = marked.map_err(|error| format!("{error:#}"));
        for mark in group.drain(..) {
            // A sender that went away no longer needs its answer.
            let _ = mark.done.send(marked.clone());
        }
    }
}

/// One connection kept for a node's claims and marks (see [`crate::store::Conn`]),
/// written on in the store's turn (see [`Store::turn`]). Held from the first
/// use until [`Writer::release`], and taken afresh after an error.
#[derive(Clone, Default)]
struct Writer(Arc<Mutex<Option<Conn>>>);

impl Writer {
    async fn run<T>(&self, store: &Store, write: impl AsyncFnOnce(&mut Conn) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let mut kept = self.0.lock().await;
        let _turn = store.turn().await?;
        let conn = match &mut *kept {
            Some(conn) => conn,
            None => kept.insert(store.keep_connection().await?),
        };
        let result = write(conn).await;
        if result.is_err() {
            *kept = None;
        }
        result
    }

    async fn release(&self) {
        *self.0.lock().await = None;
    }
}

/// From the site's sender to one subscriber.
fn envelope(sender: &Sender, to: &str) -> Result<Envelope, SendError> {
    crate::mail::envelope(sender.address.as_str(), to)
}

/// Set while a sender's task runs; dropped (also when the task panics), it
/// takes the sender out of the heartbeat, so its claims are released.
struct Alive(Arc<AtomicBool>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}
