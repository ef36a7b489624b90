//! The writing surface in a real browser: formatted text typed and pasted,
//! kept as Markdown in the form and shown the same on the site.

use pamphlet::admin::Role;

use crate::browser::sign_in;
use crate::helpers::*;
use crate::webdriver::Browser;

// WebDriver's keys: Ctrl, Shift, Home and Enter.
const CTRL: &str = "\u{E009}";
const SHIFT_HOME: &str = "\u{E008}\u{E011}";
const ENTER: &str = "\u{E007}";

/// The Markdown the form will send, once the surface has written it back.
async fn markdown_of(browser: &Browser, field: &str) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let value = browser.run(&format!("return document.querySelector('#{field}').value")).await;
    value.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_editor_writes_formatted_text_without_markdown_and_the_site_shows_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "Formatted in the browser").await;
    // The textarea gives way to the formatted surface.
    assert_eq!(browser.run("return document.querySelector('#body').hidden").await, true);

    let text = "#body-rich";
    browser.type_into(text, "Dear Governor, ").await;
    browser.type_into(text, &format!("{CTRL}b")).await;
    browser.type_into(text, "pardon him").await;
    browser.type_into(text, &format!("{CTRL}b")).await;
    browser.type_into(text, &format!(".{ENTER}")).await;
    browser.click("[data-command=h2]").await;
    assert_eq!(browser.run("return document.querySelector('[data-command=h2]').getAttribute('aria-pressed')").await, "true");
    browser.type_into(text, &format!("Why{ENTER}")).await;
    browser.click("[data-command=ul]").await;
    browser.type_into(text, &format!("He was 18{ENTER}The evidence points elsewhere{ENTER}{ENTER}")).await;
    // A link: select the words, Ctrl+K, type the address.
    browser.type_into(text, "read the case").await;
    browser.type_into(text, SHIFT_HOME).await;
    browser.type_into(text, &format!("{CTRL}k")).await;
    browser.type_into("#link-href", &format!("/pardon{ENTER}")).await;

    let markdown = markdown_of(&browser, "body").await;
    for kept in ["Dear Governor, **pardon him**.", "## Why", "- He was 18", "- The evidence points elsewhere", "[read the case](/pardon)"] {
        assert!(markdown.contains(kept), "{kept:?} in the Markdown: {markdown}");
    }

    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await, "{}", browser.source().await);
    let page = app.get("/news/formatted-in-the-browser/").await.text();
    for shown in ["<strong>pardon him</strong>", "<h2>Why</h2>", "<li>He was 18</li>", "<a href=\"/pardon/\""] {
        assert!(page.contains(shown), "{shown} on the site: {page}");
    }

    assert!(!page.contains("squire") && !page.contains("editor."), "the public page ships no editor code");
    // Opened again, the saved post is shown formatted, and the Markdown view has the same text.
    assert!(browser.wait_for_text("#body-rich h2", "Why").await);
    browser.click("[data-mode=markdown]").await;
    assert_eq!(browser.run("return document.querySelector('#body-rich').hidden").await, true);
    assert_eq!(markdown_of(&browser, "body").await, markdown);
}

#[tokio::test]
async fn text_pasted_from_a_word_processor_keeps_its_structure_and_loses_the_rest() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.click("#body-rich").await;
    // What Google Docs puts on the clipboard: a bold wrapper that is not
    // bold, emphasis as styles, and a web page's script, style and colours.
    let pasted = r#"<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><h1 dir="ltr" style="line-height:1.38"><span style="font-size:20pt;font-family:Arial;color:#000000">The case in short</span></h1><p dir="ltr"><span style="font-family:Arial;color:#ff0000;font-weight:700">Convicted</span><span style="font-family:Arial"> in 1990, </span><span style="font-style:italic">without</span><span> a trace of his blood.</span></p><ul><li><p><span>First trial</span></p></li><li><p><a href="https://example.org/appeal" style="color:#1155cc" onclick="steal()">The appeal</a></p></li></ul><script>alert(1)</script><style>p{color:red}</style><p><a href="javascript:alert(2)">bad link</a><img src="https://tracker.example/pixel.gif"><font face="Comic Sans">plain words</font></p></b>"#;
    browser
        .run(&format!(
            "const data = new DataTransfer(); data.setData('text/html', {html}); data.setData('text/plain', 'x');
             document.querySelector('#body-rich').dispatchEvent(new ClipboardEvent('paste', {{ clipboardData: data, bubbles: true, cancelable: true }}));
             return true",
            html = serde_json::Value::from(pasted)
        ))
        .await;
    let markdown = markdown_of(&browser, "body").await;
    for kept in [
        "## The case in short",
        "**Convicted** in 1990, _without_ a trace of his blood.",
        "First trial",
        "[The appeal](https://example.org/appeal)",
        "bad link",
        "plain words",
    ] {
        assert!(markdown.contains(kept), "{kept:?} kept: {markdown}");
    }
    assert!(markdown.contains("- ") || markdown.contains("* "), "the list stays a list: {markdown}");
    for dropped in ["alert", "color", "Arial", "javascript", "tracker", "steal", "Comic", "docs-internal", "<"] {
        assert!(!markdown.contains(dropped), "{dropped:?} dropped: {markdown}");
    }
    let surface = browser.run("return document.querySelector('#body-rich').innerHTML").await;
    for dropped in ["style=", "onclick", "<script", "<span", "<font"] {
        assert!(!surface.as_str().unwrap().contains(dropped), "{dropped:?} not in the editor: {surface}");
    }
}

#[tokio::test]
async fn a_text_the_formatted_view_cannot_give_back_opens_as_markdown() {
    let app = spawn_app(Backend::Sqlite).await;
    let owner = app.signed_in_as(Role::Owner).await;
    // A footnote: the formatted view would lose it, so it must not touch it.
    let body = "A claim.[^1]\n\n[^1]: The court record, page 12.";
    let created = app.post_signed(&owner, "/admin/posts", &post_form("Footnoted", &[("body", body)])).await;
    let path = created.header("location").unwrap().split('?').next().unwrap().to_owned();
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}{path}", app.base)).await;
    assert!(browser.wait_for_text(".editor-note", "opens as Markdown").await, "{}", browser.source().await);
    assert_eq!(browser.run("return document.querySelector('#body').hidden").await, false);
    assert_eq!(markdown_of(&browser, "body").await, body);
}

#[tokio::test]
async fn the_link_dialog_finds_the_sites_pages_by_their_title() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#body-rich", "Read more: ").await;
    browser.type_into("#body-rich", &format!("{CTRL}k")).await;
    // Typed with the umlaut; the demo page's title spells it Soering.
    browser.type_into("#link-href", "case of Söring").await;
    assert!(browser.wait_for_text("#link-found [role=option]", "About the Case of Jens Soering").await, "{}", browser.source().await);
    assert_eq!(browser.run("return document.querySelector('#link-href').getAttribute('aria-expanded')").await, "true");
    browser.type_into("#link-href", &format!("\u{E015}{ENTER}")).await;
    let markdown = markdown_of(&browser, "body").await;
    assert_eq!(markdown, "Read more: [About the Case of Jens Soering](/about-the-case/)");
    // An address is taken as typed, without a search.
    browser.type_into("#body-rich", " and ").await;
    browser.type_into("#body-rich", &format!("{CTRL}k")).await;
    browser.type_into("#link-href", "https://example.org/appeal").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(browser.run("return document.querySelector('#link-found').hidden").await, true);
    browser.type_into("#link-href", ENTER).await;
    let markdown = markdown_of(&browser, "body").await;
    assert!(markdown.ends_with("and [https://example.org/appeal](https://example.org/appeal)"), "{markdown}");
}

#[tokio::test]
async fn a_tv_report_a_book_and_a_petition_placed_in_the_text_show_as_themselves_on_the_site() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "Three things to see").await;
    browser.type_into("#body-rich", &format!("Watch, read and sign:{ENTER}")).await;
    for (words, title) in
        [("Chuck Reid", "Chuck Reid: the original"), ("179212", "One Day in the Life of 179212"), ("pardon", "An absolute pardon")]
    {
        browser.click("[data-command=embed]").await;
        browser.type_into("#embed-find", words).await;
        assert!(browser.wait_for_text("#embed-found [role=option]", title).await, "{words}: {}", browser.source().await);
        browser.type_into("#embed-find", &format!("\u{E015}{ENTER}")).await;
    }
    // A quote with who said it, set large like the quote block.
    browser.click("[data-command=embed]").await;
    browser.type_into("#quote-words", "I am innocent.").await;
    browser.type_into("#quote-who", "Jens Söring").await;
    browser.click("[data-act=quote]").await;
    let markdown = markdown_of(&browser, "body").await;
    assert!(markdown.contains("> I am innocent.\n>\n> — Jens Söring"), "{markdown}");
    for kept in [
        "(/media/chuck-reid-tv-report/ \"embed\")",
        "[One Day in the Life of 179212](/books/one-day-in-the-life-of-179212/ \"embed\")",
        "[An absolute pardon for Jens Söring](/petitions/pardon-for-jens-soering \"embed\")",
    ] {
        assert!(markdown.contains(kept), "{kept} in the Markdown: {markdown}");
    }
    // While writing, each shows as a card of its own.
    let cards =
        browser.run("return [...document.querySelectorAll('#body-rich p > a[title=embed]')].map(a => getComputedStyle(a).display)").await;
    assert_eq!(cards, serde_json::json!(["block", "block", "block"]), "{}", browser.source().await);

    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await, "{}", browser.source().await);
    let page = app.get("/news/three-things-to-see/").await.text();
    assert!(page.contains(r#"<figure class="embed video">"#) && page.contains("Play the video"), "the click-to-load player: {page}");
    assert!(!page.contains("<iframe"), "nothing loads from the video's host until asked");
    assert!(page.contains(r#"<div class="embed book">"#) && page.contains(r#"<article class="card book-card">"#), "{page}");
    // The petition with its live counter (and its form where the site can send confirmations).
    assert!(
        page.contains(r#"<section class="embed call petition">"#)
            && page.contains(r#"data-tally="/petitions/pardon-for-jens-soering/tally""#),
        "{page}"
    );
    assert!(page.contains("Watch, read and sign:"));
    assert!(
        page.contains(
            "<figure class=\"quote\"><blockquote>\n<p>I am innocent.</p>\n</blockquote><figcaption>— Jens Söring</figcaption></figure>"
        ),
        "{page}"
    );
    // The feed carries the same text with each item as a plain link.
    let feed = app.get("/feed.xml").await.text();
    assert!(feed.contains("chuck-reid-tv-report") && !feed.contains("embed video"), "{feed}");
}

/// A 1200×600 photo-like PNG, as base64.
fn photo() -> String {
    use base64::Engine;
    let image = image::RgbImage::from_fn(1200, 600, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 90]));
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    base64::engine::general_purpose::STANDARD.encode(png.into_inner())
}

#[tokio::test]
async fn a_picture_dropped_into_the_text_is_described_uploaded_and_shown_with_its_copies() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Editor).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.type_into("#title", "The vigil").await;
    browser.type_into("#body-rich", &format!("We stood outside the prison.{ENTER}")).await;
    // A file dropped from the desktop, as the browser hands it over.
    browser
        .run(&format!(
            "const bytes = Uint8Array.from(atob('{png}'), (c) => c.charCodeAt(0));
             const data = new DataTransfer();
             data.items.add(new File([bytes], 'Vigil.png', {{ type: 'image/png' }}));
             const box = document.querySelector('#body-rich').getBoundingClientRect();
             document.querySelector('#body-rich').dispatchEvent(new DragEvent('drop', {{ dataTransfer: data, bubbles: true, cancelable: true, clientX: box.left + 5, clientY: box.bottom - 5 }}));
             return true",
            png = photo()
        ))
        .await;
    // The description is asked before anything is placed.
    assert!(browser.wait_until("document.activeElement?.id === 'picture-alt'").await, "{}", browser.source().await);
    browser.type_into("#picture-alt", ENTER).await;
    assert!(browser.wait_for_text("#picture-error", "Describe the picture").await);
    assert_eq!(browser.run("return document.querySelectorAll('#body-rich img').length").await, 0);
    browser.type_into("#picture-alt", &format!("Supporters with candles at the gate{ENTER}")).await;
    assert!(browser.wait_until("document.querySelector('#body-rich img')").await, "{}", browser.source().await);
    let markdown = markdown_of(&browser, "body").await;
    assert!(markdown.contains("We stood outside the prison."), "{markdown}");
    assert!(markdown.contains("![Supporters with candles at the gate](/uploads/vigil.png)"), "{markdown}");

    // Placed again from the library, its description comes with it.
    browser.click("[data-command=image]").await;
    browser.find("dialog[open] .pick").await;
    browser.click("dialog[open] .pick").await;
    assert_eq!(browser.run("return document.querySelector('#picture-alt').value").await, "Supporters with candles at the gate");
    browser.click("dialog[open] [data-act=place]").await;
    assert!(browser.wait_until("document.querySelectorAll('#body-rich img').length === 2").await);

    browser.click("button[value=publish]").await;
    assert!(browser.wait_for_text("[role=status]", "Published").await, "{}", browser.source().await);
    let page = app.get("/news/the-vigil/").await.text();
    let img = page.split("<img ").nth(1).expect("the picture is on the page");
    let img = &img[..img.find('>').unwrap()];
    for part in [
        "srcset=\"/uploads/vigil-480w.",
        " 480w, /uploads/vigil-960w.",
        "/uploads/vigil.png 1200w\"",
        "width=\"1200\" height=\"600\"",
        "alt=\"Supporters with candles at the gate\"",
        "loading=\"lazy\"",
    ] {
        assert!(img.contains(part), "{part} in <img {img}>");
    }
}

#[tokio::test]
async fn the_editor_pages_pass_axe_core() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", Role::Owner).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, "ann@example.org", &password).await;
    let mut found = Vec::new();
    for path in ["/admin/posts/new", "/admin/petitions/new", "/admin/newsletters/new", "/admin/books/new"] {
        browser.goto(&format!("{}{path}", app.base)).await;
        browser.find("[data-mode=markdown]").await;
        found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("{path}: {v}")));
    }
    // A page with text blocks, in the formatted view and in the Markdown view.
    browser.goto(&format!("{}/admin/pages/new", app.base)).await;
    browser.type_into("#title", "Visiting").await;
    browser.click("button[value='add:rich_text']").await;
    browser.find("[id='b0.body-rich']").await;
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("page with a block: {v}")));
    browser.click("[data-mode=markdown]").await;
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("Markdown view: {v}")));
    // The link dialog, open; the Markdown view was kept for this browser, so the toggle leads back.
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    assert!(browser.wait_for_text(".toolbar", "Markdown").await);
    assert_eq!(browser.run("return document.querySelector('#body-rich').hidden").await, true);
    browser.click("[data-mode=markdown]").await;
    browser.type_into("#body-rich", "words").await;
    browser.click("[data-command=link]").await;
    browser.find("dialog[open] #link-href").await;
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("link dialog: {v}")));
    browser.type_into("#link-href", "\u{E00C}").await;
    browser.click("[data-command=image]").await;
    browser.find("dialog[open] #picture-file").await;
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("picture dialog: {v}")));
    browser.press(&["\u{E00C}"]).await;
    browser.click("[data-command=embed]").await;
    browser.type_into("#embed-find", "Chuck").await;
    assert!(browser.wait_for_text("#embed-found [role=option]", "Chuck Reid").await);
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("embed dialog: {v}")));
    browser.type_into("#embed-find", "\u{E00C}").await;
    // A block with a picture field, its history, the settings with the time zone, the people.
    browser.goto(&format!("{}/admin/pages/new", app.base)).await;
    browser.type_into("#title", "Pictured").await;
    browser.click("button[value='add:hero']").await;
    browser.find("button.pick-picture").await;
    found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("picture field: {v}")));
    for path in ["/admin/pages/1/revisions", "/admin/settings", "/admin/users", "/admin/newsletters"] {
        browser.goto(&format!("{}{path}", app.base)).await;
        browser.find("main h1").await;
        found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("{path}: {v}")));
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}
