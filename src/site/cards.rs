//! Share cards: the 1200×630 PNG that social sites show for a shared link
//! (`og:image`), made by Pamphlet for every page without a picture of its
//! own, from the site's name, the page's title and the accent colour, at
//! `/share/{path}.png` (`/share/index.png` for the home page). They are rendered and
//! cached like pages, and the export writes them too. The font is Lato Bold,
//! subset to Latin and built into the binary (`fonts/OFL.txt`).

use std::io::Cursor;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{ImageFormat, Rgba, RgbaImage};

use crate::render::page::Site;
#[cfg(test)]
use crate::render::seo::share_card;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
const MARGIN: f32 = 80.0;
const FONT: &[u8] = include_bytes!("fonts/Lato-Bold-subset.ttf");

/// The page a card address stands for (`/share/news.png` is `/news/`'s);
/// see [`crate::render::seo::share_card`].
fn page_for(card: &str) -> Option<String> {
    match card.strip_prefix("/share/").and_then(|c| c.strip_suffix(".png")) {
        Some("index") => Some("/".to_owned()),
        Some(inner) if !inner.is_empty() => Some(format!("/{inner}/")),
        _ => None,
    }
}

/// The card for the page that `card` (a `/share/….png` address) stands for;
/// `None` when there is no such page.
pub async fn render(site: &Site, card: &str) -> anyhow::Result<Option<Vec<u8>>> {
    // The page's own title, as its head gives it: only pages that exist get a card.
    let Some(page) = page_for(card) else { return Ok(None) };
    let Some(rendered) = Box::pin(super::routes::render(site, &page)).await? else { return Ok(None) };
    let html = String::from_utf8_lossy(&rendered.body);
    let Some(title) = meta(&html, "og:title") else { return Ok(None) };
    let settings = crate::render::page::settings(site).await?;
    let accent = super::icons::accent(&settings);
    let host = crate::render::views::host(&site.base_url).unwrap_or_default();
    let name = settings.name.clone();
    let png = tokio::task::spawn_blocking(move || {
        let card = draw(&name, &title, &host, accent);
        let mut out = Cursor::new(Vec::new());
        card.write_to(&mut out, ImageFormat::Png).map(|()| out.into_inner())
    })
    .await??;
    Ok(Some(png))
}

/// The unescaped `content` of `<meta property="{property}" …>`.
fn meta(html: &str, property: &str) -> Option<String> {
    let tag = format!(r#"<meta property="{property}" content=""#);
    let start = html.find(&tag)? + tag.len();
    let value = &html[start..start + html[start..].find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The card: the accent colour, the site's name above, the title large, the host below.
fn draw(site: &str, title: &str, host: &str, [r, g, b]: [u8; 3]) -> RgbaImage {
    let font = FontRef::try_from_slice(FONT).expect("the built-in font parses");
    let mut card = RgbaImage::from_pixel(WIDTH, HEIGHT, Rgba([r, g, b, 255]));
    let soft = Rgba([255, 255, 255, 200]);
    write(&mut card, &font, 38.0, MARGIN, MARGIN + 38.0, site, soft);
    let width = WIDTH as f32 - 2.0 * MARGIN;
    // The largest size at which the title fits in four lines.
    let (size, lines) = [84.0, 72.0, 62.0, 54.0]
        .into_iter()
        .map(|size| (size, wrap(&font, size, title, width)))
        .find(|(_, lines)| lines.len() <= 4)
        .unwrap_or_else(|| (54.0, clip(wrap(&font, 54.0, title, width), 4)));
    let top = MARGIN + 38.0 + 70.0;
    for (n, line) in lines.iter().enumerate() {
        write(&mut card, &font, size, MARGIN, top + size * (n as f32 + 1.0) * 1.12, line, Rgba([255, 255, 255, 255]));
    }
    write(&mut card, &font, 30.0, MARGIN, HEIGHT as f32 - MARGIN + 10.0, host, soft);
    card
}

fn width_of(font: &FontRef, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut last = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = last {
            width += scaled.kern(previous, id);
        }
        width += scaled.h_advance(id);
        last = Some(id);
    }
    width
}

/// `text` in lines no wider than `width`, broken between words.
fn wrap(font: &FontRef, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if width_of(font, size, &format!("{line} {word}")) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The first `keep` lines, the last ending in an ellipsis when some were cut.
fn clip(mut lines: Vec<String>, keep: usize) -> Vec<String> {
    if lines.len() > keep {
        lines.truncate(keep);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
}

/// Draws `text` with its baseline at `y`, blending each pixel by the glyph's coverage.
fn write(card: &mut RgbaImage, font: &FontRef, size: f32, x: f32, y: f32, text: &str, colour: Rgba<u8>) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut caret = x;
    let mut last = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = last {
            caret += scaled.kern(previous, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), point(caret, y));
        caret += scaled.h_advance(id);
        last = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (bounds.min.x as i64 + gx as i64, bounds.min.y as i64 + gy as i64);
            if px < 0 || py < 0 || px >= card.width() as i64 || py >= card.height() as i64 {
                return;
            }
            let pixel = card.get_pixel_mut(px as u32, py as u32);
            let alpha = coverage.clamp(0.0, 1.0) * colour.0[3] as f32 / 255.0;
            for i in 0..3 {
                pixel.0[i] = (colour.0[i] as f32 * alpha + pixel.0[i] as f32 * (1.0 - alpha)).round() as u8;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_has_its_card_address() {
        for (page, card) in [
            ("/", "/share/index.png"),
            ("/pardon/", "/share/pardon.png"),
            ("/news/hearing-set/", "/share/news/hearing-set.png"),
            ("/news/", "/share/news.png"),
        ] {
            assert_eq!(share_card(page), card);
            assert_eq!(page_for(card).as_deref(), Some(page), "{card}");
        }
        assert!(page_for("/share/pardon.jpg").is_none() && page_for("/share/.png").is_none());
    }

    #[test]
    fn a_card_is_the_accent_with_white_words_and_a_long_title_is_cut() {
        let card = draw("Friends of Jens Söring", "An absolute pardon for Jens Söring", "example.org", [0x8a, 0x1c, 0x1c]);
        assert_eq!((card.width(), card.height()), (WIDTH, HEIGHT));
        assert_eq!(card.get_pixel(5, 5).0, [0x8a, 0x1c, 0x1c, 255]);
        let white = card.pixels().filter(|p| p.0[..3] == [255, 255, 255]).count();
        assert!(white > 10_000, "the title is written: {white} white pixels");
        let font = FontRef::try_from_slice(FONT).unwrap();
        let long = "word ".repeat(80);
        let lines = clip(wrap(&font, 54.0, &long, 1040.0), 4);
        assert_eq!(lines.len(), 4);
        assert!(lines[3].ends_with('…'));
    }
}
