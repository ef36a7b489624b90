//! Books, TV reports and press reports in the admin over HTTP: a form for
//! every field, saved to the public site at once, mistakes at their field,
//! a stale save refused, history restored.

use pamphlet::admin::Role;

use crate::both_backends;
use crate::helpers::*;

/// The id of the first record linked from a list page.
fn first_id(list: &str, path: &str) -> String {
    list.split(&format!("href=\"{path}/")).filter_map(|s| s.split('"').next()).find(|id| id.parse::<i64>().is_ok()).unwrap().to_owned()
}

/// Every field of a form as it was rendered (inputs, text areas, selected options).
fn form_fields(html: &str, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|name| {
            let value = if let Some(i) = html.find(&format!("<textarea id=\"{name}\"")) {
                let start = html[i..].find('>').unwrap() + i + 1;
                html[start..start + html[start..].find("</textarea>").unwrap()].to_owned()
            } else if let Some(i) = html.find(&format!("<select id=\"{name}\"")) {
                let select = &html[i..i + html[i..].find("</select>").unwrap()];
                select
                    .split("<option value=\"")
                    .skip(1)
                    .find(|o| o.contains(" selected"))
                    .map(|o| o.split('"').next().unwrap().to_owned())
                    .unwrap_or_default()
            } else {
                let i = html.find(&format!("id=\"{name}\" name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name}"));
                let rest = &html[i..];
                rest.split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
            };
            (
                name.to_string(),
                value.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">"),
            )
        })
        .collect()
}

const BOOK_FIELDS: &[&str] = &[
    "title",
    "slug",
    "subtitle",
    "author",
    "co_authors",
    "foreword_by",
    "publisher",
    "year",
    "language",
    "isbn13",
    "cover",
    "description",
    "sample",
    "reviews",
    "awards",
    "buy_links",
    "position",
];

both_backends! {
    async fn an_editor_edits_every_field_of_a_book_and_the_site_shows_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let list = app.get_signed(&editor, "/admin/books").await.text();
        let id = first_id(&list, "/admin/books");
        let path = format!("/admin/books/{id}");
        let page = app.get_signed(&editor, &path).await.text();
        let version = hidden_field(&page, "version").unwrap();
        let mut fields = form_fields(&page, BOOK_FIELDS);
        let slug = fields.iter().find(|(n, _)| n == "slug").unwrap().1.clone();
        let set = |fields: &mut Vec<(String, String)>, name: &str, value: &str| fields.iter_mut().find(|(n, _)| n == name).unwrap().1 = value.to_owned();
        set(&mut fields, "reviews", "A book that stays with you. | The Test Review");
        set(&mut fields, "buy_links", "Test Shop | https://shop.example/book");
        set(&mut fields, "isbn13", "978-1-59056-055-7");
        let as_refs = |fields: &[(String, String)], extra: &[(&'static str, String)]| -> Vec<(String, String)> {
            fields.iter().cloned().chain(extra.iter().map(|(k, v)| (k.to_string(), v.clone()))).collect()
        };
        let send = |f: Vec<(String, String)>| {
            let app = &app;
            let editor = &editor;
            let path = path.clone();
            async move {
                let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.post_signed(editor, &path, &refs).await
            }
        };
        let bad = send(as_refs(&fields, &[("version", version.clone()), ("action", "save".into())])).await;
        assert_eq!(bad.status, 422, "the ISBN's check digit is wrong");
        assert!(bad.text().contains("A book that stays with you."), "typed text is kept");

        set(&mut fields, "isbn13", "");
        let saved = send(as_refs(&fields, &[("version", version.clone()), ("action", "save".into())])).await;
        assert_eq!(saved.status, 303, "{saved:?}");
        let public = app.get(&format!("/books/{slug}/")).await.text();
        assert!(public.contains("A book that stays with you.") && public.contains("https://shop.example/book"), "{public}");

        let stale = send(as_refs(&fields, &[("version", version.clone()), ("action", "save".into())])).await;
        assert_eq!(stale.status, 409);
        assert!(stale.text().contains("Someone else saved this book"));

        let history = app.get_signed(&editor, &format!("{path}/revisions")).await.text();
        assert!(history.contains("Test") && history.contains("version") , "{history}");
    }

    async fn a_new_press_report_is_checked_and_published(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let author = app.signed_in_as(Role::Author).await;
        assert_eq!(app.get_signed(&author, "/admin/press").await.status, 403);
        let mut fields = vec![
            ("title", "Pardon plea reaches the Governor"), ("slug", ""), ("outlet", "The Test Gazette"), ("date", "22.11.2026"),
            ("source_url", "javascript:alert(1)"), ("video_url", ""), ("language", "en"), ("summary", "A *short* summary."), ("full_text", ""),
            ("version", "0"), ("action", "publish"),
        ];
        let bad = app.post_signed(&editor, "/admin/press", &fields).await;
        assert_eq!(bad.status, 422);
        let html = bad.text();
        assert!(html.contains(r#"id="date-error""#) && html.contains(r#"id="source_url-error""#), "{html}");
        assert!(html.contains(r#"value="The Test Gazette""#));
        fields[3].1 = "2026-11-22";
        fields[4].1 = "https://gazette.example/pardon";
        let saved = app.post_signed(&editor, "/admin/press", &fields).await;
        assert_eq!(saved.status, 303, "{saved:?}");
        let press = app.get("/press/").await.text();
        assert!(press.contains("Pardon plea reaches the Governor") && press.contains("The Test Gazette"));
        let again = app.post_signed(&editor, "/admin/press", &fields).await;
        assert_eq!(again.status, 409, "the address is taken");
    }
}
