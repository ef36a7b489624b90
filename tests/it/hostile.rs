//! Input and clients meant to harm: each must get a clear refusal, fast,
//! and leave the server answering everyone else.

use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::*;
use pamphlet::admin::Role;

both_backends! {
    async fn a_nesting_bomb_is_refused_by_the_preview_and_the_save_and_shown_flat_if_stored(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let quotes = "> ".repeat(50_000) + "x";
        let divs = "<div>".repeat(40_000) + "x";

        let started = Instant::now();
        for bomb in [&quotes, &divs] {
            let preview = app.post_signed(&author, "/admin/markdown", &[("markdown", bomb)]).await;
            assert_eq!(preview.status, 422, "{}", preview.text());
            assert!(preview.text().contains("more than 100 levels") && preview.text().contains("Your text is safe"), "{}", preview.text());
        }
        let long = app.post_signed(&author, "/admin/markdown", &[("markdown", &"word ".repeat(300_000))]).await;
        assert_eq!(long.status, 422);
        assert!(long.text().contains("at most 256 KB"), "{}", long.text());
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

        let saved = app.post_signed(&author, "/admin/posts", &post_form("Nested", &[("body", &divs)])).await;
        assert_eq!(saved.status, 422, "{}", saved.text());
        let form = saved.text();
        assert!(form.contains("more than 100 levels"), "the field says why");
        assert!(form.contains(&"&lt;div&gt;".repeat(100)), "the typed text comes back in the form");
        let preview = app.post_signed(&author, "/admin/posts/preview", &post_form("Nested", &[("body", &quotes)])).await;
        assert_eq!(preview.status, 422);

        // Text stored before the limits existed is shown as plain paragraphs, at once.
        let editor = app.signed_in_as(Role::Editor).await;
        app.post_signed(&editor, "/admin/posts", &post_form("Old text", &[("action", "publish")])).await.saved_id();
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE posts SET body = $1").bind(&quotes).execute(pool).await.map(drop).unwrap());
        app.app().cache.invalidate();
        let started = Instant::now();
        let page = app.get("/news/old-text/").await;
        assert_eq!(page.status, 200);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert!(page.text().contains("<p>&gt; &gt; &gt;") && !page.text().contains("<blockquote"), "shown flat");
    }

    async fn renders_leave_the_request_threads_free(backend: Backend) {
        // Large texts rendered on four cache misses at once, while the
        // health check keeps answering.
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let table = format!("|a|b|\n|-|-|\n{}", "|www.a.org|*b*|\n".repeat(4_000));
        assert!(table.len() < pamphlet::render::markdown::MAX_BYTES);
        for n in 0..4 {
            let title = format!("Table {n}");
            let saved = app.post_signed(&editor, "/admin/posts", &post_form(&title, &[("body", &table), ("action", "publish")])).await;
            saved.saved_id();
        }
        assert_eq!(app.get("/").await.status, 200);
        app.app().cache.invalidate();
        assert_eq!(app.get("/").await.status, 200);
        let misses: Vec<_> = (0..4).map(|n| {
            let (client, url) = (app.client.clone(), format!("{}/news/table-{n}/", app.base));
            tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) })
        }).collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut slowest = Duration::ZERO;
        for _ in 0..10 {
            let started = Instant::now();
            assert_eq!(app.get("/healthz").await.status, 200);
            slowest = slowest.max(started.elapsed());
        }
        for miss in misses {
            let status = miss.await.unwrap().unwrap();
            assert!(status == 200 || status == 503, "{status}");
        }
        assert!(slowest < Duration::from_millis(500), "the health check took {slowest:?} during the renders");
    }
}
