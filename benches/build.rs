//! Static export speed: `pamphlet build` against Hugo on the same 10,000
//! generated posts, in one run. Run through `bench/build.sh`, which builds
//! the release binary and installs Debian's hugo.
//!
//! POSTS (default 10000) posts of 300–1,500 words from a fixed seed, with
//! headings, lists, links, code and images, 40 tags. Hugo gets a minimal
//! theme with the same pages: post pages, the news list paginated by 10,
//! tag pages listing their posts, home, feed and sitemap.
//!
//! The first figure compares the same HTML output: Hugo against
//! `pamphlet build --no-precompress --no-search-index`. The second is
//! Pamphlet's full build, with `.gz`/`.br` twins and the search index.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use pamphlet::content::posts::{self, PostInput};
use pamphlet::demo;
use pamphlet::store::{Location, Store};

mod common;
use common::site::{GeneratedPost, generate, write_hugo_site};

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

    // The same HTML output from both, in turns, each into a new folder: this
    // machine's speed drifts (shared host, file system housekeeping), so each
    // tool's median of three runs is compared.
    let (mut hugo_runs, mut html_runs) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let hugo_out = work.path().join(format!("hugo-out-{round}"));
        hugo_runs
            .push(run("hugo", Command::new("hugo").args(["--quiet", "--source"]).arg(&hugo_site).arg("--destination").arg(&hugo_out))?);
        html_runs.push(run(
            "pamphlet build --no-precompress --no-search-index",
            Command::new(&pamphlet_bin)
                .args(["build", "--no-precompress", "--no-search-index", "--base-url", "https://example.org", "--data"])
                .arg(&data)
                .arg("--out")
                .arg(work.path().join(format!("p-html-{round}"))),
        )?);
    }
    println!("hugo runs:     {}", seconds_list(&hugo_runs));
    println!("pamphlet runs: {}", seconds_list(&html_runs));
    let (hugo, html_only) = (median(hugo_runs), median(html_runs));
    let hugo_pages = count_html(&work.path().join("hugo-out-0"));
    let pamphlet_pages = count_html(&work.path().join("p-html-0"));
    let full_build = || {
        let mut command = Command::new(&pamphlet_bin);
        command.args(["build", "--base-url", "https://example.org", "--data"]).arg(&data).arg("--out").arg(work.path().join("p-full"));
        command
    };
    let full = run("pamphlet build (with .gz/.br and search index)", &mut full_build())?;
    let again = run("pamphlet build again, nothing changed", &mut full_build())?;

    let rate = |pages: usize, seconds: f64| pages as f64 / seconds;
    println!("hugo (median):            {hugo_pages} pages in {hugo:.2} s = {:.0} pages/s", rate(hugo_pages, hugo));
    println!("pamphlet (HTML only, median): {pamphlet_pages} pages in {html_only:.2} s = {:.0} pages/s", rate(pamphlet_pages, html_only));
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

const ROUNDS: usize = 3;

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn seconds_list(runs: &[f64]) -> String {
    runs.iter().map(|s| format!("{s:.2} s")).collect::<Vec<_>>().join(", ")
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
