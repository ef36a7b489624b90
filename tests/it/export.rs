//! `pamphlet build`: the static export of the demo site, checked file by file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use pamphlet::content::posts::{self, PostInput};
use pamphlet::render::Renderer;
use pamphlet::render::page::Site;
use pamphlet::render::theme::Theme;
use pamphlet::store::{Location, Store};

use crate::helpers::{Backend, gunzip, links, spawn_app_with, spawn_app_with_mail, unbrotli};
use crate::mailbox::SmtpSink;

crate::both_backends! {
    async fn the_export_is_complete_self_contained_and_matches_the_live_site(backend: Backend) {
        // With a mail server, so that the live site shows its signup form.
        let sink = SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let out = tempfile::tempdir().unwrap();
        let site = Site { store: app.store().clone(), renderer: Arc::new(Renderer::new(Arc::new(Theme::load(None).unwrap())).unwrap()), base_url: app.base.clone(), frame: None, kept_frame: None, forms: None };
        let report = pamphlet::export::build(&site, out.path(), Default::default()).await.unwrap();
        assert!(report.broken.is_empty(), "broken links: {:?}", report.broken);
        let files = all_files(out.path());

        // A file for every sitemap URL.
        let sitemap = std::fs::read_to_string(out.path().join("sitemap.xml")).unwrap();
        let locs: Vec<&str> = sitemap.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap()).collect();
        assert!(locs.len() >= 20);
        for loc in &locs {
            let path = loc.strip_prefix(&app.base).unwrap();
            assert!(resolve(out.path(), path).is_some(), "no file for the sitemap URL {path}");
        }

        // Every internal link and asset reference in every exported file resolves.
        let mut checked = 0;
        for file in files.iter().filter(|f| f.ends_with(".html") || f.ends_with(".xml")) {
            let text = std::fs::read_to_string(out.path().join(file)).unwrap();
            for link in links(&text) {
                let path = link.strip_prefix(&app.base).map(str::to_owned).unwrap_or(link.clone());
                if !path.starts_with('/') || path.starts_with("//") {
                    continue;
                }
                let path = path.split(['#', '?']).next().unwrap();
                assert!(resolve(out.path(), path).is_some(), "{file} links to {path}, which is not in the export");
                checked += 1;
            }
        }
        assert!(checked > 300, "the checker saw the links ({checked})");
        assert!(files.iter().any(|f| f.starts_with("static/style.") && f.ends_with(".css")), "hashed theme assets");
        assert!(files.iter().any(|f| f.starts_with("uploads/") && f.ends_with(".svg")), "uploads");
        assert!(files.contains("404.html") && files.contains("robots.txt"));
        // The icons every page links, and each page's share card.
        for file in ["favicon.ico", "apple-touch-icon.png", "site.webmanifest", "share/index.png", "share/pardon.png", "share/news.png"] {
            assert!(files.contains(file), "{file} in the export");
        }

        // Precompressed twins decode to their originals.
        let mut twins = 0;
        for file in files.iter().filter(|f| [".html", ".css", ".js", ".xml", ".json"].iter().any(|e| f.ends_with(e))) {
            let original = std::fs::read(out.path().join(file)).unwrap();
            assert_eq!(gunzip(&std::fs::read(out.path().join(format!("{file}.gz"))).unwrap()), original, "{file}.gz");
            assert_eq!(unbrotli(&std::fs::read(out.path().join(format!("{file}.br"))).unwrap()), original, "{file}.br");
            twins += 1;
        }
        assert!(twins >= 30);

        // The same HTML as the live site, since both use one renderer and one base URL,
        // except the forms: the export has nothing to post them to, so it shows another way.
        for path in ["/", "/news/", "/case-overview/", "/news/chuck-reid-says-jens-soering-is-innocent/", "/press/", "/newsletter/"] {
            let live = app.get(path).await;
            assert_eq!(live.status, 200, "{path}");
            let exported = String::from_utf8(std::fs::read(resolve(out.path(), path).unwrap()).unwrap()).unwrap();
            assert!(!exported.contains("action=\"/newsletter/subscribe\""), "{path}: no dead form in the export");
            assert_eq!(without_signup(&exported), without_signup(&live.text()), "{path} differs from the live page");
        }
        let newsletter = std::fs::read_to_string(resolve(out.path(), "/newsletter/").unwrap()).unwrap();
        assert!(newsletter.contains("To subscribe, write to"), "the export says how to subscribe instead");
        assert!(app.get("/newsletter/").await.text().contains(r#"id="signup-email""#), "the live page has the form");
        // The petition and contact forms too: a note instead, and a mailto for contact.
        let pardon = std::fs::read_to_string(resolve(out.path(), "/pardon/").unwrap()).unwrap();
        assert!(!pardon.contains("petition-form") && pardon.contains("To add your support, write to"), "{pardon}");
        let contact = std::fs::read_to_string(resolve(out.path(), "/contact/").unwrap()).unwrap();
        assert!(!contact.contains("contact-form") && contact.contains("href=\"mailto:admin@example.org\""), "{contact}");

        // The search index finds every spelling of the name.
        let index: serde_json::Value = serde_json::from_slice(&std::fs::read(out.path().join("search-index.json")).unwrap()).unwrap();
        let folded = pamphlet::search::fold::tokens("Soering");
        assert_eq!(folded, pamphlet::search::fold::tokens("Söring"));
        let postings = index["terms"][&folded[0]].as_array().expect("Soering is in the index");
        let urls: Vec<&str> = postings.chunks(2).map(|p| index["docs"][p[0].as_u64().unwrap() as usize]["u"].as_str().unwrap()).collect();
        assert!(urls.contains(&"/case-overview/"), "{urls:?}");
        let search = std::fs::read_to_string(out.path().join("search/index.html")).unwrap();
        assert!(search.contains("data-index=\"/search-index.json\"") && search.contains("/static/search."), "the search page loads its script");
        let home = std::fs::read_to_string(out.path().join("index.html")).unwrap();
        assert!(!home.contains("search.") || !home.contains("/static/search."), "only the search page loads the search script");
    }
}

/// The browser search of the export, run by node on the exported files.
#[test]
fn the_exported_search_script_finds_every_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(build(&dir.path().join("data"), &out, &["--base-url", "https://example.org"]).status.success());
    let search = |query: &str| {
        let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/search_js.js");
        let output = Command::new("node").arg(harness).arg(&out).arg(query).output().expect("node runs (scripts/test.sh installs it)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let count = |html: &str| html.split(" result").next().unwrap().rsplit('>').next().unwrap().parse::<usize>().unwrap();
    let soering = search("Soering");
    assert!(count(&soering) >= 10 && soering.contains("href=\"/about-the-case/\""), "{soering}");
    for spelling in ["Söring", "Soring", "SOERING"] {
        let html = search(spelling);
        assert_eq!(count(&html), count(&soering), "{spelling} finds what Soering finds");
        assert!(html.contains("<mark>Söring</mark>") && html.contains("<mark>Soering</mark>"), "{spelling} highlights both spellings");
    }
    assert!(search("Buck").contains("href=\"/buckingham-correctional-center/\""), "prefix while typing");
    let odd = search("<script>alert(1)</script>");
    assert!(!odd.contains("<script>") && odd.contains("&lt;script&gt;"), "the query is escaped: {odd}");
    assert!(search("xylophonequartet").contains("Nothing was found"));
}

#[test]
fn a_second_build_rewrites_nothing_and_an_edit_rewrites_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let first = build(&data, &out, &["--base-url", "https://example.org"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let stamp = |file: &str| std::fs::metadata(out.join(file)).unwrap().modified().unwrap();
    let before = ["index.html", "books/one-day-in-the-life-of-179212/index.html", "news/index.html"].map(stamp);

    let second = build(&data, &out, &["--base-url", "https://example.org"]);
    let printed = String::from_utf8(second.stdout).unwrap();
    assert!(printed.contains(" 0 files written"), "{printed}");
    assert!(!printed.contains("wrote "), "{printed}");
    assert_eq!(["index.html", "books/one-day-in-the-life-of-179212/index.html", "news/index.html"].map(stamp), before);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&Location::from_flags(&data, None).unwrap()).await.unwrap();
        let post: PostInput = toml::from_str(
            "slug = \"an-old-letter\"\nkind = \"news\"\ntitle = \"An old letter\"\ndate = 1990-05-01\nsummary = \"From the archive.\"\nbody = \"A letter from 1990.\"\ntags = []\n",
        )
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        posts::save(&mut tx, &post).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
    let third = build(&data, &out, &["--base-url", "https://example.org"]);
    let printed = String::from_utf8(third.stdout).unwrap();
    assert!(printed.contains("wrote   news/an-old-letter/index.html"), "{printed}");
    assert!(printed.contains("wrote   news/index.html") && printed.contains("wrote   sitemap.xml"), "{printed}");
    assert!(!printed.contains("books/"), "an unrelated page is not rewritten: {printed}");
    assert_eq!(stamp("books/one-day-in-the-life-of-179212/index.html"), before[1]);
    assert!(std::fs::read_to_string(out.join("news/an-old-letter/index.html")).unwrap().contains("A letter from 1990."));
}

#[test]
fn a_base_url_with_a_path_moves_every_link_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = build(&dir.path().join("data"), &out, &["--base-url", "https://example.org/friends/"]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("href=\"/friends/news/\""), "menu links carry the base path");
    assert!(home.contains("href=\"/friends/static/style."), "assets carry the base path");
    assert!(home.contains("https://example.org/friends/"), "canonical URL");
    for link in links(&home).into_iter().filter(|l| l.starts_with('/')) {
        let inside = link.strip_prefix("/friends/").unwrap_or_else(|| panic!("{link} is outside the base path"));
        assert!(resolve(&out, inside.split(['#', '?']).next().unwrap()).is_some(), "{link}");
    }
}

#[test]
fn without_a_search_index_the_search_page_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = build(&dir.path().join("data"), &out, &["--base-url", "https://example.org", "--no-search-index"]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert!(!out.join("search-index.json").exists());
    let search = std::fs::read_to_string(out.join("search/index.html")).unwrap();
    assert!(search.contains("This copy of the site has no search") && !search.contains("search.js"), "{search}");
    assert!(out.join("news/chuck-reid-says-jens-soering-is-innocent/index.html").is_file());
}

#[test]
fn bad_input_fails_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let theme = dir.path().join("theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    std::fs::write(theme.join("templates/page.html"), "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock %}\n").unwrap();
    let cases: [(&[&str], PathBuf, &str); 5] = [
        (&["--base-url", "https://example.org"], blocker.join("out"), "cannot create the export folder"),
        (&["--base-url", "example.org"], dir.path().join("out1"), "is not a base URL"),
        (&[], dir.path().join("out2"), "--base-url"),
        (&["--base-url", "https://example.org", "--form-endpoint", "forms.example.org"], dir.path().join("out4"), "is not a base URL"),
        (&["--base-url", "https://example.org", "--theme", theme.to_str().unwrap()], dir.path().join("out3"), "page.html, line 3"),
    ];
    for (args, out, expected) in cases {
        let result = build(&data, &out, args);
        let stderr = String::from_utf8(result.stderr).unwrap();
        assert!(!result.status.success(), "{args:?} fails");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line: {stderr}");
    }
}

fn build(data: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .env_remove("PAMPHLET_BASE_URL")
        .env_remove("PAMPHLET_DATABASE_URL")
        .env("PAMPHLET_LOG", "warn")
        .arg("build")
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The file a static host would answer `path` with: the file itself, or
/// the folder's `index.html`.
/// The file a plain static server answers `path` with, without a redirect:
/// the file itself, or for an address ending in `/` its folder's index.html
/// (a folder asked for without its slash is redirected, so it does not count).
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = path.trim_start_matches('/');
    let file = if relative.is_empty() || relative.ends_with('/') { root.join(relative).join("index.html") } else { root.join(relative) };
    file.is_file().then_some(file)
}

fn all_files(root: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    files
}

/// The page without its newsletter signup blocks, the one part that differs between live and export.
fn without_signup(html: &str) -> String {
    let mut kept = html.to_owned();
    // The newsletter block and the footer's signup.
    for marker in ["<section class=\"block call newsletter-signup\">", "<section class=\"footer-newsletter\""] {
        let mut rest = kept.as_str();
        let mut cut = String::new();
        while let Some(start) = rest.find(marker) {
            cut.push_str(&rest[..start]);
            let end = rest[start..].find("</section>").expect("the block ends") + start + "</section>".len();
            rest = &rest[end..];
        }
        cut.push_str(rest);
        kept = cut;
    }
    kept
}

#[tokio::test]
async fn an_export_with_a_form_endpoint_posts_its_forms_to_the_live_server() {
    let sink = SmtpSink::start();
    let copy = "https://static.example.org";
    let app = spawn_app_with(Backend::Sqlite, |config, data| pamphlet::config::Config {
        mail: Some(crate::helpers::mail_config(&sink.url, 2, None, data)),
        form_origins: vec![copy.into()],
        ..config
    })
    .await;
    let out = tempfile::tempdir().unwrap();
    let site = pamphlet::app::open_site(&app.location, None, copy, Some(&app.base)).await.unwrap();
    let report = pamphlet::export::build(&site, out.path(), Default::default()).await.unwrap();
    assert!(report.broken.is_empty(), "{:?}", report.broken);
    let page = |path: &str| std::fs::read_to_string(resolve(out.path(), path).unwrap()).unwrap();
    let sign = "/petitions/pardon-for-jens-soering/sign";
    let pardon = page("/pardon/");
    assert!(pardon.contains(&format!("action=\"{}{sign}\"", app.base)), "{pardon}");
    assert!(pardon.contains(&format!("data-tally=\"{}/petitions/pardon-for-jens-soering/tally\"", app.base)));
    assert!(pardon.contains("name=\"stamp\" value=\"\""), "the live server hands out the stamps");
    assert!(page("/contact/").contains(&format!("action=\"{}/contact/send\"", app.base)));
    assert!(page("/newsletter/").contains(&format!("action=\"{}/newsletter/subscribe\"", app.base)));

    // A browser on the copy sends its forms across sites: taken from the named copy only.
    let stamp = app.stamp_ago(10).await;
    let fields = [("email", "ann@example.org"), ("name", "Ann Lee"), ("website", ""), ("stamp", stamp.as_str())];
    let from_copy = app.post(sign, &fields, &[("sec-fetch-site", "cross-site"), ("origin", copy)]).await;
    assert!(from_copy.status == 200 && from_copy.text().contains("Check your inbox"), "{from_copy:?}");
    assert_eq!(sink.wait_for(1, 10).await.len(), 1);
    let elsewhere = app.post(sign, &fields, &[("sec-fetch-site", "cross-site"), ("origin", "https://elsewhere.example")]).await;
    assert_eq!(elsewhere.status, 403);
    // Without script the copy's form has no stamp: the live server asks once more, with what was typed.
    let unstamped = app.post(sign, &fields[..3], &[("sec-fetch-site", "cross-site"), ("origin", copy)]).await;
    assert_eq!(unstamped.status, 400);
    assert!(unstamped.text().contains("value=\"Ann Lee\"") && unstamped.text().contains(&format!("action=\"{sign}\"")), "{unstamped:?}");
    // The copy's script may read a fresh stamp and the counter; other sites' scripts may not.
    for path in ["/forms/challenge", "/petitions/pardon-for-jens-soering/tally"] {
        let allowed = app.get_with(path, &[("origin", copy)]).await;
        assert_eq!(allowed.header("access-control-allow-origin"), Some(copy), "{path}");
        let other = app.get_with(path, &[("origin", "https://elsewhere.example")]).await;
        assert_eq!(other.header("access-control-allow-origin"), None, "{path}");
    }
}
