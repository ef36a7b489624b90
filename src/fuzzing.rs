//! What the fuzz targets in `fuzz/` run, shared with the test that replays
//! their corpora (`tests/it/fuzz_corpora.rs`): each function takes any bytes,
//! hands them to one parser the way the app does, and panics only when a
//! promise of that parser breaks.

use axum::http::HeaderMap;

use crate::admin::csv;
use crate::admin::fields::Library;
use crate::admin::pages::blocks::{TypedBlock, readable};
use crate::content::blocks::Block;
use crate::demo::Demo;
use crate::inbox::public::MessageForm;
use crate::mail::EmailAddress;
use crate::newsletter::public::Signup;
use crate::petitions::public::SignForm;
use crate::public_forms::guard;
use crate::public_forms::submit::PublicForm;
use crate::render::markdown;
use crate::stamps::Key;

/// Markdown as an editor types it: no rendering can run script, and a
/// text [`markdown::check`] refuses is shown as plain paragraphs.
pub fn markdown(data: &[u8]) {
    // Form fields and stored texts are UTF-8.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let refused = markdown::check(text).is_err();
    let mail = markdown::to_mail_html(text, "https://example.org", "#8a1c1c");
    for (html, styled) in [(markdown::to_html(text), false), (markdown::to_html_as_written(text), false), (mail, true)] {
        for (tag, attributes) in tags(&html) {
            assert!(
                !["script", "style", "iframe", "object", "embed", "svg", "math", "form", "base"].contains(&tag.as_str()),
                "<{tag}> in {html}"
            );
            assert!(!refused || tag == "p", "a refused text is only paragraphs, not <{tag}>: {html}");
            for (name, value) in attributes {
                assert!(!name.starts_with("on") && (styled || name != "style"), "<{tag} {name}> in {html}");
                // As browsers read an address (WHATWG URL): controls and spaces around it
                // and tabs and line breaks in it are dropped; `java\x04script:` stays relative.
                let plain: String = value.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
                let plain = plain.to_ascii_lowercase();
                assert!(!["javascript:", "vbscript:", "data:"].iter().any(|s| plain.starts_with(s)), "<{tag} {name}={value:?}> in {html}");
            }
        }
    }
    markdown::to_text(text);
}

/// Each opening tag of the sanitiser's HTML, lowercased, with its attributes:
/// the sanitiser escapes every `<` in text, writes no comments and
/// double-quotes every value.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(closing) = rest.strip_prefix('/') {
            rest = closing;
            continue;
        }
        let end = rest.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let (tag, mut inside) = (rest[..end].to_ascii_lowercase(), &rest[end..]);
        let mut attributes = Vec::new();
        loop {
            inside = inside.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if inside.is_empty() || inside.starts_with('>') {
                break;
            }
            // At least one character, so that a stray `=` cannot stop the scan.
            let first = inside.chars().next().map_or(0, char::len_utf8);
            let name_end =
                inside[first..].find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>').map_or(inside.len(), |e| first + e);
            let name = inside[..name_end].to_ascii_lowercase();
            inside = &inside[name_end..];
            let value = match inside.strip_prefix("=\"") {
                Some(quoted) => {
                    let close = quoted.find('"').unwrap_or(quoted.len());
                    inside = quoted.get(close + 1..).unwrap_or("");
                    quoted[..close].replace("&quot;", "\"").replace("&amp;", "&")
                }
                None => String::new(),
            };
            attributes.push((name, value));
        }
        rest = inside;
        tags.push((tag, attributes));
    }
    tags
}

/// A page's blocks as stored (a JSON array): they read back as written, the
/// site renders their Markdown, and a block the editor's form has saved once
/// comes back unchanged when saved again.
pub fn blocks(data: &[u8]) {
    // The page row's JSON column is read with serde_json.
    let Ok(blocks) = serde_json::from_slice::<Vec<Block>>(data) else { return };
    let json = serde_json::to_value(&blocks).expect("blocks always serialise");
    assert_eq!(serde_json::from_value::<Vec<Block>>(json.clone()).as_ref().ok(), Some(&blocks), "blocks read back as written: {json}");
    readable(&json);
    // Every image the blocks name is in the library, described there.
    let library: Library = blocks.iter().filter_map(image_of).map(|image| (image.asset.clone(), "A picture".to_owned())).collect();
    for block in &blocks {
        let _ = block.validate();
        if let Some(text) = markdown_of(block) {
            markdown::to_html(text);
            markdown::to_text(text);
        }
        if let Ok(saved) = TypedBlock::from_block(block).read(&library) {
            assert_eq!(saved.validate(), Ok(()), "{saved:?}");
            let again = TypedBlock::from_block(&saved).read(&library);
            assert_eq!(again.as_ref().ok(), Some(&saved), "a block saved from the form saves again unchanged: {again:?}");
        }
    }
}

fn image_of(block: &Block) -> Option<&crate::content::blocks::Image> {
    match block {
        Block::Hero { image, .. } | Block::Feature { image, .. } => image.as_ref(),
        Block::Image { image, .. } => Some(image),
        _ => None,
    }
}

/// The Markdown fields the site renders (`site/blocks.rs`).
fn markdown_of(block: &Block) -> Option<&str> {
    match block {
        Block::RichText { body: text }
        | Block::Hero { text, .. }
        | Block::Feature { text, .. }
        | Block::Quote { text, .. }
        | Block::NewsletterSignup { text, .. }
        | Block::Petition { text, .. }
        | Block::Contact { text, .. } => Some(text),
        _ => None,
    }
}

/// A public form's body (`application/x-www-form-urlencoded`) as the
/// petition, the newsletter signup and the contact form read it; an email
/// address, once checked, is in the form that checks the same again.
pub fn forms(data: &[u8]) {
    let key = Key::from_secret("fuzzing");
    let headers = HeaderMap::new();
    if let Ok(form) = serde_urlencoded::from_bytes::<SignForm>(data) {
        guard::check(&key, &headers, form.guard(), &[]);
        let _ = form.read();
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<Signup>(data) {
        guard::check(&key, &headers, form.guard(), &[]);
        let _ = form.read();
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<MessageForm>(data) {
        guard::check(&key, &headers, form.guard(), &[]);
        let _ = form.read();
    }
    for (_, value) in form_urlencoded::parse(data) {
        if let Ok(address) = EmailAddress::parse(&value) {
            assert_eq!(EmailAddress::parse(address.as_str()).as_ref(), Ok(&address), "{value:?}");
        }
    }
}

/// A subscriber import, line by line as the import reads it; each line's
/// cells, written out as the exports write them, read back the same, with
/// a cell that a spreadsheet would take for a formula behind a `'`.
pub fn csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for line in text.trim_start_matches('\u{feff}').lines() {
        let cells = csv::cells(line);
        let _ = EmailAddress::parse(cells.first().map_or("", |c| c.trim()));
        let written = csv::line(&cells);
        let back = csv::cells(written.strip_suffix("\r\n").expect("a line ends in CRLF"));
        assert_eq!(back.len(), cells.len(), "{line:?} written as {written:?}");
        for (cell, read) in cells.iter().zip(&back) {
            assert!(read == cell || read.strip_prefix('\'') == Some(cell), "{cell:?} read back as {read:?} from {written:?}");
        }
    }
}

/// Demo files, each opened by a line `==> path <==` (as `head` prints
/// several files); a file that fails is named with a line it has.
pub fn demo(data: &[u8]) {
    let files = demo_files(data);
    let lines: Vec<(String, usize)> = files.iter().map(|(path, bytes)| (path.clone(), bytes.split(|b| *b == b'\n').count())).collect();
    if let Err(error) = Demo::parse(files) {
        let most = lines.iter().find(|(path, _)| *path == error.path).map_or(1, |(_, count)| *count + 1);
        assert!((1..=most).contains(&error.line), "{error} (the file has {most} lines)");
    }
}

/// The files of a [`demo`] input; bytes before the first `==>` line belong to
/// none, and a path opened again replaces the earlier file, as in a folder.
pub fn demo_files(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for line in data.split_inclusive(|b| *b == b'\n') {
        let opening = std::str::from_utf8(line).ok().and_then(|l| l.trim_end_matches('\n').strip_prefix("==> ")?.strip_suffix(" <=="));
        match (opening, files.last_mut()) {
            (Some(path), _) => {
                files.retain(|(earlier, _)| earlier != path);
                files.push((path.to_owned(), Vec::new()))
            }
            (None, Some((_, bytes))) => bytes.extend_from_slice(line),
            (None, None) => {}
        }
    }
    files
}
