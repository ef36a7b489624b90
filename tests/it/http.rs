//! HTTP behaviour: caching validators, compression, errors and limits.

use crate::helpers::{gunzip, spawn_app, unbrotli};

crate::both_backends! {
    async fn etag_and_last_modified_give_304(backend: Backend) {
        let app = spawn_app(backend).await;
        let first = app.get("/pardon").await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
        let last_modified = first.header("last-modified").expect("Last-Modified").to_owned();

        let again = app.get_with("/pardon", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));

        assert_eq!(app.get_with("/pardon", &[("if-modified-since", &last_modified)]).await.status, 304);
        assert_eq!(app.get_with("/pardon", &[("if-none-match", "\"something-else\"")]).await.status, 200);
        assert_eq!(
            app.get_with("/pardon", &[("if-none-match", "\"nope\"",), ("if-modified-since", &last_modified)]).await.status,
            200,
            "If-None-Match decides when both are sent"
        );
    }

    async fn malformed_conditional_headers_are_ignored(backend: Backend) {
        let app = spawn_app(backend).await;
        for (name, value) in [
            ("if-modified-since", "yesterday-ish"),
            ("if-none-match", "\"unterminated"),
            ("if-modified-since", ""),
            ("accept-encoding", ";;q=x,,"),
        ] {
            let page = app.get_with("/", &[(name, value)]).await;
            assert_eq!(page.status, 200, "{name}: {value}");
            assert!(page.text().contains("Jens Soering"));
        }
    }

    async fn gzip_and_brotli_bodies_decode_to_the_same_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let plain = app.get("/").await;
        assert_eq!(plain.header("content-encoding"), None);
        let gz = app.get_with("/", &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(gunzip(&gz.body), plain.body);
        let br = app.get_with("/", &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(br.header("content-encoding"), Some("br"));
        assert_eq!(unbrotli(&br.body), plain.body);
        assert!(br.body.len() < gz.body.len() && gz.body.len() < plain.body.len());
        assert_eq!(br.header("vary"), Some("accept-encoding"));
        assert_ne!(br.header("etag"), plain.header("etag"), "each encoding has its own strong ETag");
    }

    async fn unknown_paths_get_the_themed_404_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let page = app.get("/no-such-page").await;
        assert_eq!(page.status, 404);
        assert!(page.text().contains("Page not found"));
        assert!(page.text().contains("Friends of Jens Söring"), "the 404 page wears the theme");
        for path in [
            "/news/no-such-post",
            "/books/nope",
            "/media/nope",
            "/news/page/99/",
            "/news/page/1/",
            "/news/page/02/",
            "/a/b/c",
            "/uploads/nope.svg",
        ] {
            assert_eq!(app.get(path).await.status, 404, "{path}");
        }
    }

    async fn path_traversal_finds_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        for path in [
            "/static/../../Cargo.toml",
            "/static/..%2f..%2fCargo.toml",
            "/static/%2e%2e/%2e%2e/etc/passwd",
            "/uploads/..%2fpamphlet.db",
            "/uploads/../pamphlet.db",
            "/..%2f..%2fetc%2fpasswd",
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(!page.text().contains("root:"), "{path}");
        }
    }

    async fn over_long_urls_and_headers_are_refused(backend: Backend) {
        let app = spawn_app(backend).await;
        let long = format!("/{}", "a".repeat(5000));
        assert_eq!(app.get(&long).await.status, 414);
        let big = "x".repeat(20 * 1024);
        assert_eq!(app.get_with("/", &[("x-padding", &big)]).await.status, 431);
    }

    async fn wrong_methods_get_405_and_head_works(backend: Backend) {
        let app = spawn_app(backend).await;
        let post = app.request(reqwest::Method::POST, "/", &[]).await;
        assert_eq!(post.status, 405);
        assert_eq!(post.header("allow"), Some("GET, HEAD"));
        assert_eq!(app.request(reqwest::Method::DELETE, "/pardon", &[]).await.status, 405);

        let get = app.get("/pardon").await;
        let head = app.request(reqwest::Method::HEAD, "/pardon", &[]).await;
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(head.header("etag"), get.header("etag"));
        assert_eq!(head.header("content-length").map(str::to_owned), Some(get.body.len().to_string()));
    }

    async fn listings_and_pages_have_one_canonical_url(backend: Backend) {
        let app = spawn_app(backend).await;
        let news = app.get("/news").await;
        assert_eq!(news.status, 301);
        assert_eq!(news.header("location"), Some("/news/"));
        assert_eq!(app.get("/pardon/").await.header("location"), Some("/pardon"));
    }

    async fn healthz_answers_while_the_store_takes_writes(backend: Backend) {
        let app = spawn_app(backend).await;
        let page = app.get("/healthz").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text(), "ok\n");
    }
}
