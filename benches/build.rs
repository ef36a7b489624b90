//! Static export speed: `pamphlet build` against Hugo on the same 10,000
//! generated posts, in one run. Run through `bench/build.sh`, which builds
//! the release binary and installs Debian's hugo.
//!
//! POSTS (default 10000) posts of 300–1,500 words from a fixed seed, with
//! headings, lists, links, code and images, 40 tags. Hugo gets a minimal
//! theme with the same pages: post pages, the news list paginated by 10,
//! tag pages listing their posts, home, feed and sitemap.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use pamphlet::content::demo;
use pamphlet::content::posts::{self, PostInput};
use pamphlet::store::{Location, Store};

mod common;
use common::Rng;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; test runners that list every target do not.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let count: usize = std::env::var("POSTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let pamphlet_bin = std::env::var("PAMPHLET_BIN").unwrap_or_else(|_| "target/release/pamphlet".into());
    let work = tempfile::tempdir()?;
    if let Ok(keep) = std::env::var("KEEP") {
        // Keeps the generated site for a closer look (e.g. a profiler).
        println!("keeping the generated sites in {}", work.path().display());
        std::fs::write(keep, work.path().to_string_lossy().as_bytes())?;
    }
    let (data, hugo_site) = (work.path().join("data"), work.path().join("hugo"));
    let posts: Vec<GeneratedPost> = (0..count).map(generate).collect();

    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
        let store = Store::open(&Location::from_flags(&data, None)?).await?;
        demo::load_if_empty(&store).await?;
        let mut tx = store.begin().await?;
        for post in &posts {
            let input: PostInput = toml::from_str(&post.front_matter_toml(true))?;
            posts::save(&mut tx, &input).await?;
        }
        tx.commit().await?;
        store.close().await;
        anyhow::Ok(())
    })?;
    write_hugo_site(&hugo_site, &posts)?;
    let words: usize = posts.iter().map(|p| p.body.split_whitespace().count()).sum();
    println!("posts: {count} ({:.1} million words of Markdown)", words as f64 / 1e6);

    let hugo = run(
        "hugo",
        Command::new("hugo").args(["--quiet", "--source"]).arg(&hugo_site).arg("--destination").arg(work.path().join("hugo-out")),
    )?;
    let hugo_pages = count_html(&work.path().join("hugo-out"));
    let html_only = run(
        "pamphlet build --no-precompress",
        Command::new(&pamphlet_bin)
            .args(["build", "--no-precompress", "--base-url", "https://example.org", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(work.path().join("p-html")),
    )?;
    let pamphlet_pages = count_html(&work.path().join("p-html"));
    let full_build = || {
        let mut command = Command::new(&pamphlet_bin);
        command.args(["build", "--base-url", "https://example.org", "--data"]).arg(&data).arg("--out").arg(work.path().join("p-full"));
        command
    };
    let full = run("pamphlet build (with .gz/.br and search index)", &mut full_build())?;
    let again = run("pamphlet build again, nothing changed", &mut full_build())?;

    let rate = |pages: usize, seconds: f64| pages as f64 / seconds;
    println!("hugo:                     {hugo_pages} pages in {hugo:.2} s = {:.0} pages/s", rate(hugo_pages, hugo));
    println!("pamphlet (HTML only):     {pamphlet_pages} pages in {html_only:.2} s = {:.0} pages/s", rate(pamphlet_pages, html_only));
    println!("pamphlet (full build):    {pamphlet_pages} pages in {full:.2} s = {:.0} pages/s", rate(pamphlet_pages, full));
    println!("pamphlet (no change):     {again:.2} s");
    let ratio = rate(pamphlet_pages, html_only) / rate(hugo_pages, hugo);
    println!("ratio pamphlet/hugo pages/s (HTML only): {ratio:.2}x; target >= 2x: {}", if ratio >= 2.0 { "met" } else { "MISSED" });
    println!("ratio pamphlet/hugo pages/s (full build): {:.2}x", rate(pamphlet_pages, full) / rate(hugo_pages, hugo));
    if std::env::var("KEEP").is_ok() {
        let _ = work.keep();
    }
    Ok(())
}

fn run(label: &str, command: &mut Command) -> anyhow::Result<f64> {
    let start = Instant::now();
    let output = command.output()?;
    let seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(output.status.success(), "{label} failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(seconds)
}

fn count_html(dir: &Path) -> usize {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                count += 1;
            }
        }
    }
    count
}

struct GeneratedPost {
    slug: String,
    title: String,
    date: String,
    summary: String,
    tags: Vec<String>,
    body: String,
}

impl GeneratedPost {
    /// Pamphlet's post fields, or Hugo's front matter (TOML both).
    fn front_matter_toml(&self, with_body: bool) -> String {
        let tags: Vec<String> = self.tags.iter().map(|t| format!("{t:?}")).collect();
        let mut toml =
            format!("title = {:?}\ndate = {}\nsummary = {:?}\ntags = [{}]\n", self.title, self.date, self.summary, tags.join(", "));
        if with_body {
            toml = format!("slug = {:?}\nkind = \"news\"\n{toml}body = {:?}\n", self.slug, self.body);
        }
        toml
    }
}

const WORDS: &[&str] = &[
    "the",
    "court",
    "evidence",
    "of",
    "and",
    "a",
    "pardon",
    "petition",
    "governor",
    "in",
    "trial",
    "jury",
    "to",
    "was",
    "witness",
    "prison",
    "letter",
    "Söring",
    "Haysom",
    "Virginia",
    "Bedford",
    "county",
    "sheriff",
    "investigator",
    "report",
    "DNA",
    "blood",
    "sample",
    "appeal",
    "lawyer",
    "hearing",
    "new",
    "that",
    "his",
    "for",
    "not",
    "with",
    "documentary",
    "supporters",
    "book",
    "innocence",
    "confession",
    "record",
    "timeline",
    "statement",
    "question",
    "answer",
    "years",
    "case",
    "justice",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let first = s[0].to_owned();
    let mut out = first[..1].to_uppercase() + &first[1..];
    s.remove(0);
    for w in s {
        out.push(' ');
        out.push_str(w);
    }
    out.push('.');
    out
}

fn generate(i: usize) -> GeneratedPost {
    let mut rng = Rng(0xB0_0C5 ^ (i as u64).wrapping_mul(0x1000_0000_01B3));
    let target = 300 + rng.below(1_201);
    let mut body = String::new();
    let mut words = 0;
    while words < target {
        match rng.below(10) {
            0 => body.push_str(&format!("## {}\n\n", sentence(&mut rng, 4).trim_end_matches('.'))),
            1 => {
                for _ in 0..3 + rng.below(3) {
                    body.push_str(&format!("- {}\n", sentence(&mut rng, 6)));
                }
                body.push('\n');
                words += 20;
            }
            2 => body.push_str(&format!(
                "See [the report {}](https://example.org/reports/{}) and [the timeline](/case-overview).\n\n",
                rng.below(1000),
                rng.below(1000)
            )),
            3 if rng.below(3) == 0 => body.push_str("```\ncase_number = \"CR-1986-0042\"\nfiled = 2016-08-22\n```\n\n"),
            4 if rng.below(4) == 0 => body.push_str("![A page of the court record](/uploads/the-promise.svg)\n\n"),
            _ => {
                let n = 40 + rng.below(80);
                let sentences: Vec<String> = (0..n / 10).map(|_| sentence(&mut rng, 10)).collect();
                body.push_str(&sentences.join(" "));
                body.push_str("\n\n");
                words += n;
            }
        }
    }
    let day = i % 28 + 1;
    let month = (i / 28) % 12 + 1;
    let year = 2000 + (i / 336) % 26;
    GeneratedPost {
        slug: format!("post-{i:05}"),
        title: format!("{} ({i})", sentence(&mut rng, 5).trim_end_matches('.')),
        date: format!("{year}-{month:02}-{day:02}"),
        summary: sentence(&mut rng, 18),
        tags: (0..1 + rng.below(3)).map(|_| format!("Topic {}", rng.below(40))).collect(),
        body,
    }
}

/// A Hugo site with a minimal theme of the same pages Pamphlet writes.
fn write_hugo_site(root: &Path, posts: &[GeneratedPost]) -> anyhow::Result<()> {
    let layouts = root.join("layouts/_default");
    std::fs::create_dir_all(&layouts)?;
    std::fs::create_dir_all(root.join("content/news"))?;
    std::fs::write(
        root.join("hugo.toml"),
        "baseURL = 'https://example.org/'\ntitle = 'Friends of Jens Söring'\nlanguageCode = 'en'\npaginate = 10\n[taxonomies]\ntag = 'tags'\n",
    )?;
    let base = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title><link rel="canonical" href="{{ .Permalink }}"><meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="alternate" type="application/atom+xml" href="/feed.xml"><link rel="stylesheet" href="/style.css"></head>
<body><header><a href="/">{{ site.Title }}</a><nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/case-overview">The case</a> <a href="/pardon">Pardon</a> <a href="/contact">Contact</a></nav>
<form action="/search" method="get"><input type="search" name="q"></form></header>
<main>{{ block "main" . }}{{ end }}</main><footer><p>Friends of Jens Söring · admin (at) example.org</p></footer></body></html>"#;
    std::fs::write(layouts.join("baseof.html"), base)?;
    std::fs::write(
        layouts.join("single.html"),
        r#"{{ define "main" }}<article><h1>{{ .Title }}</h1><p class="byline"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
<p class="summary">{{ .Params.summary }}</p>{{ .Content }}<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}">{{ . }}</a> {{ end }}</p></article>{{ end }}"#,
    )?;
    std::fs::write(
        layouts.join("list.html"),
        r#"{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}<ul class="posts">{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ul>
<nav>{{ if $p.HasPrev }}<a href="{{ $p.Prev.URL }}">Newer</a>{{ end }} {{ if $p.HasNext }}<a href="{{ $p.Next.URL }}">Older</a>{{ end }}</nav>{{ end }}"#,
    )?;
    std::fs::write(
        layouts.join("term.html"),
        r#"{{ define "main" }}<h1>Tagged “{{ .Title }}”</h1><ul class="posts">{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}"#,
    )?;
    std::fs::write(
        root.join("layouts/index.html"),
        r#"{{ define "main" }}<h1>{{ site.Title }}</h1><ul class="posts">{{ range first 5 (where site.RegularPages "Section" "news") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}"#,
    )?;
    for post in posts {
        std::fs::write(
            root.join(format!("content/news/{}.md", post.slug)),
            format!("+++\n{}+++\n{}", post.front_matter_toml(false), post.body),
        )?;
    }
    Ok(())
}
