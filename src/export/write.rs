//! Writing the export incrementally: a file is written only when its bytes
//! differ from what is on disk (so unchanged files keep their mtimes and a
//! sync to a host copies only what changed), text files get `.gz` and `.br`
//! twins, and files an earlier build wrote that the site no longer has are
//! removed. Files Pamphlet did not write are never touched.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::ProgressBar;

use super::Output;
use crate::render::cache::{brotli, compressible, gzip};

/// The list of files the last build wrote, inside the export folder.
const MANIFEST: &str = ".pamphlet-build";

#[derive(Debug, Default)]
pub struct Summary {
    /// Files written by this build (new or changed), with their twins.
    pub written: Vec<String>,
    pub unchanged: usize,
    /// Files of an earlier build that the site no longer has.
    pub removed: Vec<String>,
}

/// Writes files while the pages are still being rendered: writer threads
/// take them from a short queue, so rendering and writing overlap and a
/// page's bytes are freed once on disk. [`finish`](Writer::finish) removes
/// what an earlier build wrote that this one did not, and keeps the list.
pub struct Writer {
    out: PathBuf,
    precompress: bool,
    queue: Option<tokio::sync::mpsc::Sender<Output>>,
    threads: Vec<std::thread::JoinHandle<anyhow::Result<Summary>>>,
    /// Every file of this build, with its twins.
    current: Vec<String>,
}

/// Files waiting for a writer at most; rendering waits when they are all taken.
const QUEUE: usize = 256;

impl Writer {
    pub fn start(out: &Path, precompress: bool, progress: ProgressBar) -> anyhow::Result<Self> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create the export folder {}", out.display()))?;
        let (queue, receiver) = tokio::sync::mpsc::channel::<Output>(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        let count = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..count)
            .map(|_| {
                let (out, receiver, progress) = (out.to_path_buf(), receiver.clone(), progress.clone());
                std::thread::spawn(move || -> anyhow::Result<Summary> {
                    let mut summary = Summary::default();
                    loop {
                        let next = receiver.lock().unwrap_or_else(|e| e.into_inner()).blocking_recv();
                        let Some(output) = next else { break };
                        let (written, unchanged) = write_one(&out, &output, precompress)?;
                        summary.written.extend(written);
                        summary.unchanged += unchanged;
                        progress.inc(1);
                    }
                    Ok(summary)
                })
            })
            .collect();
        Ok(Writer { out: out.to_path_buf(), precompress, queue: Some(queue), threads, current: Vec::new() })
    }

    /// Queues a file; waits while the queue is full.
    pub async fn write(&mut self, output: Output) -> anyhow::Result<()> {
        self.current.push(output.file.clone());
        if self.precompress && compressible(&output.content_type) {
            self.current.extend([format!("{}.gz", output.file), format!("{}.br", output.file)]);
        }
        let queue = self.queue.as_ref().expect("the queue is open until finish");
        if queue.send(output).await.is_err() {
            // Every writer stopped: finishing says why.
            let error = std::mem::replace(self, Writer::closed()).finish().err();
            return Err(error.unwrap_or_else(|| anyhow::anyhow!("the export's writers stopped")));
        }
        Ok(())
    }

    fn closed() -> Self {
        Writer { out: PathBuf::new(), precompress: false, queue: None, threads: Vec::new(), current: Vec::new() }
    }

    /// Waits for the writers, removes the files of an earlier build that this
    /// one no longer has, and writes the new list.
    pub fn finish(mut self) -> anyhow::Result<Summary> {
        drop(self.queue.take());
        let mut summary = Summary::default();
        for thread in self.threads.drain(..) {
            let part = thread.join().map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
            summary.written.extend(part.written);
            summary.unchanged += part.unchanged;
        }
        let out = &self.out;
        let keep: HashSet<&String> = self.current.iter().collect();
        for stale in read_manifest(out).iter().filter(|f| !keep.contains(f)) {
            match std::fs::remove_file(out.join(stale)) {
                Ok(()) => summary.removed.push(stale.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("cannot remove the old file {}", out.join(stale).display())),
            }
        }
        self.current.sort();
        let manifest = out.join(MANIFEST);
        std::fs::write(&manifest, self.current.join("\n") + "\n").with_context(|| format!("cannot write {}", manifest.display()))?;
        summary.written.sort();
        summary.removed.sort();
        Ok(summary)
    }
}

/// Writes one file and its twins where needed: (files written, files unchanged).
fn write_one(out: &Path, output: &Output, precompress: bool) -> anyhow::Result<(Vec<String>, usize)> {
    let path = out.join(&output.file);
    let changed = std::fs::read(&path).map_or(true, |on_disk| on_disk != output.bytes);
    let mut written = Vec::new();
    if changed {
        write_file(&path, &output.bytes)?;
        written.push(output.file.clone());
    }
    if precompress && compressible(&output.content_type) {
        for (extension, compress) in [("gz", gzip as fn(&[u8]) -> Vec<u8>), ("br", brotli)] {
            let twin = PathBuf::from(format!("{}.{extension}", path.display()));
            if changed || !twin.exists() {
                write_file(&twin, &compress(&output.bytes))?;
                written.push(format!("{}.{extension}", output.file));
            }
        }
    }
    let unchanged = usize::from(!changed);
    Ok((written, unchanged))
}

/// Replaces a file through a temporary file and a rename, so a static
/// server never sends a half-written page; a new file is written directly.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    if !path.exists() {
        return std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()));
    }
    let temporary = PathBuf::from(format!("{}.pamphlet-tmp", path.display()));
    std::fs::write(&temporary, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}

fn read_manifest(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join(MANIFEST))
        .map(|text| text.lines().filter(|l| !l.is_empty() && !l.split('/').any(|s| s == "..")).map(str::to_owned).collect())
        .unwrap_or_default()
}
