//! Old addresses keep working: a published item whose address changes is
//! answered at the old one with 301 to the new one, live and in the export.

use std::sync::Arc;

use pamphlet::admin::Role;
use pamphlet::render::Renderer;
use pamphlet::render::page::Site;
use pamphlet::render::theme::Theme;

use crate::both_backends;
use crate::helpers::*;

async fn version_of(app: &TestApp, signed: &SignedIn, id: i64) -> String {
    hidden_field(&app.get_signed(signed, &format!("/admin/posts/{id}")).await.text(), "version").unwrap()
}

fn moved_to(page: &Page) -> Option<&str> {
    (page.status == 301).then(|| page.header("location")).flatten()
}

both_backends! {
    async fn a_post_that_moves_is_found_at_its_old_address(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Letter delivered", &[("action", "publish")])).await.saved_id();
        let linking = "See [the filing](/news/letter-delivered/).";
        app.post_signed(&editor, "/admin/posts", &post_form("Week in review", &[("body", linking), ("action", "publish")])).await.saved_id();
        assert_eq!(app.get("/news/letter-delivered/").await.status, 200);

        // A new slug: the old address sends visitors and search engines on.
        let version = version_of(&app, &editor, id).await;
        app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Letter delivered", &[("slug", "pardon-letter-delivered"), ("version", &version)])).await.saved_id();
        assert_eq!(moved_to(&app.get("/news/letter-delivered/").await), Some("/news/pardon-letter-delivered/"));
        assert_eq!(app.get("/news/pardon-letter-delivered/").await.status, 200);

        // Moved again (to the articles): both old addresses lead straight to the newest.
        let version = version_of(&app, &editor, id).await;
        app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Letter delivered", &[("slug", "pardon-letter-delivered"), ("kind", "article"), ("version", &version)])).await.saved_id();
        assert_eq!(moved_to(&app.get("/news/letter-delivered/").await), Some("/articles/pardon-letter-delivered/"));
        assert_eq!(moved_to(&app.get("/news/pardon-letter-delivered/").await), Some("/articles/pardon-letter-delivered/"));

        // The export writes a page at each old address that sends the browser on.
        let out = tempfile::tempdir().unwrap();
        let renderer = Arc::new(Renderer::new(Arc::new(Theme::load(None).unwrap())).unwrap());
        let site = Site { store: app.store().clone(), renderer, base_url: app.base.clone(), frame: None, kept_frame: None, forms: None };
        let report = pamphlet::export::build(&site, out.path(), Default::default()).await.unwrap();
        assert!(report.broken.is_empty(), "the old link in a text is no broken link: {:?}", report.broken);
        let old = std::fs::read_to_string(out.path().join("news/letter-delivered/index.html")).unwrap();
        assert!(old.contains(r#"<meta http-equiv="refresh" content="0; url=/articles/pardon-letter-delivered/">"#), "{old}");
        assert!(old.contains(r#"<link rel="canonical" href="/articles/pardon-letter-delivered/">"#), "{old}");
        assert!(out.path().join("articles/pardon-letter-delivered/index.html").exists());

        // An old address taken by a new post is that post's again.
        app.post_signed(&editor, "/admin/posts", &post_form("Letter delivered", &[("slug", "letter-delivered"), ("action", "publish")])).await.saved_id();
        let page = app.get("/news/letter-delivered/").await;
        assert_eq!(page.status, 200);
        assert_eq!(moved_to(&app.get("/news/pardon-letter-delivered/").await), Some("/articles/pardon-letter-delivered/"));
    }

    async fn a_draft_renamed_leaves_no_redirect(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let id = app.post_signed(&editor, "/admin/posts", &post_form("Not yet", &[])).await.saved_id();
        let version = version_of(&app, &editor, id).await;
        app.post_signed(&editor, &format!("/admin/posts/{id}"), &post_form("Not yet", &[("slug", "still-not-yet"), ("version", &version)])).await.saved_id();
        assert_eq!(app.get("/news/not-yet/").await.status, 404);
    }
}
