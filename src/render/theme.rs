//! The theme: templates and static files, embedded in the binary and
//! overridable file by file from a theme folder on disk (`--theme DIR`,
//! with `templates/` and `static/` inside).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_embed::Embed;
use sha2::{Digest, Sha256};

#[derive(Embed)]
#[folder = "themes/default/"]
struct DefaultTheme;

/// A static file with a content hash in its URL, so it can be cached forever.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// e.g. `/static/style.3f2a1b0c9d.css`
    pub url: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl StaticFile {
    /// `style.css` under `/static/` → `/static/style.3f2a1b0c9d.css`.
    pub fn hashed(prefix: &str, name: &str, bytes: Vec<u8>) -> Self {
        let hash = crate::secrets::hex(&Sha256::digest(&bytes)[..5]);
        let url = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{prefix}{stem}.{hash}.{ext}"),
            None => format!("{prefix}{name}.{hash}"),
        };
        StaticFile { url, content_type: content_type(name), bytes }
    }
}

#[derive(Debug, Clone)]
pub struct Theme {
    dir: Option<PathBuf>,
    /// Logical name ("style.css") → the hashed file.
    pub statics: HashMap<String, StaticFile>,
}

impl Theme {
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut names: Vec<String> = DefaultTheme::iter().filter_map(|p| p.strip_prefix("static/").map(str::to_owned)).collect();
        if let Some(dir) = dir {
            anyhow::ensure!(dir.is_dir(), "the theme folder {} does not exist", dir.display());
            let static_dir = dir.join("static");
            if static_dir.is_dir() {
                for entry in std::fs::read_dir(&static_dir).with_context(|| format!("cannot read {}", static_dir.display()))? {
                    let name = entry?.file_name().to_string_lossy().into_owned();
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        let mut theme = Theme { dir: dir.map(Path::to_owned), statics: HashMap::new() };
        for name in names {
            let bytes = theme.file(&format!("static/{name}"))?.with_context(|| format!("the theme file static/{name} vanished"))?;
            let file = StaticFile::hashed("/static/", &name, bytes);
            theme.statics.insert(name, file);
        }
        Ok(theme)
    }

    /// A theme file by its path inside the theme: the disk copy wins.
    pub fn file(&self, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(dir) = &self.dir {
            let on_disk = dir.join(path);
            if on_disk.is_file() {
                return Ok(Some(std::fs::read(&on_disk).with_context(|| format!("cannot read {}", on_disk.display()))?));
            }
        }
        Ok(DefaultTheme::get(path).map(|f| f.data.into_owned()))
    }

    /// The URL of a static file by its logical name, for templates.
    pub fn static_url(&self, name: &str) -> Option<&str> {
        self.statics.get(name).map(|f| f.url.as_str())
    }
}

pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_get_content_hashed_urls() {
        let theme = Theme::load(None).unwrap();
        let url = theme.static_url("style.css").unwrap();
        assert!(url.starts_with("/static/style.") && url.ends_with(".css") && url.len() == "/static/style..css".len() + 10, "{url}");
    }

    #[test]
    fn a_theme_folder_overrides_files_and_changes_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "body{color:red}").unwrap();
        let default = Theme::load(None).unwrap();
        let custom = Theme::load(Some(dir.path())).unwrap();
        assert_ne!(default.static_url("style.css"), custom.static_url("style.css"));
        assert_eq!(custom.statics["style.css"].bytes, b"body{color:red}");
    }
}
