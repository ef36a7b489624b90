//! A real SMTP server for the tests: Debian's python3-aiosmtpd running
//! `smtp_sink.py`, which keeps every message it accepts as a JSON file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

pub struct SmtpSink {
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first URL in the plain-text part that contains `part`.
    pub fn link(&self, part: &str) -> Option<String> {
        self.text.split_whitespace().find(|w| w.starts_with("http") && w.contains(part)).map(str::to_owned)
    }
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// `options` are passed to the sink, e.g. `["--refuse", "a@example.org"]`.
    pub fn start_with(options: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        // Debian's aiosmtpd is importable only from Debian's own Python.
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(dir.path())
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("/usr/bin/python3 runs (scripts/test.sh installs python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("the SMTP sink printed its port, not {line:?}"));
        SmtpSink { child, url: format!("smtp://127.0.0.1:{port}"), dir }
    }

    /// Every message accepted so far, in arrival order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
    }

    /// Waits up to `seconds` until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize, seconds: u64) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many message files have arrived, without reading them.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json")))
            .count()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
