//! Search over the demo: every spelling of a name, ranking, snippets,
//! filters, odd queries, and the index following edits.

use pamphlet::content::posts::{self, PostInput};

use crate::helpers::{TestApp, spawn_app};

async fn search(app: &TestApp, query: &str) -> String {
    let page = app.get(&format!("/search/?{query}")).await;
    assert_eq!(page.status, 200, "/search/?{query}");
    page.text()
}

fn result_urls(html: &str) -> Vec<String> {
    let list = html.split("<ol class=\"search-results\"").nth(1).unwrap_or("");
    list.split("<h2><a href=\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
}

async fn save_post(app: &TestApp, toml_text: &str) {
    let post: PostInput = toml::from_str(toml_text).unwrap();
    let mut tx = app.store().begin().await.unwrap();
    posts::save(&mut tx, &post).await.unwrap();
    tx.commit().await.unwrap();
}

crate::both_backends! {
    async fn every_spelling_of_a_name_finds_the_same_pages(backend: Backend) {
        let app = spawn_app(backend).await;
        let soering = result_urls(&search(&app, "q=Soering").await);
        assert!(soering.contains(&"/news/chuck-reid-says-jens-soering-is-innocent/".to_string()), "{soering:?}");
        assert!(soering.len() >= 5, "{soering:?}");
        for spelling in ["S%C3%B6ring", "Soring", "SOERING"] {
            assert_eq!(result_urls(&search(&app, &format!("q={spelling}")).await), soering, "{spelling}");
        }
        let haysom = result_urls(&search(&app, "q=Haysom").await);
        assert!(!haysom.is_empty());
        assert_eq!(result_urls(&search(&app, "q=haysom").await), haysom);
    }

    async fn prefixes_phrases_and_transcripts_are_found(backend: Backend) {
        let app = spawn_app(backend).await;
        let buck = result_urls(&search(&app, "q=Buck").await);
        assert_eq!(buck.first().map(String::as_str), Some("/buckingham-correctional-center/"), "{buck:?}");
        let phrase = result_urls(&search(&app, "q=%22Chuck+Reid%22").await);
        assert!(phrase.contains(&"/media/chuck-reid-tv-report/".to_string()), "the transcript is indexed: {phrase:?}");
        assert!(result_urls(&search(&app, "q=%22Reid+Chuck%22").await).is_empty(), "a phrase keeps its order");
        let book = result_urls(&search(&app, "q=179212").await);
        assert!(book.contains(&"/books/one-day-in-the-life-of-179212/".to_string()), "{book:?}");
        let press = result_urls(&search(&app, "q=Demo-Zeitung").await);
        assert!(press.iter().any(|u| u.starts_with("/press/#")), "{press:?}");
    }

    async fn a_title_match_ranks_above_a_body_mention_and_snippets_highlight(backend: Backend) {
        let app = spawn_app(backend).await;
        save_post(&app, "slug = \"body-mention\"\nkind = \"news\"\ntitle = \"A visit\"\ndate = 2016-11-01\nbody = \"We spoke about the quokka at length, and then about other things entirely.\"").await;
        save_post(&app, "slug = \"title-match\"\nkind = \"news\"\ntitle = \"The quokka\"\ndate = 2016-11-02\nbody = \"An animal; the quokka lives far away.\"").await;
        assert!(app.eventually_contains("/search/?q=quokka", "title-match", 3).await, "the index follows new posts");
        let html = search(&app, "q=quokka").await;
        assert_eq!(result_urls(&html), ["/news/title-match/", "/news/body-mention/"]);
        assert!(html.contains("<mark>quokka</mark>"), "snippets highlight the match");
        assert!(html.contains("2 results"));
    }

    async fn filters_by_kind_and_year(backend: Backend) {
        let app = spawn_app(backend).await;
        let books = result_urls(&search(&app, "q=Soering&kind=book").await);
        assert_eq!(books, ["/books/one-day-in-the-life-of-179212/"]);
        let in_2016 = result_urls(&search(&app, "q=Soering&year=2016").await);
        assert!(!in_2016.is_empty() && in_2016.iter().all(|u| !u.starts_with("/about/")), "pages have no year: {in_2016:?}");
        assert!(result_urls(&search(&app, "q=Soering&year=1999").await).is_empty());
        assert!(search(&app, "q=Soering&year=1999").await.contains("with these filters"));
        let unknown_kind = result_urls(&search(&app, "q=Soering&kind=nonsense").await);
        assert_eq!(unknown_kind.len(), result_urls(&search(&app, "q=Soering").await).len(), "an unknown kind is ignored");
    }

    async fn odd_queries_get_a_helpful_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let long = "a".repeat(201);
        for query in ["", "q=", "q=%22", "q=*", "q=AND", "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "q=%22unbalanced", "q=%27+OR+1%3D1+--",
                      "q=%25", "q=%FF%FE", "q=a&q=b", "page=-1&q=x", "page=99999&q=Soering", "year=abc&q=x"] {
            let html = search(&app, query).await;
            assert!(html.contains("<h1>Search</h1>"), "{query}");
            assert!(!html.contains("<script>alert"), "{query} is escaped when echoed");
        }
        assert!(search(&app, &format!("q={long}")).await.contains("longer than 200 characters"));
        assert!(search(&app, "q=").await.contains("Type a word"));
        assert!(search(&app, "q=*").await.contains("Symbols such as"));
        assert!(search(&app, "q=%3Cscript%3E").await.contains("&lt;script&gt;"));
        let misspelt = search(&app, "q=petiton").await;
        assert!(misspelt.contains("Did you mean") && misspelt.contains(">petition<"), "a suggestion for a misspelt word");
    }

    async fn unpublishing_removes_a_post_from_search(backend: Backend) {
        let app = spawn_app(backend).await;
        let post = "slug = \"wombat\"\nkind = \"news\"\ntitle = \"Wombat\"\ndate = 2016-11-03\nbody = \"x\"";
        save_post(&app, post).await;
        assert!(app.eventually_contains("/search/?q=wombat", "/news/wombat/", 3).await);
        save_post(&app, &format!("{post}\nstatus = \"draft\"")).await;
        assert!(app.eventually_contains("/search/?q=wombat", "Nothing was found", 3).await);
    }

    async fn every_page_leads_to_the_search_and_results_paginate(backend: Backend) {
        let app = spawn_app(backend).await;
        assert!(app.get("/pardon/").await.text().contains(r#"<a class="header-search" href="/search/">"#), "the header leads to the search");
        assert!(app.get("/search/").await.text().contains(r#"action="/search/""#));
        for i in 0..12 {
            save_post(&app, &format!("slug = \"numbat-{i}\"\nkind = \"news\"\ntitle = \"Numbat {i}\"\ndate = 2016-11-04\nbody = \"numbat\"")).await;
        }
        assert!(app.eventually_contains("/search/?q=numbat", "12 results", 3).await);
        let first = result_urls(&search(&app, "q=numbat").await);
        let second = result_urls(&search(&app, "q=numbat&page=2").await);
        assert_eq!((first.len(), second.len()), (10, 2));
        assert!(second.iter().all(|u| !first.contains(u)));
        assert!(search(&app, "q=numbat").await.contains("page=2"));
        assert_eq!(app.request(reqwest::Method::POST, "/search/?q=x", &[]).await.status, 405);
    }
}
