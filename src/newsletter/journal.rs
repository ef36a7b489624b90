//! Each sender's own record of the messages its SMTP server took, in a file
//! of the node's data folder. A line is written the moment the server
//! accepts a message, before the row's mark reaches the store (the marks
//! go there in groups, see [`super::outbox`] step 3), so a sender need not
//! wait for the store between messages. A write to a file outlives the
//! process that made it, so after a crash the rows in the file are marked
//! before anyone could claim them again ([`recover`]). The sender of the
//! forms' queued mail keeps one too, for the rows of [`queue`].
//!
//! A sender holds an exclusive lock on its file while it runs; a file that
//! no one holds belongs to a sender that is gone.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::Path;

use super::outbox;
use crate::mail::queue;
use crate::store::Store;

pub struct Journal {
    file: File,
}

impl Journal {
    /// Creates the file of `sender` (an id unique to this process) in `dir`, locked.
    pub fn open(dir: &Path, sender: &str) -> io::Result<Journal> {
        fs::create_dir_all(dir)?;
        let name = sender.replace('/', "-");
        // Locked under another name first, so [`recover`] never takes it for a dead sender's.
        let new = dir.join(format!("{name}.new"));
        let file = OpenOptions::new().create(true).append(true).open(&new)?;
        file.try_lock().map_err(|_| io::Error::other(format!("{} is held by another sender", new.display())))?;
        let path = dir.join(format!("{name}.sent"));
        // A link, unlike a rename, never replaces another sender's file.
        let linked = fs::hard_link(&new, &path);
        fs::remove_file(&new)?;
        linked?;
        Ok(Journal { file })
    }

    /// Says that the server took the message of this row.
    pub fn record(&mut self, issue_id: i64, subscriber_id: i64) -> io::Result<()> {
        self.file.write_all(format!("{issue_id} {subscriber_id}\n").as_bytes())
    }

    /// Forgets every line once the store holds all their marks.
    pub fn clear(&mut self) -> io::Result<()> {
        self.file.set_len(0)
    }
}

impl queue::Notes for Journal {
    fn sent(&mut self, id: i64) -> io::Result<()> {
        self.file.write_all(format!("{QUEUED} {id}\n").as_bytes())
    }

    fn clear(&mut self) -> io::Result<()> {
        Journal::clear(self)
    }
}

/// The first word of a line for a row of the forms' queue.
const QUEUED: &str = "queue";

/// Marks the outbox rows in the files of senders that are gone as sent and
/// takes their queue rows out of the queue, then removes those files. Runs before claims of silent senders are released.
pub async fn recover(store: &Store, dir: &Path) -> anyhow::Result<u64> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(anyhow::Error::new(error).context(format!("cannot read {}", dir.display()))),
    };
    let mut marked = 0;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "sent") {
            continue;
        }
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            // Another node of this folder recovered it first.
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(anyhow::Error::new(error).context(format!("cannot open {}", path.display()))),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(error)) => return Err(anyhow::Error::new(error).context(format!("cannot lock {}", path.display()))),
        }
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        let (rows, queued) = parse(&text);
        marked += outbox::mark_taken(store, &rows).await? + queue::take_out(store, &queued).await?.len() as u64;
        // Removed while locked, so no one reads it after its rows are marked.
        match fs::remove_file(&path) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    Ok(marked)
}

/// The outbox rows (issue, subscriber) and the queue rows of a file; a line
/// cut short by a crash is no row.
fn parse(text: &str) -> (Vec<(i64, i64)>, Vec<i64>) {
    let (mut rows, mut queued) = (Vec::new(), Vec::new());
    for line in text.split_inclusive('\n') {
        let Some((first, second)) = line.strip_suffix('\n').and_then(|line| line.split_once(' ')) else { continue };
        match (first, second.parse()) {
            (QUEUED, Ok(id)) => queued.push(id),
            (issue, Ok(subscriber)) => rows.extend(issue.parse().ok().map(|issue| (issue, subscriber))),
            _ => {}
        }
    }
    (rows, queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_cut_short_is_no_row() {
        assert_eq!(parse("1 2\n1 3\n"), (vec![(1, 2), (1, 3)], vec![]));
        assert_eq!(parse("1 2\n1 \n"), (vec![(1, 2)], vec![]));
        assert_eq!(parse("1 2\n1 34"), (vec![(1, 2)], vec![]), "1 34 may have been 1 345");
        assert_eq!(parse("queue 7\n1 2\nqueue 8\nqueue 9"), (vec![(1, 2)], vec![7, 8]), "queue 9 may have been queue 91");
    }

    #[test]
    fn a_live_senders_file_is_locked_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Journal::open(dir.path(), "node/0").unwrap();
        first.record(1, 2).unwrap();
        let path = dir.path().join("node-0.sent");
        let other = File::open(&path).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)), "a live sender's file is locked");
        assert!(Journal::open(dir.path(), "node/0").is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "1 2\n", "the first sender's file is kept");
        first.clear().unwrap();
        first.record(1, 3).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "1 3\n", "appends start again at the top");
    }
}
