//! The default theme as a visitor sees it in a real browser, on a phone and
//! on a desktop: the header, the main action on the first screen, and
//! screenshots of the main pages (written to `target/screenshots/`).

use std::path::Path;

use crate::helpers::{Backend, spawn_app_with_mail};
use crate::mailbox::SmtpSink;
use crate::webdriver::Browser;

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);
const PAGES: [(&str, &str); 4] = [
    ("home", "/"),
    ("pardon", "/pardon/"),
    ("post", "/news/new-dna-evidence-july-2016/"),
    ("book", "/books/one-day-in-the-life-of-179212/"),
];

/// Nothing on the page is wider than the window.
const FITS: &str = "document.documentElement.scrollWidth <= window.innerWidth";

#[tokio::test]
async fn the_header_is_one_line_on_a_desktop_and_a_menu_on_a_phone() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let browser = Browser::start().await;
    browser.set_viewport(DESKTOP.0, DESKTOP.1).await;
    for path in ["/", "/pardon/", "/about-the-case/", "/tv-and-video/"] {
        browser.goto(&format!("{}{path}", app.base)).await;
        // The name, every menu link, the search and the button share one line.
        let line = browser
            .run(
                "const middles = [...document.querySelectorAll('.header-row > *, .primary-nav li')].filter((e) => e.checkVisibility())
                   .map((e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
                 return { spread: Math.max(...middles) - Math.min(...middles), shown: middles.length,
                   links: document.querySelectorAll('.primary-nav li').length,
                   height: document.querySelector('.site-header').getBoundingClientRect().height,
                   summary: document.querySelector('.site-menu > summary').checkVisibility() }",
            )
            .await;
        assert!(line["spread"].as_f64().unwrap() < 6.0, "{path}: one line at {} px: {line}", DESKTOP.0);
        assert_eq!(line["shown"], 8 + 4, "{path}: all eight links and the row's four parts show: {line}");
        assert!(line["height"].as_f64().unwrap() < 80.0 && line["summary"] == false, "{path}: {line}");
        assert!(browser.run(&format!("return {FITS}")).await == true, "{path} fits {} px", DESKTOP.0);
    }

    browser.set_viewport(PHONE.0, PHONE.1).await;
    browser.goto(&format!("{}/", app.base)).await;
    let pardon = ".primary-nav a[href='/pardon/']";
    assert!(browser.run(&format!("return document.querySelector(\"{pardon}\").checkVisibility()")).await == false, "the menu is folded");
    let header = browser.run("return document.querySelector('.site-header').getBoundingClientRect().height").await;
    assert!(header.as_f64().unwrap() < 90.0, "a short header on a phone: {header} px");
    browser.click(".site-menu > summary").await;
    assert!(browser.wait_until(&format!("document.querySelector(\"{pardon}\").checkVisibility()")).await, "the menu opens");
    browser.click(pardon).await;
    assert!(browser.wait_until("location.pathname === '/pardon/'").await, "{}", browser.url().await);
    for (_, path) in PAGES {
        browser.goto(&format!("{}{path}", app.base)).await;
        assert!(browser.run(&format!("return {FITS}")).await == true, "{path} fits {} px", PHONE.0);
    }
}

#[tokio::test]
async fn the_main_action_is_on_the_first_screen_of_a_phone() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let browser = Browser::start().await;
    browser.set_viewport(PHONE.0, PHONE.1).await;
    browser.goto(&format!("{}/", app.base)).await;
    let seen = "(css) => { const e = document.querySelector(css); const r = e.getBoundingClientRect();
        return e.checkVisibility() && r.top >= 0 && r.bottom <= window.innerHeight; }";
    let on_screen = |css: &str| format!("return ({seen})({})", serde_json::Value::from(css));
    assert!(browser.run(&on_screen(".lead-action .tally")).await == true, "the petition's count on the first screen");
    assert!(browser.run(&on_screen(".lead-action .button")).await == true, "and its button");
    assert!(browser.run(&on_screen(".header-action")).await == true, "the header's button too");
    assert!(browser.text(".lead-action .tally-count").await.contains("of 10,000 signatures"));

    browser.click(".lead-action .button").await;
    assert!(browser.wait_until("location.pathname === '/pardon/' && location.hash === '#sign'").await, "{}", browser.url().await);
    assert!(browser.run(&on_screen("#sign-name")).await == true, "the button leads to the form");

    browser.goto(&format!("{}/pardon/", app.base)).await;
    let top = browser.run("return document.querySelector('#sign-name').getBoundingClientRect().top").await;
    assert!(top.as_f64().unwrap() < f64::from(PHONE.1) - 40.0, "the form starts on the Pardon page's first screen: {top} px");
}

#[tokio::test]
async fn screenshots_of_the_main_pages_on_a_phone_and_a_desktop() {
    let sink = SmtpSink::start();
    let app = spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    let browser = Browser::start().await;
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    for (width, height) in [PHONE, DESKTOP] {
        browser.set_viewport(width, height).await;
        for (name, path) in PAGES {
            browser.goto(&format!("{}{path}", app.base)).await;
            let file = folder.join(format!("{name}-{width}.png"));
            browser.screenshot_page(&file, width, height).await;
            let shot = image::open(&file).unwrap().to_rgb8();
            assert_eq!(shot.width(), width, "{}", file.display());
            assert!(shot.height() >= height, "the whole page: {}", file.display());
            // A page, not a blank: the accent colour of the buttons is in it.
            assert!(shot.pixels().any(|p| p.0 == [0x8a, 0x1c, 0x1c]), "{} shows the theme", file.display());
        }
    }
}
