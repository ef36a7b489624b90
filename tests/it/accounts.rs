//! Accounts and access over HTTP: first-run setup, signing in and out,
//! throttling without enumeration, sessions in the store, CSRF, and every
//! admin route checked against every role.

use pamphlet::admin::{Role, accounts, links};
use pamphlet::mail::EmailAddress;

use crate::both_backends;
use crate::helpers::*;
use crate::mailbox::SmtpSink;

/// Every admin route (method, path) and the least role it needs.
const ROUTES: &[(&str, &str, Role)] = &[
    ("GET", "/admin", Role::Author),
    ("GET", "/admin/account", Role::Author),
    ("POST", "/admin/account/password", Role::Author),
    ("POST", "/admin/account/sessions/end", Role::Author),
    ("POST", "/admin/account/sessions/end-all", Role::Author),
    ("GET", "/admin/account/two-factor", Role::Author),
    ("POST", "/admin/account/two-factor", Role::Author),
    ("POST", "/admin/account/two-factor/codes", Role::Author),
    ("POST", "/admin/account/two-factor/off", Role::Author),
    ("POST", "/admin/logout", Role::Author),
    ("POST", "/admin/markdown", Role::Author),
    ("GET", "/admin/posts", Role::Author),
    ("GET", "/admin/posts/new", Role::Author),
    ("POST", "/admin/posts", Role::Author),
    ("POST", "/admin/posts/preview", Role::Author),
    // Post 1 is a demo post, which no author wrote: only editors touch it.
    ("GET", "/admin/posts/1", Role::Editor),
    ("POST", "/admin/posts/1", Role::Editor),
    ("GET", "/admin/posts/1/revisions", Role::Editor),
    ("POST", "/admin/posts/1/revisions/1/restore", Role::Editor),
    ("POST", "/admin/posts/1/untrash", Role::Editor),
    ("POST", "/admin/posts/1/trash", Role::Editor),
    ("POST", "/admin/posts/1/delete", Role::Editor),
    ("GET", "/admin/pages", Role::Editor),
    ("GET", "/admin/pages/new", Role::Editor),
    ("POST", "/admin/pages", Role::Editor),
    ("POST", "/admin/pages/preview", Role::Editor),
    ("GET", "/admin/pages/1", Role::Editor),
    ("POST", "/admin/pages/1", Role::Editor),
    ("GET", "/admin/pages/1/revisions", Role::Editor),
    ("POST", "/admin/pages/1/revisions/1/restore", Role::Editor),
    ("POST", "/admin/pages/1/trash", Role::Editor),
    ("POST", "/admin/pages/1/untrash", Role::Editor),
    ("POST", "/admin/pages/1/delete", Role::Editor),
    ("GET", "/admin/library", Role::Author),
    ("POST", "/admin/library", Role::Author),
    ("POST", "/admin/library/the-promise.svg/alt", Role::Editor),
    ("POST", "/admin/library/nothing-here.png/delete", Role::Editor),
    ("GET", "/admin/books", Role::Editor),
    ("GET", "/admin/books/new", Role::Editor),
    ("POST", "/admin/books", Role::Editor),
    ("GET", "/admin/books/1", Role::Editor),
    ("POST", "/admin/books/1", Role::Editor),
    ("GET", "/admin/books/1/revisions", Role::Editor),
    ("POST", "/admin/books/1/revisions/1/restore", Role::Editor),
    ("GET", "/admin/media", Role::Editor),
    ("POST", "/admin/media/1", Role::Editor),
    ("GET", "/admin/press", Role::Editor),
    ("POST", "/admin/press/1", Role::Editor),
    ("GET", "/admin/menus", Role::Editor),
    ("POST", "/admin/menus/footer", Role::Editor),
    ("GET", "/admin/menus/primary/revisions", Role::Editor),
    ("POST", "/admin/menus/primary/revisions/1/restore", Role::Editor),
    // Supporters' data is for editors and owners only.
    ("GET", "/admin/newsletters", Role::Editor),
    ("POST", "/admin/newsletters", Role::Editor),
    ("GET", "/admin/newsletters/new", Role::Editor),
    ("POST", "/admin/newsletters/from-post", Role::Editor),
    ("POST", "/admin/newsletters/preview", Role::Editor),
    ("GET", "/admin/newsletters/1", Role::Editor),
    ("POST", "/admin/newsletters/1", Role::Editor),
    ("GET", "/admin/newsletters/1/progress", Role::Editor),
    ("POST", "/admin/newsletters/1/retry", Role::Editor),
    ("POST", "/admin/newsletters/1/delete", Role::Editor),
    ("GET", "/admin/subscribers", Role::Editor),
    ("POST", "/admin/subscribers", Role::Editor),
    ("POST", "/admin/subscribers/import", Role::Editor),
    ("GET", "/admin/subscribers/export.csv", Role::Editor),
    ("GET", "/admin/petitions", Role::Editor),
    ("POST", "/admin/petitions", Role::Editor),
    ("GET", "/admin/petitions/new", Role::Editor),
    ("GET", "/admin/petitions/1", Role::Editor),
    ("POST", "/admin/petitions/1", Role::Editor),
    ("POST", "/admin/petitions/1/close", Role::Editor),
    ("GET", "/admin/petitions/1/signatures", Role::Editor),
    ("GET", "/admin/petitions/1/signatures.csv", Role::Editor),
    ("POST", "/admin/petitions/1/void", Role::Editor),
    ("POST", "/admin/petitions/1/anonymise", Role::Editor),
    ("GET", "/admin/inbox", Role::Editor),
    ("GET", "/admin/inbox/1", Role::Editor),
    ("POST", "/admin/inbox/1/status", Role::Editor),
    ("POST", "/admin/inbox/1/forward", Role::Editor),
    ("POST", "/admin/inbox/1/delete", Role::Editor),
    ("GET", "/admin/people/erase", Role::Editor),
    ("POST", "/admin/people/erase", Role::Editor),
    ("GET", "/admin/settings", Role::Owner),
    ("GET", "/admin/settings/revisions", Role::Owner),
    ("POST", "/admin/settings/revisions/1/restore", Role::Owner),
    ("POST", "/admin/settings", Role::Owner),
    ("GET", "/admin/users", Role::Owner),
    ("POST", "/admin/users", Role::Owner),
    ("POST", "/admin/users/1/role", Role::Owner),
    ("POST", "/admin/users/1/reset", Role::Owner),
    ("POST", "/admin/users/1/two-factor/off", Role::Owner),
    ("GET", "/admin/users/1/remove", Role::Owner),
    ("POST", "/admin/users/1/remove", Role::Owner),
    ("POST", "/admin/users/invites/withdraw", Role::Owner),
];

both_backends! {
    async fn the_setup_link_creates_the_owner_once(backend: Backend) {
        let mut app = spawn_app(backend).await;
        let link = app.app().setup_link.clone().expect("a new store prints a setup link");
        let path = link.strip_prefix(&app.base).expect("the link points at this server").to_owned();
        let form = app.get(&path).await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains("Create the owner account"));

        // A mistake keeps what was typed and says what is wrong, at the field.
        let fields = [("email", "Ann@Example.org"), ("name", "Ann <b>Admin</b>"), ("password", "short"), ("password_again", "short")];
        let retry = app.post(&path, &fields, &[]).await;
        assert_eq!(retry.status, 422);
        let html = retry.text();
        assert!(html.contains(r#"value="Ann@Example.org""#) && html.contains("Ann &lt;b&gt;Admin&lt;/b&gt;"), "typed values are kept, escaped");
        assert!(html.contains(r#"id="password-error""#) && html.contains("at least 10 characters"), "{html}");
        // Common passwords, and passwords made of the address, are refused with the reason (ASVS 2.1.7).
        for (weak, why) in [("password1234", "This is a very common password."), ("qwertyuiop12", "similar to a commonly used"), ("ann@example.org!", "others know it")] {
            let fields = [("email", "Ann@Example.org"), ("name", "Ann"), ("password", weak), ("password_again", weak)];
            let refused = app.post(&path, &fields, &[]).await;
            assert_eq!(refused.status, 422, "{weak}");
            assert!(refused.text().contains(why), "{weak}: {}", refused.text());
        }

        let good = [("email", "Ann@Example.org"), ("name", "Ann"), ("password", "a long pardon phrase"), ("password_again", "a long pardon phrase")];
        let created = app.post(&path, &good, &[]).await;
        assert_eq!(created.status, 303);
        let session = cookie(&created, "pamphlet_session").expect("the new owner is signed in");
        let dashboard = app.get_with("/admin/users", &[("cookie", &format!("pamphlet_session={session}"))]).await;
        assert_eq!(dashboard.status, 200, "the first account is an owner");
        assert!(dashboard.text().contains("ann@example.org"));

        assert_eq!(app.get(&path).await.status, 410, "the link works once");
        assert_eq!(app.post(&path, &good, &[]).await.status, 410);
        // A second setup link made before the account existed opens nothing now.
        let late = links::issue_setup(app.store()).await.unwrap();
        assert_eq!(app.get(&links::path(&late)).await.status, 410);
        app.restart().await;
        assert!(app.app().setup_link.is_none(), "no setup link once an account exists");
        assert!(app.sign_in("ann@example.org", "a long pardon phrase").await.is_ok());
    }

    async fn a_wrong_password_and_an_unknown_address_get_the_same_answer(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let wrong = app.sign_in("ann@example.org", "not the password").await.unwrap_err();
        let unknown = app.sign_in("nobody@example.org", "not the password").await.unwrap_err();
        assert_eq!(wrong.status, 401);
        assert_eq!(unknown.status, wrong.status);
        let message = "That email address and password do not match an account.";
        assert!(wrong.text().contains(message) && unknown.text().contains(message));
        assert!(wrong.text().contains(r#"value="ann@example.org""#), "the address stays in the form");
        assert!(cookie(&wrong, "pamphlet_session").is_none());

        // After five failures an account waits, whoever types the right password, known or not.
        for _ in 0..4 {
            app.sign_in("ann@example.org", "still wrong").await.unwrap_err();
            app.sign_in("nobody@example.org", "still wrong").await.unwrap_err();
        }
        for email in ["ann@example.org", "nobody@example.org"] {
            let locked = app.sign_in(email, &password).await.unwrap_err();
            assert_eq!(locked.status, 429, "{email}");
            assert!(locked.text().contains("Too many failed sign-ins") && locked.text().contains("try again in 15 minutes"), "{}", locked.text());
            assert!(locked.header("retry-after").unwrap().parse::<u32>().unwrap() > 800);
        }
        // Another account from the same network still signs in.
        let other = app.add_account("ben@example.org", Role::Author).await;
        assert!(app.sign_in("ben@example.org", &other).await.is_ok());
    }

    async fn one_network_that_guesses_many_accounts_is_throttled(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let guesser = [("x-forwarded-for", "203.0.113.7")];
        for i in 0..20 {
            let page = app.sign_in_from(&format!("guess{i}@example.org"), "password123", &guesser).await.unwrap_err();
            assert_eq!(page.status, 401, "attempt {i}");
        }
        let locked = app.sign_in_from("ann@example.org", &password, &guesser).await.unwrap_err();
        assert_eq!(locked.status, 429);
        // The guesser's network is throttled, not everyone's.
        assert!(app.sign_in_from("ann@example.org", &password, &[("x-forwarded-for", "198.51.100.2")]).await.is_ok());
    }

    async fn every_admin_route_checks_its_role(backend: Backend) {
        let app = spawn_app(backend).await;
        // The owner is account 1, so the routes with an id aim at a real account.
        let mut people = Vec::new();
        for role in [Role::Owner, Role::Editor, Role::Author] {
            let email = format!("{}@example.org", role.as_str());
            people.push((role, email.clone(), app.add_account(&email, role).await));
        }
        for (method, path, needed) in ROUTES {
            // Nobody signed in: pages send to the sign-in form, forms are refused.
            let anonymous = if *method == "GET" { app.get(path).await } else { app.post(path, &[], &[]).await };
            assert_eq!(anonymous.status, 303, "{method} {path} without a session");
            assert!(anonymous.header("location").unwrap().starts_with("/admin/login"), "{method} {path}");
            for (role, email, password) in &people {
                // A fresh session each time: some routes end the one they are sent from.
                let who = app.sign_in(email, password).await.unwrap();
                let page = if *method == "GET" {
                    app.get_signed(&who, path).await
                } else {
                    // Fields the handlers do not expect keep these from changing anything.
                    app.post_signed(&who, path, &[("id", "none")]).await
                };
                assert_eq!(page.header("cache-control"), Some("no-store"), "{method} {path} as {role:?}");
                let location = page.header("location").unwrap_or("");
                let turned_away = page.status == 403 || location.starts_with("/admin/login?next=") || location == "/admin/login?done=expired";
                assert_eq!(turned_away, *role < *needed, "{method} {path} as {role:?}: {page:?}");
                if *role < *needed {
                    assert!(page.text().contains("Your role does not allow this"), "{method} {path}");
                }
            }
        }
    }

    async fn every_state_change_needs_the_csrf_token(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = app.signed_in_as(Role::Owner).await;
        for (method, path, _) in ROUTES.iter().filter(|(m, _, _)| *m == "POST") {
            for token in [None, Some("forged-token")] {
                let mut fields = vec![("email", "eve@example.org"), ("role", "owner")];
                if let Some(token) = token {
                    fields.push(("csrf", token));
                }
                let page = app.post(path, &fields, &[("cookie", &owner.cookie)]).await;
                assert_eq!(page.status, 403, "{method} {path} with {token:?}");
                assert!(page.text().contains("security token"), "{path}");
            }
        }
        // Another site's form is refused even with the right token: the browser names where it came from.
        let invite = [("email", "eve@example.org"), ("role", "owner"), ("csrf", owner.csrf.as_str())];
        let cross_site: [&[(&str, &str)]; 3] = [
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[("origin", "https://evil.example")],
        ];
        for headers in cross_site {
            let page = app.post("/admin/users", &invite, &[&[("cookie", owner.cookie.as_str())], headers].concat()).await;
            assert_eq!(page.status, 403, "{headers:?}");
            assert!(page.text().contains("sent from another site"), "{headers:?}");
        }
        // A script's token goes in a header, checked the same way.
        let forged = app.post("/admin/users", &invite[..2], &[("cookie", &owner.cookie), ("x-csrf-token", "forged-token")]).await;
        assert_eq!(forged.status, 403);
        // Nothing happened: still signed in, nobody invited.
        let users = app.get_signed(&owner, "/admin/users").await;
        assert_eq!(users.status, 200);
        assert!(!users.text().contains("eve@example.org"));
        // The admin's own page, named by the browser, with the token: it goes through.
        for (headers, email) in [([("origin", app.base.as_str())], "ann@example.org"), ([("sec-fetch-site", "same-origin")], "bob@example.org")] {
            let fields = [("email", email), ("role", "editor"), ("csrf", owner.csrf.as_str())];
            let page = app.post("/admin/users", &fields, &[&[("cookie", owner.cookie.as_str())], &headers[..]].concat()).await;
            assert_eq!(page.status, 200, "{headers:?}: {page:?}");
            assert!(page.text().contains(email), "the invitation is made: {headers:?}");
        }
        // The sign-in form has its own token, bound to a cookie.
        let no_cookie = app.post("/admin/login", &[("email", "owner@example.org"), ("password", "x"), ("csrf", "x")], &[]).await;
        assert_eq!(no_cookie.status, 403);
    }

    async fn sessions_live_in_the_store_and_sign_out_everywhere(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let laptop = app.sign_in("ann@example.org", &password).await.unwrap();
        let phone = app.sign_in("ann@example.org", &password).await.unwrap();
        let sessions = app.get_signed(&laptop, "/admin/account").await.text();
        assert_eq!(sessions.matches(r#"name="id""#).count(), 2, "both devices are listed");
        assert!(sessions.contains("(this device)"));

        // A second node on the same store knows the session.
        let second = spawn_app_on(app.location.clone(), tempfile::tempdir().unwrap()).await;
        assert_eq!(second.get_signed(&phone, "/admin").await.status, 200);

        let out = app.post_signed(&phone, "/admin/account/sessions/end-all", &[]).await;
        assert_eq!(out.status, 303);
        assert_eq!(out.header("location"), Some("/admin/login?done=everywhere"));
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"), "the cookie is cleared");
        for signed in [&laptop, &phone] {
            assert_eq!(app.get_signed(signed, "/admin").await.status, 303);
            assert_eq!(second.get_signed(signed, "/admin").await.status, 303);
        }
    }

    async fn changing_the_password_signs_out_other_devices(backend: Backend) {
        let app = spawn_app(backend).await;
        let old = app.add_account("ann@example.org", Role::Author).await;
        let laptop = app.sign_in("ann@example.org", &old).await.unwrap();
        let phone = app.sign_in("ann@example.org", &old).await.unwrap();

        let wrong = app.post_signed(&laptop, "/admin/account/password", &[("current", "nope"), ("password", "a brand new phrase"), ("password_again", "a brand new phrase")]).await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.text().contains("This is not your current password"));

        let changed = app.post_signed(&laptop, "/admin/account/password", &[("current", &old), ("password", "a brand new phrase"), ("password_again", "a brand new phrase")]).await;
        assert_eq!(changed.status, 303);
        let renewed = SignedIn { cookie: format!("pamphlet_session={}", cookie(&changed, "pamphlet_session").unwrap()), csrf: String::new() };
        assert_eq!(app.get_signed(&renewed, "/admin/account").await.status, 200, "this browser stays signed in");
        assert_eq!(app.get_signed(&phone, "/admin").await.status, 303, "the other device is out");
        assert_eq!(app.get_signed(&laptop, "/admin").await.status, 303, "the old session is replaced");
        assert!(app.sign_in("ann@example.org", &old).await.is_err());
        assert!(app.sign_in("ann@example.org", "a brand new phrase").await.is_ok());
    }

    async fn an_owner_invites_an_editor_and_keeps_an_owner(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = app.signed_in_as(Role::Owner).await;
        let invited = app.post_signed(&owner, "/admin/users", &[("email", "Cara@Example.org"), ("role", "editor")]).await;
        assert_eq!(invited.status, 200);
        let html = invited.text();
        let start = html.find(&format!("{}/admin/welcome/", app.base)).expect("the invitation link is shown");
        let link = &html[start..start + html[start..].find('"').unwrap()];
        let path = link.strip_prefix(&app.base).unwrap().to_owned();

        let form = app.get(&path).await.text();
        assert!(form.contains("cara@example.org") && form.contains("editor"));
        let fields = [("email", "someone-else@example.org"), ("name", "Cara"), ("password", "cara's long phrase"), ("password_again", "cara's long phrase")];
        assert_eq!(app.post(&path, &fields, &[]).await.status, 303);
        let cara = app.sign_in("cara@example.org", "cara's long phrase").await.expect("the invitation is for its own address");
        assert!(app.sign_in("someone-else@example.org", "cara's long phrase").await.is_err());
        assert_eq!(app.get_signed(&cara, "/admin/users").await.status, 403, "an editor manages no accounts");

        // The only owner cannot step down or leave.
        let owner_id = accounts::by_email(app.store(), &EmailAddress::parse("owner@example.org").unwrap()).await.unwrap().unwrap().id;
        let demote = app.post_signed(&owner, &format!("/admin/users/{owner_id}/role"), &[("role", "editor")]).await;
        assert_eq!(demote.status, 409);
        assert!(demote.text().contains("at least one owner"));
        assert_eq!(app.post_signed(&owner, &format!("/admin/users/{owner_id}/remove"), &[]).await.status, 409);
    }

    async fn a_forgotten_password_is_reset_by_an_emailed_link(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let old = app.add_account("ann@example.org", Role::Editor).await;
        let laptop = app.sign_in("ann@example.org", &old).await.unwrap();
        let ask = |email: &'static str| {
            let app = &app;
            async move {
                let form = app.get("/admin/login/forgot").await;
                assert_eq!(form.status, 200);
                assert!(form.text().contains("We will email you a link"), "{}", form.text());
                let token = hidden_field(&form.text(), "csrf").unwrap();
                let cookie_header = format!("pamphlet_signin={}", cookie(&form, "pamphlet_signin").unwrap());
                app.post("/admin/login/forgot", &[("email", email), ("csrf", &token)], &[("cookie", &cookie_header)]).await
            }
        };
        assert!(app.get("/admin/login").await.text().contains(r#"href="/admin/login/forgot""#));

        // Known or not, the answer is the same; only a known address gets mail.
        let unknown = ask("nobody@example.org").await;
        let known = ask("Ann@Example.org").await;
        assert_eq!((unknown.status, known.status), (200, 200));
        let said = |page: &Page| page.text().replace("nobody@example.org", "X").replace("Ann@Example.org", "X");
        assert_eq!(said(&unknown), said(&known), "the answers tell nothing");
        let mails = sink.wait_for(1, 10).await;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_eq!(mails[0].to, ["ann@example.org"]);
        assert!(mails[0].header("Subject").unwrap().starts_with("A new password for"), "{:?}", mails[0].headers);
        let link = mails[0].link("/admin/welcome/").expect("the email carries the link");
        let path = link.strip_prefix(&app.base).unwrap().to_owned();

        let form = app.get(&path).await.text();
        assert!(form.contains("Choose a new password") && form.contains("ann@example.org"), "{form}");
        assert!(!form.contains(r#"name="name""#), "a reset asks for nothing but the password");
        let differ = app.post(&path, &[("password", "a fresh long phrase"), ("password_again", "another phrase")], &[]).await;
        assert_eq!(differ.status, 422);
        assert!(differ.text().contains("The two passwords differ"));
        let set = app.post(&path, &[("password", "a fresh long phrase"), ("password_again", "a fresh long phrase")], &[]).await;
        assert_eq!(set.status, 303, "{}", set.text());
        assert!(cookie(&set, "pamphlet_session").is_some(), "this browser is signed in");
        assert_eq!(app.get_signed(&laptop, "/admin").await.status, 303, "every old session ended");
        assert!(app.sign_in("ann@example.org", &old).await.is_err());
        assert!(app.sign_in("ann@example.org", "a fresh long phrase").await.is_ok());
        assert_eq!(app.get(&path).await.status, 410, "the link works once");

        // Asking again and again is throttled like failed sign-ins.
        let mut last = 0;
        for _ in 0..6 {
            last = ask("ann@example.org").await.status;
        }
        assert_eq!(last, 429);
    }

    async fn without_mail_an_owner_hands_on_reset_links_and_invitations(backend: Backend) {
        let app = spawn_app(backend).await;
        let forgot = app.get("/admin/login/forgot").await.text();
        assert!(forgot.contains("This site cannot send email yet") && !forgot.contains(r#"action="/admin/login/forgot""#), "{forgot}");
        let owner = app.signed_in_as(Role::Owner).await;
        let old = app.add_account("ben@example.org", Role::Author).await;
        let ben = accounts::by_email(app.store(), &EmailAddress::parse("ben@example.org").unwrap()).await.unwrap().unwrap();
        let made = app.post_signed(&owner, &format!("/admin/users/{}/reset", ben.id), &[]).await;
        assert_eq!(made.status, 200);
        let html = made.text();
        assert!(html.contains("This site cannot send email, so pass this link on to <strong>ben@example.org</strong>"), "{html}");
        let start = html.find(&format!("{}/admin/welcome/", app.base)).expect("the reset link is shown");
        let path = html[start..start + html[start..].find('"').unwrap()].strip_prefix(&app.base).unwrap().to_owned();
        let set = app.post(&path, &[("password", "ben's new phrase"), ("password_again", "ben's new phrase")], &[]).await;
        assert_eq!(set.status, 303);
        assert!(app.sign_in("ben@example.org", &old).await.is_err());
        assert!(app.sign_in("ben@example.org", "ben's new phrase").await.is_ok());
    }

    async fn with_mail_an_invitation_is_emailed(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let owner = app.signed_in_as(Role::Owner).await;
        let invited = app.post_signed(&owner, "/admin/users", &[("email", "dora@example.org"), ("role", "author")]).await;
        assert_eq!(invited.status, 200);
        assert!(invited.text().contains("An email with this link went to <strong>dora@example.org</strong>"), "{}", invited.text());
        let mails = sink.wait_for(1, 10).await;
        assert_eq!(mails[0].to, ["dora@example.org"]);
        assert!(mails[0].header("Subject").unwrap().contains("invites you to edit"), "{:?}", mails[0].headers);
        assert!(mails[0].text.contains("as author"), "{}", mails[0].text);
        let path = mails[0].link("/admin/welcome/").unwrap().strip_prefix(&app.base).unwrap().to_owned();
        let fields = [("name", "Dora"), ("password", "dora's long phrase"), ("password_again", "dora's long phrase")];
        assert_eq!(app.post(&path, &fields, &[]).await.status, 303);
        assert!(app.sign_in("dora@example.org", "dora's long phrase").await.is_ok());
    }

    async fn admin_pages_are_private_and_cookies_strict(backend: Backend) {
        let app = spawn_app(backend).await;
        let form = app.get("/admin/login").await;
        assert_eq!(form.header("cache-control"), Some("no-store"));
        assert_eq!(form.header("x-frame-options"), Some("DENY"));
        assert!(form.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let token = hidden_field(&form.text(), "csrf").unwrap();
        let signed = app
            .post(
                "/admin/login",
                &[("email", "ann@example.org"), ("password", &password), ("csrf", &token)],
                &[("cookie", &format!("pamphlet_signin={}", cookie(&form, "pamphlet_signin").unwrap()))],
            )
            .await;
        let set = signed.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|v| v.starts_with("pamphlet_session=")).unwrap();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set.contains("Secure"), "plain http on a local address");
        // A body over the limit gets 413 and changes nothing.
        let signed = app.sign_in("ann@example.org", &password).await.unwrap();
        let huge = "x".repeat(3 * 1024 * 1024);
        let page = app.post_signed(&signed, "/admin/account/password", &[("current", &huge)]).await;
        assert_eq!(page.status, 413);
        assert!(page.text().contains("larger than 2 MB"));
        assert_eq!(app.get("/admin/nowhere").await.status, 404);
    }
}

#[tokio::test]
async fn cookies_are_secure_when_the_site_is_served_over_https() {
    let data = tempfile::tempdir().unwrap();
    let location = fresh_store(Backend::Sqlite, data.path()).await;
    let mut config = config(&location);
    config.base_url = Some("https://example.org".into());
    let app = pamphlet::app::Application::start(config).await.unwrap();
    assert!(app.setup_link.as_deref().unwrap().starts_with("https://example.org/admin/welcome/"));
    let page = reqwest::get(format!("http://{}/admin/login", app.addr)).await.unwrap();
    let set = page.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set.contains("; Secure"), "{set}");
    app.stop().await.unwrap();
}
