//! Writing the export incrementally: a file is written only when its bytes
//! differ from what is on disk (so unchanged files keep their mtimes and a
//! sync to a host copies only what changed), text files get `.gz` and `.br`
//! twins, and files an earlier build wrote that the site no longer has are
//! removed. Files Pamphlet did not write are never touched.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

pub fn sync(out: &Path, files: Vec<Output>, precompress: bool, progress: ProgressBar) -> anyhow::Result<Summary> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create the export folder {}", out.display()))?;
    let previous = read_manifest(out);
    progress.set_length(files.len() as u64);
    progress.set_message("writing");

    let state = Mutex::new(Summary::default());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|chunk| {
                let (state, progress) = (&state, &progress);
                scope.spawn(move || -> anyhow::Result<()> {
                    for output in chunk {
                        let (written, unchanged) = write_one(out, output, precompress)?;
                        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                        state.written.extend(written);
                        state.unchanged += unchanged;
                        progress.inc(1);
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker.join().map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
        }
        Ok(())
    })?;
    progress.finish_and_clear();

    let mut summary = state.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut current: Vec<String> = Vec::new();
    for output in &files {
        current.push(output.file.clone());
        if precompress && compressible(&output.content_type) {
            current.extend([format!("{}.gz", output.file), format!("{}.br", output.file)]);
        }
    }
    let keep: HashSet<&String> = current.iter().collect();
    for stale in previous.iter().filter(|f| !keep.contains(f)) {
        match std::fs::remove_file(out.join(stale)) {
            Ok(()) => summary.removed.push(stale.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove the old file {}", out.join(stale).display())),
        }
    }
    current.sort();
    let manifest = out.join(MANIFEST);
    std::fs::write(&manifest, current.join("\n") + "\n").with_context(|| format!("cannot write {}", manifest.display()))?;
    summary.written.sort();
    summary.removed.sort();
    Ok(summary)
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
