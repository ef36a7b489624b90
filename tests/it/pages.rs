//! What a visitor sees: the seed's facts on the right pages, feeds, sitemap.

use std::str::FromStr;

use crate::helpers::{links, spawn_app};

crate::both_backends! {
    async fn the_home_page_shows_the_seed_sections_in_order(backend: Backend) {
        let app = spawn_app(backend).await;
        let page = app.get("/").await;
        assert_eq!(page.status, 200);
        let html = page.text();
        let order = [
            "Jens Soering",
            "of 10,000 signatures",
            "Sign the petition",
            "Latest News",
            "Chuck Reid",
            "The Promise",
            "One Day in the Life of 179212",
            "978-1590563458",
            "About the Case of Jens Soering",
            "Buckingham Correctional Center",
            "Books by Jens Soering",
            "footer-newsletter",
        ];
        let mut at = 0;
        for needle in order {
            let found = html[at..].find(needle).unwrap_or_else(|| panic!("{needle:?} missing after byte {at} of the home page"));
            at += found;
        }
        assert!(html.contains("admin (at) example.org"), "the contact address is shown obfuscated");
        assert!(!html.contains("admin@example.org"), "the plain address never appears");
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains(r#""@type":"Organization""#), "Organization JSON-LD");
    }

    async fn each_page_carries_its_facts(backend: Backend) {
        let app = spawn_app(backend).await;
        let expectations: &[(&str, &[&str])] = &[
            ("/buckingham-correctional-center/", &["1100", "Dillwyn", "Buckingham County", "Virginia"]),
            ("/pardon/", &["22 August 2016", "Terry McAuliffe"]),
            ("/about-the-case/", &["Soering"]),
            ("/case-overview/", &["1986"]),
            ("/books/", &["One Day in the Life of 179212", "Lantern Books"]),
            (
                "/books/one-day-in-the-life-of-179212/",
                &["978-1590563458", "Lantern Books", "2012", "Reading sample", r#""isbn":"9781590563458""#],
            ),
            ("/tv-and-video/", &["Chuck Reid"]),
            ("/news/", &["Chuck Reid", "The Promise"]),
            ("/press/", &["Press"]),
            ("/newsletter/", &["newsletter"]),
            ("/contact/", &["admin (at) example.org"]),
        ];
        for (path, needles) in expectations {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            let html = page.text();
            for needle in *needles {
                assert!(html.contains(needle), "{path} should mention {needle:?}");
            }
            assert!(html.contains(r#"<link rel="canonical" href=""#), "{path} has a canonical link");
            assert!(html.contains(r#"property="og:title""#), "{path} has OpenGraph tags");
        }
    }

    async fn the_tv_report_has_its_transcript_and_loads_no_third_party_until_asked(backend: Backend) {
        let app = spawn_app(backend).await;
        let html = app.get("/media/chuck-reid-tv-report/").await.text();
        assert!(html.contains("Transcript"), "transcript heading");
        assert!(html.contains(r#""@type":"VideoObject""#) && html.contains(r#""transcript":""#), "VideoObject JSON-LD with transcript");
        assert!(!html.contains("<iframe"), "no player before the visitor asks");
        let external: Vec<String> = links(&html).into_iter().filter(|l| l.starts_with("http") && !l.starts_with(&app.base)).collect();
        for l in &external {
            assert!(!html.contains(&format!("src=\"{l}\"")), "nothing is loaded from {l}");
        }
        assert!(html.contains("/media/chuck-reid-tv-report/play/#player"), "a play link");
        let played = app.get("/media/chuck-reid-tv-report/play/").await;
        assert_eq!(played.status, 200);
        assert!(played.text().contains("<iframe"), "the player appears after the click");
        assert!(played.text().contains(r#"<link rel="canonical" href="http"#));
    }

    async fn news_posts_have_article_metadata_and_tag_pages(backend: Backend) {
        let app = spawn_app(backend).await;
        let html = app.get("/news/chuck-reid-says-jens-soering-is-innocent/").await.text();
        assert!(html.contains(r#""@type":"NewsArticle""#));
        assert!(html.contains("/media/chuck-reid-tv-report/"), "links to the TV report");
        let tag = links(&html).into_iter().find(|l| l.starts_with("/tags/")).expect("the post has tags");
        let tag_page = app.get(&tag).await;
        assert_eq!(tag_page.status, 200, "{tag}");
        assert!(tag_page.text().contains("Chuck Reid"));
        assert_eq!(app.get("/tags/no-such-tag/").await.status, 404);
    }

    async fn every_sitemap_url_answers_200_and_every_internal_link_resolves(backend: Backend) {
        let app = spawn_app(backend).await;
        let sitemap = app.get("/sitemap.xml").await;
        assert_eq!(sitemap.status, 200);
        assert!(sitemap.header("content-type").unwrap().starts_with("application/xml"));
        let xml = sitemap.text();
        let locs: Vec<&str> = xml.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap()).collect();
        assert!(locs.len() >= 20, "the sitemap lists the whole demo, found {}", locs.len());
        let mut internal = std::collections::BTreeSet::new();
        for loc in &locs {
            let path = loc.strip_prefix(&app.base).unwrap_or_else(|| panic!("{loc} is not on {}", app.base));
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            for link in links(&page.text()) {
                if link.starts_with('/') && !link.starts_with("//") {
                    internal.insert(link.split('#').next().unwrap().to_owned());
                }
            }
        }
        for link in internal {
            assert_eq!(app.get(&link).await.status, 200, "internal link {link}");
        }
    }

    async fn the_feeds_parse_with_entries(backend: Backend) {
        let app = spawn_app(backend).await;
        let atom = app.get("/feed.xml").await;
        assert!(atom.header("content-type").unwrap().starts_with("application/atom+xml"));
        let feed = atom_syndication::Feed::from_str(&atom.text()).expect("valid Atom");
        assert!(feed.entries().len() >= 4, "news and articles are in the feed");
        assert!(feed.entries().iter().any(|e| e.title().as_str().contains("Chuck Reid")));
        assert!(feed.entries().iter().all(|e| e.links().iter().any(|l| l.href().starts_with(&app.base))));

        let json: serde_json::Value = serde_json::from_slice(&app.get("/feed.json").await.body).expect("valid JSON");
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert!(json["items"].as_array().unwrap().len() >= 4);

        let robots = app.get("/robots.txt").await.text();
        assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", app.base)));
    }

    async fn theme_assets_have_hashed_names_and_cache_forever(backend: Backend) {
        let app = spawn_app(backend).await;
        let html = app.get("/").await.text();
        let css = links(&html).into_iter().find(|l| l.starts_with("/static/style.") && l.ends_with(".css")).expect("the stylesheet link");
        let page = app.get(&css).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("cache-control"), Some("public, max-age=31536000, immutable"));
        assert!(page.header("content-type").unwrap().starts_with("text/css"));
        assert_eq!(app.get("/static/style.css").await.status, 404, "only the hashed name is served");
    }
}

#[tokio::test]
async fn every_page_names_icons_that_exist_made_from_the_logo_or_the_accent() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let home = app.get("/").await.text();
    for link in [
        r#"<link rel="icon" href="/favicon.ico" sizes="32x32">"#,
        r#"<link rel="apple-touch-icon" href="/apple-touch-icon.png">"#,
        r#"<link rel="manifest" href="/site.webmanifest">"#,
        r##"<meta name="theme-color" content="#8a1c1c">"##,
    ] {
        assert!(home.contains(link), "{link} in {home}");
    }
    let ico = app.get("/favicon.ico").await;
    assert_eq!((ico.status, ico.header("content-type")), (200, Some("image/x-icon")));
    let decoded = image::load_from_memory_with_format(&ico.body, image::ImageFormat::Ico).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (32, 32));
    // Without a picture for a logo, the mark is the theme's accent.
    let big = image::load_from_memory(&app.get("/icon-512.png").await.body).unwrap().to_rgba8();
    assert_eq!((big.width(), big.get_pixel(256, 40).0), (512, [0x8a, 0x1c, 0x1c, 255]));
    let manifest: serde_json::Value = serde_json::from_slice(&app.get("/site.webmanifest").await.body).unwrap();
    assert_eq!(manifest["name"], "Friends of Jens Söring");
    assert_eq!(manifest["icons"][1]["src"], "/icon-512.png");

    // A picture as the logo becomes the icon: a green logo, a green middle.
    let owner = app.signed_in_as(pamphlet::admin::Role::Owner).await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(300, 300, image::Rgb([20, 160, 60])).write_to(&mut png, image::ImageFormat::Png).unwrap();
    assert_eq!(app.upload(&owner, "/admin/library", &[("alt", "Our logo")], ("logo.png", png.get_ref())).await.status, 303);
    let form = app.get_signed(&owner, "/admin/settings").await.text();
    let version = crate::helpers::hidden_field(&form, "version").unwrap();
    let fields =
        [("name", "Friends"), ("language", "en"), ("time_zone", "Europe/Berlin"), ("logo", "logo.png"), ("version", version.as_str())];
    assert_eq!(app.post_signed(&owner, "/admin/settings", &fields).await.status, 303);
    let touch = image::load_from_memory(&app.get("/apple-touch-icon.png").await.body).unwrap().to_rgba8();
    assert_eq!((touch.width(), touch.get_pixel(90, 90).0), (180, [20, 160, 60, 255]));
}

#[tokio::test]
async fn every_page_shares_a_raster_card_with_its_title() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let pardon = app.get("/pardon/").await.text();
    let card = format!("{}/share/pardon.png", app.base);
    assert!(pardon.contains(&format!(r#"<meta property="og:image" content="{card}">"#)), "{pardon}");
    assert!(pardon.contains(r#"<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">"#));
    // A post whose cover is an SVG (which social sites do not show) gets a card too.
    let post = app.get("/news/the-promise-documentary-2016/").await.text();
    assert!(post.contains(&format!("{}/share/news/the-promise-documentary-2016.png", app.base)), "{post}");
    let png = app.get("/share/pardon.png").await;
    assert_eq!((png.status, png.header("content-type")), (200, Some("image/png")));
    let image = image::load_from_memory(&png.body).unwrap().to_rgba8();
    assert_eq!((image.width(), image.height(), image.get_pixel(3, 3).0), (1200, 630, [0x8a, 0x1c, 0x1c, 255]));
    assert!(image.pixels().filter(|p| p.0[..3] == [255, 255, 255]).count() > 5_000, "the title is on it");
    for path in ["/share/index.png", "/share/news.png", "/share/books/one-day-in-the-life-of-179212.png"] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    assert_eq!(app.get("/share/no-such-page.png").await.status, 404, "only pages that exist have a card");
    assert!(!app.get("/search/?q=pardon").await.text().contains("og:image"), "a search result is not shared");
}
