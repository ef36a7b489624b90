//! `pamphlet backup` and `pamphlet restore` on both backends, as an
//! operator runs them: a backup taken while an editor saves is one moment
//! of the site, and restored into an empty store it serves the same site
//! byte for byte.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use pamphlet::admin::Role;
use pamphlet::app::Application;
use pamphlet::config::Config;
use pamphlet::store::{Location, Store, transfer};

use crate::both_backends;
use crate::helpers::*;
use crate::nodes::{fetch, sitemap_paths};
use crate::reliability::{pamphlet_cli, saved_titles};

/// The store's URL as `--database` takes it, password and all.
fn database_flag(location: &Location) -> String {
    match location {
        Location::Sqlite(path) => format!("sqlite:{}", path.display()),
        Location::Postgres(url) => url.clone(),
    }
}

both_backends! {
    async fn a_backup_taken_under_writes_restores_into_an_empty_store_as_the_same_site(backend: Backend) {
        let base_url = Some("https://friends.example.org".to_owned());
        let app = spawn_app_with(backend, |config, _| Config { base_url: base_url.clone(), ..config }).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let picture = app.upload(&editor, "/admin/library", &[("alt", "A picture")], ("picture.png", &png(64, 48))).await;
        assert_eq!(picture.status, 303, "{}", picture.text());
        // A draft saved over and over while the backup runs: the public site stays as it is.
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Draft save 0", &[("version", "0")])).await.saved_id();
        let (acknowledged, done) = (RefCell::new(vec!["Draft save 0".to_owned()]), Cell::new(false));
        let saver = async {
            while !done.get() {
                let form = app.get_signed(&editor, &format!("/admin/posts/{id}")).await.text();
                let version = hidden_field(&form, "version").unwrap();
                let title = format!("Draft save {}", acknowledged.borrow().len());
                let saved = app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form(&title, &[("version", &version)])).await;
                assert_eq!(saved.status, 303, "{}", saved.text());
                acknowledged.borrow_mut().push(title);
            }
        };
        let folder = private_tempdir();
        let file = folder.path().join("site.backup");
        let backup = async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let before = acknowledged.borrow().len();
            let args = ["backup".to_owned(), file.display().to_string(), "--database".to_owned(), database_flag(&app.location)];
            let output = tokio::task::spawn_blocking(move || pamphlet_cli(&args.each_ref().map(String::as_str))).await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            done.set(true);
            (output, before)
        };
        let ((output, before), ()) = tokio::join!(backup, saver);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let saves = acknowledged.borrow().len();
        assert!(saves > before + 1, "saves went on during the backup: {before} before, {saves} in all");
        if backend == Backend::Postgres {
            assert!(stdout.contains("29 tables read from one snapshot, counted and checksummed"), "{stdout}");
        }

        // Into an empty store of the same backend.
        let data = private_tempdir();
        let target = fresh_store(backend, data.path()).await;
        let restored = pamphlet_cli(&["restore", &file.display().to_string(), "--database", &database_flag(&target)]);
        let said = String::from_utf8_lossy(&restored.stdout);
        assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
        match backend {
            Backend::Sqlite => assert!(said.contains("The store file is the backup byte for byte (SHA-256 "), "{said}"),
            Backend::Postgres => assert!(said.contains("29 tables restored; count and checksum match the backup"), "{said}"),
        }

        // One moment of the site: the draft's row and its history agree, and hold every save acknowledged before the backup.
        let (title, history) = saved_titles(&target, id).await;
        assert!(history.len() >= before && history.len() < saves, "{} of {saves} saves, {before} before the backup", history.len());
        assert_eq!(history, acknowledged.borrow()[..history.len()], "the saves up to one moment, in order");
        assert_eq!(history.last(), Some(&title), "the post is as its last kept version says");

        // Every row of every table as the backup holds it (a copy is opened: opening migrates).
        let copy = folder.path().join("copy.db");
        std::fs::copy(&file, &copy).unwrap();
        let backed_up = Store::open(&Location::Sqlite(copy)).await.unwrap();
        let store = Store::open(&target).await.unwrap();
        assert_eq!(transfer::tallies(&store).await.unwrap(), transfer::tallies(&backed_up).await.unwrap());
        store.close().await;

        // The same site, byte for byte, with the picture.
        let again = Application::start(Config { base_url: base_url.clone(), ..config(&target) }).await.unwrap();
        assert!(!again.loaded_demo, "the restored site is served, not a new demo");
        let mut paths = sitemap_paths(app.app()).await;
        paths.push("/uploads/picture.png".to_owned());
        for path in &paths {
            assert_eq!(fetch(&again, path).await, fetch(app.app(), path).await, "{path} differs after the restore");
        }
        assert!(paths.len() >= 20, "{} pages compared", paths.len());

        // Not into a store that holds a site.
        if backend == Backend::Postgres {
            let refused = pamphlet_cli(&["restore", &file.display().to_string(), "--database", &database_flag(&target)]);
            assert!(!refused.status.success());
            let stderr = String::from_utf8_lossy(&refused.stderr);
            assert!(stderr.contains("the site is copied into an empty store only"), "{stderr}");
        }
    }
}
