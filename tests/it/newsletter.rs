//! The newsletter against a real SMTP server (aiosmtpd, see `mailbox.rs`):
//! double opt-in, the letters and their headers, one-click unsubscribe,
//! failures, the editors' pages, and a send that survives being killed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use pamphlet::admin::Role;
use pamphlet::mail::EmailAddress;
use pamphlet::newsletter::{issues, subscribers};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, hidden_field, spawn_app_with_mail, without_stamps};
use crate::mailbox::{Mail, SmtpSink};

/// The confirmation link in a signup's email.
fn confirm_link(mail: &Mail) -> String {
    mail.link("/newsletter/confirm/").unwrap_or_else(|| panic!("a confirmation link in {}", mail.text))
}

fn path_of(url: &str) -> &str {
    &url[url.find("/newsletter/").expect("a newsletter link")..]
}

async fn subscribe(app: &TestApp, email: &str, name: &str) -> crate::helpers::Page {
    app.post_form("/newsletter/subscribe", &[("email", email), ("name", name), ("website", "")], &[]).await
}

/// Creates an issue through the admin, presses "Save and send now…" and says yes.
async fn send_issue(app: &TestApp, signed: &crate::helpers::SignedIn, subject: &str, body: &str) -> i64 {
    let created = app.post_signed(signed, "/admin/newsletters", &[("subject", subject), ("body", body), ("action", "save")]).await;
    assert_eq!(created.status, 303, "{created:?}");
    let location = created.header("location").unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/admin/newsletters/").split('?').next().unwrap().parse().unwrap();
    let form = app.get_signed(signed, &format!("/admin/newsletters/{id}")).await;
    let version = hidden_field(&form.text(), "version").unwrap();
    let sent = app
        .post_signed(
            signed,
            &format!("/admin/newsletters/{id}"),
            &[("subject", subject), ("body", body), ("version", &version), ("action", "send")],
        )
        .await;
    assert_eq!(sent.status, 303, "{sent:?}");
    // Saved, then one more question with the count before it goes to everyone.
    assert_eq!(sent.header("location"), Some(format!("/admin/newsletters/{id}/send").as_str()));
    let asked = app.get_signed(signed, &format!("/admin/newsletters/{id}/send")).await.text();
    if asked.contains("nobody would get it") {
        return id; // no confirmed subscriber: no button to press
    }
    assert!(asked.contains("confirmed subscriber") && asked.contains("cannot be called back"), "{asked}");
    let started = app.post_signed(signed, &format!("/admin/newsletters/{id}/send"), &[]).await;
    assert_eq!(started.status, 303, "{started:?}");
    id
}

both_backends! {
    async fn subscribe_confirm_receive_and_unsubscribe_in_one_click(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;

        let page = app.get("/newsletter/").await;
        assert!(page.text().contains(r#"id="signup-email""#), "the newsletter page has its own signup form: {page:?}");

        let answer = subscribe(&app, "Ann.Reader@Example.org", "Ann Typedname").await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(answer.text().contains("Check your inbox"), "{answer:?}");
        let mails = sink.wait_for(1, 10).await;
        assert_eq!(mails.len(), 1, "one confirmation");
        let confirmation = &mails[0];
        assert_eq!(confirmation.to, ["ann.reader@example.org"]);
        assert!(confirmation.header("Subject").unwrap().contains("Confirm your subscription"), "{:?}", confirmation.headers);
        // The typed name is kept, but not written into a mail to an unconfirmed address.
        assert_eq!(confirmation.header("To").unwrap(), "ann.reader@example.org");
        assert!(!confirmation.text.contains("Typedname") && !confirmation.html.contains("Typedname"));
        assert!(confirmation.header("List-Unsubscribe").is_none(), "a confirmation is not a newsletter");
        let link = confirm_link(confirmation);

        // Opening the link (as a mail scanner does) confirms nothing: it shows a button.
        let opened = app.get(path_of(&link)).await;
        assert_eq!(opened.status, 200);
        assert!(opened.text().contains("<form class=\"call-form\" method=\"post\">"), "{opened:?}");
        let store = app.store();
        let listed = subscribers::list(store, "ann.reader", None, 10, 0).await.unwrap();
        assert_eq!(listed[0].status, subscribers::PENDING, "GET did not confirm");

        // A second signup of the pending address within ten minutes sends nothing new.
        let again = subscribe(&app, "ann.reader@example.org", "").await;
        assert_eq!(without_stamps(&again.text()), without_stamps(&answer.text()), "the same answer");

        let confirmed = app.post(path_of(&link), &[], &[]).await;
        assert_eq!(confirmed.status, 200, "{confirmed:?}");
        assert!(confirmed.text().contains("You are subscribed"), "{confirmed:?}");
        // Then the next thing to do, and a way to ask others.
        assert!(confirmed.text().contains(r#"<a href="/pardon/">Sign the petition</a>"#) && confirmed.text().contains("https://wa.me/?text=Follow%20"), "{confirmed:?}");
        let reused = app.post(path_of(&link), &[], &[]).await;
        assert_eq!(reused.status, 410, "a link works once: {reused:?}");
        assert!(reused.text().contains("This link no longer works"));

        // A confirmed address signing up again gets the same page and no email.
        assert_eq!(without_stamps(&subscribe(&app, "ann.reader@example.org", "").await.text()), without_stamps(&answer.text()));

        let signed = app.signed_in_as(Role::Editor).await;
        let id = send_issue(&app, &signed, "Neues von Jens Söring", "## The pardon\n\nRead [the case](/about-the-case/).").await;
        let mails = sink.wait_for(2, 15).await;
        assert_eq!(mails.len(), 2, "the confirmation and the issue, nothing else: {:?}", mails.iter().map(|m| m.header("Subject")).collect::<Vec<_>>());
        let issue = &mails[1];
        assert_eq!(issue.to, ["ann.reader@example.org"]);
        assert_eq!(issue.header("Subject").unwrap(), "Neues von Jens Söring");
        let subject_line = issue.raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
        assert!(subject_line.is_ascii() && subject_line.contains("=?utf-8?"), "the subject is encoded for any mail program: {subject_line}");
        assert!(issue.header("From").unwrap().contains("admin@example.org"), "{:?}", issue.headers);
        assert_eq!(issue.header("Reply-To").unwrap(), "admin@example.org");
        assert!(issue.header("Date").is_some());
        let message_id = issue.header("Message-ID").unwrap();
        assert!(message_id.starts_with(&format!("<newsletter.{id}.")), "{message_id}");
        assert!(issue.header("Content-Type").unwrap().starts_with("multipart/alternative"), "{:?}", issue.header("Content-Type"));
        assert!(issue.text.contains("## The pardon"), "{}", issue.text);
        assert!(issue.html.contains("<h2 style="), "inline styles: {}", issue.html);
        assert!(issue.html.contains(&format!("href=\"{}/about-the-case/\"", app.base)), "links point at the site: {}", issue.html);
        let list_unsubscribe = issue.header("List-Unsubscribe").unwrap();
        assert!(list_unsubscribe.contains("/newsletter/unsubscribe/") && list_unsubscribe.contains("<mailto:admin@example.org"), "{list_unsubscribe}");
        assert_eq!(issue.header("List-Unsubscribe-Post").unwrap(), "List-Unsubscribe=One-Click");
        let unsubscribe_url = list_unsubscribe.split(['<', '>']).find(|p| p.starts_with("http")).unwrap();
        assert!(issue.text.contains(unsubscribe_url) && issue.html.contains(unsubscribe_url), "the same link in both parts");

        // The admin shows the delivery.
        assert!(app.eventually_contains_signed(&signed, &format!("/admin/newsletters/{id}"), "ann.reader@example.org", 5).await);

        // RFC 8058: a mail program's POST unsubscribes without a page.
        let one_click = app
            .post(path_of(unsubscribe_url), &[("List-Unsubscribe", "One-Click")], &[])
            .await;
        assert_eq!(one_click.status, 200, "{one_click:?}");
        assert_eq!(one_click.text(), "Unsubscribed.\n");
        let listed = subscribers::list(store, "ann.reader", None, 10, 0).await.unwrap();
        assert_eq!(listed[0].status, subscribers::UNSUBSCRIBED);
        let page = app.get(path_of(unsubscribe_url)).await;
        assert!(page.text().contains("You are unsubscribed"), "{page:?}");

        // The next issue does not reach them.
        send_issue(&app, &signed, "Second issue", "More news.").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(sink.count(), 2, "nothing more was sent");
    }

    async fn forged_expired_and_reused_links_get_a_page_that_says_what_to_do(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let forged = app.get("/newsletter/confirm/not-a-real-token").await;
        assert_eq!(forged.status, 410);
        assert!(forged.text().contains("sign up again"), "{forged:?}");
        assert!(forged.text().contains(r#"id="signup-email""#), "the page offers the form again");
        assert_eq!(app.post("/newsletter/confirm/not-a-real-token", &[], &[]).await.status, 410);
        let unsubscribe = app.get("/newsletter/unsubscribe/forged").await;
        assert_eq!(unsubscribe.status, 404);
        assert!(unsubscribe.text().contains("write to us"), "{unsubscribe:?}");
        assert_eq!(app.post("/newsletter/unsubscribe/forged", &[("List-Unsubscribe", "One-Click")], &[]).await.status, 404);

        // An expired link: the store says it ran out an hour ago.
        subscribe(&app, "late@example.org", "").await;
        let mail = sink.wait_for(1, 10).await.pop().expect("a confirmation");
        let link = confirm_link(&mail);
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE subscribers SET confirm_expires_at = $1")
            .bind(pamphlet::store::now() - time::Duration::hours(1))
            .execute(pool)
            .await
            .map(drop)
            .unwrap());
        assert_eq!(app.post(path_of(&link), &[], &[]).await.status, 410);
    }

    async fn a_mark_after_a_released_claim_sends_nothing_twice(backend: Backend) {
        use pamphlet::newsletter::outbox;
        let data = tempfile::tempdir().unwrap();
        let store = pamphlet::store::Store::open(&crate::helpers::fresh_store(backend, data.path()).await).await.unwrap();
        let mut ids = Vec::new();
        for n in 1..=3 {
            let email = EmailAddress::parse(&format!("reader{n}@example.org")).unwrap();
            subscribers::add_confirmed(&store, &email, "", "import").await.unwrap();
            ids.push(subscribers::list(&store, &format!("reader{n}@"), None, 1, 0).await.unwrap()[0].id);
        }
        let issue = issues::create(&store, &issues::Text { subject: "Once", body: "Text." }, None, &pamphlet::content::revisions::Author { id: None, name: "a test".into() }).await.unwrap();
        issues::start(&store, issue).await.unwrap();
        outbox::heartbeat(&store, &["a".into(), "b".into()]).await.unwrap();
        let mut conn = store.keep_connection().await.unwrap();
        assert_eq!(outbox::claim(&mut conn, "a", 2).await.unwrap().len(), 2);
        assert_eq!(outbox::claim(&mut conn, "b", 1).await.unwrap()[0].subscriber_id, ids[2]);
        // Sender a falls silent; its two rows go back to the queue and c takes them.
        fall_silent(&store, "a").await;
        assert_eq!(outbox::release_dead(&store).await.unwrap(), 2);
        outbox::heartbeat(&store, &["b".into(), "c".into()]).await.unwrap();
        assert_eq!(outbox::claim(&mut conn, "c", 10).await.unwrap().len(), 2);
        // a's late mark shares a write with b's: the write says not all were
        // still their sender's, marks only b's row, and leaves c's claim alone.
        assert!(!outbox::mark_sent(&mut conn, &[(issue, ids[0], "a"), (issue, ids[2], "b")]).await.unwrap());
        let statuses: HashMap<String, String> = outbox::recipients(&store, issue, "", 10)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.email, r.status))
            .collect();
        assert_eq!(statuses["reader1@example.org"], "claimed", "still c's to send");
        assert_eq!(statuses["reader3@example.org"], "sent");
        // b claims afresh and finds nothing: its sent row is not sent again.
        assert!(outbox::claim(&mut conn, "b", 10).await.unwrap().is_empty());
        assert!(outbox::mark_sent(&mut conn, &[(issue, ids[0], "c"), (issue, ids[1], "c")]).await.unwrap());
        drop(conn);
        store.close().await;
    }

    async fn a_dead_senders_journal_keeps_its_sent_rows_from_going_out_again(backend: Backend) {
        use pamphlet::newsletter::outbox;
        let sink = SmtpSink::start();
        let data = tempfile::tempdir().unwrap();
        let location = crate::helpers::fresh_store(backend, data.path()).await;
        prepare_send(&location, 3).await;
        // A sender of a node that was killed: it claimed two rows, the server
        // took the first one's message, and the kill came before its mark.
        let store = pamphlet::store::Store::open(&location).await.unwrap();
        outbox::heartbeat(&store, &["gone/0".into()]).await.unwrap();
        let mut conn = store.keep_connection().await.unwrap();
        let claimed = outbox::claim(&mut conn, "gone/0", 2).await.unwrap();
        drop(conn);
        // Its node's sender of queued confirmations had claimed two and sent the first.
        use pamphlet::mail::queue;
        for to in ["signer1@example.org", "signer2@example.org"] {
            let mut tx = store.begin().await.unwrap();
            queue::enqueue(&mut tx, &crate::helpers::letter_to(to)("token").unwrap()).await.unwrap();
            tx.commit().await.unwrap();
        }
        outbox::heartbeat(&store, &["gone/queue".into()]).await.unwrap();
        let queued = queue::claim(&store, "gone/queue", 10).await.unwrap();
        assert_eq!(queued.len(), 2);
        fall_silent(&store, "gone/0").await;
        fall_silent(&store, "gone/queue").await;
        store.close().await;
        let journals = data.path().join("mail-journals");
        std::fs::create_dir_all(&journals).unwrap();
        std::fs::write(journals.join("gone-0.sent"), format!("{} {}\n", claimed[0].issue_id, claimed[0].subscriber_id)).unwrap();
        std::fs::write(journals.join("gone-queue.sent"), format!("queue {}\n", queued[0].id)).unwrap();

        let app = crate::helpers::spawn_app_on_with(location.clone(), data, |config, data| pamphlet::config::Config {
            mail: Some(crate::helpers::mail_config(&sink.url, 2, None, data)),
            ..config
        })
        .await;
        wait_until_sent(&location, &sink).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while rows_in_queue(app.store()).await > 0 || sink.count() < 3 {
            assert!(std::time::Instant::now() < deadline, "the queue is not emptied; {} messages arrived", sink.count());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut received: Vec<String> = sink.messages().into_iter().map(|mail| mail.to[0].clone()).collect();
        received.sort();
        let others: Vec<String> = ["reader00000@example.org", "reader00001@example.org", "reader00002@example.org", "signer2@example.org"]
            .into_iter()
            .filter(|email| *email != claimed[0].email)
            .map(String::from)
            .collect();
        assert_eq!(received, others, "the rows the server took are not sent again; the ones it never got are");
        let statuses: Vec<String> = outbox::recipients(app.store(), claimed[0].issue_id, "", 10).await.unwrap().into_iter().map(|r| r.status).collect();
        assert_eq!(statuses, ["sent", "sent", "sent"]);
        assert!(!journals.join("gone-0.sent").exists(), "a recovered journal is removed");
        assert!(!journals.join("gone-queue.sent").exists(), "a recovered journal is removed");
    }

    async fn a_refused_address_fails_with_the_servers_words_and_a_busy_one_is_retried(backend: Backend) {
        refusals_are_told_apart(backend, &[]).await;
    }

    async fn editors_add_import_export_and_erase_subscribers(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let signed = app.signed_in_as(Role::Editor).await;
        let without_consent = app.post_signed(&signed, "/admin/subscribers", &[("email", "carl@example.org"), ("name", "Carl")]).await;
        assert_eq!(without_consent.status, 422);
        assert!(without_consent.text().contains("agreed to receive"), "{without_consent:?}");
        assert!(without_consent.text().contains("value=\"carl@example.org\""), "typed text kept");
        let added = app.post_signed(&signed, "/admin/subscribers", &[("email", "carl@example.org"), ("name", "Carl"), ("consent", "yes")]).await;
        assert_eq!(added.status, 303, "{added:?}");

        // As a spreadsheet saves "CSV UTF-8": a byte-order mark first.
        let csv = "\u{feff}email,name\nann@example.org,Ann\nnot an address,Bob\n\"dora@example.org\",\"Dora, D.\"\ncarl@example.org,Carl\njens_s@example.org,Jens\n";
        let without = app.upload(&signed, "/admin/subscribers/import", &[], ("people.csv", csv.as_bytes())).await;
        assert_eq!(without.status, 422, "an import needs the consent box");
        let imported = app.upload(&signed, "/admin/subscribers/import", &[("consent", "yes")], ("people.csv", csv.as_bytes())).await;
        assert_eq!(imported.status, 200, "{imported:?}");
        let text = imported.text();
        assert!(text.contains("Import: 3 added, 1 already on the list, 1 lines not taken"), "{text}");
        assert!(text.contains("Line 3:"), "the bad line by number: {text}");
        let counts = subscribers::counts(app.store()).await.unwrap();
        assert!(counts.contains(&("confirmed".to_owned(), 4)), "{counts:?}");
        // An underscore is a character to find, not a wildcard.
        let underscore = app.get_signed(&signed, "/admin/subscribers?q=jens_s").await;
        assert!(underscore.text().contains("jens_s@example.org"), "{underscore:?}");
        let found = subscribers::list(app.store(), "s_s", None, 10, 0).await.unwrap();
        assert_eq!(found.iter().map(|s| s.email.as_str()).collect::<Vec<_>>(), ["jens_s@example.org"]);
        assert!(subscribers::list(app.store(), "a_n", None, 10, 0).await.unwrap().is_empty(), "no wildcard match for ann");

        let search = app.get_signed(&signed, "/admin/subscribers?q=dora").await;
        assert!(search.text().contains("dora@example.org") && !search.text().contains("carl@example.org"), "{search:?}");

        let export = app.get_signed(&signed, "/admin/subscribers/export.csv").await;
        assert_eq!(export.header("content-type"), Some("text/csv; charset=utf-8"));
        let export = export.text();
        assert!(export.contains("\"dora@example.org\",\"Dora, D.\",\"confirmed\",\"import\""), "{export}");
        assert_eq!(export.lines().count(), 5, "a header and four people");

        // Erasing someone removes them and their deliveries; an audit line stays without the address.
        let dora = subscribers::list(app.store(), "dora", None, 1, 0).await.unwrap().remove(0);
        send_issue(&app, &signed, "Before erasure", "Text.").await;
        sink.wait_for(4, 10).await;
        let erase_page = app.get_signed(&signed, "/admin/people/erase?email=dora%40example.org").await;
        assert!(erase_page.text().contains("Erase dora@example.org?"), "{}", erase_page.text());
        let erased = app.post_signed(&signed, "/admin/people/erase", &[("email", "dora@example.org")]).await;
        assert_eq!(erased.status, 200);
        assert!(erased.text().contains("Erased dora@example.org"), "{}", erased.text());
        let store = app.store();
        let left: i64 = pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE subscriber_id = $1").bind(dora.id).fetch_one(pool).await.unwrap());
        assert_eq!(left, 0);
        let audit: Vec<String> = pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT what FROM erasures").fetch_all(pool).await.unwrap());
        assert_eq!(audit, ["a person: 0 signatures, 0 messages, a newsletter subscription"]);
        assert!(subscribers::list(store, "dora", None, 1, 0).await.unwrap().is_empty());
    }
}

/// A 550 fails its row with the server's words, a 451 is tried again later,
/// and the others go out, whether or not the server takes pipelined commands
/// (`options` for the sink).
async fn refusals_are_told_apart(backend: Backend, options: &[&str]) {
    let sink = SmtpSink::start_with(&[&["--refuse", "gone@example.org", "--defer", "busy@example.org"], options].concat());
    let app = spawn_app_with_mail(backend, &sink.url).await;
    for email in ["ok@example.org", "gone@example.org", "busy@example.org"] {
        subscribers::add_confirmed(app.store(), &EmailAddress::parse(email).unwrap(), "", "admin").await.unwrap();
    }
    let signed = app.signed_in_as(Role::Editor).await;
    let id = send_issue(&app, &signed, "Failures", "Text.").await;
    let page = format!("/admin/newsletters/{id}");
    assert!(app.eventually_contains_signed(&signed, &page, "No such mailbox here", 10).await, "the 550 text is shown");
    let recipients = pamphlet::newsletter::outbox::recipients(app.store(), id, "", 10).await.unwrap();
    let by_email: HashMap<_, _> = recipients.iter().map(|r| (r.email.as_str(), r)).collect();
    assert_eq!(by_email["ok@example.org"].status, "sent");
    assert_eq!(by_email["gone@example.org"].status, "failed");
    assert_eq!(by_email["busy@example.org"].status, "pending", "a 451 is tried again later");
    assert_eq!(by_email["busy@example.org"].attempts, 1);
    assert!(by_email["busy@example.org"].error.as_deref().unwrap().contains("451"), "{:?}", by_email["busy@example.org"].error);
    // Retrying the failed one queues it again; the sink still refuses it.
    let retried = app.post_signed(&signed, &format!("{page}/retry"), &[]).await;
    assert_eq!(retried.status, 303);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let recipients = pamphlet::newsletter::outbox::recipients(app.store(), id, "failed", 10).await.unwrap();
    assert_eq!(recipients.len(), 1);
    assert_eq!(recipients[0].attempts, 1, "counted afresh after the retry");
    assert_eq!(sink.messages().iter().filter(|m| m.to == ["ok@example.org"]).count(), 1);
}

/// A server that does not offer PIPELINING is sent one command at a time, with the same results.
#[tokio::test]
async fn a_server_that_does_not_pipeline_gets_the_same_results() {
    refusals_are_told_apart(Backend::Sqlite, &["--no-pipelining"]).await;
}

#[tokio::test]
async fn bots_and_floods_are_turned_away_without_telling_them() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    // The honeypot: a filled "website" field stores and sends nothing, with the usual answer.
    let bot = app.post_form("/newsletter/subscribe", &[("email", "bot@example.org"), ("website", "http://spam.example")], &[]).await;
    assert_eq!(bot.status, 200);
    assert!(bot.text().contains("Check your inbox"));
    // Another site's page may not sign anyone up.
    let cross = app.post_form("/newsletter/subscribe", &[("email", "x@example.org")], &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, 403);
    // A bad address comes back with what was typed.
    let bad = app.post_form("/newsletter/subscribe", &[("email", "ann@"), ("name", "<b>Ann</b>")], &[]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("value=\"ann@\"") && bad.text().contains("&lt;b&gt;Ann&lt;/b&gt;"), "{bad:?}");
    let line_break =
        app.post_form("/newsletter/subscribe", &[("email", "ann@example.org"), ("name", "Ann\r\nBcc: x@example.org")], &[]).await;
    assert_eq!(line_break.status, 422);
    // A blocked domain is dropped like the honeypot.
    let store = app.store();
    let mut settings = pamphlet::content::settings::load(store).await.unwrap().unwrap();
    settings.blocked_domains = vec!["throwaway.example".into()];
    let mut tx = store.begin().await.unwrap();
    pamphlet::content::settings::write(&mut tx, &settings).await.unwrap();
    tx.commit().await.unwrap();
    assert!(subscribe(&app, "someone@throwaway.example", "").await.text().contains("Check your inbox"));
    // Ten signups from one network address in an hour (the blocked one counts); the eleventh waits.
    for n in 0..9 {
        assert_eq!(subscribe(&app, &format!("person{n}@example.org"), "").await.status, 200);
    }
    let flood = subscribe(&app, "one-more@example.org", "").await;
    assert_eq!(flood.status, 429, "{flood:?}");
    assert!(flood.text().contains("try again in 60 minutes"), "{flood:?}");
    let retry_after: i64 = flood.header("retry-after").unwrap().parse().unwrap();
    assert!((3590..=3600).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sent: HashSet<String> = sink.messages().into_iter().flat_map(|m| m.to).collect();
    assert_eq!(sent.len(), 9, "only the nine real signups got a confirmation: {sent:?}");
    assert!(!sent.contains("bot@example.org") && !sent.contains("someone@throwaway.example"));
    // The burst shows in the admin.
    let signed = app.signed_in_as(Role::Editor).await;
    let page = app.get_signed(&signed, "/admin/subscribers").await;
    assert!(page.text().contains("Many signups came from one network address"), "{page:?}");
    assert!(page.text().contains("127.0.0.1: 11 signups"), "{page:?}");
}

#[tokio::test]
async fn without_a_mail_server_signups_pause_with_a_clear_page() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    // The block shows no form that could confirm nobody, but another way to follow the news.
    let page = app.get("/newsletter/").await.text();
    assert!(!page.contains("action=\"/newsletter/subscribe\"") && page.contains("To subscribe, write to"), "{page}");
    let page = subscribe(&app, "ann@example.org", "").await;
    assert_eq!(page.status, 503);
    assert!(page.text().contains("cannot send email"), "{page:?}");
    assert!(subscribers::list(app.store(), "", None, 10, 0).await.unwrap().is_empty(), "nothing stored");
}

/// 5,000 recipients; the server is killed (SIGKILL) at three random points
/// while sending and started again each time. Everyone receives the issue,
/// and no one receives two different messages of it. A message the SMTP
/// server took just before a kill, but that was not yet in its sender's
/// journal, is sent again with the same Message-ID (see `newsletter::outbox`);
/// the receiving side keeps one copy of a Message-ID, as mail stores do.
#[tokio::test]
async fn a_send_killed_three_times_reaches_everyone_exactly_once() {
    const PEOPLE: usize = 5000;
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let location = pamphlet::store::Location::Sqlite(data.path().join("pamphlet.db"));
    prepare_send(&location, PEOPLE).await;
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut state = seed | 1;
    let mut next = || {
        // xorshift64: three cut points spread over the send.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        300 + (state % (PEOPLE as u64 - 600)) as usize
    };
    let mut cuts: Vec<usize> = (0..3).map(|_| next()).collect();
    cuts.sort();
    eprintln!("killing the server after {cuts:?} messages (seed {seed})");
    let url = format!("sqlite:{}", data.path().join("pamphlet.db").display());
    let mut server = serve_node(&url, data.path(), &sink);
    for cut in &cuts {
        wait_for_messages(&sink, *cut).await;
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        server = serve_node(&url, data.path(), &sink);
    }
    wait_until_sent(&location, &sink).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_each_received_one(&sink, PEOPLE, 3 * 4);
}

/// Two nodes on one PostgreSQL send one issue to 2,000 people together;
/// one is killed halfway and the other finishes its part.
#[tokio::test]
async fn two_nodes_share_a_send_and_one_finishes_when_the_other_dies() {
    const PEOPLE: usize = 2000;
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let location = crate::helpers::fresh_store(Backend::Postgres, data.path()).await;
    prepare_send(&location, PEOPLE).await;
    let pamphlet::store::Location::Postgres(url) = &location else { unreachable!("a PostgreSQL store") };
    let mut a = serve_node(url, data.path(), &sink);
    let mut b = serve_node(url, data.path(), &sink);
    wait_for_messages(&sink, PEOPLE / 2).await;
    // Both nodes' senders are at work, each under its own id.
    let store = pamphlet::store::Store::open(&location).await.unwrap();
    let senders: Vec<String> =
        pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT id FROM mail_workers").fetch_all(pool).await.unwrap());
    let nodes: HashSet<&str> = senders.iter().filter_map(|id| id.split('/').next()).collect();
    assert_eq!(nodes.len(), 2, "two nodes send: {senders:?}");
    store.close().await;
    a.kill().expect("SIGKILL");
    a.wait().unwrap();
    wait_until_sent(&location, &sink).await;
    b.kill().unwrap();
    b.wait().unwrap();
    assert_each_received_one(&sink, PEOPLE, 4);
}

/// Dates `sender`'s last heartbeat an hour back, as if its node had died.
async fn rows_in_queue(store: &pamphlet::store::Store) -> i64 {
    pamphlet::on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM mail_queue").fetch_one(pool).await.unwrap())
}

async fn fall_silent(store: &pamphlet::store::Store, sender: &str) {
    pamphlet::on_pool!(store, |pool| sqlx::query("UPDATE mail_workers SET seen_at = $1 WHERE id = $2")
        .bind(pamphlet::store::now() - time::Duration::hours(1))
        .bind(sender)
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
}

/// A store with the demo, `people` confirmed subscribers and an issue started for them.
async fn prepare_send(location: &pamphlet::store::Location, people: usize) {
    let store = pamphlet::store::Store::open(location).await.unwrap();
    pamphlet::demo::load_if_empty(&store).await.unwrap();
    for n in 0..people {
        let email = EmailAddress::parse(&format!("reader{n:05}@example.org")).unwrap();
        subscribers::add_confirmed(&store, &email, "", "import").await.unwrap();
    }
    let id = issues::create(
        &store,
        &issues::Text { subject: "Once each", body: "Every reader gets this once." },
        None,
        &pamphlet::content::revisions::Author { id: None, name: "a test".into() },
    )
    .await
    .unwrap();
    assert_eq!(issues::start(&store, id).await.unwrap(), Some(people as u64));
    store.close().await;
}

/// The real binary serving `database` with its mail worker sending to
/// `sink`, its senders' journals in `data` (nodes on one machine share it).
fn serve_node(database: &str, data: &std::path::Path, sink: &SmtpSink) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", database, "--smtp", &sink.url])
        .arg("--data")
        .arg(data)
        .env("PAMPHLET_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("pamphlet starts")
}

async fn wait_for_messages(sink: &SmtpSink, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while sink.count() < count {
        assert!(std::time::Instant::now() < deadline, "sending stalled at {} messages", sink.count());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_until_sent(location: &pamphlet::store::Location, sink: &SmtpSink) {
    let store = pamphlet::store::Store::open(location).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while issues::list(&store).await.unwrap()[0].status != issues::SENT {
        assert!(std::time::Instant::now() < deadline, "the send did not finish; {} messages arrived", sink.count());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    store.close().await;
}

/// Everyone got the issue, nobody two different messages of it, and at most
/// `repeats` messages went out twice (with the same Message-ID).
fn assert_each_received_one(sink: &SmtpSink, people: usize, repeats: usize) {
    let mut by_person: HashMap<String, HashSet<String>> = HashMap::new();
    let messages = sink.messages();
    for mail in &messages {
        let id = mail.header("Message-ID").expect("a Message-ID").to_owned();
        by_person.entry(mail.to[0].clone()).or_default().insert(id);
    }
    assert_eq!(by_person.len(), people, "everyone received the issue");
    let twice: Vec<_> = by_person.iter().filter(|(_, ids)| ids.len() != 1).collect();
    assert!(twice.is_empty(), "nobody received two different messages: {twice:?}");
    let resent = messages.len() - people;
    eprintln!("{} messages for {people} people: {resent} resent with the same Message-ID", messages.len());
    assert!(resent <= repeats, "{resent} repeats");
}

#[tokio::test]
async fn an_unreachable_mail_server_counts_against_no_one() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with_mail(Backend::Sqlite, &format!("smtp://127.0.0.1:{port}")).await;
    subscribers::add_confirmed(app.store(), &EmailAddress::parse("reader@example.org").unwrap(), "", "admin").await.unwrap();
    let signed = app.signed_in_as(Role::Editor).await;
    let id = send_issue(&app, &signed, "Nobody home", "Text.").await;
    assert!(app.eventually_contains_signed(&signed, &format!("/admin/newsletters/{id}"), "cannot connect to the mail server", 10).await);
    let recipients = pamphlet::newsletter::outbox::recipients(app.store(), id, "", 10).await.unwrap();
    assert_eq!(recipients[0].status, "pending", "waiting for the server, not failed");
    assert_eq!(recipients[0].attempts, 0, "an outage is no attempt of this message");
}

both_backends! {
    async fn editors_preview_test_schedule_and_follow_an_issue(backend: Backend) {
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        subscribers::add_confirmed(app.store(), &EmailAddress::parse("reader@example.org").unwrap(), "Reader", "admin").await.unwrap();
        let signed = app.signed_in_as(Role::Editor).await;

        // A mistake keeps the typed text.
        let empty = app.post_signed(&signed, "/admin/newsletters", &[("subject", ""), ("body", "Kept <text>")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.text().contains("Kept &lt;text&gt;") && empty.text().contains("The issue needs a subject."), "{empty:?}");

        // From a post: its title, text and a link back.
        let list = app.get_signed(&signed, "/admin/newsletters").await;
        let post_id = list.text().split("<option value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let made = app.post_signed(&signed, "/admin/newsletters/from-post", &[("post", &post_id)]).await;
        assert_eq!(made.status, 303, "{made:?}");
        let form = app.get_signed(&signed, made.header("location").unwrap()).await;
        assert!(form.text().contains("[Read it on the site](/news/"), "{form:?}");
        let id = made.header("location").unwrap().trim_start_matches("/admin/newsletters/").split('?').next().unwrap().to_owned();
        let page = format!("/admin/newsletters/{id}");
        let version = hidden_field(&form.text(), "version").unwrap();

        // The preview is the email as typed, with its inline styles and no script.
        let preview = app.post_signed(&signed, "/admin/newsletters/preview", &[("subject", "Typed subject"), ("body", "## Typed")]).await;
        assert_eq!(preview.status, 200);
        assert!(preview.text().contains("<h2 style=") && preview.text().contains("Typed subject"), "{preview:?}");
        assert!(preview.header("content-security-policy").unwrap().starts_with("default-src 'none'"));

        // A test goes to one address, with the typed text, and saves nothing.
        let test = app
            .post_signed(&signed, &page, &[("subject", "Unsaved subject"), ("body", "Unsaved body"), ("version", &version), ("action", "test"), ("test_to", "proof@example.org")])
            .await;
        assert_eq!(test.status, 200, "{test:?}");
        assert!(test.text().contains("A test went to proof@example.org") && test.text().contains("Unsaved body"), "{test:?}");
        let mails = sink.wait_for(1, 10).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["proof@example.org"]);
        assert_eq!(mails[0].header("Subject").unwrap(), "[Test] Unsaved subject");
        assert_ne!(issues::get(app.store(), id.parse().unwrap()).await.unwrap().unwrap().subject, "Unsaved subject");

        // A second editor's save over the same version shows the first one's beside the typed text.
        let first = app.post_signed(&signed, &page, &[("subject", "First editor"), ("body", "Text"), ("version", &version), ("action", "save")]).await;
        assert_eq!(first.status, 303, "{first:?}");
        let second = app.post_signed(&signed, &page, &[("subject", "Second editor"), ("body", "Text"), ("version", &version), ("action", "save")]).await;
        assert_eq!(second.status, 409, "{second:?}");
        assert!(second.text().contains("Someone else saved this issue") && second.text().contains("First editor"), "{second:?}");
        assert!(second.text().contains("value=\"Second editor\""), "the typed subject stays in the form");
        assert_eq!(issues::get(app.store(), id.parse().unwrap()).await.unwrap().unwrap().subject, "First editor");
        let version = hidden_field(&second.text(), "version").unwrap();
        let history = pamphlet::content::revisions::of(app.store(), issues::KIND.entity, id.parse().unwrap()).await.unwrap().len();
        assert!(history >= 2, "the new issue and its save are kept as revisions: {history}");

        // Scheduled a few seconds ahead, it goes out by itself.
        let at = crate::helpers::typed_on_site_clock(time::OffsetDateTime::now_utc() + time::Duration::seconds(3));
        let past = app.post_signed(&signed, &page, &[("subject", "Scheduled"), ("body", "Text"), ("version", &version), ("action", "schedule"), ("send_at", "2020-01-01T10:00")]).await;
        assert_eq!(past.status, 422);
        assert!(past.text().contains("This time has passed"));
        let scheduled = app.post_signed(&signed, &page, &[("subject", "Scheduled"), ("body", "Text"), ("version", &version), ("action", "schedule"), ("send_at", &at)]).await;
        assert_eq!(scheduled.status, 303, "{scheduled:?}");
        let mails = sink.wait_for(2, 15).await;
        assert_eq!(mails.len(), 2, "the scheduled issue went out");
        assert_eq!(mails[1].to, ["reader@example.org"]);
        assert_eq!(mails[1].header("Subject").unwrap(), "Scheduled");
        // Its page follows the sending; the progress is there for the script too.
        assert!(app.eventually_contains_signed(&signed, &page, "Finished: sent to 1 of 1 subscribers", 10).await);
        let progress = app.get_signed(&signed, &format!("{page}/progress")).await;
        let progress: serde_json::Value = serde_json::from_slice(&progress.body).unwrap();
        assert_eq!(progress["status"], "sent");
        assert_eq!(progress["progress"]["sent"], 1);
        // A sent issue is a record: it cannot be changed or deleted.
        let late = app.post_signed(&signed, &page, &[("subject", "Changed"), ("body", "Text"), ("version", "99"), ("action", "save")]).await;
        assert_eq!(late.status, 409);
        assert_eq!(app.post_signed(&signed, &format!("{page}/delete"), &[]).await.status, 409);
    }
}
