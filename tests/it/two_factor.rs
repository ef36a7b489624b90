//! Two-factor sign-in over HTTP: setting it up with a code from the app,
//! signing in with the password and then a code or a recovery code (each
//! once), the way back for a lost phone, and owners requiring it.

use pamphlet::admin::Role;
use pamphlet::admin::totp::{Secret, step_of};

use crate::both_backends;
use crate::helpers::*;

/// The code the app shows `steps` periods from now.
fn code(secret: &Secret, steps: i64) -> String {
    secret.code_at(step_of(time::OffsetDateTime::now_utc()) + steps)
}

/// Sets it up from the account page; returns the secret and the recovery codes.
async fn turn_on(app: &TestApp, signed: &SignedIn) -> (Secret, Vec<String>) {
    let setup = app.get_signed(signed, "/admin/account/two-factor").await;
    assert_eq!(setup.status, 200);
    assert!(
        setup.text().contains("<svg") && setup.text().contains("aria-label=\"QR code for your authenticator app\""),
        "{}",
        setup.text()
    );
    let hex = hidden_field(&setup.text(), "secret").expect("the setup form keeps its secret");
    let secret = Secret::from_hex(&hex).unwrap();
    let on = app.post_signed(signed, "/admin/account/two-factor", &[("secret", &hex), ("code", &code(&secret, 0))]).await;
    assert_eq!(on.status, 200, "{}", on.text());
    let codes: Vec<String> = on.text().split("<li><code>").skip(1).map(|c| c.split("</code>").next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10, "{}", on.text());
    (secret, codes)
}

/// Signs in with the password, then sends `code` on the second form.
async fn sign_in_with_code(app: &TestApp, email: &str, password: &str, code: &str) -> Page {
    let first = app.sign_in_answer(email, password, &[]).await;
    assert_eq!(first.status, 200, "the password leads to the code's form: {}", first.text());
    assert!(cookie(&first, "pamphlet_session").is_none(), "no session before the code");
    assert!(first.text().contains("autocomplete=\"one-time-code\""), "{}", first.text());
    let cookies = format!(
        "pamphlet_signin={}; pamphlet_code={}",
        cookie(&first, "pamphlet_signin").unwrap(),
        cookie(&first, "pamphlet_code").expect("the code's cookie")
    );
    let csrf = hidden_field(&first.text(), "csrf").unwrap();
    app.post("/admin/login/code", &[("code", code), ("csrf", &csrf)], &[("cookie", &cookies)]).await
}

both_backends! {
    async fn with_two_factor_on_a_password_alone_does_not_sign_in(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let ann = app.sign_in("ann@example.org", &password).await.unwrap();

        // A wrong first code keeps the same secret, so the app need not scan again.
        let setup = app.get_signed(&ann, "/admin/account/two-factor").await.text();
        let hex = hidden_field(&setup, "secret").unwrap();
        let stale = code(&Secret::from_hex(&hex).unwrap(), -5);
        let wrong = app.post_signed(&ann, "/admin/account/two-factor", &[("secret", &hex), ("code", &stale)]).await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.text().contains("not the code the app shows now"), "{}", wrong.text());
        assert_eq!(hidden_field(&wrong.text(), "secret").as_deref(), Some(hex.as_str()));

        let (secret, codes) = turn_on(&app, &ann).await;
        assert!(app.get_signed(&ann, "/admin/account").await.text().contains("On: you sign in with your password and a code"));

        let refused = sign_in_with_code(&app, "ann@example.org", &password, &code(&secret, -5)).await;
        assert_eq!(refused.status, 401, "{}", refused.text());
        assert!(cookie(&refused, "pamphlet_session").is_none());
        assert!(refused.text().contains("That code is not right"));

        // The code of the next period (a phone a little ahead) signs in, once.
        let next = code(&secret, 1);
        let signed = sign_in_with_code(&app, "ann@example.org", &password, &next).await;
        assert_eq!(signed.status, 303, "{}", signed.text());
        let session = cookie(&signed, "pamphlet_session").expect("a session once the code is right");
        assert_eq!(app.get_with("/admin", &[("cookie", &format!("pamphlet_session={session}"))]).await.status, 200);
        let again = sign_in_with_code(&app, "ann@example.org", &password, &next).await;
        assert_eq!(again.status, 401, "a code works once");

        // A recovery code, typed in capitals without its dash, works once too.
        let typed = codes[0].replace('-', "").to_uppercase();
        assert_eq!(sign_in_with_code(&app, "ann@example.org", &password, &typed).await.status, 303);
        assert_eq!(sign_in_with_code(&app, "ann@example.org", &password, &codes[0]).await.status, 401);
        assert!(app.get_signed(&ann, "/admin/account/two-factor").await.text().contains("You have 9 unused recovery codes left"));

        // The code's form without the password's step, or after five minutes, is refused.
        let form = app.get("/admin/login").await;
        let csrf = hidden_field(&form.text(), "csrf").unwrap();
        let cookies = format!("pamphlet_signin={}", cookie(&form, "pamphlet_signin").unwrap());
        let alone = app.post("/admin/login/code", &[("code", &code(&secret, 0)), ("csrf", &csrf)], &[("cookie", &cookies)]).await;
        assert_eq!(alone.status, 403);
        assert!(alone.text().contains("Sign in again"), "{}", alone.text());

        let first = app.sign_in_answer("ann@example.org", &password, &[]).await;
        let then = pamphlet::store::now() - time::Duration::seconds(1);
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE sign_in_steps SET expires_at = $1").bind(then).execute(pool).await.map(drop).unwrap());
        let cookies = format!("pamphlet_signin={}; pamphlet_code={}", cookie(&first, "pamphlet_signin").unwrap(), cookie(&first, "pamphlet_code").unwrap());
        let csrf = hidden_field(&first.text(), "csrf").unwrap();
        let late = app.post("/admin/login/code", &[("code", &code(&secret, 0)), ("csrf", &csrf)], &[("cookie", &cookies)]).await;
        assert_eq!(late.status, 403, "{}", late.text());

        // Turning it off takes the password.
        let off = app.post_signed(&ann, "/admin/account/two-factor/off", &[("current", "not my password")]).await;
        assert_eq!(off.status, 401);
        let off = app.post_signed(&ann, "/admin/account/two-factor/off", &[("current", &password)]).await;
        assert_eq!(off.status, 303, "{}", off.text());
        assert!(app.sign_in("ann@example.org", &password).await.is_ok(), "the password alone signs in again");
    }

    async fn guessing_codes_is_throttled_like_passwords(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = app.add_account("ann@example.org", Role::Editor).await;
        let ann = app.sign_in("ann@example.org", &password).await.unwrap();
        let (secret, _) = turn_on(&app, &ann).await;
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(sign_in_with_code(&app, "ann@example.org", &password, &code(&secret, -7)).await.status);
        }
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "five wrong codes, then a wait");
        let right = sign_in_with_code(&app, "ann@example.org", &password, &code(&secret, 1)).await;
        assert_eq!(right.status, 429, "not even the right code during the wait");
    }

    async fn owners_can_require_two_factor_of_everyone(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = app.signed_in_as(Role::Owner).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let require = async |signed: &SignedIn| {
            let version = hidden_field(&app.get_signed(signed, "/admin/settings").await.text(), "version").unwrap();
            let fields = [("name", "Friends of Jens"), ("language", "en"), ("require_two_factor", "yes"), ("version", version.as_str())];
            app.post_signed(signed, "/admin/settings", &fields).await
        };
        let refused = require(&owner).await;
        assert_eq!(refused.status, 422, "not before the owner has it");
        assert!(refused.text().contains("Turn two-factor sign-in on for yourself first"), "{}", refused.text());
        turn_on(&app, &owner).await;
        assert_eq!(require(&owner).await.status, 303);

        // The editor without it is sent to set it up, and nothing else opens or saves.
        let sent = app.get_signed(&editor, "/admin/posts").await;
        assert_eq!((sent.status, sent.header("location")), (303, Some("/admin/account/two-factor?required=yes")));
        let post = app.post_signed(&editor, "/admin/posts", &post_form("Blocked", &[])).await;
        assert_eq!(post.status, 403);
        assert!(post.text().contains("require two-factor sign-in"), "{}", post.text());
        assert!(app.get_signed(&editor, "/admin/account/two-factor?required=yes").await.text().contains("The site's owners require two-factor sign-in"));
        let (_, _) = turn_on(&app, &editor).await;
        assert_eq!(app.get_signed(&editor, "/admin/posts").await.status, 200);
        let password = "Editor password for tests";
        let off = app.post_signed(&editor, "/admin/account/two-factor/off", &[("current", password)]).await;
        assert_eq!(off.status, 409, "it stays on while required");

        // A lost phone: an owner turns it off for the account, which must then set it up again.
        let id = pamphlet::admin::accounts::by_email(app.store(), &pamphlet::mail::EmailAddress::parse("editor@example.org").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        assert!(app.get_signed(&owner, "/admin/users").await.text().contains(&format!("/admin/users/{id}/two-factor/off")));
        assert_eq!(app.post_signed(&owner, &format!("/admin/users/{id}/two-factor/off"), &[]).await.status, 303);
        assert_eq!(app.get_signed(&editor, "/admin/posts").await.status, 303);
    }
}
