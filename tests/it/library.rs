//! The media library over HTTP: uploads checked by content, alt text
//! required, resized copies made once and offered with `srcset`, files in
//! use kept.

use pamphlet::admin::Role;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn an_uploaded_photo_gets_copies_that_pages_offer_with_srcset(backend: Backend) {
        let app = spawn_app(backend).await;
        let editor = app.signed_in_as(Role::Editor).await;
        let photo = png(2000, 1200);
        let uploaded = app.upload(&editor, "/admin/library", &[("alt", "Supporters at the courthouse")], ("Campaign Photo.PNG", &photo)).await;
        assert_eq!(uploaded.status, 303, "{uploaded:?}");
        assert_eq!(uploaded.header("location"), Some("/admin/library?done=uploaded&name=campaign-photo.png"));
        let library = app.get_signed(&editor, "/admin/library").await.text();
        assert!(library.contains("campaign-photo.png") && library.contains("2000×1200") && library.contains("copies 480, 960, 1600 px wide"), "{library}");

        let original = app.get("/uploads/campaign-photo.png").await;
        assert_eq!((original.status, original.header("content-type")), (200, Some("image/png")));
        assert_eq!(original.body, photo, "the original is kept as uploaded");
        let small = app.get("/uploads/campaign-photo-480w.jpg").await;
        assert_eq!((small.status, small.header("content-type")), (200, Some("image/jpeg")));
        assert_eq!(image::load_from_memory(&small.body).unwrap().width(), 480);

        // Picked in a page's image block, the page offers every width.
        let blocks = [
            ("title", "Courthouse"), ("slug", "courthouse"), ("description", ""), ("version", "0"), ("publish_at", ""), ("action", "publish"),
            ("b0.type", "image"), ("b0.image.asset", "campaign-photo.png"), ("b0.image.alt", "Supporters at the courthouse"), ("b0.caption", ""),
        ];
        assert_eq!(app.post_signed(&editor, "/admin/pages", &blocks).await.status, 303);
        let page = app.get("/courthouse/").await.text();
        for width in ["480w", "960w", "1600w", "/uploads/campaign-photo.png 2000w"] {
            assert!(page.contains(width), "srcset has {width}: {page}");
        }
        assert!(page.contains(r#"alt="Supporters at the courthouse""#));

        // A file in use stays; the same name again gets a new one.
        let delete = app.post_signed(&editor, "/admin/library/campaign-photo.png/delete", &[]).await;
        assert_eq!(delete.status, 409);
        assert!(delete.text().contains("still used"));
        let again = app.upload(&editor, "/admin/library", &[("alt", "Again")], ("campaign-photo.png", &png(100, 100))).await;
        assert_eq!(again.header("location"), Some("/admin/library?done=uploaded&name=campaign-photo-2.png"), "{again:?}");
        assert_eq!(app.post_signed(&editor, "/admin/library/campaign-photo-2.png/delete", &[]).await.status, 303);
        assert_eq!(app.get("/uploads/campaign-photo-2.png").await.status, 404);
    }

    async fn a_wrong_file_a_missing_description_or_a_huge_file_is_refused(backend: Backend) {
        let app = spawn_app(backend).await;
        let author = app.signed_in_as(Role::Author).await;
        let fake = app.upload(&author, "/admin/library", &[("alt", "Not really")], ("photo.png", b"MZ\x90\x00 this is a program")).await;
        assert_eq!(fake.status, 415);
        assert!(fake.text().contains("not an image"));
        let svg = app.upload(&author, "/admin/library", &[("alt", "A drawing")], ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")).await;
        assert_eq!(svg.status, 415, "an SVG could carry script onto a static host");
        assert!(svg.text().contains("export it as PNG"));
        let no_alt = app.upload(&author, "/admin/library", &[("alt", " ")], ("photo.png", &png(50, 50))).await;
        assert_eq!(no_alt.status, 422);
        assert!(no_alt.text().contains(r#"id="alt-error""#));
        let mut huge = png(10, 10);
        huge.resize(21 * 1024 * 1024, 0);
        let too_big = app.upload(&author, "/admin/library", &[("alt", "Huge")], ("huge.png", &huge)).await;
        assert_eq!(too_big.status, 413);
        assert!(too_big.text().contains("larger than 20 MB"));
        let library = app.get_signed(&author, "/admin/library").await.text();
        assert!(!library.contains("photo.png") && !library.contains("huge.png"), "nothing was stored");
        // A PDF needs no description.
        let pdf = app.upload(&author, "/admin/library", &[("alt", "")], ("Appeal.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF")).await;
        assert_eq!(pdf.status, 303);
        assert_eq!(app.get("/uploads/appeal.pdf").await.header("content-type"), Some("application/pdf"));
    }
}
