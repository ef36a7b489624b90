//! Uploaded files checked by their content, not their name, and images
//! resized once on upload into the widths pages offer with `srcset`.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// What an upload is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    Pdf,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Svg => "image/svg+xml",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Svg => "svg",
            Kind::Pdf => "pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Kind::Pdf
    }
}

/// The kind of an upload from its bytes, or `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        let text = std::str::from_utf8(&bytes[..bytes.len().min(4096)]).ok()?;
        let start = text.trim_start_matches('\u{feff}').trim_start();
        ((start.starts_with("<?xml") || start.starts_with("<svg") || start.starts_with("<!--")) && text.contains("<svg"))
            .then_some(Kind::Svg)
    }
}

/// The most pixels an upload may have: more than any camera a campaign uses
/// (a 40-megapixel photo), and about 200 MB and a second to resize.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The widths offered to browsers; only those smaller than the original are made.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];

/// A resized copy of an image.
pub struct Resized {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub kind: Kind,
}

/// A raster image's size and its resized copies (JPEG, or PNG where the
/// image has transparency). GIFs keep their frames and SVGs scale by
/// themselves, so both get none.
pub fn resize(bytes: &[u8], kind: Kind) -> Result<((u32, u32), Vec<Resized>), String> {
    let format = match kind {
        Kind::Png => ImageFormat::Png,
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Webp => ImageFormat::WebP,
        Kind::Gif => ImageFormat::Gif,
        Kind::Svg | Kind::Pdf => return Err("only raster images are resized".into()),
    };
    // A small file can claim a huge canvas: its size is read from the
    // header and refused before any pixel is decoded.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| format!("the image cannot be read ({e}); save it again as JPEG or PNG and upload that"))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(format!(
            "the image is {width} × {height} pixels ({} megapixels); upload one of at most {} megapixels, e.g. 8000 × 5000",
            pixels.div_ceil(1_000_000),
            MAX_PIXELS / 1_000_000
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    // Four bytes a pixel, and room for the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 32 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| format!("the image cannot be read ({e}); save it again as JPEG or PNG and upload that"))?;
    let size = (image.width(), image.height());
    if kind == Kind::Gif {
        return Ok((size, Vec::new()));
    }
    let opaque = !image.color().has_alpha();
    let mut copies = Vec::new();
    for width in WIDTHS.into_iter().filter(|w| *w < size.0) {
        let height = ((u64::from(size.1) * u64::from(width)) / u64::from(size.0)).max(1) as u32;
        let small = image.resize_exact(width, height, image::imageops::FilterType::Triangle);
        copies.push(encode(&small, opaque)?);
    }
    Ok((size, copies))
}

fn encode(image: &DynamicImage, opaque: bool) -> Result<Resized, String> {
    let mut out = Cursor::new(Vec::new());
    let kind = if opaque {
        let rgb = image.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&rgb).map_err(|e| e.to_string())?;
        Kind::Jpeg
    } else {
        image.write_to(&mut out, ImageFormat::Png).map_err(|e| e.to_string())?;
        Kind::Png
    };
    Ok(Resized { width: image.width(), height: image.height(), bytes: out.into_inner(), kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn uploads_are_known_by_their_bytes_not_their_names() {
        assert_eq!(sniff(&png(2, 2)), Some(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Some(Kind::Svg));
        assert_eq!(sniff(b"MZ\x90\x00 an executable"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script></html>"), None);
    }

    #[test]
    fn a_wide_photo_gets_every_smaller_width_as_jpeg() {
        let ((width, height), copies) = resize(&png(2000, 1000), Kind::Png).unwrap();
        assert_eq!((width, height), (2000, 1000));
        let widths: Vec<(u32, u32)> = copies.iter().map(|c| (c.width, c.height)).collect();
        assert_eq!(widths, [(480, 240), (960, 480), (1600, 800)]);
        assert!(copies.iter().all(|c| c.kind == Kind::Jpeg && sniff(&c.bytes) == Some(Kind::Jpeg)));
        let (_, none) = resize(&png(300, 200), Kind::Png).unwrap();
        assert!(none.is_empty(), "a small image is not enlarged");
        assert!(resize(b"\x89PNG\r\n\x1a\nbroken", Kind::Png).is_err());
    }

    /// A PNG whose header claims `width` × `height`, with its one tiny row of
    /// data: what an attacker uploads to make the server allocate gigabytes.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        // The IHDR chunk starts at byte 8: length, type, then width and height.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        bytes
    }

    #[test]
    fn an_image_past_forty_megapixels_is_refused_from_its_header() {
        let started = std::time::Instant::now();
        let error = resize(&png_claiming(11_000, 11_000), Kind::Png).err().expect("refused");
        assert!(error.contains("11000 × 11000 pixels (121 megapixels)") && error.contains("at most 40 megapixels"), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_millis(100), "{:?}", started.elapsed());
        let claimed = resize(&png_claiming(6_000, 6_000), Kind::Png).err().expect("a claimed size with no pixels behind it");
        assert!(claimed.contains("cannot be read"), "{claimed}");
    }
}
