//! The store behind the site: restarts keep data, edits reach the site at
//! once through the change feed, stored content cannot inject script.

use pamphlet::content::posts::{self, PostInput};
use pamphlet::content::settings;
use pamphlet::demo;

use crate::helpers::{Backend, spawn_app};

async fn set_tagline(store: &pamphlet::store::Store, tagline: &str) {
    let mut site = settings::load(store).await.unwrap().expect("the demo settings");
    site.tagline = tagline.into();
    let mut tx = store.begin().await.unwrap();
    settings::write(&mut tx, &site).await.unwrap();
    tx.commit().await.unwrap();
}

crate::both_backends! {
    async fn a_restart_keeps_edits_and_does_not_load_the_demo_again(backend: Backend) {
        let mut app = spawn_app(backend).await;
        assert!(app.app().loaded_demo, "the first start loads the demo");
        set_tagline(app.store(), "Edited before the restart").await;
        app.restart().await;
        assert!(!app.app().loaded_demo, "the second start reuses the store");
        assert!(app.get("/").await.text().contains("Edited before the restart"));
        if backend == Backend::Sqlite {
            assert!(app.data_dir().join("pamphlet.db").is_file());
        }
    }

    async fn an_edit_reaches_the_cached_site_at_once(backend: Backend) {
        let app = spawn_app(backend).await;
        assert!(!app.get("/").await.text().contains("A fresh tagline"));
        assert!(!app.app().cache.is_empty(), "the home page is cached");
        set_tagline(app.store(), "A fresh tagline").await;
        assert!(app.eventually_contains("/", "A fresh tagline", 3).await, "the change feed emptied the cache");
    }

    async fn an_edit_from_another_process_reaches_the_site(backend: Backend) {
        let app = spawn_app(backend).await;
        app.get("/").await;
        // A second handle on the same store stands in for another process (e.g. the CLI).
        let other = pamphlet::store::Store::open(&app.location).await.unwrap();
        assert!(!demo::load_if_empty(&other).await.unwrap());
        set_tagline(&other, "Written elsewhere").await;
        assert!(app.eventually_contains("/", "Written elsewhere", 3).await);
    }

    async fn stored_markup_is_escaped_or_sanitized_on_every_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let post: PostInput = toml::from_str(
            r#"
            slug = "xss-probe"
            kind = "news"
            title = "<script>alert('title')</script>"
            date = 2030-01-01
            summary = "<img src=x onerror=alert('summary')>"
            body = "[click](javascript:alert('body'))\n\n<script>alert('body')</script><a href=\"/x/\" onclick=\"alert(1)\">x</a>"
            tags = ["<b>tag</b>"]
            "#,
        )
        .unwrap();
        let mut tx = app.store().begin().await.unwrap();
        posts::save(&mut tx, &post).await.unwrap();
        tx.commit().await.unwrap();
        for path in ["/news/xss-probe/", "/news/", "/", "/feed.xml", "/tags/b-tag-b/"] {
            assert!(app.eventually_contains(path, "alert(", 3).await || path == "/tags/b-tag-b/", "{path} shows the probe");
            let html = app.get(path).await.text();
            // Shown as text is fine (`&lt;img … onerror=`); a live tag or attribute is not.
            for bad in ["<script>alert", "<img src=x onerror", "onerror=\"", "onclick=\"", "javascript:", "<b>tag</b>"] {
                assert!(
                    !html.contains(bad),
                    "{path} contains {bad}: {}",
                    html.find(bad).map(|i| &html[i.saturating_sub(200)..i + 50]).unwrap_or("")
                );
            }
        }
        assert!(app.get("/news/xss-probe/").await.text().contains("&lt;script&gt;alert("));
    }
}
