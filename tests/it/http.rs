//! HTTP behaviour: caching validators, compression, errors and limits.

use std::time::{Duration, Instant};

use crate::helpers::{Backend, TestApp, gunzip, links, spawn_app, spawn_app_with, unbrotli};

crate::both_backends! {
    async fn etag_and_last_modified_give_304(backend: Backend) {
        let app = spawn_app(backend).await;
        let first = app.get("/pardon/").await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
        let last_modified = first.header("last-modified").expect("Last-Modified").to_owned();

        let again = app.get_with("/pardon/", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));

        assert_eq!(app.get_with("/pardon/", &[("if-modified-since", &last_modified)]).await.status, 304);
        assert_eq!(app.get_with("/pardon/", &[("if-none-match", "\"something-else\"")]).await.status, 200);
        assert_eq!(
            app.get_with("/pardon/", &[("if-none-match", "\"nope\"",), ("if-modified-since", &last_modified)]).await.status,
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
            "/news/no-such-post/",
            "/books/nope/",
            "/media/nope/",
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
        let long = format!("/{}/", "a".repeat(5000));
        assert_eq!(app.get(&long).await.status, 414);
        let big = "x".repeat(20 * 1024);
        assert_eq!(app.get_with("/", &[("x-padding", &big)]).await.status, 431);
    }

    async fn wrong_methods_get_405_and_head_works(backend: Backend) {
        let app = spawn_app(backend).await;
        let post = app.request(reqwest::Method::POST, "/", &[]).await;
        assert_eq!(post.status, 405);
        assert_eq!(post.header("allow"), Some("GET, HEAD"));
        assert_eq!(app.request(reqwest::Method::DELETE, "/pardon/", &[]).await.status, 405);

        let get = app.get("/pardon/").await;
        let head = app.request(reqwest::Method::HEAD, "/pardon/", &[]).await;
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(head.header("etag"), get.header("etag"));
        assert_eq!(head.header("content-length").map(str::to_owned), Some(get.body.len().to_string()));
    }

    async fn every_page_has_one_address_ending_in_a_slash(backend: Backend) {
        let app = spawn_app(backend).await;
        for (from, to) in [
            ("/news", "/news/"),
            ("/pardon", "/pardon/"),
            ("/books/one-day-in-the-life-of-179212", "/books/one-day-in-the-life-of-179212/"),
            ("/news/new-dna-evidence-july-2016", "/news/new-dna-evidence-july-2016/"),
            ("/media/chuck-reid-tv-report/play", "/media/chuck-reid-tv-report/play/"),
        ] {
            let moved = app.get(from).await;
            assert_eq!((moved.status, moved.header("location")), (301, Some(to)), "{from}");
            assert_eq!(app.get(to).await.status, 200, "{to}");
        }
        // The query goes along; a page that is not there is a 404 at once, not a redirect to one.
        assert_eq!(app.get("/pardon?ref=mail").await.header("location"), Some("/pardon/?ref=mail"));
        assert_eq!(app.get("/search?q=soering").await.header("location"), Some("/search/?q=soering"));
        let missing = app.get("/no-such-page").await;
        assert_eq!((missing.status, missing.header("location")), (404, None));
        // Files keep their names.
        assert_eq!(app.get("/feed.xml").await.status, 200);
        assert_eq!(app.get("/feed.xml/").await.status, 404);
    }

    async fn healthz_answers_while_the_store_takes_writes(backend: Backend) {
        let app = spawn_app(backend).await;
        let page = app.get("/healthz").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text(), "ok\n");
    }
}

crate::both_backends! {
    async fn an_unknown_admin_address_stays_inside_the_admin_for_someone_signed_in(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(pamphlet::admin::Role::Editor).await;
        for path in ["/admin/no-such-page", "/admin/posts/999999"] {
            let page = app.get_signed(&editor, path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(page.text().contains(r#"aria-label="Admin""#) && page.text().contains("View site"), "the menu stays: {path} {}", page.text());
        }
        let stranger = app.get("/admin/no-such-page").await;
        assert_eq!(stranger.status, 404);
        assert!(!stranger.text().contains(r#"aria-label="Admin""#) && stranger.text().contains("Sign in"), "{}", stranger.text());
    }

    async fn a_page_number_past_any_list_is_an_empty_page_not_an_error(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(pamphlet::admin::Role::Editor).await;
        let petition = app.get_signed(&editor, "/admin/petitions").await.text();
        let signatures = links(&petition).into_iter().find(|l| l.starts_with("/admin/petitions/") && l.ends_with("/signatures")).expect("the demo has a petition");
        for list in ["/admin/posts", "/admin/inbox", "/admin/subscribers", signatures.as_str()] {
            for page in ["9223372036854775807", "-9223372036854775808", "0"] {
                let path = format!("{list}?page={page}");
                assert_eq!(app.get_signed(&editor, &path).await.status, 200, "{path}");
            }
        }
    }
}

/// Sends `request` as raw bytes and returns what came back before the
/// server closed the connection or `wait` passed.
async fn raw(app: &TestApp, request: &[u8], wait: Duration) -> String {
    use std::io::{Read, Write};
    let address = app.app().addr;
    let request = request.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(wait)).unwrap();
        stream.write_all(&request).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn extra_slashes_lead_to_one_spelling_and_never_off_the_site() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_eq!(app.get("/pardon/").await.status, 200);
    let cached = app.app().cache.len();
    for n in 2..40 {
        let page = app.get(&format!("{}pardon", "/".repeat(n))).await;
        assert_eq!((page.status, page.header("location")), (301, Some("/pardon/")));
    }
    assert_eq!(app.app().cache.len(), cached, "no spelling got a cache entry of its own");
    let away = app.get("//evil.example/").await;
    assert_eq!(away.header("location"), Some("/evil.example/"), "a path on this site, not another host");
    let backslash =
        raw(&app, b"GET /\\evil.example/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", Duration::from_secs(5)).await;
    assert!(backslash.starts_with("HTTP/1.1 404"), "{backslash}");
    assert!(!backslash.to_lowercase().contains("location:"), "{backslash}");
}

#[tokio::test]
async fn a_modified_since_date_from_the_future_is_ignored() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_eq!(app.get_with("/pardon/", &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")]).await.status, 200);
}

#[tokio::test]
async fn requests_without_one_host_or_with_huge_headers_are_refused_on_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let wait = Duration::from_secs(5);
    let none = raw(&app, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", wait).await;
    assert!(none.starts_with("HTTP/1.1 400"), "{none}");
    let two = raw(&app, b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n", wait).await;
    assert!(two.starts_with("HTTP/1.1 400"), "{two}");
    let big = "x".repeat(20 * 1024);
    for path in ["/", "/healthz", "/admin/login", "/search/?q=pardon"] {
        assert_eq!(app.get_with(path, &[("x-padding", &big)]).await.status, 431, "{path}");
    }
}

#[tokio::test]
async fn a_body_too_large_is_refused_before_it_is_invited() {
    let app = spawn_app(Backend::Sqlite).await;
    let wait = Duration::from_secs(5);
    for (path, length) in [("/contact/send", "200000"), ("/admin/library", "1000000000")] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
        );
        let answer = raw(&app, head.as_bytes(), wait).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(!answer.contains("100 Continue"), "{path}: {answer}");
    }
}

/// Connections that never finish a request: closed after the head
/// timeout, and a stop does not wait for them beyond its bound.
#[tokio::test]
async fn stuck_connections_are_closed_and_do_not_hold_up_a_stop() {
    use std::io::{Read, Write};
    let mut app = spawn_app(Backend::Sqlite).await;
    let address = app.app().addr;
    let open = |first: &'static [u8]| {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(first).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
        stream
    };
    // Idle, half a head, a head then a body that stops coming.
    let held = [
        open(b""),
        open(b"GET / HTTP/1.1\r\nHost: local"),
        open(b"POST /contact/send HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=A"),
    ];
    let started = Instant::now();
    let closed: Vec<_> = held
        .into_iter()
        .map(|mut stream| {
            std::thread::spawn(move || {
                let mut rest = Vec::new();
                let _ = stream.read_to_end(&mut rest);
                Instant::now()
            })
        })
        .collect();
    // The two without a whole head are closed by the head timeout.
    let idle = tokio::task::spawn_blocking({
        let mut closed = closed;
        let body = closed.pop().unwrap();
        move || (closed.into_iter().map(|t| t.join().unwrap()).collect::<Vec<_>>(), body)
    });
    let (heads, body) = idle.await.unwrap();
    for at in heads {
        let after = at - started;
        assert!(after >= Duration::from_secs(15) && after < Duration::from_secs(30), "closed after {after:?}");
    }
    // The stuck body holds its connection; the stop closes it within its bound.
    let stopping = Instant::now();
    app.app.take().unwrap().stop().await.unwrap();
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(13), "the stop took {took:?}");
    let closed_at = tokio::task::spawn_blocking(move || body.join().unwrap()).await.unwrap();
    assert!(closed_at - stopping < Duration::from_secs(13));
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_hears_the_server_is_busy() {
    let app = spawn_app_with(Backend::Sqlite, |config, _| pamphlet::config::Config { max_connections: 3, ..config }).await;
    let address = app.app.as_ref().unwrap().addr;
    let idle: Vec<std::net::TcpStream> = (0..3).map(|_| std::net::TcpStream::connect(address).unwrap()).collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = raw(&app, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5") && answer.contains("too many connections are open"), "{answer}");
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.get("/").await.status, 200, "room again once they close");
}

#[test]
fn the_listen_queue_holds_a_flood() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(async { pamphlet::app::serve::listen("127.0.0.1:0".parse().unwrap()) }).unwrap();
    let address = listener.local_addr().unwrap();
    // Nothing accepts: every connection waits in the queue, which a backlog of 1,024 would overflow.
    let waiting: Vec<_> = (0..1200).map(|_| std::net::TcpStream::connect_timeout(&address, Duration::from_millis(500))).collect();
    let refused = waiting.iter().filter(|c| c.is_err()).count();
    assert_eq!(refused, 0, "{refused} of 1,200 connections did not get into the queue");
}

#[tokio::test]
async fn every_answer_carries_the_browser_defences_and_no_page_an_inline_style_or_script() {
    let app = spawn_app(Backend::Sqlite).await;
    let policy = pamphlet::site::defences::POLICY;
    assert!(policy.contains("style-src 'self';") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"));
    let answers = [
        ("GET", "/", "strict-origin-when-cross-origin"),
        ("GET", "/pardon/", "strict-origin-when-cross-origin"),
        ("GET", "/search/?q=pardon", "strict-origin-when-cross-origin"),
        ("GET", "/no-such-page/", "strict-origin-when-cross-origin"),
        ("GET", "/feed.xml", "strict-origin-when-cross-origin"),
        ("GET", "/newsletter/confirm/not-a-token", "no-referrer"),
        ("GET", "/signatures/confirm/not-a-token", "no-referrer"),
        ("POST", "/newsletter/subscribe", "strict-origin-when-cross-origin"),
    ];
    for (method, path, referrer) in answers {
        let page = match method {
            "POST" => app.post_form(path, &[("email", "not an address")], &[]).await,
            _ => app.get(path).await,
        };
        assert_eq!(page.header("content-security-policy"), Some(policy), "{method} {path}");
        assert_eq!(page.header("referrer-policy"), Some(referrer), "{method} {path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{method} {path}");
    }
    // An upload (the demo's SVG) is sandboxed; the admin keeps its own policy.
    let svg = app.get("/uploads/the-promise.svg").await;
    assert_eq!(svg.header("content-security-policy"), Some(pamphlet::site::defences::UPLOAD_POLICY));
    assert_ne!(app.get("/admin/login").await.header("content-security-policy"), Some(policy));

    // The policy admits no inline style or script, so no page may carry one.
    let sitemap = app.get("/sitemap.xml").await.text();
    let mut paths: Vec<String> =
        sitemap.split("<loc>").skip(1).map(|l| l.split("</loc>").next().unwrap().trim_start_matches(&app.base).to_owned()).collect();
    paths.push("/search/?q=pardon".into());
    assert!(paths.len() > 20, "{paths:?}");
    for path in paths {
        let html = app.get(&path).await.text();
        for inline in [" style=", "<style", "<script>", " onclick=", " onload="] {
            assert!(!html.contains(inline), "{path} carries {inline:?}");
        }
    }
}
