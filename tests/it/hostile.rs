//! Input and clients meant to harm: each must get a clear refusal, fast,
//! and leave the server answering everyone else.

use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::*;
use crate::helpers::{cookie, hidden_field};
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

/// The statuses of `n` forms sent to `path` at once; `form(i)` gives the
/// fields and the headers of the i-th.
async fn sent_at_once(
    app: &TestApp,
    path: &str,
    n: usize,
    form: impl Fn(usize) -> (Vec<(&'static str, String)>, Vec<(&'static str, String)>),
) -> Vec<u16> {
    let sends: Vec<_> = (0..n)
        .map(|i| {
            let (fields, headers) = form(i);
            let request = headers.into_iter().fold(app.form_request(path, &fields), |request, (name, value)| request.header(name, value));
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for send in sends {
        statuses.push(send.await.unwrap());
    }
    statuses
}

/// The statuses of `n` wrong sign-ins sent at once from `network`, all with one form token and cookie.
async fn sign_ins_at_once(app: &TestApp, n: usize, email: impl Fn(usize) -> String, network: &str) -> Vec<u16> {
    let form = app.get("/admin/login").await;
    let form_cookie = format!("pamphlet_signin={}", cookie(&form, "pamphlet_signin").unwrap());
    let token = hidden_field(&form.text(), "csrf").unwrap();
    sent_at_once(app, "/admin/login", n, |i| {
        let fields = vec![("email", email(i)), ("password", "wrong-password-1".to_owned()), ("csrf", token.clone())];
        (fields, vec![("cookie", form_cookie.clone()), ("x-forwarded-for", network.to_owned())])
    })
    .await
}

/// The statuses of `n` contact messages sent at once, each from `from(i)` with its own address.
async fn messages_at_once(app: &TestApp, n: usize, from: impl Fn(usize) -> String) -> Vec<u16> {
    let stamp = app.stamp_ago(10).await;
    sent_at_once(app, "/contact/send", n, |i| {
        let email = format!("writer{i}@example.org");
        let fields = vec![
            ("name", "Writer".into()),
            ("email", email),
            ("subject", "Hi".into()),
            ("message", "Text".into()),
            ("stamp", stamp.clone()),
        ];
        (fields, vec![("x-forwarded-for", from(i))])
    })
    .await
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

both_backends! {
    async fn guesses_sent_at_once_get_no_more_password_checks_than_the_limit(backend: Backend) {
        let app = spawn_app(backend).await;
        app.add_account("author@example.org", Role::Author).await;
        let statuses = sign_ins_at_once(&app, 40, |_| "author@example.org".into(), "203.0.113.9").await;
        assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
        assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
        let statuses = sign_ins_at_once(&app, 60, |i| format!("guess{i}@example.org"), "198.51.100.9").await;
        assert_eq!(count(&statuses, 401), 20, "one network gets twenty: {statuses:?}");
    }

    async fn messages_sent_at_once_get_no_more_through_than_the_limit(backend: Backend) {
        let app = spawn_app(backend).await;
        let statuses = messages_at_once(&app, 30, |_| "192.0.2.30".into()).await;
        assert_eq!(count(&statuses, 200), 5, "{statuses:?}");
        assert_eq!(count(&statuses, 429), 25, "{statuses:?}");
        let kept: i64 = pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages").fetch_one(pool).await.unwrap());
        assert_eq!(kept, 5);
    }

    async fn an_ipv6_network_counts_as_one_whatever_address_it_sends_from(backend: Backend) {
        let app = spawn_app(backend).await;
        let statuses = messages_at_once(&app, 7, |i| format!("2001:db8:1:3::{}", i + 1)).await;
        assert_eq!((count(&statuses, 200), count(&statuses, 429)), (5, 2), "{statuses:?}");
        let other = messages_at_once(&app, 1, |_| "2001:db8:1:4::1".into()).await;
        assert_eq!(other, [200], "the next /64 is another network");
        // An IPv4 address written as IPv6 is the same address.
        let mapped = messages_at_once(&app, 6, |i| if i % 2 == 0 { "192.0.2.44".into() } else { "::ffff:192.0.2.44".into() }).await;
        assert_eq!(count(&mapped, 200), 5, "{mapped:?}");
        let shown: Vec<String> = pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT DISTINCT ip FROM contact_messages ORDER BY ip").fetch_all(pool).await.unwrap());
        assert!(shown.contains(&"2001:db8:1:3::7".to_owned()) || shown.iter().any(|ip| ip.starts_with("2001:db8:1:3::")), "the full address is kept for the team: {shown:?}");
        assert!(shown.contains(&"192.0.2.44".to_owned()) && !shown.iter().any(|ip| ip.starts_with("::ffff")), "{shown:?}");
    }

    async fn strangers_failures_for_an_editors_address_do_not_lock_out_the_editors_own_browser(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("victim@example.org", Role::Owner).await;
        let first = app.sign_in_answer("victim@example.org", &password, &[("x-forwarded-for", "192.0.2.200")]).await;
        assert_eq!(first.status, 303);
        let device = cookie(&first, "pamphlet_device").expect("a browser that signed in is remembered");
        let set = first.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("pamphlet_device=")).unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/admin"), "{set}");

        for _ in 0..5 {
            let wrong = app.sign_in_answer("victim@example.org", "a stranger's guess", &[("x-forwarded-for", "198.51.100.66")]).await;
            assert_eq!(wrong.status, 401);
        }
        // A new browser waits, from any network…
        let new = app.sign_in_answer("victim@example.org", &password, &[("x-forwarded-for", "192.0.2.200")]).await;
        assert_eq!(new.status, 429);
        // …the editor's own browser signs in.
        let known = format!("pamphlet_device={device}");
        let own = app.sign_in_answer("victim@example.org", &password, &[("x-forwarded-for", "192.0.2.200"), ("cookie", &known)]).await;
        assert_eq!(own.status, 303, "{}", own.text());
        let renewed = cookie(&own, "pamphlet_device").unwrap();
        assert_ne!(renewed, device, "the token is new at each sign-in");
        // The known browser has limits of its own: five wrong passwords, then it waits too.
        let known = format!("pamphlet_device={renewed}");
        for _ in 0..5 {
            assert_eq!(app.sign_in_answer("victim@example.org", "typo", &[("cookie", &known)]).await.status, 401);
        }
        assert_eq!(app.sign_in_answer("victim@example.org", &password, &[("cookie", &known)]).await.status, 429);
        // A cookie the site did not hand to this account counts as a new browser.
        let forged = app.sign_in_answer("victim@example.org", &password, &[("cookie", "pamphlet_device=made-up")]).await;
        assert_eq!(forged.status, 429);
    }
}

#[tokio::test]
async fn listening_beyond_loopback_a_local_peer_cannot_name_the_visitor() {
    // As behind a tunnel or port forward: every request comes from 127.0.0.1.
    let app = spawn_app_with(Backend::Sqlite, |config, _| pamphlet::config::Config { addr: "0.0.0.0:0".parse().unwrap(), ..config }).await;
    let statuses = messages_at_once(&app, 6, |i| format!("203.0.113.{}", i + 1)).await;
    assert_eq!((count(&statuses, 200), count(&statuses, 429)), (5, 1), "the header is not believed: {statuses:?}");
    let shown: Vec<String> = pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT DISTINCT ip FROM contact_messages")
        .fetch_all(pool)
        .await
        .unwrap());
    assert_eq!(shown, ["127.0.0.1"]);
}

#[tokio::test]
async fn a_named_proxy_is_believed_and_so_is_loopback_while_listening_on_loopback() {
    let app = spawn_app(Backend::Sqlite).await;
    let statuses = messages_at_once(&app, 6, |i| format!("203.0.113.{}", i + 1)).await;
    assert_eq!(count(&statuses, 200), 6, "six visitors behind the local proxy: {statuses:?}");
    let named = spawn_app_with(Backend::Sqlite, |config, _| pamphlet::config::Config {
        addr: "0.0.0.0:0".parse().unwrap(),
        trusted_proxies: vec!["::ffff:127.0.0.1".parse().unwrap()],
        ..config
    })
    .await;
    let statuses = messages_at_once(&named, 6, |i| format!("203.0.113.{}", i + 1)).await;
    assert_eq!(count(&statuses, 200), 6, "{statuses:?}");
}

/// Moves a time of every row of `table` back by `ago`.
async fn rows_aged(app: &TestApp, table: &str, column: &str, ago: time::Duration) {
    let sql = format!("UPDATE {table} SET {column} = $1");
    let then = pamphlet::store::now() - ago;
    pamphlet::on_pool!(app.store(), |pool| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(then)
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
}

async fn role_of(app: &TestApp, email: &str) -> String {
    let email = pamphlet::mail::EmailAddress::parse(email).unwrap();
    pamphlet::admin::accounts::by_email(app.store(), &email).await.unwrap().expect("the account").role
}

both_backends! {
    /// L8: a stolen cookie of an editor in daily use stops working 30 days after the sign-in.
    async fn a_session_ends_after_two_idle_days_and_thirty_days_however_used(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let expires: time::OffsetDateTime =
            pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT expires_at FROM sessions").fetch_one(pool).await.unwrap());
        let idle = expires - pamphlet::store::now();
        assert!(idle <= time::Duration::days(2) && idle > time::Duration::days(2) - time::Duration::minutes(5), "idle lifetime {idle}");

        // Used every few minutes (its expiry always ahead), but signed in 31 days ago.
        rows_aged(&app, "sessions", "created_at", time::Duration::days(31)).await;
        rows_aged(&app, "sessions", "last_seen_at", time::Duration::minutes(6)).await;
        let ended = app.get_signed(&editor, "/admin").await;
        assert_eq!(ended.status, 303);
        assert!(ended.header("location").unwrap_or_default().starts_with("/admin/login"), "{:?}", ended.header("location"));
    }
}

both_backends! {
    /// L8: roles, invitations, removals and settings need the password typed within the hour;
    /// a form sent after the hour is kept and goes through once the password is right.
    async fn an_owners_changes_need_the_password_again_after_an_hour(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("owner@example.org", Role::Owner).await;
        let owner = app.sign_in("owner@example.org", &password).await.unwrap();
        app.add_account("ed@example.org", Role::Editor).await;
        let ed = pamphlet::admin::accounts::by_email(app.store(), &pamphlet::mail::EmailAddress::parse("ed@example.org").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.get_signed(&owner, "/admin/settings").await.status, 200, "just signed in: no question");

        rows_aged(&app, "sessions", "confirmed_at", time::Duration::minutes(61)).await;
        let asked = app.get_signed(&owner, "/admin/settings").await;
        assert_eq!((asked.status, asked.header("location")), (303, Some("/admin/confirm?next=%2Fadmin%2Fsettings")));
        assert_eq!(app.get_signed(&owner, "/admin/posts").await.status, 200, "an editor's pages never ask");

        let promote = format!("/admin/users/{}/role", ed.id);
        let kept = app.post_signed(&owner, &promote, &[("role", "owner")]).await;
        assert_eq!(kept.status, 403, "{}", kept.text());
        assert!(kept.text().contains(r#"name="role" value="owner""#) && kept.text().contains(r#"name="confirm_password""#), "{}", kept.text());
        assert_eq!(role_of(&app, "ed@example.org").await, "editor", "nothing changes before the password");

        let wrong = app.post_signed(&owner, &promote, &[("role", "owner"), ("confirm_password", "not my password at all")]).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.text().contains("This is not your current password.") && wrong.text().contains(r#"value="owner""#), "{}", wrong.text());
        assert_eq!(role_of(&app, "ed@example.org").await, "editor");

        let done = app.post_signed(&owner, &promote, &[("role", "owner"), ("confirm_password", &password)]).await;
        assert_eq!(done.status, 303, "{}", done.text());
        assert_eq!(role_of(&app, "ed@example.org").await, "owner", "the kept form went through");
        assert_eq!(app.get_signed(&owner, "/admin/settings").await.status, 200, "for the next hour, no question");

        // The page that asks before an owner's page opens.
        rows_aged(&app, "sessions", "confirmed_at", time::Duration::minutes(61)).await;
        let form = app.get_signed(&owner, "/admin/confirm?next=%2Fadmin%2Fusers").await;
        assert_eq!(form.status, 200);
        assert_eq!(hidden_field(&form.text(), "next").as_deref(), Some("/admin/users"));
        let wrong = app.post_signed(&owner, "/admin/confirm", &[("next", "/admin/users"), ("confirm_password", "guess")]).await;
        assert_eq!(wrong.status, 401);
        let right = app.post_signed(&owner, "/admin/confirm", &[("next", "https://evil.example/"), ("confirm_password", &password)]).await;
        assert_eq!((right.status, right.header("location")), (303, Some("/admin")), "only admin paths are followed");
        assert_eq!(app.get_signed(&owner, "/admin/users").await.status, 200);
    }
}

/// A PDF whose opening runs a script, as the review sent it.
const SCRIPTED_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(document.domain)) >> >> endobj\n%%EOF";

both_backends! {
    /// L12: PDFs that run scripts are refused at upload; one stored before is only a download;
    /// a picture opened on its own is sandboxed; an ordinary PDF still opens in the browser.
    async fn pdfs_with_scripts_are_refused_and_uploads_run_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let refused = app.upload(&author, "/admin/library", &[("alt", "")], ("appeal.pdf", SCRIPTED_PDF)).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert!(refused.text().contains("contains scripts"), "{}", refused.text());
        assert_eq!(app.get("/uploads/appeal.pdf").await.status, 404, "nothing was stored");
        let escaped = app.upload(&author, "/admin/library", &[("alt", "")], ("appeal.pdf", b"%PDF-1.4\n<< /OpenAction << /S /J#61vaScript /J#53 (x) >> >>")).await;
        assert_eq!(escaped.status, 422);

        let letter = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction [3 0 R /Fit] >> endobj\n%%EOF";
        assert_eq!(app.upload(&author, "/admin/library", &[("alt", "")], ("letter.pdf", letter)).await.status, 303);
        let opened = app.get("/uploads/letter.pdf").await;
        assert_eq!(opened.header("content-type"), Some("application/pdf"));
        let policy = opened.header("content-security-policy").unwrap_or_default();
        assert!(!policy.contains("sandbox"), "browsers refuse to show a sandboxed PDF: {policy}");

        // Stored before the library checked PDFs.
        let mut tx = app.store().begin().await.unwrap();
        let old = pamphlet::content::assets::Upload {
            name: "old.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: SCRIPTED_PDF.to_vec(),
            alt: String::new(),
            width: None,
            height: None,
            variant_of: None,
            uploaded_by: None,
        };
        pamphlet::content::assets::insert(&mut tx, &old).await.unwrap();
        tx.commit().await.unwrap();
        let old = app.get("/uploads/old.pdf").await;
        assert_eq!(old.status, 200);
        assert_eq!(old.header("content-type"), Some("application/octet-stream"), "a download, never the viewer");
        assert_eq!(old.header("content-security-policy"), Some(pamphlet::site::defences::UPLOAD_POLICY));

        let photo = png(8, 8);
        assert_eq!(app.upload(&author, "/admin/library", &[("alt", "A dot")], ("dot.png", &photo)).await.status, 303);
        let picture = app.get("/uploads/dot.png").await;
        assert_eq!(picture.header("content-type"), Some("image/png"));
        assert!(picture.header("content-security-policy").is_some_and(|p| p.starts_with("sandbox; default-src 'none'")));
        assert_eq!(picture.header("x-content-type-options"), Some("nosniff"));
    }
}

both_backends! {
    /// Informational: a player is framed sandboxed and only from https; one stored before is not framed.
    async fn a_player_is_https_only_and_framed_in_a_sandbox(backend: Backend) {
        let app = spawn_app(backend).await;
        let played = app.get("/media/chuck-reid-tv-report/play/").await.text();
        assert!(played.contains(r#"<iframe src="https://"#) && played.contains(r#"sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"#), "{played}");

        let editor = app.signed_in_as(Role::Editor).await;
        for bad in ["mailto:team@example.org", "http://tv.example/embed/1", "/admin/"] {
            let fields = [
                ("title", "A report"), ("slug", ""), ("kind", "tv_report"), ("outlet", ""), ("date", "2026-11-22"), ("embed_url", bad),
                ("link_url", ""), ("summary", ""), ("transcript", ""), ("version", "0"), ("action", "publish"),
            ];
            let refused = app.post_signed(&editor, "/admin/media", &fields).await;
            assert_eq!(refused.status, 422, "{bad}");
            assert!(refused.text().contains(r#"id="embed_url-error""#) && refused.text().contains("starts with https://"), "{bad}");
        }

        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE media_items SET embed_url = 'mailto:x@example.org' WHERE slug = 'chuck-reid-tv-report'")
            .execute(pool)
            .await
            .map(drop)
            .unwrap());
        app.app().cache.invalidate();
        assert_eq!(app.get("/media/chuck-reid-tv-report/play/").await.status, 404, "a player stored before is not framed");
    }
}

both_backends! {
    /// Informational: whoever knows a pending subscriber's address cannot rename them by signing up again.
    async fn a_second_signup_keeps_the_first_name(backend: Backend) {
        let app = spawn_app(backend).await;
        let store = app.store();
        let email = pamphlet::mail::EmailAddress::parse("ann@example.org").unwrap();
        let first = pamphlet::newsletter::subscribers::sign_up(store, &email, "Ann", "192.0.2.1", letter_to(email.as_str())).await.unwrap();
        assert!(first);
        rows_aged(&app, "subscribers", "confirm_sent_at", time::Duration::hours(1)).await;
        let again = pamphlet::newsletter::subscribers::sign_up(store, &email, "Mallory the Liar", "203.0.113.9", letter_to(email.as_str())).await.unwrap();
        assert!(again, "a new link goes out");
        assert_eq!(subscriber_name(&app, "ann@example.org").await, "Ann");

        let email = pamphlet::mail::EmailAddress::parse("ben@example.org").unwrap();
        pamphlet::newsletter::subscribers::sign_up(store, &email, "", "192.0.2.1", letter_to(email.as_str())).await.unwrap();
        rows_aged(&app, "subscribers", "confirm_sent_at", time::Duration::hours(1)).await;
        pamphlet::newsletter::subscribers::sign_up(store, &email, "Ben", "192.0.2.1", letter_to(email.as_str())).await.unwrap();
        assert_eq!(subscriber_name(&app, "ben@example.org").await, "Ben", "a name left out the first time may be given later");
    }
}

async fn subscriber_name(app: &TestApp, email: &str) -> String {
    pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT name FROM subscribers WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap())
}

both_backends! {
    /// L11: an author's account cannot keep the server resizing all day.
    async fn an_author_uploads_at_most_thirty_files_an_hour(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let email = pamphlet::mail::EmailAddress::parse("author@example.org").unwrap();
        let id = pamphlet::admin::accounts::by_email(app.store(), &email).await.unwrap().unwrap().id;
        let mut tx = app.store().begin().await.unwrap();
        for n in 0..30 {
            let upload = pamphlet::content::assets::Upload {
                name: format!("earlier-{n}.png"),
                content_type: "image/png".into(),
                bytes: png(8, 8),
                alt: "Earlier".into(),
                width: Some(8),
                height: Some(8),
                variant_of: None,
                uploaded_by: Some(id),
            };
            pamphlet::content::assets::insert(&mut tx, &upload).await.unwrap();
        }
        tx.commit().await.unwrap();

        let refused = app.upload(&author, "/admin/library", &[("alt", "One more")], ("more.png", &png(8, 8))).await;
        assert_eq!(refused.status, 429, "{}", refused.text());
        assert!(refused.text().contains("You uploaded 30 files in the last hour"), "{}", refused.text());
        let by_editor = app.upload(&editor, "/admin/library", &[("alt", "The editor's")], ("editors.png", &png(8, 8))).await;
        assert_eq!(by_editor.status, 303, "editors are not counted");

        rows_aged(&app, "assets", "updated_at", time::Duration::minutes(61)).await;
        let later = app.upload(&author, "/admin/library", &[("alt", "One more")], ("more.png", &png(8, 8))).await;
        assert_eq!(later.status, 303, "an hour later: {}", later.text());
    }
}

both_backends! {
    /// Informational: a path or form that does not parse is answered in the site's words, inside its pages,
    /// not with the framework's plain-text echo of the input.
    async fn unreadable_addresses_and_forms_get_the_sites_own_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let odd = app.get_signed(&editor, "/admin/posts/abc%3Cb%3E").await;
        assert_eq!(odd.status, 400);
        assert!(odd.header("content-type").unwrap_or_default().starts_with("text/html"), "{:?}", odd.header("content-type"));
        let html = odd.text();
        assert!(html.contains("could not be read") && html.contains("Sign out"), "inside the signed-in admin: {html}");
        assert!(!html.contains("Cannot parse") && !html.contains("abc<b>"), "{html}");

        let sent = reqwest::Client::new()
            .post(format!("{}/newsletter/subscribe", app.base))
            .header("content-type", "text/plain")
            .body("email=ann@example.org")
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 415);
        assert!(sent.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let page = sent.text().await.unwrap();
        assert!(page.contains("could not be read") && !page.contains("Content-Type"), "{page}");
    }
}

both_backends! {
    /// L10: an address stored before the strict check is listed, and can be erased.
    async fn stored_addresses_that_are_not_valid_are_listed_to_be_erased(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let email = pamphlet::mail::EmailAddress::parse("ann@example.org").unwrap();
        pamphlet::newsletter::subscribers::sign_up(app.store(), &email, "Ann", "192.0.2.1", letter_to(email.as_str())).await.unwrap();
        let bad = "a@x.org?bcc=evil%40y.org";
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE subscribers SET email = $1").bind(bad).execute(pool).await.map(drop).unwrap());

        let page = app.get_signed(&editor, "/admin/people/erase").await;
        assert!(page.text().contains("Addresses that are not valid"), "{}", page.text());
        assert!(page.text().contains("/admin/people/erase?email=a%40x.org%3Fbcc%3Devil%2540y.org"), "{}", page.text());
        let asked = app.get_signed(&editor, "/admin/people/erase?email=a%40x.org%3Fbcc%3Devil%2540y.org").await;
        assert_eq!(asked.status, 200, "{}", asked.text());
        assert!(asked.text().contains("a newsletter subscription and the record"), "{}", asked.text());

        let erased = app.post_signed(&editor, "/admin/people/erase", &[("email", bad)]).await;
        assert_eq!(erased.status, 200, "{}", erased.text());
        assert!(erased.text().contains("the newsletter subscription"), "{}", erased.text());
        assert!(!erased.text().contains("Addresses that are not valid"), "none left: {}", erased.text());
        let left: i64 = pamphlet::on_pool!(app.store(), |pool| sqlx::query_scalar("SELECT COUNT(*) FROM subscribers").fetch_one(pool).await.unwrap());
        assert_eq!(left, 0);

        let unknown = app.post_signed(&editor, "/admin/people/erase", &[("email", "b@x.org?cc=y")]).await;
        assert_eq!(unknown.status, 422, "an invalid address the store does not hold is still refused");
    }
}
