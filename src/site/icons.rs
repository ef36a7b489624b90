//! The site's icons and web manifest: `/favicon.ico`, `/apple-touch-icon.png`,
//! `/icon-192.png`, `/icon-512.png` and `/site.webmanifest`. They are made
//! from the logo in Settings when it is a picture (PNG, JPEG, WebP, GIF),
//! else a plain mark in the accent colour, so no page asks for an icon
//! that is not there. The export writes them like any page.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{ImageFormat, Rgba, RgbaImage};

use crate::content::assets;
use crate::content::settings::SiteSettings;
use crate::render::page::Site;
use crate::store::Store;

/// The theme's accent when Settings names none (its `--accent`).
const ACCENT: [u8; 3] = [0x8a, 0x1c, 0x1c];

/// Every address this module answers.
pub const PATHS: [&str; 5] = ["/favicon.ico", "/apple-touch-icon.png", "/icon-192.png", "/icon-512.png", "/site.webmanifest"];

/// The icon or manifest at `file` (a path without its slash), if it is one.
pub async fn render(site: &Site, file: &str) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    let (size, format, content_type) = match file {
        "favicon.ico" => (32, ImageFormat::Ico, "image/x-icon"),
        "apple-touch-icon.png" => (180, ImageFormat::Png, "image/png"),
        "icon-192.png" => (192, ImageFormat::Png, "image/png"),
        "icon-512.png" => (512, ImageFormat::Png, "image/png"),
        "site.webmanifest" => return Ok(Some(("application/manifest+json", manifest(&crate::render::page::settings(site).await?)))),
        _ => return Ok(None),
    };
    let settings = crate::render::page::settings(site).await?;
    let icon = icon(&site.store, &settings, size).await?;
    // Decoding and resizing a logo is work for a blocking thread, not the server's.
    let bytes = tokio::task::spawn_blocking(move || {
        let mut out = Cursor::new(Vec::new());
        icon.write_to(&mut out, format).map(|()| out.into_inner())
    })
    .await??;
    Ok(Some((content_type, bytes)))
}

/// The accent colour of the settings, or the theme's.
pub fn accent(settings: &SiteSettings) -> [u8; 3] {
    let hex = settings.accent.trim_start_matches('#');
    let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
    match (hex.len(), channel(0), channel(2), channel(4)) {
        (6, Some(r), Some(g), Some(b)) => [r, g, b],
        _ => ACCENT,
    }
}

fn manifest(settings: &SiteSettings) -> Vec<u8> {
    let [r, g, b] = accent(settings);
    let short: String = settings.name.chars().take(12).collect();
    let icons =
        [192, 512].map(|n| serde_json::json!({ "src": format!("/icon-{n}.png"), "sizes": format!("{n}x{n}"), "type": "image/png" }));
    let manifest = serde_json::json!({
        "name": settings.name, "short_name": short, "lang": settings.language, "start_url": "/", "display": "browser",
        "theme_color": format!("#{r:02x}{g:02x}{b:02x}"), "background_color": "#ffffff", "icons": icons,
    });
    serde_json::to_vec_pretty(&manifest).unwrap_or_default()
}

/// A square icon of `size` pixels: the logo, centred on white, or the plain mark.
async fn icon(store: &Store, settings: &SiteSettings, size: u32) -> anyhow::Result<RgbaImage> {
    let logo = match &settings.logo {
        Some(name) => assets::by_name(store, name).await?.filter(|a| a.content_type != "image/svg+xml"),
        None => None,
    };
    let accent = accent(settings);
    Ok(tokio::task::spawn_blocking(move || match logo.and_then(|a| image::load_from_memory(&a.bytes).ok()) {
        Some(picture) => {
            let inner = size * 7 / 8;
            let fitted = picture.resize(inner, inner, FilterType::Lanczos3).to_rgba8();
            let mut canvas = RgbaImage::from_pixel(size, size, Rgba([255, 255, 255, 255]));
            let (x, y) = ((size - fitted.width()) / 2, (size - fitted.height()) / 2);
            image::imageops::overlay(&mut canvas, &fitted, x.into(), y.into());
            canvas
        }
        None => mark(size, accent),
    })
    .await?)
}

/// The plain mark: a rounded square in the accent colour with a white ring.
fn mark(size: u32, [r, g, b]: [u8; 3]) -> RgbaImage {
    let s = size as f32;
    let (corner, centre) = (s * 0.2, s / 2.0);
    RgbaImage::from_fn(size, size, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        // Outside the rounded corners stays clear.
        let (cx, cy) = (px.clamp(corner, s - corner), py.clamp(corner, s - corner));
        if (px - cx).hypot(py - cy) > corner {
            return Rgba([0, 0, 0, 0]);
        }
        let distance = (px - centre).hypot(py - centre);
        if (s * 0.2..=s * 0.31).contains(&distance) { Rgba([255, 255, 255, 255]) } else { Rgba([r, g, b, 255]) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_the_accent_with_a_white_ring_and_clear_corners() {
        let icon = mark(64, [0x1f, 0x5f, 0xbf]);
        assert_eq!(icon.get_pixel(0, 0).0[3], 0, "a rounded corner");
        assert_eq!(icon.get_pixel(32, 6).0, [0x1f, 0x5f, 0xbf, 255]);
        assert_eq!(icon.get_pixel(32, 15).0, [255, 255, 255, 255], "the ring");
        assert_eq!(icon.get_pixel(32, 32).0, [0x1f, 0x5f, 0xbf, 255], "its middle");
    }

    #[test]
    fn the_accent_comes_from_the_settings_or_the_theme() {
        let settings: SiteSettings = toml::from_str("name = \"x\"\naccent = \"#1f5fbf\"").unwrap();
        assert_eq!(accent(&settings), [0x1f, 0x5f, 0xbf]);
        assert_eq!(accent(&toml::from_str("name = \"x\"").unwrap()), ACCENT);
    }
}
