//! Several nodes on one PostgreSQL, moving a site between stores, and the
//! store refusing what it cannot serve.

use std::process::Command;
use std::time::{Duration, Instant};

use pamphlet::app::Application;
use pamphlet::content::settings;
use pamphlet::store::{Location, Store, transfer};

use crate::helpers::{Backend, config, fresh_store, letter_to, spawn_app, spawn_app_on, without_stamps};

#[tokio::test]
async fn an_edit_on_node_a_is_visible_on_node_b_within_a_second() {
    let a = spawn_app(Backend::Postgres).await;
    let b = spawn_app_on(a.location.clone(), tempfile::tempdir().unwrap()).await;
    assert!(!b.app().loaded_demo, "the second node finds the site the first one loaded");
    assert!(b.get("/").await.status == 200 && !b.app().cache.is_empty(), "node B has the home page cached");

    let mut site = settings::load(a.store()).await.unwrap().unwrap();
    site.tagline = "Published on node A".into();
    let mut tx = a.store().begin().await.unwrap();
    settings::write(&mut tx, &site).await.unwrap();
    tx.commit().await.unwrap();
    let published = Instant::now();
    let mut seen = None;
    while published.elapsed() < Duration::from_secs(2) {
        if b.get("/").await.text().contains("Published on node A") {
            seen = Some(published.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = seen.expect("node B shows the edit");
    assert!(seen < Duration::from_secs(1), "node B showed the edit after {seen:?}");
}

#[tokio::test]
async fn a_site_moved_from_sqlite_to_postgres_serves_byte_identical_pages() {
    let data = tempfile::tempdir().unwrap();
    let sqlite = fresh_store(Backend::Sqlite, data.path()).await;
    let postgres = fresh_store(Backend::Postgres, data.path()).await;
    let base_url = Some("https://friends.example.org".to_owned());

    let before = Application::start(pamphlet::config::Config { base_url: base_url.clone(), ..config(&sqlite) }).await.unwrap();
    let paths = sitemap_paths(&before).await;
    let mut pages_before = Vec::new();
    for path in &paths {
        pages_before.push(fetch(&before, path).await);
    }
    // Supporters move too: a confirmed subscriber, a pending one, an issue sent to the first.
    use pamphlet::mail::EmailAddress;
    use pamphlet::newsletter::{issues, subscribers};
    subscribers::add_confirmed(&before.store, &EmailAddress::parse("ann@example.org").unwrap(), "Ann", "admin").await.unwrap();
    subscribers::sign_up(&before.store, &EmailAddress::parse("bob@example.org").unwrap(), "", "127.0.0.1", letter_to("bob@example.org"))
        .await
        .unwrap();
    let issue = issues::create(
        &before.store,
        &issues::Text { subject: "Moved", body: "Text" },
        None,
        &pamphlet::content::revisions::Author { id: None, name: "a test".into() },
    )
    .await
    .unwrap();
    assert_eq!(issues::start(&before.store, issue).await.unwrap(), Some(1));
    // And the campaign's: a signature and a message.
    use pamphlet::inbox as contact;
    use pamphlet::petitions::{self, signatures};
    let petition = petitions::by_slug(&before.store, "pardon-for-jens-soering").await.unwrap().unwrap();
    let signing = signatures::Signing {
        email: EmailAddress::parse("cleo@example.org").unwrap(),
        name: "Cleo".into(),
        country: "FR".into(),
        postcode: String::new(),
        comment: String::new(),
        show_name: true,
        subscribe: false,
    };
    signatures::sign(&before.store, petition.id, &signing, "127.0.0.1", letter_to("cleo@example.org")).await.unwrap();
    let writing = contact::Writing {
        name: "Dan".into(),
        email: EmailAddress::parse("dan@example.org").unwrap(),
        subject: "Hi".into(),
        body: "Text".into(),
    };
    contact::save(&before.store, &writing, "127.0.0.1").await.unwrap();
    // And what the saves keep beside the content: an old address, the settings' version.
    let mut tx = before.store.begin().await.unwrap();
    pamphlet::content::redirects::moved(&mut tx, "/visiting-rules/", "/about-the-case/").await.unwrap();
    tx.commit().await.unwrap();
    let pamphlet::store::Pool::Sqlite(pool) = before.store.pool() else { unreachable!() };
    sqlx::query("UPDATE versions SET version = 3 WHERE entity = 'settings'").execute(pool).await.unwrap();
    before.stop().await.unwrap();

    // The real command, as an operator runs it.
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["migrate-data", "--from", &sqlite_url(&sqlite), "--to", &postgres_url(&postgres)])
        .env("PAMPHLET_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "migrate-data failed: {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("pages: 10 rows, checksum"), "{stdout}");
    assert!(stdout.contains("subscribers: 2 rows, checksum"), "{stdout}");
    assert!(stdout.contains("deliveries: 1 rows, checksum"), "{stdout}");
    assert!(stdout.contains("petitions: 1 rows, checksum"), "{stdout}");
    assert!(stdout.contains("signatures: 1 rows, checksum"), "{stdout}");
    assert!(stdout.contains("contact_messages: 1 rows, checksum"), "{stdout}");
    assert!(stdout.contains("redirects: 1 rows, checksum"), "{stdout}");
    assert!(stdout.contains("versions: 3 rows, checksum"), "the settings and both menus: {stdout}");

    let after = Application::start(pamphlet::config::Config { base_url, ..config(&postgres) }).await.unwrap();
    assert!(!after.loaded_demo, "the moved site is served, not a new demo");
    for (path, before) in paths.iter().zip(&pages_before) {
        assert_eq!(&fetch(&after, path).await, before, "{path} differs after the move");
    }
    assert!(paths.len() >= 20, "{} pages compared", paths.len());
    // New rows continue after the copied ids.
    assert!(subscribers::add_confirmed(&after.store, &EmailAddress::parse("carl@example.org").unwrap(), "", "admin").await.unwrap());

    // The destination now holds a site: a second run refuses instead of mixing two sites.
    let again = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["migrate-data", "--from", &sqlite_url(&sqlite), "--to", &postgres_url(&postgres)])
        .env("PAMPHLET_LOG", "warn")
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty store only"));
}

pub async fn sitemap_paths(app: &Application) -> Vec<String> {
    let xml = String::from_utf8(fetch(app, "/sitemap.xml").await).unwrap();
    let mut paths: Vec<String> = xml
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap().trim_start_matches("https://friends.example.org").to_owned())
        .collect();
    paths.extend(
        ["/sitemap.xml", "/feed.xml", "/feed.json", "/uploads/the-promise.svg", "/media/chuck-reid-tv-report/play/"].map(String::from),
    );
    paths
}

/// A page as served, minus the forms' time stamps, which every render makes anew.
pub async fn fetch(app: &Application, path: &str) -> Vec<u8> {
    let response = reqwest::get(format!("http://{}{path}", app.addr)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let body = response.bytes().await.unwrap().to_vec();
    match String::from_utf8(body.clone()) {
        Ok(text) => without_stamps(&text).into_bytes(),
        Err(_) => body,
    }
}

fn sqlite_url(location: &Location) -> String {
    match location {
        Location::Sqlite(path) => format!("sqlite:{}", path.display()),
        Location::Postgres(_) => unreachable!("a SQLite location"),
    }
}

fn postgres_url(location: &Location) -> String {
    match location {
        Location::Postgres(url) => url.clone(),
        Location::Sqlite(_) => unreachable!("a PostgreSQL location"),
    }
}

crate::both_backends! {
    async fn two_nodes_starting_together_load_the_demo_once(backend: Backend) {
        let data = tempfile::tempdir().unwrap();
        let location = fresh_store(backend, data.path()).await;
        let (a, b) = tokio::join!(Application::start(config(&location)), Application::start(config(&location)));
        let (a, b) = (a.expect("node A starts"), b.expect("node B starts"));
        assert!(a.loaded_demo != b.loaded_demo, "exactly one node loads the demo");
        let loads: i64 = pamphlet::on_pool!(a.store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM changes WHERE entity = 'settings'")
            .fetch_one(pool)
            .await)
        .unwrap();
        assert_eq!(loads, 1);
    }

    async fn the_data_mover_knows_every_table(backend: Backend) {
        let data = tempfile::tempdir().unwrap();
        let store = Store::open(&fresh_store(backend, data.path()).await).await.unwrap();
        let mut listed: Vec<String> = transfer::TABLES.iter().chain(transfer::NOT_COPIED).map(|t| t.to_string()).collect();
        listed.sort();
        assert_eq!(transfer::schema_tables(&store).await.unwrap(), listed, "add new tables to store/transfer.rs");
    }

    async fn a_store_written_by_a_newer_binary_is_refused(backend: Backend) {
        let data = tempfile::tempdir().unwrap();
        let location = fresh_store(backend, data.path()).await;
        let store = Store::open(&location).await.unwrap();
        pamphlet::on_pool!(store, |pool| sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101, 'from the future', TRUE, $1, 0)"
        )
        .bind(vec![0u8; 48])
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
        store.close().await;
        let err = Store::open(&location).await.unwrap_err().to_string();
        assert!(err.contains("newer Pamphlet"), "{err}");
    }
}

#[test]
fn an_unreachable_database_is_reported_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", "postgres://pamphlet:secret@127.0.0.1:1/site"])
        .env("PAMPHLET_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach the PostgreSQL store postgres://pamphlet:***@127.0.0.1:1/site"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
