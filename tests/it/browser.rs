//! The admin in a real browser: headless Chromium driven over WebDriver,
//! clicking and typing as an editor does.

use pamphlet::admin::Role;

use crate::helpers::*;
use crate::webdriver::Browser;

async fn fill_sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&format!("{}/admin/login", app.base)).await;
    browser.type_into("#email", email).await;
    browser.type_into("#password", password).await;
    browser.click("form button[type=submit]").await;
}

/// Signs in and waits for the dashboard, so the session cookie is set before the next step.
pub async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    fill_sign_in(browser, app, email, password).await;
    assert!(browser.wait_for_text("h1", "Dashboard").await, "signed in");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_opens_the_dashboard() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    fill_sign_in(&browser, &app, "ann@example.org", "not my password").await;
    assert!(browser.wait_for_text(".alert", "do not match an account").await);
    assert_eq!(browser.run("return document.querySelector('#email').value").await, "ann@example.org", "the address stays typed");

    browser.clear("#password").await;
    browser.type_into("#password", &password).await;
    browser.click("form button[type=submit]").await;
    assert!(browser.wait_for_text("h1", "Dashboard").await);
    assert!(browser.url().await.ends_with("/admin"));
}

#[tokio::test]
async fn an_editor_writes_a_post_with_the_live_preview_and_publishes_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.click("a[href='/admin/posts']").await;
    browser.click("a[href='/admin/posts/new']").await;
    browser.type_into("#title", "Written in the browser").await;
    // The Markdown view: the toolbar types Markdown, the preview renders it on the server.
    browser.click("[data-mode=markdown]").await;
    browser.type_into("#body", "The Governor ").await;
    browser.click("[data-command=bold]").await;
    assert!(browser.wait_for_text("#body-preview", "bold text").await);
    let preview = browser.run("return document.querySelector('#body-preview').innerHTML").await;
    assert!(preview.as_str().unwrap().contains("<strong>bold text</strong>"), "{preview}");

    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await);
    let page = app.get("/news/written-in-the-browser/").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<strong>bold text</strong>"));
}

#[tokio::test]
async fn an_author_saves_a_draft_and_has_no_publish_button() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("carl@example.org", Role::Author).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "carl@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "An author's draft").await;
    browser.type_into("#body-rich", "Words for an editor to check.").await;
    let buttons = browser.run("return [...document.querySelectorAll('button[name=action]')].map(b => b.value).join(',')").await;
    assert_eq!(buttons, "save", "only saving, no publishing: {buttons}");
    browser.click("button[value=save]").await;
    assert!(browser.wait_for_text("[role=status]", "Saved").await);
    assert!(browser.source().await.contains("state-draft"));
    assert_eq!(app.get("/news/an-author-s-draft/").await.status, 404);
    // People is for owners: the link is not there and the page refuses.
    assert!(!browser.source().await.contains("href=\"/admin/users\""));
    browser.goto(&format!("{}/admin/users", app.base)).await;
    assert!(browser.wait_for_text("main", "Your role does not allow this").await);
}

#[tokio::test]
async fn leaving_a_post_with_unsaved_text_keeps_it_in_the_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "Typed, never saved").await;
    browser.type_into("#body-rich", "A paragraph I do not want to lose.").await;
    // The copy is written half a second after typing stops.
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    // Open the form again elsewhere, as after a crash or in another tab.
    browser.goto_in_new_tab(&format!("{}/admin/posts/new", app.base)).await;
    browser.click(".restore-draft button").await;
    let title = browser.run("return document.querySelector('#title').value").await;
    let body = browser.run("return document.querySelector('#body').value").await;
    assert_eq!(title, "Typed, never saved");
    assert_eq!(body, "A paragraph I do not want to lose.");
    assert!(browser.wait_for_text("#body-rich", "A paragraph I do not want to lose.").await, "the formatted view shows it too");
}

#[tokio::test]
async fn text_brought_back_over_a_newer_save_meets_the_conflict_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let ben = app.signed_in_as(Role::Owner).await;
    let fields = |version| {
        [
            ("title", "Shared post"),
            ("slug", "shared-post"),
            ("kind", "news"),
            ("date", "2026-11-20"),
            ("summary", ""),
            ("body", "Ben's words."),
        ]
        .into_iter()
        .chain([("tags", ""), ("cover", ""), ("author", "Ben"), ("publish_at", ""), ("version", version), ("action", "save")])
        .collect::<Vec<_>>()
    };
    let created = app.post_signed(&ben, "/admin/posts", &fields("0")).await;
    let path = created.header("location").unwrap().split('?').next().unwrap().to_owned();
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}{path}", app.base)).await;
    // Ctrl+End (then the keys let go): after Ben's words.
    browser.type_into("#body-rich", "\u{E009}\u{E010}\u{E000} Ann's unsaved words.").await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    // Ben saves while Ann's copy waits in her browser.
    let version = hidden_field(&app.get_signed(&ben, &path).await.text(), "version").unwrap();
    assert_eq!(app.post_signed(&ben, &path, &fields(&version)).await.status, 303);
    browser.goto_in_new_tab(&format!("{}{path}", app.base)).await;
    browser.click(".restore-draft button").await;
    browser.click("button[value=save]").await;
    assert!(browser.wait_for_text("main", "Someone else saved this post while you were editing").await, "{}", browser.source().await);
    let body = browser.run("return document.querySelector('#body').value").await;
    assert!(body.as_str().unwrap().ends_with("Ann's unsaved words."), "the typed text stays: {body}");
}

#[tokio::test]
async fn an_editor_builds_a_page_from_three_blocks_reorders_them_and_publishes() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.click("a[href='/admin/pages']").await;
    browser.click("a[href='/admin/pages/new']").await;
    browser.type_into("#title", "Visit the prison").await;
    // The palette adds each block (through the server, keeping what was typed).
    browser.click("button[value='add:rich_text']").await;
    browser.type_into("[id='b0.body-rich']", "Buckingham is in Dillwyn, Virginia.").await;
    browser.click("button[value='add:quote']").await;
    browser.type_into("[id='b1.text-rich']", "Every letter counts.").await;
    browser.click("button[value='add:hero']").await;
    browser.type_into("input[name='b2.title']", "Write to Jens").await;
    assert_eq!(browser.run("return document.querySelector('#title').value").await, "Visit the prison");

    // The opening goes to the top: two moves up, at once, in the page.
    browser.click("li.block:nth-child(3) [data-row=up]").await;
    browser.click("li.block:nth-child(2) [data-row=up]").await;
    let order = browser.run("return [...document.querySelectorAll('li.block input[name$=\".type\"]')].map(i => i.value).join(',')").await;
    assert_eq!(order, "hero,rich_text,quote");
    assert_eq!(browser.text("li.block:nth-child(1) .row-number").await, "1");

    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await);
    let html = app.get("/visit-the-prison/").await.text();
    let (hero, text, quote) =
        (html.find("Write to Jens").unwrap(), html.find("Buckingham is in Dillwyn").unwrap(), html.find("Every letter counts").unwrap());
    assert!(hero < text && text < quote, "the public page has the new order");
}

#[tokio::test]
async fn an_editor_uploads_an_image_with_alt_text_and_uses_it_on_a_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let photo = app.data_dir().join("Visiting Room.png");
    image::RgbImage::from_fn(1200, 800, |x, y| image::Rgb([(x % 200) as u8, (y % 200) as u8, 60])).save(&photo).unwrap();
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.click("a[href='/admin/library']").await;
    browser.type_into("#file", photo.to_str().unwrap()).await;
    browser.type_into("#alt", "The visiting room at Buckingham").await;
    browser.click("form[enctype] button[type=submit]").await;
    assert!(browser.wait_for_text("[role=status]", "Uploaded as visiting-room.png").await);
    assert!(browser.source().await.contains("copies 480, 960 px wide"));

    browser.goto(&format!("{}/admin/pages/new", app.base)).await;
    browser.type_into("#title", "Visiting").await;
    browser.click("button[value='add:image']").await;
    // The palette button reloads the form; wait for the new block before choosing its image.
    browser.find("select[name='b0.image.asset']").await;
    browser.run("document.querySelector(\"select[name='b0.image.asset']\").value = 'visiting-room.png'").await;
    browser.type_into("input[name='b0.image.alt']", "The visiting room at Buckingham").await;
    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await);
    let card = browser.run("return document.querySelector('.block-card summary img').getAttribute('src')").await;
    assert_eq!(card, "/uploads/visiting-room-480w.jpg", "the block's card shows the picture's smallest copy");
    let html = app.get("/visiting/").await.text();
    assert!(html.contains(r#"src="/uploads/visiting-room.png""#) && html.contains("/uploads/visiting-room-480w.jpg 480w"), "{html}");
    assert!(html.contains(r#"alt="The visiting room at Buckingham""#));
}

#[tokio::test]
async fn typing_reaches_the_server_as_a_draft_and_another_browser_brings_it_back() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let http = app.sign_in("ann@example.org", &password).await.unwrap();
    let id = app.post_signed(&http, "/admin/posts", &post_form("The first title", &[("action", "publish")])).await.saved_id();
    let draft = format!("/admin/drafts/post-{id}");

    let laptop = Browser::start().await;
    sign_in(&laptop, &app, "ann@example.org", &password).await;
    laptop.goto(&format!("{}/admin/posts/{id}", app.base)).await;
    laptop.clear("#title").await;
    laptop.type_into("#title", "A title typed on the laptop").await;
    laptop.type_into("[id='body-rich']", " And a sentence after it.").await;
    // Within a few seconds the server has it, while the post itself stays as saved.
    let mut kept = serde_json::Value::Null;
    for _ in 0..50 {
        kept = serde_json::from_str(&app.get_signed(&http, &draft).await.text()).unwrap();
        if kept["mine"]["fields"].as_str().is_some_and(|f| f.contains("sentence+after+it")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(kept["mine"]["fields"].as_str().unwrap_or_default().contains("laptop"), "{kept}");
    assert!(app.get("/news/the-first-title/").await.text().contains("The first title"), "the published post is untouched");
    drop(laptop); // the lid closes: no copy in this browser helps any more

    let desktop = Browser::start().await;
    sign_in(&desktop, &app, "ann@example.org", &password).await;
    desktop.goto(&format!("{}/admin/posts/{id}", app.base)).await;
    assert!(desktop.wait_for_text(".restore-draft", "not saved").await, "{}", desktop.source().await);
    desktop.click(".restore-draft button").await;
    assert_eq!(desktop.run("return document.querySelector('#title').value").await, "A title typed on the laptop");
    assert!(desktop.wait_for_text("[id='body-rich']", "And a sentence after it.").await);
    desktop.click("button[value=save]").await;
    assert!(desktop.wait_for_text("[role=status]", "Saved").await, "{}", desktop.source().await);
    assert!(app.get("/news/the-first-title/").await.text().contains("A title typed on the laptop"));
    // Saved, the draft is gone: the next visit offers nothing.
    let gone = async {
        for _ in 0..25 {
            let now: serde_json::Value = serde_json::from_str(&app.get_signed(&http, &draft).await.text()).unwrap();
            if now["mine"].is_null() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        false
    };
    assert!(gone.await, "the saved draft is dropped");
}

#[tokio::test]
async fn a_proof_reader_without_an_account_opens_the_shared_preview_of_a_draft() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let http = app.sign_in("ann@example.org", &password).await.unwrap();
    let id = app.post_signed(&http, "/admin/posts", &post_form("Draft for a second pair of eyes", &[])).await.saved_id();
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/{id}", app.base)).await;
    browser.click("form.share button").await;
    assert!(browser.wait_for_text("[role=status]", "need no account").await);
    let link = browser.run("return document.querySelector('#preview-link').value").await.as_str().unwrap().to_owned();

    let reader = Browser::start().await;
    reader.goto(&link).await;
    assert!(reader.wait_for_text("h1", "Draft for a second pair of eyes").await, "{}", reader.source().await);
    assert!(!reader.source().await.contains("/admin/logout"), "the reader is not signed in");
}

#[tokio::test]
async fn a_preview_on_a_phone_lays_the_page_out_as_a_phone_shows_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "Seen on a phone").await;
    // The button opens a new tab; here it opens in this one.
    browser.run("const b = [...document.querySelectorAll('button')].find(b => b.textContent === 'Preview on a phone'); b.removeAttribute('formtarget'); b.click();").await;
    assert!(browser.wait_for_text("[role=note]", "Shown as wide as a phone").await, "{}", browser.source().await);
    let mut inside = serde_json::Value::Null;
    for _ in 0..40 {
        inside = browser
            .run("const d = document.querySelector('iframe')?.contentDocument; return d && d.querySelector('h1') ? [d.documentElement.clientWidth, d.querySelector('h1').textContent, d.querySelectorAll('.pamphlet-preview').length] : null")
            .await;
        if !inside.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let width = inside[0].as_i64().unwrap_or_default();
    assert!((370..=390).contains(&width), "the page inside is as wide as a phone (less its scrollbar): {inside}");
    assert_eq!(inside[1], "Seen on a phone");
    assert_eq!(inside[2], 0, "one bar, outside the phone");
    // The site's own narrow layout applies: its stylesheet's phone rules see a phone.
    let narrow = browser.run("return document.querySelector('iframe').contentWindow.matchMedia('(max-width: 40rem)').matches").await;
    assert_eq!(narrow, serde_json::Value::Bool(true));
}

#[tokio::test]
async fn page_blocks_are_cards_moved_by_keyboard_and_by_dragging_and_a_removal_can_be_undone() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let http = app.sign_in("ann@example.org", &password).await.unwrap();
    let fields = [
        ("title", "Four blocks"),
        ("slug", ""),
        ("description", ""),
        ("version", "0"),
        ("publish_at", ""),
        ("action", "publish"),
        ("b0.type", "quote"),
        ("b0.text", "Every **letter** counts."),
        ("b0.attribution", ""),
        ("b1.type", "rich_text"),
        ("b1.body", "Buckingham is in Dillwyn."),
        ("b2.type", "hero"),
        ("b2.title", "Free him now"),
        ("b2.text", ""),
        ("b3.type", "contact"),
        ("b3.title", "Write to us"),
        ("b3.text", ""),
    ];
    let id = app.post_signed(&http, "/admin/pages", &fields).await.saved_id();
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/pages/{id}", app.base)).await;
    let order = "[...document.querySelectorAll('li.block input[name$=\".type\"]')].map(i => i.value).join(',')";

    // Folded, each card says what it holds.
    let cards = browser.run("return [...document.querySelectorAll('.block-card')].map(d => (d.open ? 'open ' : '') + d.querySelector('summary').textContent.replace(/\\s+/g, ' ').trim())").await;
    assert_eq!(
        cards,
        serde_json::json!([
            "⠿ 1. Quote Every letter counts.",
            "⠿ 2. Text Buckingham is in Dillwyn.",
            "⠿ 3. Opening with a large title Free him now",
            "⠿ 4. Contact Write to us"
        ])
    );
    // The keyboard: Alt+↑ twice on the opening's title brings it to the top.
    browser.run("document.querySelector('li.block:nth-child(3) summary').focus()").await;
    for _ in 0..2 {
        browser.press(&["\u{E00A}", "\u{E013}"]).await;
    }
    assert_eq!(browser.run(&format!("return {order}")).await, "hero,quote,rich_text,contact");
    assert_eq!(browser.text("[data-rows-status]").await, "Moved to place 1 of 4.");
    assert_eq!(
        browser.run("return document.activeElement.closest('li').querySelector('input').value").await,
        "hero",
        "the focus moved with it"
    );

    // Dragging by the handle: the contact form goes above everything.
    browser
        .run("const handle = document.querySelector('li.block:nth-child(4) .handle'), first = document.querySelector('li.block:nth-child(1)');
              const data = new DataTransfer(), top = first.getBoundingClientRect().top + 2;
              handle.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
              first.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data, clientY: top }));
              handle.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: data }));")
        .await;
    assert_eq!(browser.run(&format!("return {order}")).await, "contact,hero,quote,rich_text");
    assert_eq!(browser.text("li.block:nth-child(1) .row-number").await, "1");

    // Remove, then Undo: back in its place.
    browser.click("li.block:nth-child(2) [data-row=remove]").await;
    assert_eq!(browser.run(&format!("return {order}")).await, "contact,quote,rich_text");
    browser.click(".notice button").await;
    assert_eq!(browser.run(&format!("return {order}")).await, "contact,hero,quote,rich_text");

    // A folded card opens at a click on its title; its fields are there to type in.
    browser.click("li.block:nth-child(4) summary").await;
    browser.type_into("[id='b1.body-rich']", " Visit on weekends.").await;
    assert_eq!(browser.accessibility_violations().await, Vec::<String>::new());
    browser.click("button[value=save]").await;
    assert!(browser.wait_for_text("[role=status]", "Saved").await, "{}", browser.source().await);
    let html = app.get("/four-blocks/").await.text();
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} in {html}"));
    assert!(at("Write to us") < at("Free him now") && at("Free him now") < at("letter") && at("letter") < at("Visit on weekends."));
}

#[tokio::test]
async fn unsaved_blocks_come_back_after_leaving_the_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/pages/new", app.base)).await;
    browser.type_into("#title", "Never saved").await;
    browser.click("button[value='add:quote']").await;
    browser.type_into("[id='b0.text-rich']", "Words I typed and did not save.").await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    browser.goto_in_new_tab(&format!("{}/admin/pages/new", app.base)).await;
    browser.click(".restore-draft button").await;
    let restored = browser.wait_for_text("textarea[name='b0.text']", "Words I typed and did not save.").await;
    assert!(restored, "{}", browser.source().await.split("<main").nth(1).unwrap_or_default());
    assert_eq!(browser.run("return document.querySelector('#title').value").await, "Never saved");
}

#[tokio::test]
async fn the_admin_menu_is_grouped_by_task_a_sidebar_on_a_desktop_and_folded_on_a_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Owner).await;
    let email = pamphlet::mail::EmailAddress::parse("carla@example.org").unwrap();
    let writing = pamphlet::inbox::Writing { name: "Carla".into(), email, subject: "Help".into(), body: "I can help.".into() };
    for _ in 0..2 {
        pamphlet::inbox::save(app.store(), &writing, "127.0.0.1").await.unwrap();
    }
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    // The groups a volunteer looks under, in order, each with its pages.
    let groups = browser.run("return [...document.querySelectorAll('nav[aria-label=Admin] .group')].map((g) => g.textContent + ': ' + [...document.querySelectorAll(`[aria-labelledby=${g.id}] a`)].map((a) => a.textContent.trim()).join(', '))").await;
    assert_eq!(
        groups,
        serde_json::json!([
            "Content: Pages, Posts, Books, TV and video, Press, Pictures and files",
            "Campaign: Petitions, Newsletter, Inbox 2 unread",
            "Supporters: Subscribers, Signatures, A person's data",
            "Site: Menus, Settings, Accounts, Your account"
        ])
    );
    // At 1280 px: one bar of one line on top, the menu a sidebar beside the page, every link in view.
    let desktop = browser
        .run("const nav = document.querySelector('nav[aria-label=Admin]').getBoundingClientRect(), main = document.querySelector('main').getBoundingClientRect();
              const links = [...document.querySelectorAll('nav[aria-label=Admin] a')].every((a) => { return a.checkVisibility() && a.getBoundingClientRect().bottom <= innerHeight; });
              return { bar: document.querySelector('.bar').getBoundingClientRect().height, beside: nav.right <= main.left, links, view: document.querySelector('.view-site').getBoundingClientRect().height > 0, menu: document.querySelector('.menu-button').checkVisibility() }")
        .await;
    assert!(desktop["bar"].as_f64().unwrap() <= 50.0 && desktop["beside"] == true && desktop["links"] == true, "{desktop}");
    assert!(desktop["view"] == true && desktop["menu"] == false, "View site shows, no Menu button: {desktop}");
    assert!(browser.wait_for_text("a[href='/admin/inbox'] .badge", "2").await, "the inbox shows how many wait");

    // On a phone the menu folds into one button; opened, it takes you there.
    browser.set_window(360, 740).await;
    let folded =
        browser.wait_until("!document.querySelector('nav[aria-label=Admin] a[href=\"/admin/petitions\"]').checkVisibility()").await;
    assert!(folded, "the menu is folded at {} px", browser.run("return innerWidth").await);
    assert!(
        browser.run("return document.querySelector('.view-site').getBoundingClientRect().height > 0").await == true,
        "View site stays in view"
    );
    browser.click(".menu-button").await;
    browser.click("nav[aria-label=Admin] a[href='/admin/inbox']").await;
    assert!(browser.wait_for_text("h1", "Inbox").await);
    assert!(browser.run("return document.querySelector('a[href=\"/admin/inbox\"]').getAttribute('aria-current')").await == "page");
    assert_eq!(browser.accessibility_violations().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_admin_fits_a_360_pixel_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Owner).await;
    let browser = Browser::start().await;
    browser.set_window(360, 740).await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    let viewport = browser.run("return window.innerWidth").await;
    assert!(viewport.as_u64().unwrap() <= 360, "the window is a phone's: {viewport}");
    for path in [
        "/admin",
        "/admin/posts",
        "/admin/posts/new",
        "/admin/pages",
        "/admin/pages/1",
        "/admin/library",
        "/admin/books/1",
        "/admin/menus",
        "/admin/settings",
        "/admin/users",
        "/admin/account",
        "/admin/newsletters",
        "/admin/newsletters/new",
        "/admin/subscribers",
        "/admin/petitions",
        "/admin/petitions/1",
        "/admin/petitions/1/signatures",
        "/admin/inbox",
        "/admin/people/erase?email=ann%40example.org",
    ] {
        browser.goto(&format!("{}{path}", app.base)).await;
        // Nothing wider than the screen: no sideways scrolling to reach a field or a button.
        let width = browser.run("return document.documentElement.scrollWidth").await;
        assert!(width.as_u64().unwrap() <= 360, "{path} is {width} px wide at 360 px");
    }
}

#[tokio::test]
async fn an_editor_writes_an_issue_sends_it_and_watches_the_progress_move() {
    let sink = crate::mailbox::SmtpSink::start();
    // Ten a second, so the sending lasts long enough to be watched.
    let app = spawn_app_with_mail_config(Backend::Sqlite, &sink.url, 2, Some(10)).await;
    for n in 0..40 {
        let email = pamphlet::mail::EmailAddress::parse(&format!("reader{n}@example.org")).unwrap();
        pamphlet::newsletter::subscribers::add_confirmed(app.store(), &email, "", "import").await.unwrap();
    }
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.click("a[href='/admin/newsletters']").await;
    browser.click("a[href='/admin/newsletters/new']").await;
    browser.type_into("#subject", "Written in the browser").await;
    // The posts' editor works here too, in its Markdown view.
    browser.click("[data-mode=markdown]").await;
    browser.type_into("#body", "The hearing is set. ").await;
    browser.click("[data-command=bold]").await;
    assert!(browser.wait_for_text("#body-preview", "bold text").await);
    browser.click("button[value=save]").await;
    assert!(browser.wait_for_text("[role=status]", "Saved").await);
    assert!(browser.wait_for_text("main", "Send to 40 confirmed subscribers").await);
    browser.click("button[value=send]").await;
    assert!(browser.wait_for_text("form.confirm-send button", "Send to 40 subscribers").await, "asked first, with the count");
    browser.click("form.confirm-send button").await;
    assert!(browser.wait_for_text("[role=status]", "Sending has started").await);
    // The figures move without a reload, then the page shows the end.
    let url = browser.url().await;
    let mut seen = Vec::new();
    for _ in 0..40 {
        let sent: u32 = browser.text("[data-figure=sent]").await.parse().unwrap_or(0);
        seen.push(sent);
        if sent >= 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(seen.iter().any(|n| *n > 0 && *n < 40), "the count rose while sending: {seen:?}");
    assert_eq!(browser.url().await, url, "without leaving the page");
    let mut ended = false;
    for _ in 0..4 {
        ended = browser.wait_for_text("#sending", "Finished: sent to 40 of 40 subscribers").await;
        if ended {
            break;
        }
    }
    assert!(ended, "the page shows the end");
    assert_eq!(browser.text("[data-figure=sent]").await, "40");
    assert_eq!(sink.count(), 40);
}

#[tokio::test]
async fn a_supporter_signs_the_demo_petition_and_sees_the_counter_move() {
    let sink = crate::mailbox::SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let browser = Browser::start().await;
    browser.set_window(360, 740).await;
    browser.goto(&format!("{}/pardon/", app.base)).await;
    assert_eq!(browser.text("[data-count]").await, "0");
    let width = browser.run("return document.documentElement.scrollWidth").await;
    assert!(width.as_u64().unwrap() <= 360, "the petition fits a phone: {width} px");
    let stamp_in_page = browser.run("return document.querySelector('.petition-form [name=stamp]').value").await;
    browser.type_into("#sign-name", "Anna Maria Keller").await;
    browser.type_into("#sign-email", "anna@example.org").await;
    browser.click("input[name=show_name]").await;
    browser.click("input[name=subscribe]").await;
    // forms.js solves a proof of work on the page's stamp while the person types.
    let mut proof = serde_json::Value::Null;
    for _ in 0..100 {
        proof = browser.run("return document.querySelector('.petition-form [name=proof]').value").await;
        if proof.as_str().is_some_and(|p| !p.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stamp = browser.run("return document.querySelector('.petition-form [name=stamp]').value").await;
    assert_eq!(stamp, stamp_in_page, "the page's own stamp, which says when the form was handed out");
    assert!(pamphlet::public_forms::guard::proof_holds(stamp.as_str().unwrap(), proof.as_str().unwrap()), "a valid proof: {proof}");
    // People take a few seconds to fill in a form; the server drops faster ones.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    browser.click(".petition-form button[type=submit]").await;
    assert!(browser.wait_for_text("h1", "Check your inbox").await);
    let mail = sink.wait_for(1, 10).await.remove(0);

    // Back on the page, the counter follows the confirmation without a reload.
    browser.goto(&format!("{}/pardon/", app.base)).await;
    assert_eq!(browser.text("[data-count]").await, "0");
    let link = mail.link("/signatures/confirm/").expect("a confirmation link");
    let path = &link[link.find("/signatures/").unwrap()..];
    assert_eq!(app.post(path, &[], &[]).await.status, 200);
    let url = browser.url().await;
    let mut moved = false;
    for _ in 0..4 {
        moved = browser.wait_for_text("[data-count]", "1").await;
        if moved {
            break;
        }
    }
    assert!(moved, "the counter moved");
    assert!(browser.wait_for_text("[data-names]", "Anna K.").await);
    assert_eq!(browser.url().await, url, "without leaving the page");
}

#[tokio::test]
async fn a_block_picture_is_picked_by_its_thumbnail_and_keeps_the_librarys_description() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let http = app.sign_in("ann@example.org", &password).await.unwrap();
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(800, 500, |x, y| image::Rgb([(x % 200) as u8, (y % 180) as u8, 120]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let uploaded = app.upload(&http, "/admin/library", &[("alt", "Jens Söring in the visiting room")], ("visit.png", png.get_ref())).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    let hero = [
        ("b0.type", "hero"),
        ("b0.title", "Free him"),
        ("b0.text", ""),
        ("b0.image.asset", ""),
        ("b0.image.alt", ""),
        ("b0.link.label", ""),
        ("b0.link.href", ""),
    ];
    let mut fields =
        vec![("title", "Pictured"), ("slug", ""), ("description", ""), ("version", "0"), ("publish_at", ""), ("action", "publish")];
    fields.extend_from_slice(&hero);
    let id = app.post_signed(&http, "/admin/pages", &fields).await.saved_id();

    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/pages/{id}", app.base)).await;
    browser.run("document.querySelectorAll('details.block-card').forEach(d => d.open = true)").await;
    browser.click("button.pick-picture").await;
    assert!(browser.wait_for_text(".picture-dialog .picks", "Jens Söring in the visiting room").await, "{}", browser.source().await);
    assert_eq!(browser.run("return [...document.querySelectorAll('.picture-dialog .picks img')].every(i => i.getAttribute('src').startsWith('/uploads/'))").await, true, "each with its thumbnail");
    browser
        .run("[...document.querySelectorAll('.picture-dialog button.pick')].find(b => b.textContent.includes('visiting room')).click()")
        .await;
    assert_eq!(
        browser.run("return document.querySelector('#picture-alt').value").await,
        "Jens Söring in the visiting room",
        "the library's description"
    );
    browser.click(".picture-dialog [data-act=place]").await;
    assert_eq!(browser.run("return document.getElementById('b0.image.asset').value").await, "visit.png");
    assert_eq!(browser.run("return document.getElementById('b0.image.alt').value").await, "Jens Söring in the visiting room");
    assert_eq!(
        browser.run("const i = document.querySelector('img.picked'); return !i.hidden && i.complete && i.naturalWidth > 0").await,
        true,
        "the chosen picture is shown"
    );

    // Sent with its description left empty, the block takes the library's.
    let version = hidden_field(&app.get_signed(&http, &format!("/admin/pages/{id}")).await.text(), "version").unwrap();
    let mut fields = vec![
        ("title", "Pictured"),
        ("slug", "pictured"),
        ("description", ""),
        ("version", version.as_str()),
        ("publish_at", ""),
        ("action", "save"),
    ];
    fields.extend(hero.iter().map(|&(k, v)| if k == "b0.image.asset" { (k, "visit.png") } else { (k, v) }));
    let saved = app.post_signed(&http, &format!("/admin/pages/{id}"), &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(app.get("/pictured/").await.text().contains(r#"alt="Jens Söring in the visiting room""#));
}

/// On a shared computer the next person finds no unsaved text; the author finds it again.
#[tokio::test]
async fn signing_out_leaves_no_unsaved_text_in_the_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "A private plan").await;
    assert!(browser.wait_until("localStorage.getItem('pamphlet:post-new')?.includes('private')").await, "the browser keeps a copy");
    // As a person answers "Leave" to the question about unsaved changes.
    browser.run("window.addEventListener('beforeunload', (e) => e.stopImmediatePropagation(), { capture: true })").await;
    browser.click("form.sign-out button").await;
    assert!(browser.wait_for_text("h1", "Sign in").await, "{}", browser.source().await);
    let left =
        browser.run("return Object.keys(localStorage).filter((k) => k.startsWith('pamphlet:') && k !== 'pamphlet:editor-mode')").await;
    assert_eq!(left, serde_json::json!([]), "no copy stays in the browser");

    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    assert!(browser.wait_for_text(".restore-draft", "not saved").await, "the server kept it for her: {}", browser.source().await);
    browser.click(".restore-draft button").await;
    assert_eq!(browser.run("return document.querySelector('#title').value").await, "A private plan");
}
