//! Menus and site settings in the admin over HTTP: saved and shown on every
//! page at once, mistakes kept at their field, a second save refused.

use pamphlet::admin::Role;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn an_editor_reorders_and_renames_the_main_navigation(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let form = app.get_signed(&editor, "/admin/menus").await.text();
        let base = hidden_field(&form, "version").unwrap();
        // Without script, "Add a link" brings back the typed menu with an empty row.
        let rows = [("m0.label", "Start"), ("m0.href", "/"), ("m1.label", "Free Jens"), ("m1.href", "/pardon/")];
        let mut fields: Vec<(&str, &str)> = rows.to_vec();
        fields.extend([("version", base.as_str()), ("op", "add")]);
        let added = app.post_signed(&editor, "/admin/menus/primary", &fields).await;
        assert_eq!(added.status, 200);
        let primary = added.text().split("footer-heading").next().unwrap_or_default().to_owned();
        assert_eq!(primary.matches(r#"class="row" draggable"#).count(), 3, "two typed links and a new empty one");

        let mut fields: Vec<(&str, &str)> = rows.to_vec();
        fields.extend([("m2.label", "Donate"), ("m2.href", "javascript:alert(1)"), ("version", base.as_str())]);
        let bad = app.post_signed(&editor, "/admin/menus/primary", &fields).await;
        assert_eq!(bad.status, 422);
        assert!(bad.text().contains(r#"id="primary.m2.href-error""#) && bad.text().contains(r#"value="Donate""#));

        let mut fields: Vec<(&str, &str)> = rows.to_vec();
        fields.push(("version", base.as_str()));
        let saved = app.post_signed(&editor, "/admin/menus/primary", &fields).await;
        assert_eq!(saved.header("location"), Some("/admin/menus?done=saved"));
        let home = app.get("/news/").await.text();
        let nav = home.split("primary-nav").nth(1).unwrap_or_default();
        assert!(nav.find("Start").unwrap() < nav.find("Free Jens").unwrap(), "the new menu is on the site at once");
        assert!(!nav.contains("About the Case"));

        // A second form opened before that save is refused, not applied.
        let stale = app.post_signed(&editor, "/admin/menus/primary", &[("m0.label", "Old"), ("m0.href", "/"), ("version", base.as_str())]).await;
        assert_eq!(stale.status, 409);
        assert!(stale.text().contains("Someone else saved this menu"));
        assert!(!app.get("/news/").await.text().contains(">Old<"));

        // A second save, then the first version restored from the history.
        let base = hidden_field(&app.get_signed(&editor, "/admin/menus").await.text(), "version").unwrap();
        let second = app.post_signed(&editor, "/admin/menus/primary", &[("m0.label", "Only one"), ("m0.href", "/"), ("version", base.as_str())]).await;
        assert_eq!(second.status, 303);
        let history = app.get_signed(&editor, "/admin/menus/primary/revisions").await.text();
        assert!(history.contains("- Start | /") && history.contains("+ Only one | /"), "{history}");
        assert_eq!(app.post_signed(&editor, "/admin/menus/primary/revisions/1/restore", &[("version", "1")]).await.status, 409, "a newer save wins");
        // Version 1 is the demo's own menu; version 2 the first save here.
        assert!(history.contains("Demo content"), "{history}");
        let seen = hidden_field(&history, "version").unwrap();
        assert_eq!(app.post_signed(&editor, "/admin/menus/primary/revisions/2/restore", &[("version", &seen)]).await.status, 303);
        let nav = app.get("/news/").await.text();
        assert!(nav.contains("Free Jens") && !nav.contains("Only one"), "the first saved version is back");
    }

    async fn an_owner_changes_the_site_name_colour_and_contact(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = app.signed_in_as(Role::Owner).await;
        let editor = app.signed_in_as(Role::Editor).await;
        assert_eq!(app.get_signed(&editor, "/admin/settings").await.status, 403, "settings are the owners'");
        let form = app.get_signed(&owner, "/admin/settings").await.text();
        let base = hidden_field(&form, "version").unwrap();
        let fields = [
            ("name", "Freunde von Jens Söring"), ("tagline", "Neuigkeiten"), ("description", "Die Kampagne."), ("owner", "© Freunde"),
            ("contact_email", "Kontakt@Example.org"), ("language", "de"), ("notice", ""), ("social", "Mastodon | https://mastodon.example/@jens"),
            ("accent", "#1F5FBF"), ("logo", "the-promise.svg"), ("version", base.as_str()),
        ];
        let bad: Vec<(&str, &str)> = fields.iter().map(|&(k, v)| if k == "accent" { (k, "red") } else { (k, v) }).collect();
        let refused = app.post_signed(&owner, "/admin/settings", &bad).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains(r#"id="accent-error""#) && refused.text().contains(r#"value="Freunde von Jens Söring""#));

        assert_eq!(app.post_signed(&owner, "/admin/settings", &fields).await.status, 303);
        let home = app.get("/").await.text();
        assert!(home.contains("Freunde von Jens Söring") && home.contains(r#"<html lang="de""#));
        assert!(home.contains(r#"<link rel="stylesheet" href="/accent.css">"#) && home.contains(r#"src="/uploads/the-promise.svg""#));
        let accent = app.get("/accent.css").await;
        assert_eq!(accent.header("content-type"), Some("text/css; charset=utf-8"));
        assert_eq!(accent.text(), ":root { --accent: #1f5fbf; }\n", "the colour in a stylesheet, as no page carries an inline style");
        assert!(app.get("/contact/").await.text().contains("kontakt (at) example.org"));
        let again = app.post_signed(&owner, "/admin/settings", &fields).await;
        assert_eq!(again.status, 409, "the form still names the settings before the save");

        let history = app.get_signed(&owner, "/admin/settings/revisions").await.text();
        assert!(history.contains("2 (current)") && history.matches("<summary>Restore this version</summary>").count() == 1, "the demo's version and this save: {history}");
        let fresh = app.get_signed(&owner, "/admin/settings").await.text();
        let base = hidden_field(&fresh, "version").unwrap();
        let renamed: Vec<(&str, &str)> = fields.iter().map(|&(k, v)| match k { "name" => (k, "Another name"), "version" => (k, base.as_str()), _ => (k, v) }).collect();
        assert_eq!(app.post_signed(&owner, "/admin/settings", &renamed).await.status, 303);
        let history = app.get_signed(&owner, "/admin/settings/revisions").await.text();
        let seen = hidden_field(&history, "version").unwrap();
        assert_eq!(app.post_signed(&owner, "/admin/settings/revisions/2/restore", &[("version", &seen)]).await.status, 303);
        assert!(app.get("/").await.text().contains("Freunde von Jens Söring"), "the first saved settings are back");
    }

    async fn an_owner_chooses_the_opening_picture_and_what_the_site_leads_with(backend: Backend) {
        let sink = crate::mailbox::SmtpSink::start();
        let app = spawn_app_with_mail(backend, &sink.url).await;
        let owner = app.signed_in_as(Role::Owner).await;
        // The demo leads with its petition, beside a picture of its own.
        let home = app.get("/").await.text();
        assert!(home.contains(r#"<a class="button header-action" href="/pardon/#sign">Sign<span class="long"> the petition</span></a>"#), "the header's button");
        assert!(home.contains(r#"<div class="lead-action">"#) && home.contains("of 10,000 signatures"), "the count beside the headline");
        assert!(home.contains(r#"src="/uploads/hero-cell-window.svg" alt="Drawing: evening light"#), "the picture in Settings, with its words");
        let form = app.get_signed(&owner, "/admin/settings").await.text();
        assert!(form.contains(r#"<option value="petition:pardon-for-jens-soering" selected>"#), "the demo's choice shows");
        let base = hidden_field(&form, "version").unwrap();
        let version = base.as_str();
        let fields = move |lead: &'static str, picture: &'static str, alt: &'static str| {
            vec![
                ("name", "Friends of Jens Söring"), ("language", "en"), ("time_zone", "Europe/Berlin"), ("contact_email", "admin@example.org"),
                ("hero_image", picture), ("hero_alt", alt), ("lead", lead), ("version", version),
            ]
        };

        let unknown = app.post_signed(&owner, "/admin/settings", &fields("petition:no-such-petition", "", "")).await;
        assert_eq!(unknown.status, 422);
        assert!(unknown.text().contains(r#"id="lead-error""#) && unknown.text().contains("add a Petition block to a page first"));
        let wordless = app.post_signed(&owner, "/admin/settings", &fields("newsletter", "buckingham.svg", "")).await;
        assert_eq!(wordless.status, 422, "a picture needs words for those who cannot see it");
        assert!(wordless.text().contains(r#"id="hero_alt-error""#) && wordless.text().contains(r#"<option value="buckingham.svg" selected>"#));

        assert_eq!(app.post_signed(&owner, "/admin/settings", &fields("newsletter", "buckingham.svg", "The prison from the road")).await.status, 303);
        let home = app.get("/").await.text();
        assert!(home.contains(r##"<a class="button header-action" href="#newsletter">Subscribe</a>"##), "the header leads to the signup");
        assert!(home.contains(r#"id="lead-signup-email""#) && home.contains(r#"id="footer-signup-email""#), "the signup beside the headline, and in the footer");
        assert!(home.contains(r#"src="/uploads/buckingham.svg" alt="The prison from the road""#));
        assert!(!home.contains("of 10,000 signatures"));

        let base = hidden_field(&app.get_signed(&owner, "/admin/settings").await.text(), "version").unwrap();
        let nothing = [("name", "Friends of Jens Söring"), ("language", "en"), ("time_zone", "Europe/Berlin"), ("version", base.as_str())];
        assert_eq!(app.post_signed(&owner, "/admin/settings", &nothing).await.status, 303);
        let home = app.get("/").await.text();
        assert!(!home.contains("header-action") && !home.contains("lead-action") && !home.contains("hero-image"), "no button, no action, no picture");
    }
}
