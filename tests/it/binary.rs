//! The real `pamphlet` binary: flags, defaults and failures as a user meets them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn pamphlet() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
    command.env_remove("PAMPHLET_ADDR").env_remove("PAMPHLET_DATA").env_remove("PAMPHLET_DATABASE_URL").env("PAMPHLET_LOG", "warn");
    command
}

#[test]
fn help_documents_every_flag() {
    let output = pamphlet().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--addr", "--data", "--database", "--base-url", "--theme", "PAMPHLET_ADDR", "PAMPHLET_DATA", "serve"] {
        assert!(help.contains(flag), "--help mentions {flag}:\n{help}");
    }
}

#[tokio::test]
async fn pamphlet_alone_serves_and_prints_its_url() {
    let data = tempfile::tempdir().unwrap();
    let mut child = pamphlet()
        .current_dir(data.path())
        .env("PAMPHLET_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    while !url.contains("http://") {
        url.clear();
        assert!(stdout.read_line(&mut url).unwrap() > 0, "the binary exited before printing its URL");
    }
    let url = url.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/').to_owned();
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(health.status(), 200);
    assert!(data.path().join("pamphlet-data/pamphlet.db").is_file(), "the default data folder is ./pamphlet-data");
}

#[test]
fn bad_flags_fail_with_one_clear_line() {
    let data = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (vec!["serve", "--database", "mysql://db"], "sqlite:PATH"),
        (vec!["serve", "--base-url", "example.org"], "base URL"),
        (vec!["serve", "--addr", "nonsense"], "invalid"),
    ] {
        let output = pamphlet().args(&args).arg("--data").arg(data.path()).output().unwrap();
        assert!(!output.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_busy_port_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = pamphlet().args(["--addr", &taken.local_addr().unwrap().to_string()]).arg("--data").arg(data.path()).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}
