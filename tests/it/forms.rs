//! The campaign forms over HTTP against a real SMTP server: signing the
//! demo's petition and confirming by email, duplicates, a closed petition,
//! bots and floods, the contact inbox with forwarding, size limits, the
//! editors' pages, and erasing a person everywhere.

use std::time::Duration;

use pamphlet::admin::Role;
use pamphlet::inbox as contact;
use pamphlet::newsletter::subscribers;
use pamphlet::petitions::{self, signatures};
use pamphlet::public_forms::guard;

use crate::both_backends;
use crate::helpers::{Backend, Page, SignedIn, TestApp, hidden_field, mail_config, spawn_app, spawn_app_with_mail};
use crate::mailbox::{Mail, SmtpSink};

const PETITION: &str = "pardon-for-jens-soering";
const SIGN: &str = "/petitions/pardon-for-jens-soering/sign";

async fn sign(app: &TestApp, email: &str, name: &str, extra: &[(&str, &str)]) -> Page {
    let defaults = [("email", email), ("name", name), ("country", "DE"), ("show_name", "yes"), ("website", "")];
    // A field in `extra` takes the place of its default.
    let mut fields: Vec<(&str, &str)> = defaults.into_iter().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).collect();
    fields.extend_from_slice(extra);
    app.post_form(SIGN, &fields, &[]).await
}

fn path_of(url: &str) -> String {
    url[url.find("/signatures/").expect("a signature's link")..].to_owned()
}

fn verify_link(mail: &Mail) -> String {
    path_of(&mail.link("/signatures/confirm/").unwrap_or_else(|| panic!("a verification link in {}", mail.text)))
}

async fn tally(app: &TestApp) -> serde_json::Value {
    let page = app.get(&format!("/petitions/{PETITION}/tally")).await;
    assert_eq!(page.status, 200, "{page:?}");
    serde_json::from_slice(&page.body).unwrap()
}

async fn rows(app: &TestApp, sql: &str, email: &str) -> i64 {
    let store = app.store();
    pamphlet::on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(email).fetch_one(pool).await.unwrap())
}

async fn petition_id(app: &TestApp) -> i64 {
    petitions::by_slug(app.store(), PETITION).await.unwrap().unwrap().id
}

both_backends! {
    /// A confirmation promised while the mail server is out of reach is kept
    /// in the store, outlives a restart, and is sent once, when the server is back.
    async fn confirmations_wait_for_the_mail_server_across_a_restart(backend: Backend) {
        let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut app = spawn_app_with_mail(backend, &format!("smtp://127.0.0.1:{nowhere}")).await;
        assert!(sign(&app, "ann@example.org", "Ann", &[]).await.text().contains("Check your inbox"));
        let signup = app.post_form("/newsletter/subscribe", &[("email", "ben@example.org"), ("name", "Ben"), ("website", "")], &[]).await;
        assert!(signup.text().contains("Check your inbox"), "{signup:?}");
        let tried = "SELECT COUNT(*) FROM mail_queue WHERE error <> '' AND status = 'pending' AND recipient LIKE $1";
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while rows(&app, tried, "%@example.org").await < 2 {
            assert!(std::time::Instant::now() < deadline, "both sendings were tried and kept");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let sink = SmtpSink::start();
        app.config.mail = Some(mail_config(&sink.url, 2, None, app.data.path()));
        app.restart().await;
        // As if the 30 s before the next try had passed.
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE mail_queue SET next_attempt_at = $1")
            .bind(pamphlet::store::now())
            .execute(pool)
            .await
            .map(drop)
            .unwrap());
        let mails = sink.wait_for(2, 20).await;
        let mut to: Vec<&str> = mails.iter().map(|m| m.to[0].as_str()).collect();
        to.sort();
        assert_eq!(to, ["ann@example.org", "ben@example.org"]);
        let ann = mails.iter().find(|m| m.to[0] == "ann@example.org").unwrap();
        assert_eq!(app.post(&verify_link(ann), &[], &[]).await.status, 200);
        assert_eq!(rows(&app, "SELECT COUNT(*) FROM mail_queue WHERE recipient LIKE $1", "%").await, 0, "sent mail leaves the queue");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.count(), 2, "each sent once");
    }

    async fn a_signature_counts_once_its_email_is_confirmed(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        // The demo's Pardon page carries the live petition: its form, its counter, its goal.
        let page = app.get("/pardon/").await.text();
        assert!(page.contains(&format!("action=\"{SIGN}\"")), "{page}");
        assert!(page.contains("<strong data-count>0</strong> of 10,000 signatures"), "{page}");
        assert!(page.contains("To the Governor of Virginia"), "{page}");

        let answer = sign(&app, "Anna.Keller@Example.org", "Anna Maria Keller", &[("subscribe", "yes"), ("comment", "<b>Free him</b>")]).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(answer.text().contains("Check your inbox"), "{answer:?}");
        let mails = sink.wait_for(1, 10).await;
        let mail = &mails[0];
        assert_eq!(mail.to, ["anna.keller@example.org"]);
        assert!(mail.header("Subject").unwrap().contains("Confirm your signature"), "{:?}", mail.headers);
        assert!(!mail.text.contains("Keller"), "the email carries none of the typed words: {}", mail.text);
        assert!(mail.text.contains("newsletter"), "it says the newsletter was asked for too: {}", mail.text);
        assert_eq!(tally(&app).await["count"], 0, "not counted before the link is opened");

        // Opening the link (a mail scanner does) shows a button and counts nothing.
        let link = verify_link(mail);
        let button = app.get(&link).await;
        assert_eq!(button.status, 200);
        assert!(button.text().contains("Confirm your signature"), "{button:?}");
        assert_eq!(tally(&app).await["count"], 0);
        let done = app.post(&link, &[], &[]).await;
        assert_eq!(done.status, 200, "{done:?}");
        assert!(done.text().contains("now counts"), "{done:?}");
        // The thank-you page asks to share the page the petition is on, with plain links and no script of theirs.
        let thanks = done.text();
        let shared = percent_encoding::utf8_percent_encode(&format!("{}/pardon/", app.base), percent_encoding::NON_ALPHANUMERIC).to_string();
        assert!(thanks.contains("Ask others to join") && thanks.contains(&format!("https://www.facebook.com/sharer/sharer.php?u={shared}")), "{thanks}");
        assert!(thanks.contains("href=\"mailto:?subject=I%20signed%20%E2%80%9CAn%20absolute%20pardon"), "{thanks}");
        assert!(!thanks.contains("<script src=\"http"), "no third-party script");
        let counted = tally(&app).await;
        assert_eq!(counted["count"], 1);
        assert_eq!(counted["names"], serde_json::json!(["Anna K."]), "first name and initial, with consent");
        // The page is correct without script: the counter and the name come into the HTML within seconds.
        assert!(app.eventually_contains("/pardon/", "<strong data-count>1</strong>", 10).await);
        let page = app.get("/pardon/").await.text();
        assert!(page.contains("Anna K."), "{page}");
        assert!(!page.contains("Keller") && !page.contains("anna.keller"), "no surname, no address on the page");
        // The newsletter box was ticked: one confirmation covered both, recorded as from the petition.
        let subscriber = subscribers::list(app.store(), "anna.keller", None, 1, 0).await.unwrap().remove(0);
        assert_eq!((subscriber.status.as_str(), subscriber.source.as_str()), ("confirmed", "petition"));
        // The link works once.
        assert_eq!(app.post(&link, &[], &[]).await.status, 410);
        assert_eq!(app.get("/signatures/confirm/forged-token").await.status, 410);

        // A second signature with the same address: the same neutral page, no new email, no second count.
        let again = sign(&app, "anna.keller@example.org", "Anna", &[]).await;
        assert_eq!(again.status, 200);
        assert!(again.text().contains("Check your inbox"));
        // Someone without the newsletter box and without consent to show the name.
        sign(&app, "bob@example.org", "Bob Jones", &[("show_name", "")]).await;
        let mails = sink.wait_for(2, 10).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.count(), 2, "no email for the repeated signature");
        app.post(&verify_link(&mails[1]), &[], &[]).await;
        let counted = tally(&app).await;
        assert_eq!(counted["count"], 2);
        assert_eq!(counted["names"], serde_json::json!(["Anna K."]), "Bob did not agree to be named");
        assert!(subscribers::list(app.store(), "bob@", None, 1, 0).await.unwrap().is_empty(), "Bob did not ask for the newsletter");
    }

    async fn a_closed_petition_shows_its_result_and_takes_no_more(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let signed = app.signed_in_as(Role::Editor).await;
        // A signature in flight when the petition closes never counts.
        sign(&app, "late@example.org", "Late Comer", &[]).await;
        let mails = sink.wait_for(1, 10).await;
        let id = petition_id(&app).await;
        let form = app.get_signed(&signed, &format!("/admin/petitions/{id}")).await.text();
        let version = hidden_field(&form, "version").unwrap();
        let saved = app
            .post_signed(
                &signed,
                &format!("/admin/petitions/{id}"),
                &[
                    ("title", "An absolute pardon for Jens Söring"), ("slug", PETITION), ("addressee", "the Governor of Virginia"),
                    ("goal", "10000"), ("status", "delivered"), ("body", "We ask for a pardon."),
                    ("result", "Handed to the Governor's office on **1 May**."), ("version", &version), ("ends_at", ""),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{saved:?}");
        let page = app.get("/pardon/").await.text();
        assert!(page.contains("Delivered to the Governor of Virginia") && page.contains("<strong>1 May</strong>"), "{page}");
        assert!(!page.contains(&format!("action=\"{SIGN}\"")), "no form on a closed petition");
        let refused = sign(&app, "new@example.org", "New Person", &[]).await;
        assert_eq!(refused.status, 410, "{refused:?}");
        assert!(refused.text().contains("This petition is closed"), "{refused:?}");
        let late = app.post(&verify_link(&mails[0]), &[], &[]).await;
        assert!(late.status == 410 && late.text().contains("This petition is closed"), "{late:?}");
        assert_eq!(tally(&app).await["count"], 0);
        assert_eq!(rows(&app, "SELECT COUNT(*) FROM signatures WHERE email = $1", "new@example.org").await, 0);
    }

    async fn a_message_is_kept_in_the_inbox_and_forwarded_with_reply_to(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let page = app.get("/contact/").await.text();
        assert!(page.contains("action=\"/contact/send\"") && page.contains("admin (at) example.org"), "{page}");
        let body = "Hello,\n<script>alert(1)</script> I would like to help.";
        let sent = app
            .post_form("/contact/send", &[("name", "Carla Ödegaard"), ("email", "carla@example.org"), ("subject", "Offering help"), ("message", body)], &[])
            .await;
        assert_eq!(sent.status, 200, "{sent:?}");
        assert!(sent.text().contains("Thank you for writing"));
        let mail = sink.wait_for(1, 10).await.remove(0);
        assert_eq!(mail.to, ["admin@example.org"], "forwarded to the contact address");
        assert_eq!(mail.header("Reply-To").unwrap(), "carla@example.org");
        assert!(mail.header("From").unwrap().contains("admin@example.org"), "from the site's own address: {:?}", mail.headers);
        assert!(mail.header("Subject").unwrap().contains("[Contact] Offering help"), "{:?}", mail.headers);
        assert!(mail.text.contains("I would like to help"), "{}", mail.text);
        assert!(mail.html.contains("&lt;script&gt;") && !mail.html.contains("<script>"), "HTML shows as text: {}", mail.html);

        // The inbox: unread, then read once opened; the script is text there too.
        let signed = app.signed_in_as(Role::Editor).await;
        let dashboard = app.get_signed(&signed, "/admin").await.text();
        assert!(dashboard.contains("1 unread message</strong></a>") && dashboard.contains("Jens Söring</a>: 0 of 10000 signatures"), "{dashboard}");
        let inbox = app.get_signed(&signed, "/admin/inbox").await.text();
        assert!(inbox.contains("1 unread") && inbox.contains("Offering help"), "{inbox}");
        let message = contact::list(app.store(), None, 10, 0).await.unwrap().remove(0);
        assert!(app.eventually_contains_signed(&signed, &format!("/admin/inbox/{}", message.id), "Forwarded to the contact address", 5).await);
        let shown = app.get_signed(&signed, &format!("/admin/inbox/{}", message.id)).await.text();
        assert!(shown.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !shown.contains("<script>alert"), "{shown}");
        assert!(shown.contains("mailto:carla@example.org?subject=Re%3A%20Offering%20help"), "a reply link: {shown}");
        assert!(app.get_signed(&signed, "/admin/inbox").await.text().contains("0 unread"));
        let archived = app.post_signed(&signed, &format!("/admin/inbox/{}/status", message.id), &[("status", "archived")]).await;
        assert_eq!(archived.status, 303);
        assert!(!app.get_signed(&signed, "/admin/inbox").await.text().contains("Offering help"), "archived leaves the inbox");
        assert!(app.get_signed(&signed, "/admin/inbox?status=archived").await.text().contains("Offering help"));

        // A line break in the subject would add a mail header: refused, with the text kept.
        let injected = app
            .post_form("/contact/send", &[("name", "Eve"), ("email", "eve@example.org"), ("subject", "Hi\r\nBcc: all@example.org"), ("message", "Typed text stays")], &[])
            .await;
        assert_eq!(injected.status, 422, "{injected:?}");
        assert!(injected.text().contains("without line breaks") && injected.text().contains("Typed text stays"), "{injected:?}");
        // A 1 MB message gets a page that says so, and nothing is kept.
        let huge = "x".repeat(1024 * 1024);
        let too_big = app.post_form("/contact/send", &[("name", "Big"), ("email", "big@example.org"), ("subject", "Long"), ("message", &huge)], &[]).await;
        assert_eq!(too_big.status, 413);
        assert!(too_big.text().contains("This is too long to send"), "a readable page: {}", &too_big.text()[..200.min(too_big.text().len())]);
        assert_eq!(contact::list(app.store(), Some("unread"), 10, 0).await.unwrap().len(), 0, "nothing stored");
        assert_eq!(sink.count(), 1);
    }

    async fn erasing_a_person_removes_them_everywhere(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        sign(&app, "dana@example.org", "Dana Scully", &[("subscribe", "yes")]).await;
        let mail = sink.wait_for(1, 10).await.remove(0);
        app.post(&verify_link(&mail), &[], &[]).await;
        app.post_form("/contact/send", &[("name", "Dana"), ("email", "dana@example.org"), ("subject", "Hi"), ("message", "Me again")], &[]).await;
        assert_eq!(tally(&app).await["count"], 1);

        let signed = app.signed_in_as(Role::Editor).await;
        let look = app.get_signed(&signed, "/admin/people/erase?email=Dana%40example.org").await.text();
        assert!(look.contains("Erase dana@example.org?") && look.contains("1 signatures") && look.contains("1 messages"), "{look}");
        let erased = app.post_signed(&signed, "/admin/people/erase", &[("email", "dana@example.org")]).await;
        assert_eq!(erased.status, 200, "{erased:?}");
        for table in ["signatures", "contact_messages", "subscribers", "form_attempts"] {
            assert_eq!(rows(&app, &format!("SELECT COUNT(*) FROM {table} WHERE email = $1"), "dana@example.org").await, 0, "{table}");
        }
        let store = app.store();
        let audit: Vec<String> = pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT what FROM erasures").fetch_all(pool).await.unwrap());
        assert_eq!(audit, ["a person: 1 signatures, 1 messages, a newsletter subscription"]);
        assert!(!audit[0].contains("dana"));
        assert_eq!(tally(&app).await["count"], 0, "the count follows");
        assert!(!app.get("/pardon/").await.text().contains("Dana S."), "the page follows");
    }

    async fn editors_review_void_export_and_anonymise_signatures(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        for (email, name, country) in
            [("ann@example.org", "Ann Lee", "DE"), ("bot1@spam.example", "Bot One", "US"), ("bot2@spam.example", "Bot Two", "US")]
        {
            app.post_form(SIGN, &[("email", email), ("name", name), ("country", country), ("show_name", "yes"), ("postcode", "=1+1")], &[]).await;
        }
        for mail in sink.wait_for(3, 10).await {
            app.post(&verify_link(&mail), &[], &[]).await;
        }
        assert_eq!(tally(&app).await["count"], 3);
        let id = petition_id(&app).await;
        let signed = app.signed_in_as(Role::Editor).await;
        let list = app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures?q=bot")).await.text();
        assert!(list.contains("bot1@spam.example") && !list.contains("ann@example.org"), "search: {list}");
        let list = app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures")).await.text();
        assert!(list.contains("United States</td><td>2") && list.contains("Germany</td><td>1"), "by country: {list}");

        // Voiding needs a reason, then takes the whole domain out of the count.
        let no_reason = app.post_signed(&signed, &format!("/admin/petitions/{id}/void"), &[("domain", "spam.example"), ("reason", "")]).await;
        assert_eq!(no_reason.status, 422);
        assert!(no_reason.text().contains("value=\"spam.example\""), "the typed domain stays");
        let voided = app.post_signed(&signed, &format!("/admin/petitions/{id}/void"), &[("domain", "@Spam.example"), ("reason", "Bot farm")]).await;
        assert_eq!(voided.status, 303, "{voided:?}");
        assert_eq!(tally(&app).await["count"], 1);
        assert!(app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures?status=voided")).await.text().contains("voided: Bot farm"));

        // The CSV has everyone, cells that cannot run as formulas.
        let csv = app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures.csv")).await;
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        let csv = csv.text();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv.contains("\"'=1+1\"") && csv.contains("\"ann@example.org\""), "{csv}");

        // Anonymising waits for the petition to close, then keeps the counts and forgets the people.
        let early = app.post_signed(&signed, &format!("/admin/petitions/{id}/anonymise"), &[]).await;
        assert_eq!(early.status, 409);
        assert_eq!(app.post_signed(&signed, &format!("/admin/petitions/{id}/close"), &[]).await.status, 303);
        let done = app.post_signed(&signed, &format!("/admin/petitions/{id}/anonymise"), &[]).await;
        assert_eq!(done.status, 303, "{done:?}");
        assert_eq!(tally(&app).await["count"], 1, "the count stays");
        let counts = signatures::counts(app.store(), id).await.unwrap();
        assert!(counts.contains(&("voided".to_owned(), 2)), "{counts:?}");
        let store = app.store();
        let named: i64 = pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE email IS NOT NULL OR name <> '' OR postcode <> ''").fetch_one(pool).await.unwrap());
        assert_eq!(named, 0);
        assert!(app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures")).await.text().contains("Germany</td><td>1"));
        // An anonymised petition stays closed.
        let form = app.get_signed(&signed, &format!("/admin/petitions/{id}")).await.text();
        let version = hidden_field(&form, "version").unwrap();
        let reopen = app
            .post_signed(
                &signed,
                &format!("/admin/petitions/{id}"),
                &[("title", "Again"), ("addressee", "Someone"), ("goal", "10"), ("status", "open"), ("body", "Text"), ("version", &version)],
            )
            .await;
        assert_eq!(reopen.status, 422);
        assert!(reopen.text().contains("stays closed"), "{reopen:?}");
    }
}

#[tokio::test]
async fn editors_write_petitions_and_a_stale_save_keeps_the_text() {
    let app = spawn_app(Backend::Sqlite).await;
    let signed = app.signed_in_as(Role::Editor).await;
    let fields = |title: &'static str, goal: &'static str, version: &str| {
        vec![
            ("title", title.to_owned()),
            ("slug", String::new()),
            ("addressee", "The Parole Board".into()),
            ("goal", goal.into()),
            ("status", "open".into()),
            ("body", "Release him.".into()),
            ("result", String::new()),
            ("ends_at", String::new()),
            ("version", version.to_owned()),
        ]
    };
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let (app, signed) = (&app, &signed);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_signed(signed, &path, &fields).await
        }
    };
    let bad = post("/admin/petitions".into(), fields("Parole now", "many", "0")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Write the number of signatures") && bad.text().contains("Release him."), "{bad:?}");
    let created = post("/admin/petitions".into(), fields("Parole now", "5,000", "0")).await;
    assert_eq!(created.status, 303, "{created:?}");
    let petition = petitions::by_slug(app.store(), "parole-now").await.unwrap().expect("a slug made from the title");
    assert_eq!(petition.goal, 5000);
    let path = format!("/admin/petitions/{}", petition.id);
    assert_eq!(post(path.clone(), fields("Parole now!", "5000", "1")).await.status, 303);
    let stale = post(path.clone(), fields("My stale title", "5000", "1")).await;
    assert_eq!(stale.status, 409);
    assert!(stale.text().contains("My stale title") && stale.text().contains("Someone else saved this petition"), "{stale:?}");
    assert!(stale.text().contains("Parole now!"), "their title is shown beside the typed one: {stale:?}");
    let other: Vec<_> =
        fields("Other", "10", "0").into_iter().map(|(k, v)| if k == "slug" { (k, "parole-now".to_owned()) } else { (k, v) }).collect();
    let taken = post("/admin/petitions".into(), other).await;
    assert_eq!(taken.status, 409, "{taken:?}");
    assert!(taken.text().contains("already uses this address"), "{taken:?}");
    assert!(app.get_signed(&signed, "/admin/petitions").await.text().contains("Parole now!"));
}

#[tokio::test]
async fn bots_floods_and_other_sites_are_turned_away() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let stored = |email: &'static str| {
        let app = &app;
        async move { rows(app, "SELECT COUNT(*) FROM signatures WHERE email = $1", email).await }
    };
    // The honeypot: the usual answer, nothing kept, nothing sent.
    let bot = sign(&app, "bot@example.org", "Bot", &[("website", "http://spam.example")]).await;
    assert!(bot.status == 200 && bot.text().contains("Check your inbox"), "{bot:?}");
    // Too fast: a form sent at once after its stamp was handed out.
    let challenge: serde_json::Value = serde_json::from_slice(&app.get("/forms/challenge").await.body).unwrap();
    let fresh = challenge["stamp"].as_str().unwrap();
    let fast = sign(&app, "fast@example.org", "Fast", &[("stamp", fresh)]).await;
    assert!(fast.status == 200 && fast.text().contains("Check your inbox"), "{fast:?}");
    assert_eq!(stored("bot@example.org").await + stored("fast@example.org").await, 0);
    // No stamp, or a forged one: the form comes back to be sent again, typing kept.
    let forged = sign(&app, "keep@example.org", "Kept Name", &[("stamp", "1.2.forged")]).await;
    assert_eq!(forged.status, 400);
    assert!(forged.text().contains("send it again") && forged.text().contains("value=\"Kept Name\""), "{forged:?}");
    // The form shown again can be sent at once: the person filled it in already.
    let stamp = hidden_field(&forged.text(), "stamp").unwrap();
    let resent = sign(&app, "keep@example.org", "Kept Name", &[("stamp", &stamp)]).await;
    assert_eq!(resent.status, 200);
    assert_eq!(stored("keep@example.org").await, 1, "taken, not dropped as too fast");
    // Another site's page.
    let cross = app.post_form(SIGN, &[("email", "x@example.org"), ("name", "X")], &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, 403);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.messages().iter().flat_map(|m| m.to.clone()).collect::<Vec<_>>(),
        ["keep@example.org"],
        "no email for what was dropped"
    );

    // Ten signatures an hour from one network address (the one sent again counts); the eleventh
    // waits and is told for how long, with what was typed.
    for n in 0..9 {
        assert_eq!(sign(&app, &format!("person{n}@example.org"), "Person", &[]).await.status, 200);
    }
    let flood = sign(&app, "one-more@example.org", "More", &[]).await;
    assert_eq!(flood.status, 429, "{flood:?}");
    assert!(flood.text().contains("Please try again in 60 minutes") && flood.text().contains("value=\"More\""), "{flood:?}");
    assert!(flood.header("retry-after").is_some());
    // A form that carries a fresh proof of work (forms.js solves one while people type) is let
    // through: an office or a rally may share one address. Each proof counts once.
    let stamp = app.stamp_ago(10).await;
    let nonce = (0u64..).map(|n| n.to_string()).find(|n| guard::proof_holds(&stamp, n)).unwrap();
    let proven = sign(&app, "office@example.org", "Office Worker", &[("stamp", &stamp), ("proof", &nonce)]).await;
    assert_eq!(proven.status, 200, "{proven:?}");
    let replayed = sign(&app, "replay@example.org", "Replay", &[("stamp", &stamp), ("proof", &nonce)]).await;
    assert_eq!(replayed.status, 429, "a proof used once does not open the door again");
    assert_eq!(stored("office@example.org").await, 1);
    // The burst shows on the signatures page.
    let signed = app.signed_in_as(Role::Editor).await;
    let id = petition_id(&app).await;
    let page = app.get_signed(&signed, &format!("/admin/petitions/{id}/signatures")).await.text();
    assert!(page.contains("Many signatures came from one network address"), "{page}");

    // The contact form has its own limits: five messages an hour from one address.
    for n in 0..5 {
        let sent = app
            .post_form(
                "/contact/send",
                &[("name", "Writer"), ("email", &format!("w{n}@example.org")), ("subject", "Hi"), ("message", "Text")],
                &[],
            )
            .await;
        assert_eq!(sent.status, 200, "{sent:?}");
    }
    let sixth = app
        .post_form("/contact/send", &[("name", "Writer"), ("email", "w6@example.org"), ("subject", "Hi"), ("message", "Text")], &[])
        .await;
    assert_eq!(sixth.status, 429);
}

#[tokio::test]
async fn without_a_mail_server_signing_pauses_and_messages_are_kept() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/pardon/").await.text();
    assert!(!page.contains(&format!("action=\"{SIGN}\"")) && page.contains("To add your support, write to"), "{page}");
    let refused = sign(&app, "ann@example.org", "Ann", &[]).await;
    assert_eq!(refused.status, 503);
    assert!(refused.text().contains("Signing is paused"));
    // The contact form works: the message waits in the inbox, which says why it was not forwarded.
    let sent = app
        .post_form("/contact/send", &[("name", "Ann"), ("email", "ann@example.org"), ("subject", "Hello"), ("message", "Text")], &[])
        .await;
    assert_eq!(sent.status, 200);
    let message = contact::list(app.store(), None, 1, 0).await.unwrap().remove(0);
    let signed: SignedIn = app.signed_in_as(Role::Editor).await;
    let shown = app.get_signed(&signed, &format!("/admin/inbox/{}", message.id)).await.text();
    assert!(shown.contains("Not forwarded: This server has no mail server"), "{shown}");
}

#[tokio::test]
async fn a_petition_closes_by_itself_at_its_end() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    assert!(app.get("/pardon/").await.text().contains(&format!("action=\"{SIGN}\"")), "cached while open");
    let store = app.store();
    let end = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    pamphlet::on_pool!(store, |pool| sqlx::query("UPDATE petitions SET ends_at = $1").bind(end).execute(pool).await.map(drop).unwrap());
    // The cached page changes without an edit: the petition closes at its end.
    assert!(app.eventually_contains("/pardon/", "This petition is closed.", 10).await);
    assert!(!app.get("/pardon/").await.text().contains(&format!("action=\"{SIGN}\"")));
    assert_eq!(petitions::by_slug(store, PETITION).await.unwrap().unwrap().status, "closed");
}

#[tokio::test]
async fn a_message_the_mail_server_refused_can_be_forwarded_again() {
    let sink = SmtpSink::start_with(&["--refuse", "admin@example.org"]);
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let fields = [("name", "Fay"), ("email", "fay@example.org"), ("subject", "Press"), ("message", "An interview?")];
    assert_eq!(app.post_form("/contact/send", &fields, &[]).await.status, 200);
    let message = contact::list(app.store(), None, 1, 0).await.unwrap().remove(0);
    let signed = app.signed_in_as(Role::Editor).await;
    let path = format!("/admin/inbox/{}", message.id);
    assert!(app.eventually_contains_signed(&signed, &path, "Not forwarded:", 5).await, "the server's refusal shows");
    // The team mends the contact address in Settings and forwards it again.
    let store = app.store();
    let mut settings = pamphlet::content::settings::load(store).await.unwrap().unwrap();
    settings.contact_email = "team@example.org".into();
    let mut tx = store.begin().await.unwrap();
    pamphlet::content::settings::write(&mut tx, &settings).await.unwrap();
    tx.commit().await.unwrap();
    let again = app.post_signed(&signed, &format!("{path}/forward"), &[]).await;
    assert_eq!(again.status, 303, "{again:?}");
    assert!(app.get_signed(&signed, &path).await.text().contains("Forwarded to the contact address"));
    let mails = sink.wait_for(1, 10).await;
    assert_eq!(mails[0].to, ["team@example.org"]);
    assert_eq!(mails[0].header("Reply-To").unwrap(), "fay@example.org");
}

#[tokio::test]
async fn a_petitions_last_day_is_the_one_on_the_sites_clock() {
    let app = spawn_app(Backend::Sqlite).await;
    let store = app.store();
    // Half past midnight on New Year's Day in Berlin (the demo's zone) is still New Year's Eve in UTC.
    let end = time::macros::datetime!(2040-12-31 23:30 UTC);
    pamphlet::on_pool!(store, |pool| sqlx::query("UPDATE petitions SET ends_at = $1").bind(end).execute(pool).await.map(drop).unwrap());
    let page = app.get("/pardon/").await.text();
    assert!(page.contains("open until 1 January 2041"), "{page}");
}

both_backends! {
    /// A signer's name on the campaign page reads as a name, and an editor can take one off.
    async fn public_names_read_as_names_and_an_editor_can_hide_one(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        sign(&app, "ann@example.org", "Ann Keller", &[]).await;
        sign(&app, "spam@example.org", "www.vote-me.example Now", &[]).await;
        for mail in sink.wait_for(2, 10).await {
            assert_eq!(app.post(&verify_link(&mail), &[], &[]).await.status, 200);
        }
        let counted = tally(&app).await;
        assert_eq!(counted["count"], 2);
        assert_eq!(counted["names"], serde_json::json!(["Ann K."]), "a web address is not shown as a name");

        let editor = app.signed_in_as(Role::Editor).await;
        let id = petition_id(&app).await;
        let list = app.get_signed(&editor, &format!("/admin/petitions/{id}/signatures")).await.text();
        let ann: i64 = rows(&app, "SELECT id FROM signatures WHERE email = $1", "ann@example.org").await;
        let action = format!("/admin/petitions/{id}/signatures/{ann}/hide-name");
        assert!(list.contains(&format!("action=\"{action}\"")), "{list}");
        let hidden = app.post_signed(&editor, &action, &[]).await;
        assert_eq!(hidden.status, 303, "{hidden:?}");
        let counted = tally(&app).await;
        assert_eq!((counted["count"].as_i64(), counted["names"].clone()), (Some(2), serde_json::json!([])), "still counted, no longer named");
        assert!(!app.get_signed(&editor, &format!("/admin/petitions/{id}/signatures")).await.text().contains(&action));
    }
}

/// New signatures counted do not empty the render cache: a page with the
/// counter is answered as it was while one render of it runs, and the next
/// visitor gets the new count (a viral day's visitors never wait for renders).
#[tokio::test]
async fn counted_signatures_refresh_cached_pages_without_emptying_the_cache() {
    let app = spawn_app(Backend::Sqlite).await;
    assert!(app.get("/pardon/").await.text().contains("<strong data-count>0</strong>"));
    let store = app.store();
    let petition = petitions::by_slug(store, "pardon-for-jens-soering").await.unwrap().expect("the demo petition");
    let token = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let signing = signatures::Signing {
        email: pamphlet::mail::EmailAddress::parse("anna@example.org").unwrap(),
        name: "Anna Keller".into(),
        country: String::new(),
        postcode: String::new(),
        comment: String::new(),
        show_name: false,
        subscribe: false,
    };
    let kept = token.clone();
    signatures::sign(store, petition.id, &signing, "192.0.2.1", move |t| {
        *kept.lock().unwrap() = t.to_owned();
        crate::helpers::letter_to("anna@example.org")(t)
    })
    .await
    .unwrap();
    let token = token.lock().unwrap().clone();
    assert!(matches!(signatures::verify(store, &token).await.unwrap(), signatures::Verified::Counted(_)));

    // What the recount records every two seconds while signatures come in.
    let mut tx = store.begin().await.unwrap();
    pamphlet::store::changes::record(&mut tx, pamphlet::store::changes::COUNTS, "").await.unwrap();
    tx.commit_unseen().await.unwrap();
    store.wake().notify_one();
    let cache = &app.app().cache;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while cache.get("/pardon/").is_some() {
        assert!(std::time::Instant::now() < deadline, "the cached page was never aged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(cache.get_any("/pardon/").is_some(), "the page is kept to answer with");
    let answered = app.get("/pardon/").await;
    assert_eq!(answered.status, 200);
    assert!(answered.text().contains("<strong data-count>0</strong>"), "the kept page is answered at once");
    assert!(app.eventually_contains("/pardon/", "<strong data-count>1</strong>", 5).await, "then the page with the new count");
}

/// `--mail-rate` holds for the forms' confirmations as for the newsletter:
/// a relay that takes five a second is sent no more.
#[tokio::test]
async fn confirmations_keep_to_the_nodes_mail_rate() {
    let sink = SmtpSink::start();
    let app = crate::helpers::spawn_app_with_mail_config(Backend::Sqlite, &sink.url, 1, Some(5)).await;
    for n in 0..10 {
        let mut tx = app.store().begin().await.unwrap();
        let to = format!("signer{n}@example.org");
        pamphlet::mail::queue::enqueue(&mut tx, &crate::helpers::letter_to(&to)("token").unwrap()).await.unwrap();
        tx.commit().await.unwrap();
    }
    sink.wait_for(1, 10).await;
    let first = std::time::Instant::now();
    assert_eq!(sink.wait_for(10, 10).await.len(), 10);
    let spread = first.elapsed();
    // Nine gaps of 200 ms after the first; a little is allowed for the clock.
    assert!(spread >= Duration::from_millis(1700), "ten confirmations went out within {spread:?} at five a second");
}
