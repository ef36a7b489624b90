//! Writing posts in the admin over HTTP: publish and see it at once,
//! validation that keeps every typed value, conflicts between two editors,
//! revisions, scheduling, the trash, previews, and what authors may do.

use pamphlet::admin::Role;

use crate::both_backends;
use crate::helpers::*;

async fn version_of(app: &TestApp, signed: &SignedIn, id: i64) -> String {
    hidden_field(&app.get_signed(signed, &format!("/admin/posts/{id}")).await.text(), "version").unwrap()
}

both_backends! {
    async fn a_published_post_is_on_the_site_at_once_and_gone_when_unpublished(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        assert_eq!(app.get("/news/").await.status, 200, "the archive is cached before the post exists");
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Petition handed in", &[("action", "publish")])).await.saved_id();

        let page = app.get("/news/petition-handed-in/").await;
        assert_eq!(page.status, 200, "visible right after the save");
        assert!(page.text().contains("<strong>pardon</strong>"));
        assert!(app.get("/news/").await.text().contains("Petition handed in"), "the cached archive was refreshed");
        assert!(app.get("/tags/virginia/").await.text().contains("Petition handed in"));

        let version = version_of(&app, &editor, id).await;
        let renamed = app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Petition handed to the Governor", &[("slug", "petition-handed-in"), ("version", &version)])).await;
        assert_eq!(renamed.saved_id(), id);
        assert!(app.get("/news/petition-handed-in/").await.text().contains("Petition handed to the Governor"));

        let version = version_of(&app, &editor, id).await;
        let unpublished = app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Petition handed to the Governor", &[("slug", "petition-handed-in"), ("version", &version), ("action", "unpublish")])).await;
        assert_eq!(unpublished.header("location").unwrap(), format!("/admin/posts/{id}?done=unpublished"));
        assert_eq!(app.get("/news/petition-handed-in/").await.status, 404);
        assert!(!app.get("/news/").await.text().contains("Petition handed"));
    }

    async fn a_mistake_keeps_every_typed_value_and_names_the_field(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let body = "My long text <script>alert(1)</script> with “quotes” & ümlauts";
        let page = app.post_signed(&editor, "/admin/posts", &post_form("", &[("date", "20.11.2026"), ("body", body), ("tags", "Pardon, ---")])).await;
        assert_eq!(page.status, 422);
        let html = page.text();
        assert!(html.contains("My long text &lt;script&gt;alert(1)&lt;/script&gt; with “quotes” &amp; ümlauts"), "the text is kept, escaped");
        assert!(html.contains(r#"value="20.11.2026""#) && html.contains(r#"value="Pardon, ---""#));
        assert!(html.contains(r#"id="title-error""#) && html.contains(r#"id="date-error""#) && html.contains(r#"id="tags-error""#), "{html}");
        assert!(html.contains("Nothing was saved yet"));
        assert!(!app.get_signed(&editor, "/admin/posts?status=draft").await.text().contains("My long text"));
    }

    async fn the_second_of_two_editors_gets_a_conflict_not_an_overwrite(backend: Backend) {
        let app = spawn_app(backend).await;
        let ann = app.signed_in_as(Role::Editor).await;
        let ben = app.signed_in_as(Role::Owner).await;
        let id = app.post_signed(&ann, "/admin/posts", &post_form("Shared post", &[])).await.saved_id();
        let opened = version_of(&app, &ann, id).await;
        assert_eq!(version_of(&app, &ben, id).await, opened, "both open the same version");

        let path = format!("/admin/posts/{id}");
        let first = app.post_signed(&ann, &path, &post_form("Shared post", &[("slug", "shared-post"), ("version", &opened), ("body", "Ann's words.")])).await;
        assert_eq!(first.status, 303);
        let second = app.post_signed(&ben, &path, &post_form("Shared post", &[("slug", "shared-post"), ("version", &opened), ("body", "Ben's words.")])).await;
        assert_eq!(second.status, 409);
        let html = second.text();
        assert!(html.contains("Someone else saved this post while you were editing"));
        assert!(html.contains("Ben&#39;s words.") || html.contains("Ben's words."), "Ben's text stays in the form");
        assert!(html.contains("- Ann") && html.contains("+ Ben"), "the difference is shown: {html}");
        let saved = app.get_signed(&ann, &path).await.text();
        assert!(saved.contains("Ann&#39;s words.") || saved.contains("Ann's words."), "Ann's save was not overwritten");

        // Saving again from the conflict page replaces Ann's text on purpose.
        let newer = hidden_field(&html, "version").unwrap();
        assert_ne!(newer, opened);
        let again = app.post_signed(&ben, &path, &post_form("Shared post", &[("slug", "shared-post"), ("version", &newer), ("body", "Ben's words.")])).await;
        assert_eq!(again.status, 303);
    }

    async fn every_save_keeps_a_revision_that_can_be_compared_and_restored(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("First title", &[("body", "line one\nline two")])).await.saved_id();
        let path = format!("/admin/posts/{id}");
        for (title, body) in [("Second title", "line one\nline 2"), ("Third title", "line one\nline 2\nline three")] {
            let version = version_of(&app, &editor, id).await;
            let page = app.post_signed(&editor, &path, &post_form(title, &[("slug", "first-title"), ("version", &version), ("body", body)])).await;
            assert_eq!(page.status, 303);
        }
        let history = app.get_signed(&editor, &format!("{path}/revisions")).await.text();
        assert_eq!(history.matches("Restore this version").count(), 2, "three versions, the current one not restorable");
        assert!(history.contains("<summary>Restore this version</summary>") && history.contains("Yes, restore version 1"), "Restore asks first: {history}");
        assert!(history.contains("Test") && (history.contains(" CET") || history.contains(" CEST")), "who and when, on the site's clock");
        let compared = app.get_signed(&editor, &format!("{path}/revisions?from=1&to=3")).await.text();
        assert!(compared.contains("- First title") && compared.contains("+ Third title"), "{compared}");
        assert!(compared.contains("- line two") && compared.contains("+ line three"));

        let seen = hidden_field(&history, "version").unwrap();
        assert_eq!(app.post_signed(&editor, &format!("{path}/revisions/1/restore"), &[("version", "2")]).await.status, 409, "a newer save wins");
        let restored = app.post_signed(&editor, &format!("{path}/revisions/1/restore"), &[("version", &seen)]).await;
        assert_eq!(restored.header("location").unwrap(), format!("{path}?done=restored"));
        let page = app.get_signed(&editor, &path).await.text();
        assert!(page.contains(r#"value="First title""#));
        assert_eq!(hidden_field(&page, "version").unwrap(), "4", "a restore is a new version");
    }

    async fn an_empty_list_says_what_to_do_first(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let inbox = app.get_signed(&editor, "/admin/inbox").await.text();
        assert!(inbox.contains("No messages yet. What visitors write with the contact form lands here"), "{inbox}");
        let issues = app.get_signed(&editor, "/admin/newsletters").await.text();
        assert!(issues.contains(r#"No issues yet. <a href="/admin/newsletters/new">Write the first one</a>"#), "{issues}");
        let trash = app.get_signed(&editor, "/admin/posts?status=trash").await.text();
        assert!(trash.contains(r#"No trash posts. <a href="/admin/posts">See all posts</a>"#), "{trash}");
    }

    async fn every_time_is_shown_and_typed_in_the_sites_time_zone(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = app.signed_in_as(Role::Owner).await;
        let settings = app.get_signed(&owner, "/admin/settings").await.text();
        assert!(settings.contains(r#"<option value="Europe/Berlin" selected>Europe/Berlin</option>"#), "the demo's zone is chosen");
        let mut fields: Vec<(&str, &str)> = vec![("name", "Friends"), ("language", "en"), ("time_zone", "Mars/Olympus")];
        let version = hidden_field(&settings, "version").unwrap();
        fields.push(("version", &version));
        let refused = app.post_signed(&owner, "/admin/settings", &fields).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("is not a time zone this site knows"), "{}", refused.text());
        fields[2] = ("time_zone", "America/New_York");
        assert_eq!(app.post_signed(&owner, "/admin/settings", &fields).await.status, 303);

        // Typed at 09:00 in New York in January: 14:00 UTC, shown back as typed.
        let post = app.post_signed(&owner, "/admin/posts", &post_form("Hearing day", &[("action", "schedule"), ("publish_at", "2031-01-15T09:00")])).await;
        let id = post.saved_id();
        let stored = pamphlet::content::posts::editing::by_id(app.store(), id).await.unwrap().unwrap().publish_at.unwrap();
        assert_eq!(stored, time::macros::datetime!(2031-01-15 14:00 UTC));
        let form = app.get_signed(&owner, &format!("/admin/posts/{id}")).await.text();
        assert!(form.contains(r#"value="2031-01-15T09:00""#) && form.contains("Go live at (America/New York time)"), "{form}");
        let list = app.get_signed(&owner, "/admin/posts?status=scheduled").await.text();
        assert!(list.contains("2031-01-15 09:00 EST"), "{list}");
        // In July the same clock is four hours behind UTC.
        let summer = app.post_signed(&owner, "/admin/posts", &post_form("Summer day", &[("action", "schedule"), ("publish_at", "2031-07-15T09:00")])).await;
        let stored = pamphlet::content::posts::editing::by_id(app.store(), summer.saved_id()).await.unwrap().unwrap().publish_at.unwrap();
        assert_eq!(stored, time::macros::datetime!(2031-07-15 13:00 UTC));
    }

    async fn a_scheduled_post_goes_live_at_its_time_without_a_restart(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let at = typed_on_site_clock(time::OffsetDateTime::now_utc() + time::Duration::seconds(3));
        let page = app.post_signed(&editor, "/admin/posts", &post_form("Scheduled news", &[("action", "schedule"), ("publish_at", &at)])).await;
        assert_eq!(page.header("location").unwrap().split("done=").nth(1), Some("scheduled"));
        assert_eq!(app.get("/news/scheduled-news/").await.status, 404, "not before its time");
        assert!(app.eventually_contains("/news/scheduled-news/", "Scheduled news", 10).await, "live once its time came");
        assert!(app.get_signed(&editor, "/admin/posts?status=published").await.text().contains("Scheduled news"));

        let past = app.post_signed(&editor, "/admin/posts", &post_form("Too late", &[("action", "schedule"), ("publish_at", "2020-01-01T10:00")])).await;
        assert_eq!(past.status, 422);
        assert!(past.text().contains("This time has passed"));
    }

    async fn the_trash_hides_a_post_and_gives_it_back_as_a_draft(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Trash me", &[("action", "publish")])).await.saved_id();
        assert_eq!(app.get("/news/trash-me/").await.status, 200);
        assert_eq!(app.post_signed(&editor, &format!("/admin/posts/{id}/trash"), &[]).await.status, 303);
        assert_eq!(app.get("/news/trash-me/").await.status, 404);
        assert!(app.get_signed(&editor, "/admin/posts?status=trash").await.text().contains("Trash me"));
        assert!(!app.get_signed(&editor, "/admin/posts").await.text().contains("Trash me"), "the trash stays out of the list");

        assert_eq!(app.post_signed(&editor, &format!("/admin/posts/{id}/untrash"), &[]).await.status, 303);
        let page = app.get_signed(&editor, &format!("/admin/posts/{id}")).await.text();
        assert!(page.contains("state-draft"), "back as a draft");
        assert_eq!(app.post_signed(&editor, &format!("/admin/posts/{id}/delete"), &[]).await.status, 409, "only from the trash");
        app.post_signed(&editor, &format!("/admin/posts/{id}/trash"), &[]).await;
        assert_eq!(app.post_signed(&editor, &format!("/admin/posts/{id}/delete"), &[]).await.status, 303);
        assert_eq!(app.get_signed(&editor, &format!("/admin/posts/{id}")).await.status, 404);
    }

    async fn undo_takes_a_trashed_post_back_as_it_was_and_the_list_is_in_date_order(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Oops trashed", &[("action", "publish"), ("date", "2016-09-20")])).await.saved_id();
        app.post_signed(&editor, "/admin/posts", &post_form("Newer news", &[("date", "2020-01-02")])).await.saved_id();
        let list = app.get_signed(&editor, "/admin/posts").await.text();
        assert!(list.find("Newer news").unwrap() < list.find("Oops trashed").unwrap(), "newest date first, not last changed");

        let trashed = app.post_signed(&editor, &format!("/admin/posts/{id}/trash"), &[]).await;
        let back_to = trashed.header("location").unwrap().to_owned();
        assert_eq!(back_to, format!("/admin/posts?trashed={id}&was=published"));
        let list = app.get_signed(&editor, &back_to).await.text();
        assert!(list.contains("“Oops trashed” is in the trash.") && list.contains(&format!("/admin/posts/{id}/undo-trash")), "{list}");
        assert_eq!(app.get("/news/oops-trashed/").await.status, 404);
        let (version, was) = (hidden_field(&list, "version").unwrap(), hidden_field(&list, "was").unwrap());

        let undone = app.post_signed(&editor, &format!("/admin/posts/{id}/undo-trash"), &[("version", &version), ("was", &was)]).await;
        assert_eq!(undone.status, 303, "{}", undone.text());
        assert_eq!(app.get("/news/oops-trashed/").await.status, 200, "published again, as before");
        assert!(app.get_signed(&editor, &format!("/admin/posts/{id}?done=back")).await.text().contains("as it was before"));
        let again = app.post_signed(&editor, &format!("/admin/posts/{id}/undo-trash"), &[("version", &version), ("was", &was)]).await;
        assert_eq!(again.status, 409, "only a post in the trash comes back");
    }

    async fn undo_takes_a_trashed_page_back_as_it_was(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        assert_eq!(app.get("/about-the-case/").await.status, 200);
        let pages = app.get_signed(&editor, "/admin/pages").await.text();
        let link = pages.split("\">About the Case of Jens Soering</a>").next().unwrap();
        let id: i64 = link.rsplit("/admin/pages/").next().unwrap().parse().unwrap_or_else(|_| panic!("{pages}"));
        let trashed = app.post_signed(&editor, &format!("/admin/pages/{id}/trash"), &[]).await;
        assert_eq!(trashed.header("location"), Some(format!("/admin/pages?trashed={id}&was=published").as_str()));
        assert_eq!(app.get("/about-the-case/").await.status, 404);
        let list = app.get_signed(&editor, &format!("/admin/pages?trashed={id}&was=published")).await.text();
        let (version, was) = (hidden_field(&list, "version").unwrap(), hidden_field(&list, "was").unwrap());
        let undone = app.post_signed(&editor, &format!("/admin/pages/{id}/undo-trash"), &[("version", &version), ("was", &was)]).await;
        assert_eq!(undone.status, 303, "{}", undone.text());
        assert_eq!(undone.header("location"), Some(format!("/admin/pages/{id}?done=back").as_str()));
        assert_eq!(app.get("/about-the-case/").await.status, 200, "published again");
    }

    async fn an_author_writes_drafts_and_an_editor_publishes_them(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&author, "/admin/posts", &post_form("Author's draft", &[])).await.saved_id();
        let form = app.get_signed(&author, &format!("/admin/posts/{id}")).await.text();
        assert!(!form.contains(r#"value="publish""#) && form.contains("An editor publishes your draft"));

        let version = version_of(&app, &author, id).await;
        let forged = app.post_signed(&author, &format!("/admin/posts/{id}"), &post_form("Author's draft", &[("slug", "author-s-draft"), ("version", &version), ("action", "publish")])).await;
        assert_eq!(forged.status, 403);
        assert!(app.post_signed(&author, "/admin/posts", &post_form("Sneaky", &[("action", "publish")])).await.status == 403);
        assert_eq!(app.get("/news/author-s-draft/").await.status, 404);

        // Authors see their own posts only; the demo's posts are not theirs.
        let list = app.get_signed(&author, "/admin/posts").await.text();
        assert!(list.contains("Author&#39;s draft") || list.contains("Author's draft"));
        assert!(!list.contains("Pardon petition filed"), "{list}");
        let demo_post = app.get_signed(&editor, "/admin/posts?status=published").await.text();
        let demo_id = demo_post.split("/admin/posts/").filter_map(|s| s.split('"').next()?.parse::<i64>().ok()).next().unwrap();
        assert_eq!(app.get_signed(&author, &format!("/admin/posts/{demo_id}")).await.status, 403);

        let version = version_of(&app, &editor, id).await;
        let published = app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Author's draft", &[("slug", "author-s-draft"), ("version", &version), ("action", "publish")])).await;
        assert_eq!(published.status, 303);
        assert_eq!(app.get("/news/author-s-draft/").await.status, 200);
        assert_eq!(app.get_signed(&author, &format!("/admin/posts/{id}")).await.status, 403, "published posts are the editors' now");
    }

    async fn a_preview_shows_the_page_as_the_site_will_and_saves_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let page = app.post_signed(&author, "/admin/posts/preview", &post_form("Only a preview", &[])).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("x-robots-tag"), Some("noindex"));
        let html = page.text();
        assert!(html.contains("Only a preview") && html.contains("<strong>pardon</strong>"));
        assert!(html.contains("Friends of Jens Söring"), "in the site's own layout");
        let bar = html.find(r#"<p class="pamphlet-preview" role="note">Preview of what you typed"#).expect("a bar says it is a preview");
        assert!(html.find("<body").unwrap() < bar && html.find("/admin/static/preview.").unwrap() < html.find("</head>").unwrap(), "{html}");
        assert!(!app.get_signed(&author, "/admin/posts").await.text().contains("Only a preview"));

        let fragment = app.post_signed(&author, "/admin/markdown", &[("markdown", "**bold** <script>alert(1)</script>")]).await;
        assert_eq!(fragment.status, 200);
        assert!(fragment.text().contains("<strong>bold</strong>") && !fragment.text().contains("<script"), "{}", fragment.text());
    }

    async fn the_dashboard_shows_what_goes_live_next_drafts_and_who_changed_what(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let author = app.signed_in_as(Role::Author).await;
        let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let later = (time::OffsetDateTime::now_utc() + time::Duration::days(2)).format(format).unwrap();
        app.post_signed(&editor, "/admin/posts", &post_form("Coming on Monday", &[("action", "schedule"), ("publish_at", &later)])).await.saved_id();
        app.post_signed(&editor, "/admin/posts", &post_form("Half written", &[])).await.saved_id();
        app.post_signed(&author, "/admin/posts", &post_form("The author's own", &[])).await.saved_id();

        let board = app.get_signed(&editor, "/admin").await.text();
        let drafts = board.split("Drafts</h2>").nth(1).unwrap().split("Going live next</h2>").next().unwrap();
        let next = board.split("Going live next</h2>").nth(1).unwrap().split("Recent changes</h2>").next().unwrap();
        assert!(next.contains("Coming on Monday"), "{next}");
        assert!(drafts.contains("Half written") && drafts.contains("The author"), "{drafts}");
        let recent = board.split("Recent changes</h2>").nth(1).unwrap();
        assert!(recent.contains("Test saved") && recent.contains("Coming on Monday"), "{recent}");

        let own = app.get_signed(&author, "/admin").await.text();
        assert!(own.contains("The author") && !own.contains("Half written") && !own.contains("Coming on Monday"), "an author sees their own work only");
    }

    async fn unsaved_typing_is_kept_per_editor_on_the_server_and_shows_who_else_is_editing(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let author = app.signed_in_as(Role::Author).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Saved title", &[])).await.saved_id();
        let form = format!("/admin/drafts/post-{id}");
        let json = |page: Page| -> serde_json::Value { serde_json::from_str(&page.text()).unwrap_or_else(|e| panic!("{e}: {}", page.text())) };

        let typed = "title=Typed+on+the+laptop&version=1";
        let kept = app.post_signed(&editor, &form, &[("fields", typed)]).await;
        assert_eq!(kept.status, 200, "{}", kept.text());
        assert_eq!(json(kept)["others"], serde_json::json!([]), "nobody else is editing");
        let post = app.get_signed(&editor, &format!("/admin/posts/{id}")).await.text();
        assert!(post.contains("Saved title") && !post.contains("Typed on the laptop"), "the saved post is untouched");

        // Another device of the same editor finds the draft; another person does not, but sees who is at it.
        let phone = app.sign_in("editor@example.org", "Editor password for tests").await.unwrap();
        let mine = json(app.get_signed(&phone, &form).await);
        assert_eq!(mine["mine"]["fields"], typed, "{mine}");
        let theirs = json(app.post_signed(&author, &form, &[("fields", "title=Mine")]).await);
        assert_eq!(theirs["others"][0]["who"], "Test", "{theirs}");
        let seen = json(app.get_signed(&author, &form).await);
        assert_eq!(seen["mine"]["fields"], "title=Mine", "each keeps their own: {seen}");

        // Sending nothing changed, or discarding, drops it; no token or an odd form name is refused.
        assert_eq!(app.post(&form, &[("fields", "x")], &[("cookie", &editor.cookie)]).await.status, 403);
        assert_eq!(app.post_signed(&editor, "/admin/drafts/post_7", &[("fields", "x")]).await.status, 404);
        assert_eq!(app.post_signed(&editor, &format!("{form}/discard"), &[]).await.status, 204);
        assert_eq!(json(app.get_signed(&phone, &form).await)["mine"], serde_json::Value::Null);
        app.post_signed(&author, &form, &[("fields", "")]).await;
        assert_eq!(json(app.get_signed(&editor, &form).await)["others"], serde_json::json!([]), "the author's draft is gone");
    }

    async fn a_preview_link_shows_a_draft_without_an_account_until_it_expires(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let author = app.signed_in_as(Role::Author).await;
        let fields = post_form("Not out yet", &[("body", "A paragraph to proof-read.")]);
        let id = app.post_signed(&editor, "/admin/posts", &fields).await.saved_id();
        assert_eq!(app.get("/news/not-out-yet/").await.status, 404, "a draft is not on the site");

        let shared = app.post_signed(&editor, &format!("/admin/posts/{id}/share"), &[]).await;
        assert_eq!(shared.status, 201, "{}", shared.text());
        let link = shared.text().split("id=\"preview-link\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let path = link.strip_prefix(&app.base).unwrap_or_else(|| panic!("{link} is on this site"));
        let preview = app.get(path).await;
        assert_eq!(preview.status, 200);
        assert!(preview.text().contains("Not out yet") && preview.text().contains("A paragraph to proof-read."), "{}", preview.text());
        assert_eq!(preview.header("x-robots-tag"), Some("noindex"));
        assert_eq!(preview.header("cache-control"), Some("no-store"));
        assert!(preview.text().contains("A preview shared for proof-reading"), "marked as a preview");

        // Only who may edit the post may share it, with the form's token; a made-up link finds nothing.
        assert_eq!(app.post_signed(&author, &format!("/admin/posts/{id}/share"), &[]).await.status, 403);
        assert_eq!(app.post(&format!("/admin/posts/{id}/share"), &[], &[("cookie", &editor.cookie)]).await.status, 403);
        assert_eq!(app.get("/preview/not-a-real-token").await.status, 404);

        let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
        pamphlet::on_pool!(app.store(), |pool| sqlx::query("UPDATE preview_links SET expires_at = $1").bind(past).execute(pool).await.map(drop).unwrap());
        let expired = app.get(path).await;
        assert_eq!(expired.status, 410);
        assert!(expired.text().contains("expired") && !expired.text().contains("A paragraph to proof-read."), "{}", expired.text());
    }
}
