//! The real `pamphlet` binary: flags, defaults and failures as a user meets them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::printed_url;

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
    let data = crate::helpers::private_tempdir();
    let mut child = pamphlet()
        .current_dir(data.path())
        .env("PAMPHLET_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let url = printed_url(&mut stdout);
    let mut setup = String::new();
    stdout.read_line(&mut setup).unwrap();
    stdout.read_line(&mut setup).unwrap();
    assert!(setup.contains("Create the owner account") && setup.contains(&format!("{url}/admin/welcome/")), "{setup}");
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(health.status(), 200);
    assert!(data.path().join("pamphlet-data/pamphlet.db").is_file(), "the default data folder is ./pamphlet-data");
}

#[test]
fn bad_flags_fail_with_one_clear_line() {
    let data = crate::helpers::private_tempdir();
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
    let data = crate::helpers::private_tempdir();
    let output = pamphlet().args(["--addr", &taken.local_addr().unwrap().to_string()]).arg("--data").arg(data.path()).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

/// `pamphlet user …` on the store of a running server, as an operator does.
#[tokio::test]
async fn user_add_and_reset_password_work_beside_a_running_server() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let pamphlet::store::Location::Sqlite(db) = &app.location else { unreachable!("a SQLite store") };
    let store = format!("sqlite:{}", db.display());
    let user = |args: &[&str], password: Option<&str>| {
        let mut command = pamphlet();
        command.arg("user").args(args).args(["--database", &store]).stdin(Stdio::null());
        match password {
            Some(p) => command.env("PAMPHLET_PASSWORD", p),
            None => command.env_remove("PAMPHLET_PASSWORD"),
        };
        // Waited for off the test's thread: the server runs on that thread,
        // and blocked there it could hold the write lock the command waits for.
        async move {
            let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
            (output.status.code(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
        }
    };

    let (code, stdout, stderr) = user(&["add", "Ann@Example.org", "--role", "editor"], Some("first long phrase")).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Created the editor account ann@example.org"), "{stdout}");
    if let Err(page) = app.sign_in("ann@example.org", "first long phrase").await {
        panic!("the running server knows the new account: {} {}", page.status, page.text());
    }

    for (args, password, expected) in [
        (vec!["add", "ann@example.org", "--role", "editor"], Some("first long phrase"), "already exists"),
        (vec!["add", "ben@example.org", "--role", "boss"], Some("first long phrase"), "not a role"),
        (vec!["add", "ben@example.org", "--role", "author"], Some("short"), "at least 10 characters"),
        (vec!["add", "ben@example.org", "--role", "author"], None, "PAMPHLET_PASSWORD"),
        (vec!["add", "ben@example.org", "--role", "author"], Some("password123"), "easy to guess"),
        (vec!["add", "ben@example.org", "--role", "author"], Some("ben@example.org2026"), "others know it"),
        (vec!["add", "not-an-address", "--role", "author"], Some("first long phrase"), "not an email address"),
        (vec!["reset-password", "nobody@example.org"], Some("second long phrase"), "no account"),
    ] {
        let (code, _, stderr) = user(&args, password).await;
        assert_ne!(code, Some(0), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(stderr.starts_with("pamphlet: ") && stderr.contains(expected), "{args:?}: {stderr}");
    }

    let signed = app.sign_in("ann@example.org", "first long phrase").await.unwrap();
    // She lost her phone too: the reset at the server's shell is her way back in.
    let id = pamphlet::admin::accounts::by_email(app.store(), &pamphlet::mail::EmailAddress::parse("ann@example.org").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
        .bind(pamphlet::admin::totp::Secret::generate().hex())
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    let (code, stdout, stderr) = user(&["reset-password", "ann@example.org"], Some("second long phrase")).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("Two-factor sign-in is off for ann@example.org"), "{stdout}");
    assert_eq!(app.get_signed(&signed, "/admin").await.status, 303, "a reset signs the account out everywhere");
    assert!(app.sign_in("ann@example.org", "first long phrase").await.is_err());
    assert!(app.sign_in("ann@example.org", "second long phrase").await.is_ok(), "the password alone signs in");
}

#[test]
fn the_data_folder_the_store_and_its_backups_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let run = |args: &[&str]| {
        let output = pamphlet().args(args).arg("--data").arg(&data).env("PAMPHLET_LOG", "warn").output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stderr).unwrap()
    };
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    run(&["migrate"]);
    let db = data.join("pamphlet.db");
    assert_eq!((mode(&data), mode(&db)), (0o700, 0o600), "only this account reads password hashes and addresses");

    // A store from before, left readable by everyone, is made private when opened; its folder gets a warning.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let warned = run(&["migrate"]);
    assert_eq!(mode(&db), 0o600);
    assert!(warned.contains("chmod 700"), "{warned}");

    let backup = parent.path().join("site.backup");
    run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(mode(&backup), 0o600, "a backup holds what the store holds");
}
