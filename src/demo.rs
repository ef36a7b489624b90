//! The demo site: Markdown files with TOML front matter under `demo/`,
//! embedded in the binary and loaded into an empty store on first start.
//!
//! Every file is parsed and checked before anything is written, and all of
//! it is written in one transaction: a broken file stops the load with its
//! path and line, and never leaves a half-loaded site.
//!
//! Layout: `site.toml` (settings and menus); `pages/`, `posts/`, `books/`,
//! `media/`, `press/`, `petitions/` with one `*.md` file per item, named by its slug;
//! `assets/` with the images. A file is `+++`, TOML front matter, `+++`,
//! then Markdown: a page's Markdown becomes a final rich-text block, a post's
//! its body, a book's its description, a media item's its transcript and a
//! press report's its full text, a petition's its text.

use std::collections::HashSet;

use rust_embed::Embed;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::content::blocks::Block;
use crate::content::books::BookInput;
use crate::content::media::MediaInput;
use crate::content::pages::PageInput;
use crate::content::posts::PostInput;
use crate::content::press::PressInput;
use crate::content::revisions::{self, Author};
use crate::content::settings::{Lead, SiteSettings};
use crate::content::{Link, assets, books, media, menus, pages, posts, press, settings};
use crate::on_tx;
use crate::petitions;
use crate::store::{Store, Tx};

#[derive(Embed)]
#[folder = "demo/"]
struct DemoFiles;

/// The whole demo, parsed and checked.
#[derive(Debug)]
pub struct Demo {
    site: SiteSettings,
    menus: Menus,
    pages: Vec<PageInput>,
    posts: Vec<PostInput>,
    books: Vec<BookInput>,
    media: Vec<MediaInput>,
    press: Vec<PressInput>,
    petitions: Vec<petitions::Draft>,
    assets: Vec<(String, &'static str, Vec<u8>)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    site: SiteSettings,
    menus: Menus,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Menus {
    primary: Vec<Link>,
    footer: Vec<Link>,
}

/// A file that failed to parse, with the place to look.
#[derive(Debug, thiserror::Error)]
#[error("demo/{path}:{line}: {message}")]
pub struct DemoError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl Demo {
    /// Parses the demo embedded in the binary.
    pub fn embedded() -> Result<Self, DemoError> {
        let mut files: Vec<(String, Vec<u8>)> =
            DemoFiles::iter().map(|p| (p.to_string(), DemoFiles::get(&p).map(|f| f.data.into_owned()).unwrap_or_default())).collect();
        files.sort();
        Self::parse(files)
    }

    /// Parses demo files given as (path under `demo/`, bytes).
    pub fn parse(files: Vec<(String, Vec<u8>)>) -> Result<Self, DemoError> {
        let mut site_file = None;
        let (mut pages, mut posts, mut books, mut media, mut press) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut petitions = Vec::new();
        let mut assets = Vec::new();
        for (path, bytes) in files {
            let fail = |line: usize, message: String| DemoError { path: path.clone(), line, message };
            if let Some(name) = path.strip_prefix("assets/") {
                let content_type =
                    content_type(name).ok_or_else(|| fail(1, "unknown file type: use .svg, .png, .jpg, .webp or .pdf".into()))?;
                assets.push((name.to_owned(), content_type, bytes));
                continue;
            }
            let text = String::from_utf8(bytes).map_err(|_| fail(1, "the file is not UTF-8 text".into()))?;
            if path == "site.toml" {
                site_file = Some(toml::from_str::<SiteFile>(&text).map_err(|e| fail(toml_line(&text, &e), e.message().to_owned()))?);
                continue;
            }
            let Some((dir, stem)) = path.strip_suffix(".md").and_then(|p| p.split_once('/')) else {
                if path.ends_with("README.md") {
                    continue;
                }
                return Err(fail(
                    1,
                    "unexpected file: demo content goes in pages/, posts/, books/, media/, press/, petitions/ or assets/".into(),
                ));
            };
            match dir {
                "pages" => pages.push(
                    parse_item(&text, stem, |p: &mut PageInput, body| {
                        if !body.is_empty() {
                            p.blocks.push(Block::RichText { body });
                        }
                        p.validate()
                    })
                    .map_err(|(l, m)| fail(l, m))?,
                ),
                "posts" => posts.push(
                    parse_item(&text, stem, |p: &mut PostInput, body| set_once(&mut p.body, body, "body")).map_err(|(l, m)| fail(l, m))?,
                ),
                "books" => books.push(
                    parse_item(&text, stem, |b: &mut BookInput, body| set_once(&mut b.description, body, "description"))
                        .map_err(|(l, m)| fail(l, m))?,
                ),
                "media" => media.push(
                    parse_item(&text, stem, |m: &mut MediaInput, body| set_once(&mut m.transcript, body, "transcript"))
                        .map_err(|(l, m)| fail(l, m))?,
                ),
                "press" => press.push(
                    parse_item(&text, stem, |r: &mut PressInput, body| set_once(&mut r.full_text, body, "full_text"))
                        .map_err(|(l, m)| fail(l, m))?,
                ),
                "petitions" => petitions.push(
                    parse_item(&text, stem, |p: &mut petitions::Draft, body| set_once(&mut p.body, body, "body"))
                        .map_err(|(l, m)| fail(l, m))?,
                ),
                _ => return Err(fail(1, format!("unknown folder {dir:?}: use pages, posts, books, media, press, petitions or assets"))),
            }
        }
        let SiteFile { site, menus } =
            site_file.ok_or_else(|| DemoError { path: "site.toml".into(), line: 1, message: "missing".into() })?;
        let demo = Demo { site, menus, pages, posts, books, media, press, petitions, assets };
        demo.check_references()?;
        Ok(demo)
    }

    /// Every image and video a page or book names must exist in the demo.
    fn check_references(&self) -> Result<(), DemoError> {
        let assets: HashSet<&str> = self.assets.iter().map(|(n, ..)| n.as_str()).collect();
        let media: HashSet<&str> = self.media.iter().map(|m| m.slug.as_str()).collect();
        let petitions: HashSet<&str> = self.petitions.iter().map(|p| p.slug.as_str()).collect();
        let missing = |path: String, what: String| DemoError { path, line: 1, message: format!("{what} does not exist in the demo") };
        for page in &self.pages {
            for block in &page.blocks {
                let image = match block {
                    Block::Hero { image, .. } | Block::Feature { image, .. } => image.as_ref(),
                    Block::Image { image, .. } => Some(image),
                    _ => None,
                };
                if let Some(image) = image.filter(|i| !assets.contains(i.asset.as_str())) {
                    return Err(missing(format!("pages/{}.md", page.slug), format!("the image assets/{}", image.asset)));
                }
                if let Block::Video { media: Some(slug), .. } = block
                    && !media.contains(slug.as_str())
                {
                    return Err(missing(format!("pages/{}.md", page.slug), format!("the media item media/{slug}.md")));
                }
                if let Block::Petition { petition: Some(slug), .. } = block
                    && !petitions.contains(slug.as_str())
                {
                    return Err(missing(format!("pages/{}.md", page.slug), format!("the petition petitions/{slug}.md")));
                }
            }
        }
        if let Some(image) = self.site.hero_image.as_ref().filter(|i| !assets.contains(i.asset.as_str())) {
            return Err(missing("site.toml".into(), format!("the image assets/{}", image.asset)));
        }
        if let Lead::Petition(slug) = &self.site.lead
            && !petitions.contains(slug.as_str())
        {
            return Err(missing("site.toml".into(), format!("the petition petitions/{slug}.md")));
        }
        for book in &self.books {
            if let Some(cover) = book.cover.as_ref().filter(|c| !assets.contains(c.asset.as_str())) {
                return Err(missing(format!("books/{}.md", book.slug), format!("the image assets/{}", cover.asset)));
            }
        }
        Ok(())
    }

    /// Writes the whole demo in one transaction, unless the store already
    /// holds a site (checked under the setup lock); returns whether it wrote.
    pub async fn save_into_empty(&self, store: &Store) -> anyhow::Result<bool> {
        let mut tx = store.begin().await?;
        tx.lock_site().await?;
        let sites: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar("SELECT COUNT(*) FROM settings").fetch_one(conn).await)?;
        if sites > 0 {
            return Ok(false);
        }
        // Every item starts with a first version, so an editor's first change can be undone.
        settings::write(&mut tx, &self.site).await?;
        first_version(&mut tx, settings::KIND.entity, 0, &self.site).await?;
        for (name, items) in [(menus::PRIMARY, &self.menus.primary), (menus::FOOTER, &self.menus.footer)] {
            menus::write(&mut tx, name, items).await?;
            first_version(&mut tx, &menus::entity(name), 0, items).await?;
        }
        for (name, content_type, bytes) in &self.assets {
            assets::save(&mut tx, name, content_type, bytes, "").await?;
        }
        for page in &self.pages {
            pages::save(&mut tx, page).await?;
            let id = id_of(&mut tx, "pages", page.slug.as_str()).await?;
            first_version(&mut tx, pages::editing::ENTITY, id, page).await?;
        }
        for post in &self.posts {
            posts::save(&mut tx, post).await?;
            let id = id_of(&mut tx, "posts", post.slug.as_str()).await?;
            first_version(&mut tx, posts::editing::ENTITY, id, post).await?;
        }
        for book in &self.books {
            books::save(&mut tx, book).await?;
        }
        for item in &self.media {
            media::save(&mut tx, item).await?;
        }
        for report in &self.press {
            press::save(&mut tx, report).await?;
        }
        for petition in &self.petitions {
            let id = petitions::insert(&mut tx, petition).await?;
            first_version(&mut tx, petitions::KIND.entity, id, petition).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Keeps `data` as version 1 of a demo item; an item without a row of its
/// own (id 0) starts its version count there too.
async fn first_version(tx: &mut Tx, entity: &str, id: i64, data: &(impl serde::Serialize + ?Sized)) -> anyhow::Result<()> {
    let by = Author { id: None, name: "Demo content".into() };
    revisions::record(tx, entity, id, 1, data, &by).await?;
    if id == 0 {
        on_tx!(tx, |conn| sqlx::query("INSERT INTO versions (entity, version) VALUES ($1, 1)").bind(entity).execute(conn).await.map(drop))?;
    }
    Ok(())
}

async fn id_of(tx: &mut Tx, table: &str, slug: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT id FROM {table} WHERE slug = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(slug).fetch_one(conn).await)?)
}

/// Loads the demo into a store that has no site yet; returns whether it did.
pub async fn load_if_empty(store: &Store) -> anyhow::Result<bool> {
    if settings::load(store).await?.is_some() {
        return Ok(false);
    }
    Demo::embedded()?.save_into_empty(store).await
}

fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

fn set_once(field: &mut String, body: String, name: &str) -> Result<(), String> {
    if !body.is_empty() && !field.is_empty() {
        return Err(format!("`{name}` is given both in the front matter and as the Markdown below it; keep one"));
    }
    if !body.is_empty() {
        *field = body;
    }
    Ok(())
}

/// Splits `+++ front matter +++ body`, deserializes the front matter with
/// the slug taken from the file name, and hands the body to `finish`.
/// Errors carry the line in the file.
fn parse_item<T: DeserializeOwned>(
    text: &str,
    stem: &str,
    finish: impl FnOnce(&mut T, String) -> Result<(), String>,
) -> Result<T, (usize, String)> {
    let rest = text.strip_prefix("+++\n").ok_or((1, "the file must start with a `+++` line opening the front matter".into()))?;
    let end = rest
        .find("\n+++\n")
        .or_else(|| rest.strip_suffix("\n+++").map(str::len))
        .ok_or((1, "the front matter is not closed by a `+++` line".into()))?;
    let front = &rest[..end];
    let body = rest.get(end + 5..).unwrap_or("").trim().to_owned();
    if front.lines().any(|l| l.trim_start().starts_with("slug")) {
        return Err((1, "remove `slug`: it is taken from the file name".into()));
    }
    // The slug line takes the place of the opening `+++`, so lines in `source` are lines in the file.
    let source = format!("slug = {stem:?}\n{front}");
    let mut item: T = toml::from_str(&source).map_err(|e| (toml_line(&source, &e), e.message().to_owned()))?;
    let body_line = front.lines().count() + 3;
    finish(&mut item, body).map_err(|m| (body_line, m))?;
    Ok(item)
}

fn toml_line(source: &str, error: &toml::de::Error) -> usize {
    error.span().map_or(1, |span| source.as_bytes()[..span.start.min(source.len())].iter().filter(|&&b| b == b'\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_demo_parses_and_has_every_section() {
        let demo = Demo::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert!(demo.pages.iter().any(|p| p.slug.as_str() == pages::HOME));
        for slug in
            ["about-the-case", "pardon", "books", "articles", "tv-and-video", "buckingham-correctional-center", "newsletter", "contact"]
        {
            assert!(demo.pages.iter().any(|p| p.slug.as_str() == slug), "missing page {slug}");
        }
        assert!(demo.books.iter().any(|b| b.isbn13.as_ref().is_some_and(|i| i.digits() == "9781590563458")));
        assert!(demo.media.iter().any(|m| !m.transcript.is_empty()));
    }

    fn one_post(text: &str) -> Result<Demo, DemoError> {
        let mut files: Vec<(String, Vec<u8>)> = DemoFiles::iter()
            .filter(|p| !p.starts_with("posts/"))
            .map(|p| (p.to_string(), DemoFiles::get(&p).unwrap().data.into_owned()))
            .collect();
        files.push(("posts/broken.md".into(), text.as_bytes().to_vec()));
        Demo::parse(files)
    }

    #[test]
    fn a_broken_file_is_named_with_its_line() {
        let err = one_post("+++\nkind = \"news\"\ntitle = \"A\"\ndate = 2016-13-01\n+++\nBody").unwrap_err();
        assert_eq!((err.path.as_str(), err.line), ("posts/broken.md", 4), "{err}");

        let err = one_post("+++\nkind = \"news\"\ntitle = \"A\"\ndate = 2016-08-01\ncolour = \"red\"\n+++\n").unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        assert!(err.message.contains("colour"), "{err}");

        let err = one_post("kind = \"news\"\n").unwrap_err();
        assert!(err.to_string().starts_with("demo/posts/broken.md:1: "), "{err}");
    }

    #[test]
    fn a_bad_isbn_in_a_book_is_reported_at_its_line() {
        let mut files: Vec<(String, Vec<u8>)> =
            DemoFiles::iter().map(|p| (p.to_string(), DemoFiles::get(&p).unwrap().data.into_owned())).collect();
        files.push(("books/bad.md".into(), b"+++\ntitle = \"B\"\nisbn13 = \"978-1590563459\"\n+++\n".to_vec()));
        let err = Demo::parse(files).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("check digit"), "{err}");
    }
}
