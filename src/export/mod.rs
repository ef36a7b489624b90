//! `pamphlet build`: the whole public site as static files for any static
//! host. The same renderer as the live site (`site::routes::render`) makes
//! every page; this module only decides which URLs exist and writes them.
//!
//! Which URLs: every public path (the sitemap's list), the feeds, theme files
//! and uploads, then every internal link found in what was rendered, until no
//! new link turns up, so the export holds whatever its pages link to.

mod links;
mod search;
mod write;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;

use crate::render::page::{Frame, HTML, Site};
use crate::site::feeds;
use crate::site::routes;
pub use write::Summary;

/// Renders in flight at once; the store and the renderer are shared.
const CONCURRENCY: usize = 16;

/// One file of the export.
pub struct Output {
    /// Path inside the export folder, e.g. `news/foo/index.html`.
    pub file: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Output {
    /// The file for the URL `path`.
    fn new(path: &str, content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        let content_type = content_type.into();
        Output { file: links::file_for(path, &content_type), content_type, bytes }
    }

    fn is_html(&self) -> bool {
        self.content_type.starts_with("text/html")
    }
}

/// The page at an old address: it names the new one for search engines
/// (`canonical`) and sends browsers there at once.
fn moved_page(to: &str) -> Vec<u8> {
    let to = crate::render::escape_html(to);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title>\
         <link rel=\"canonical\" href=\"{to}\"><meta name=\"robots\" content=\"noindex\">\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\"></head>\
         <body><p>This page has moved to <a href=\"{to}\">{to}</a>.</p></body></html>\n"
    )
    .into_bytes()
}

pub struct Report {
    pub summary: Summary,
    /// HTML pages rendered.
    pub pages: usize,
    /// Internal links that lead nowhere: (page, link).
    pub broken: Vec<(String, String)>,
}

/// How to write the export.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Write `.gz` and `.br` twins of text files (off for hosts that compress themselves).
    pub precompress: bool,
    /// Write the index the search page's script searches (off: the search
    /// page says this copy has none).
    pub search_index: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { precompress: true, search_index: true }
    }
}

/// Renders the whole site and writes it into `out`, rewriting only files
/// whose bytes changed. The site's base URL may have a path
/// (`https://example.org/friends`): root-relative links move under it.
pub async fn build(site: &Site, out: &Path, options: Options) -> anyhow::Result<Report> {
    let site = &Site { frame: Some(Arc::new(Frame::load(&site.store).await?)), ..site.clone() };
    let progress = progress_bar();
    let prefix = links::base_path(&site.base_url);
    let mut writer = write::Writer::start(out, options.precompress, ProgressBar::hidden())?;
    // Root-relative links move under the base URL's path, after the crawl read them.
    let moved = |mut output: Output| {
        if !prefix.is_empty() && output.is_html() {
            output.bytes = links::prefix_root_links(&output.bytes, &prefix);
        }
        output
    };
    let mut broken = Vec::new();
    let mut pages = 0;

    let mut seen: HashSet<String> = HashSet::new();
    for file in site.renderer.theme().statics.values() {
        seen.insert(file.url.clone());
        writer.write(Output::new(&file.url, file.content_type, file.bytes.clone())).await?;
    }
    // The search index is built beside the pages, on its own task.
    let search_files = tokio::spawn({
        let site = site.clone();
        async move { search::files(&site, options.search_index).await }
    });
    seen.extend([search::PAGE_PATH.to_owned(), search::INDEX_PATH.to_owned()]);

    let mut queue: Vec<(String, String)> = ["/feed.xml", "/feed.json", "/sitemap.xml", "/robots.txt"]
        .into_iter()
        .chain(crate::site::icons::PATHS)
        .map(|p| (p.to_owned(), String::new()))
        .chain(feeds::public_paths(site).await?.into_iter().flat_map(|(p, _)| {
            // Each page's share card (`og:image`) is not linked from the page, so it is asked for here.
            let card = crate::render::seo::share_card(&p);
            [(p, String::new()), (card, String::new())]
        }))
        .collect();
    // Old addresses of moved items: a page that sends the browser on (a
    // static host answers no 301), found whether or not anything links to it.
    for (from, to) in crate::content::redirects::all(&site.store).await? {
        if seen.insert(from.clone()) {
            writer.write(Output::new(&from, crate::render::page::HTML, moved_page(&format!("{prefix}{to}")))).await?;
            queue.push((to, from));
        }
    }
    queue.retain(|(path, _)| seen.insert(path.clone()));
    while !queue.is_empty() {
        progress.inc_length(queue.len() as u64);
        let mut found = Vec::new();
        let mut tasks = JoinSet::new();
        let mut pending = queue.drain(..);
        loop {
            while tasks.len() < CONCURRENCY {
                let Some((path, from)) = pending.next() else { break };
                let site = site.clone();
                tasks.spawn(async move {
                    let rendered = routes::render(&site, &path).await;
                    (path, from, rendered)
                });
            }
            let Some(done) = tasks.join_next().await else { break };
            let (path, from, rendered) = done?;
            progress.inc(1);
            match rendered? {
                Some(r) => {
                    let output = Output::new(&path, r.content_type, r.body);
                    if output.is_html() {
                        pages += 1;
                        found.extend(links::internal(&output.bytes).into_iter().map(|link| (link, path.clone())));
                    }
                    writer.write(moved(output)).await?;
                }
                None => broken.push((from, path)),
            }
        }
        drop(pending);
        queue = found.into_iter().filter(|(link, _)| seen.insert(link.clone())).collect();
    }
    writer.write(moved(Output::new("/404.html", HTML, routes::not_found(site).await?))).await?;
    let (search_page, search_index) = search_files.await??;
    writer.write(moved(search_page)).await?;
    if let Some(index) = search_index {
        writer.write(index).await?;
    }
    progress.finish_and_clear();
    let summary = writer.finish()?;
    broken.sort();
    Ok(Report { summary, pages, broken })
}

/// A bar on a terminal, nothing otherwise (CI logs, pipes, tests).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
