//! Building pages from blocks in the admin over HTTP: the palette and the
//! block buttons without script, a mistake at its field, publishing, the
//! home page's protections, history.

use pamphlet::admin::Role;

use crate::both_backends;
use crate::helpers::*;

fn page_form<'a>(title: &'a str, slug: &'a str, blocks: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("title", title), ("slug", slug), ("description", ""), ("version", "0"), ("publish_at", "")];
    fields.extend_from_slice(blocks);
    for (name, value) in extra {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

const THREE_BLOCKS: &[(&str, &str)] = &[
    ("b0.type", "hero"),
    ("b0.title", "Free him now"),
    ("b0.text", "A *short* opening."),
    ("b0.image.asset", ""),
    ("b0.image.alt", ""),
    ("b0.link.label", "Sign the petition"),
    ("b0.link.href", "/pardon/"),
    ("b1.type", "rich_text"),
    ("b1.body", "## Why\n\nBecause the DNA says so."),
    ("b2.type", "quote"),
    ("b2.text", "I am innocent."),
    ("b2.attribution", "Jens Söring"),
];

both_backends! {
    async fn an_editor_builds_a_page_from_blocks_and_publishes_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        // The palette adds a block; nothing is saved until the editor saves.
        let added = app.post_signed(&editor, "/admin/pages", &page_form("Campaign", "", &[], &[("op", "add:quote")])).await;
        assert_eq!(added.status, 200);
        let html = added.text();
        assert!(html.contains(r#"name="b0.type" value="quote""#) && html.contains("Not saved yet"), "{html}");
        assert!(html.contains(r#"value="Campaign""#), "the title stays typed");

        let id = app.post_signed(&editor, "/admin/pages", &page_form("Campaign", "campaign", THREE_BLOCKS, &[("action", "publish")])).await.saved_id();
        let public = app.get("/campaign/").await;
        assert_eq!(public.status, 200);
        let html = public.text();
        let (hero, text, quote) = (html.find("Free him now").unwrap(), html.find("Because the DNA says so").unwrap(), html.find("I am innocent").unwrap());
        assert!(hero < text && text < quote, "blocks in the order given");
        assert!(html.contains(r#"href="/pardon/""#) && html.contains("<em>short</em>"));

        let form = app.get_signed(&editor, &format!("/admin/pages/{id}")).await.text();
        assert!(form.contains(r#"name="b2.attribution" type="text" value="Jens Söring""#), "saved blocks come back in their forms");
    }

    async fn block_buttons_without_script_rearrange_the_typed_page_only(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/pages", &page_form("Order", "order", THREE_BLOCKS, &[("action", "publish")])).await.saved_id();
        let version = hidden_field(&app.get_signed(&editor, &format!("/admin/pages/{id}")).await.text(), "version").unwrap();
        let path = format!("/admin/pages/{id}");
        let moved = app.post_signed(&editor, &path, &page_form("Order", "order", THREE_BLOCKS, &[("version", &version), ("op", "up:2")])).await;
        assert_eq!(moved.status, 200);
        let html = moved.text();
        assert!(html.find(r#"value="quote""#).unwrap() < html.find(r#"value="rich_text""#).unwrap(), "the quote moved above the text");
        let public = app.get("/order/").await.text();
        assert!(public.find("Because the DNA").unwrap() < public.find("I am innocent").unwrap(), "nothing saved yet");

        let copied = app.post_signed(&editor, &path, &page_form("Order", "order", THREE_BLOCKS, &[("version", &version), ("op", "duplicate:2")])).await.text();
        assert_eq!(copied.matches(r#"value="quote""#).count(), 2);
        let removed = app.post_signed(&editor, &path, &page_form("Order", "order", THREE_BLOCKS, &[("version", &version), ("op", "remove:0")])).await.text();
        assert!(!removed.contains(r#"value="hero""#));
        let bad = app.post_signed(&editor, &path, &page_form("Order", "order", THREE_BLOCKS, &[("version", &version), ("op", "add:marquee")])).await;
        assert_eq!(bad.status, 422);
    }

    async fn a_block_mistake_is_shown_at_its_field_and_nothing_is_lost(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let blocks = [
            ("b0.type", "image"), ("b0.image.asset", "buckingham.svg"), ("b0.image.alt", ""), ("b0.caption", "The prison"),
            ("b1.type", "links"), ("b1.title", ""), ("b1.items", "Case | /case/\nEvil | javascript:alert(1)"),
        ];
        let page = app.post_signed(&editor, "/admin/pages", &page_form("Broken", "", &blocks, &[("action", "publish")])).await;
        assert_eq!(page.status, 422);
        let html = page.text();
        assert!(html.contains(r#"id="b0.image.alt-error""#) && html.contains("Describe the image"), "{html}");
        assert!(html.contains(r#"id="b1.items-error""#));
        assert!(html.contains(r#"value="The prison""#) && html.contains("Evil | javascript:alert(1)"), "what was typed stays");
        assert_eq!(app.get("/broken/").await.status, 404);
    }

    async fn the_home_page_keeps_its_address_and_stays_out_of_the_trash(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let list = app.get_signed(&editor, "/admin/pages").await.text();
        let home = list.split("<a href=\"/admin/pages/").filter_map(|s| {
            let id = s.split('"').next()?.parse::<i64>().ok()?;
            s.split("</tr>").next()?.contains(r#"<a href="/">/</a>"#).then_some(id)
        });
        let home_id = home.into_iter().next().expect("the demo's home page is listed");
        let form = app.get_signed(&editor, &format!("/admin/pages/{home_id}")).await.text();
        let version = hidden_field(&form, "version").unwrap();
        let moved = app.post_signed(&editor, &format!("/admin/pages/{home_id}"), &page_form("Home", "start", &[("b0.type", "rich_text"), ("b0.body", "x")], &[("version", &version), ("action", "save")])).await;
        assert_eq!(moved.status, 422);
        assert!(moved.text().contains("The home page keeps its address"));
        assert_eq!(app.post_signed(&editor, &format!("/admin/pages/{home_id}/trash"), &[]).await.status, 409);
        assert_eq!(app.get("/").await.status, 200);
    }

    async fn page_history_compares_and_restores(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/pages", &page_form("History", "history", &[("b0.type", "rich_text"), ("b0.body", "First words.")], &[("action", "publish")])).await.saved_id();
        let path = format!("/admin/pages/{id}");
        let version = hidden_field(&app.get_signed(&editor, &path).await.text(), "version").unwrap();
        let second = app.post_signed(&editor, &path, &page_form("History", "history", &[("b0.type", "rich_text"), ("b0.body", "Second words.")], &[("version", &version), ("action", "save")])).await;
        assert_eq!(second.status, 303);
        assert!(app.get("/history/").await.text().contains("Second words."), "a published page updates at once");
        let history = app.get_signed(&editor, &format!("{path}/revisions")).await.text();
        assert!(history.contains("First words.") && history.contains("Second words."), "{history}");
        let seen = hidden_field(&history, "version").unwrap();
        let restored = app.post_signed(&editor, &format!("{path}/revisions/1/restore"), &[("version", &seen)]).await;
        assert_eq!(restored.status, 303, "{restored:?}");
        assert!(app.get("/history/").await.text().contains("First words."));
    }

    async fn a_demo_page_can_go_back_to_its_first_version_and_its_history_reads_as_fields(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let list = app.get_signed(&editor, "/admin/pages").await.text();
        let id: i64 = list.split("<a href=\"/admin/pages/").nth(1).and_then(|s| s.split('"').next()?.parse().ok()).unwrap();
        let path = format!("/admin/pages/{id}");
        let history = app.get_signed(&editor, &format!("{path}/revisions")).await.text();
        assert!(history.contains("<td>1 (current)</td>") && history.contains("Demo content"), "the demo's page has a first version: {history}");

        let version = hidden_field(&app.get_signed(&editor, &path).await.text(), "version").unwrap();
        let saved = app.post_signed(&editor, &path, &page_form("Changed", "changed-page", THREE_BLOCKS, &[("version", &version), ("action", "save")])).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let compared = app.get_signed(&editor, &format!("{path}/revisions")).await.text();
        assert!(compared.contains("<h3>Blocks</h3>") && compared.contains("<h3>Address</h3>"), "fields in plain words: {compared}");
        assert!(compared.contains("+ ▪ Opening with a large title") && compared.contains("+   Title: Free him now"), "{compared}");
        assert!(compared.contains("+   Button: Sign the petition → /pardon/") && compared.contains("+   Who said it: Jens Söring"), "{compared}");
        assert!(!compared.contains("{&quot;") && !compared.contains("&quot;type&quot;"), "no JSON: {compared}");
        let seen = hidden_field(&compared, "version").unwrap();
        assert_eq!(app.post_signed(&editor, &format!("{path}/revisions/1/restore"), &[("version", &seen)]).await.status, 303);
        let form = app.get_signed(&editor, &path).await.text();
        assert!(!form.contains(r#"value="Changed""#), "the demo's own version is back");

        // Books, TV reports and press reports start with a first version too, labelled as their forms are.
        let book = app.get_signed(&editor, "/admin/books/1/revisions").await.text();
        assert!(book.contains("<td>1 (current)</td>") && book.contains("Demo content"), "{book}");
        let settings = pamphlet::content::revisions::of(app.store(), "settings", 0).await.unwrap();
        assert_eq!(settings.len(), 1, "the settings start with a first version");
    }

    async fn a_text_block_shows_the_items_placed_in_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let body = "Watch the trailer:\n\n[The Promise (2016): trailer](/media/the-promise-trailer/ \"embed\")\n\n[Gone](/media/no-such-video/ \"embed\")";
        let blocks = [("b0.type", "rich_text"), ("b0.body", body)];
        let saved = app.post_signed(&editor, "/admin/pages", &page_form("Watch", "watch", &blocks, &[("action", "publish")])).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let page = app.get("/watch/").await.text();
        assert!(page.contains(r#"<figure class="embed video">"#) && page.contains("/media/the-promise-trailer/play/#player"), "{page}");
        assert!(page.contains(r#"<a href="/media/no-such-video/" title="embed""#), "an item that is not on the site stays a link: {page}");
        let form = app.get_signed(&editor, "/admin/pages/new").await.text();
        assert!(!form.contains("data-embeds"), "the new page has no text block yet");
        let newsletter = app.get_signed(&editor, "/admin/newsletters/new").await.text();
        assert!(!newsletter.contains("data-embeds"), "an email shows no players: its text takes no embeds");
    }
}
