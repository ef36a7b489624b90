//! The public site as real validators read it: the Nu HTML Checker (vnu.jar
//! from npm, run with Java) over every address in the sitemap, and axe-core
//! in Chromium over the main public pages.

use std::process::Command;

use crate::helpers::*;
use crate::webdriver::Browser;

/// Every address the sitemap lists, as paths.
async fn sitemap_paths(app: &TestApp) -> Vec<String> {
    let sitemap = app.get("/sitemap.xml").await.text();
    sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .map(|url| url.strip_prefix(&app.base).unwrap_or(url).to_owned())
        .collect()
}

#[tokio::test]
async fn every_page_passes_the_nu_html_checker() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut paths = sitemap_paths(&app).await;
    assert!(paths.len() > 20, "the demo's sitemap lists its pages: {paths:?}");
    // Pages the sitemap leaves out: a search, the missing page, the sign-in form.
    paths.extend(["/search/?q=pardon", "/no-such-page/", "/admin/login"].map(str::to_owned));
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (n, path) in paths.iter().enumerate() {
        let page = app.get(path).await;
        assert!(page.status == 200 || path == "/no-such-page/", "{path}: {}", page.status);
        let file = dir.path().join(format!("{n}.html"));
        std::fs::write(&file, &page.body).unwrap();
        files.push(file);
    }
    let vnu = std::env::var("PAMPHLET_TEST_VNU").expect("PAMPHLET_TEST_VNU names vnu.jar: run the tests with scripts/test.sh");
    let output =
        Command::new("java").args(["-jar", &vnu, "--errors-only"]).args(&files).output().expect("java runs (scripts/test.sh installs it)");
    // Each message names its file; say which address that was.
    let mut report = String::from_utf8_lossy(&output.stderr).into_owned();
    for (n, path) in paths.iter().enumerate().rev() {
        report = report.replace(&format!("{}/{n}.html", dir.path().display()), path);
    }
    assert!(output.status.success() && report.trim().is_empty(), "the Nu HTML Checker found errors on {} pages:\n{report}", paths.len());
}

#[tokio::test]
async fn the_public_pages_pass_axe_core() {
    axe_over_the_public_pages(Browser::start().await, false).await;
}

#[tokio::test]
async fn the_public_pages_pass_axe_core_in_dark_mode() {
    axe_over_the_public_pages(Browser::start_dark().await, true).await;
}

/// axe-core over the demo's pages, with every form on them (a mail server
/// is set), in the colours the browser asks for (contrast differs).
async fn axe_over_the_public_pages(browser: Browser, dark: bool) {
    let sink = crate::mailbox::SmtpSink::start();
    let app = crate::helpers::spawn_app_with_mail(Backend::Sqlite, &sink.url).await;
    browser.goto(&format!("{}/", app.base)).await;
    assert_eq!(browser.run("return matchMedia('(prefers-color-scheme: dark)').matches").await, dark);
    let pages = [
        "/",
        "/pardon/",
        "/news/",
        "/books/",
        "/books/one-day-in-the-life-of-179212/",
        "/media/chuck-reid-tv-report/",
        "/press/",
        "/contact/",
        "/news/new-dna-evidence-july-2016/",
        "/tv-and-video/",
        "/search/?q=pardon",
        "/no-such-page/",
    ];
    let found = violations_on(&browser, &app.base, &pages).await;
    assert!(found.is_empty(), "axe-core found (dark: {dark}):\n{}", found.join("\n"));
}

/// The JSON-LD objects of a page (each `application/ld+json` script, arrays spread).
fn json_ld(html: &str) -> Vec<serde_json::Value> {
    let mut found = Vec::new();
    for script in html.split(r#"<script type="application/ld+json">"#).skip(1) {
        let text = script.split("</script>").next().unwrap();
        match serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|e| panic!("JSON-LD parses: {e}: {text}")) {
            serde_json::Value::Array(items) => found.extend(items),
            one => found.push(one),
        }
    }
    found
}

#[tokio::test]
async fn the_structured_data_has_what_search_engines_ask_for() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut seen = std::collections::BTreeSet::new();
    for path in sitemap_paths(&app).await {
        let html = app.get(&path).await.text();
        for ld in json_ld(&html) {
            assert_eq!(ld["@context"], "https://schema.org", "{path}: {ld}");
            let kind = ld["@type"].as_str().unwrap_or_else(|| panic!("{path}: a type: {ld}")).to_owned();
            let needs: &[&str] = match kind.as_str() {
                "NewsArticle" | "Article" => &["headline", "image", "author", "datePublished", "dateModified", "publisher"],
                "VideoObject" => &["name", "thumbnailUrl", "uploadDate", "description", "transcript"],
                "Book" => &["name", "isbn", "author", "publisher", "image"],
                "Organization" => &["name", "url", "logo", "sameAs"],
                "WebPage" => &["name", "url"],
                "BreadcrumbList" => &["itemListElement"],
                other => panic!("{path}: an unexpected type {other}"),
            };
            for key in needs {
                let value = &ld[key];
                assert!(!value.is_null() && value != "" && value != &serde_json::json!([]), "{path}: {kind} has {key}: {ld}");
            }
            for key in ["image", "thumbnailUrl", "logo"] {
                if let Some(url) = ld[key].as_str() {
                    assert!(url.starts_with(&app.base), "{path}: {key} is absolute: {url}");
                    let found = app.get(url.strip_prefix(&app.base).unwrap()).await;
                    assert_eq!(found.status, 200, "{path}: {key} {url} answers");
                    assert!(found.header("content-type").unwrap_or_default().starts_with("image/"), "{path}: {key} is a picture");
                }
            }
            if kind == "BreadcrumbList" {
                let items = ld["itemListElement"].as_array().unwrap();
                assert!(items.len() >= 2 && items.iter().enumerate().all(|(n, i)| i["position"] == n + 1), "{path}: {ld}");
                assert_eq!(items.last().unwrap()["item"], format!("{}{path}", app.base), "{path}: it ends at the page");
            }
            if path == "/pardon/" && kind == "WebPage" {
                assert_eq!(ld["potentialAction"]["name"], "Sign the petition “An absolute pardon for Jens Söring”", "{ld}");
            }
            seen.insert(kind);
        }
    }
    let all = ["Article", "Book", "BreadcrumbList", "NewsArticle", "Organization", "VideoObject", "WebPage"];
    assert_eq!(seen.iter().map(String::as_str).collect::<Vec<_>>(), all, "every type appears on the demo");
}

#[tokio::test]
async fn the_admins_main_pages_pass_axe_core() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = app.add_account("ann@example.org", pamphlet::admin::Role::Owner).await;
    let browser = Browser::start().await;
    crate::browser::sign_in(&browser, &app, "ann@example.org", &password).await;
    let pages = [
        "/admin",
        "/admin/posts",
        "/admin/pages",
        "/admin/pages/1",
        "/admin/library",
        "/admin/menus",
        "/admin/petitions",
        "/admin/signatures",
        "/admin/newsletters",
        "/admin/subscribers",
        "/admin/inbox",
        "/admin/settings",
        "/admin/users",
        "/admin/account",
        "/admin/books",
        "/admin/media",
        "/admin/press",
    ];
    let found = violations_on(&browser, &app.base, &pages).await;
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

/// axe-core's findings on each of `paths`, named by the page.
async fn violations_on(browser: &Browser, base: &str, paths: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in paths {
        browser.goto(&format!("{base}{path}")).await;
        browser.find("main h1").await;
        found.extend(browser.accessibility_violations().await.into_iter().map(|v| format!("{path}: {v}")));
    }
    found
}
