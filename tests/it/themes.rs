//! The theme contract, `docs/THEMES.md`, held against the default theme's
//! templates (everything they use is listed) and against the site itself
//! (everything listed is there when the demo's pages are rendered).

use std::collections::{BTreeMap, BTreeSet};

use pamphlet::config::Config;
use pamphlet::content::{books, media, posts};

use crate::helpers::{Backend, spawn_app_with};

const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/templates");
const EVERY_PAGE: &str = "Every page";

/// A value the contract lists, and whether only some pages have it.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    sometimes: bool,
}

/// The contract's lists by section: `Every page` and one per template.
fn contract() -> BTreeMap<String, Vec<Entry>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/THEMES.md")).unwrap();
    let mut sections: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading.trim().to_owned();
            sections.entry(section.clone()).or_default();
        } else if let Some(rest) = line.strip_prefix("- `") {
            let path = rest.split('`').next().unwrap().to_owned();
            sections.entry(section.clone()).or_default().push(Entry { path, sometimes: line.contains("*(some pages)*") });
        }
    }
    sections.remove("Emails");
    sections
}

/// The theme's page templates: HTML files that extend `base.html`.
fn is_page(template: &str) -> bool {
    template.ends_with(".html") && !matches!(template, "base.html" | "blocks.html")
}

fn covered(path: &str, listed: &[&Entry]) -> bool {
    listed.iter().any(|e| path == e.path || path.starts_with(&format!("{}.", e.path)))
}

#[test]
fn every_value_a_template_uses_is_in_the_contract() {
    let contract = contract();
    let mut env = minijinja::Environment::new();
    env.set_loader(minijinja::path_loader(TEMPLATES));
    let mut files = BTreeSet::new();
    for file in std::fs::read_dir(TEMPLATES).unwrap() {
        let name = file.unwrap().file_name().into_string().unwrap();
        let template = env.get_template(&name).unwrap();
        let section = if name == "base.html" { EVERY_PAGE } else { name.as_str() };
        let mut listed: Vec<&Entry> =
            contract.get(section).unwrap_or_else(|| panic!("docs/THEMES.md has no section {name}")).iter().collect();
        if is_page(&name) {
            listed.extend(&contract[EVERY_PAGE]);
        }
        for used in template.undeclared_variables(true) {
            // `asset` is the theme's function for its static files.
            if used != "asset" {
                assert!(covered(&used, &listed), "{name} uses `{used}`, which docs/THEMES.md does not list for it");
            }
        }
        files.insert(name);
    }
    for section in contract.keys().filter(|s| *s != EVERY_PAGE) {
        assert!(files.contains(section), "docs/THEMES.md describes {section}, which the theme does not have");
    }
}

#[tokio::test]
async fn every_value_in_the_contract_reaches_its_template() {
    let contract = contract();
    // A theme whose templates print what they were given, as JSON.
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir(theme.path().join("templates")).unwrap();
    for (template, entries) in contract.iter().filter(|(t, _)| *t != EVERY_PAGE && *t != "blocks.html") {
        let mut names: BTreeSet<&str> = entries.iter().map(|e| e.path.split('.').next().unwrap()).collect();
        if is_page(template) {
            names.extend(contract[EVERY_PAGE].iter().map(|e| e.path.split('.').next().unwrap()));
        }
        let fields: Vec<String> = names.iter().map(|n| format!("\"{n}\": {n}")).collect();
        std::fs::write(theme.path().join("templates").join(template), format!("{{{{ {{{}}}|tojson }}}}", fields.join(", "))).unwrap();
    }
    let dir = theme.path().to_owned();
    let app = spawn_app_with(Backend::Sqlite, |config, _| Config { theme: Some(dir), ..config }).await;
    let store = app.store();
    let post = posts::published(store, None, 1, 0, posts::Body::Omitted).await.unwrap().remove(0);
    let tag = posts::published_tag_slugs(store).await.unwrap().remove(0);
    let book = books::published(store).await.unwrap().remove(0);
    let item = media::published(store, Some(1)).await.unwrap().remove(0);
    let pages = [
        ("page.html", "/".to_owned()),
        ("post.html", post.url()),
        ("news.html", "/news/".to_owned()),
        ("tag.html", format!("/tags/{tag}/")),
        ("book.html", book.url()),
        ("media.html", item.url()),
        ("press.html", "/press/".to_owned()),
        ("search.html", "/search/?q=soering".to_owned()),
        ("message.html", "/newsletter/confirm/not-a-token".to_owned()),
        ("404.html", "/no-such-page/".to_owned()),
        ("feed.xml", "/feed.xml".to_owned()),
        ("sitemap.xml", "/sitemap.xml".to_owned()),
    ];
    let rendered: BTreeSet<&str> = pages.iter().map(|(t, _)| *t).collect();
    for template in contract.keys().filter(|t| *t != EVERY_PAGE && *t != "blocks.html") {
        assert!(rendered.contains(template.as_str()), "this test renders no page with {template}: add one");
    }
    for (template, path) in pages {
        let page = app.get(&path).await;
        let given: serde_json::Value =
            serde_json::from_str(&page.text()).unwrap_or_else(|e| panic!("{template} at {path} did not print its values ({e}): {page:?}"));
        let mut listed: Vec<&Entry> = contract[template].iter().collect();
        if is_page(template) {
            listed.extend(&contract[EVERY_PAGE]);
        }
        for entry in listed.into_iter().filter(|e| !e.sometimes) {
            let mut value = &given;
            for key in entry.path.split('.') {
                value = value.get(key).unwrap_or_else(|| panic!("{template} at {path} gets no `{}` (docs/THEMES.md lists it)", entry.path));
            }
        }
    }
}
