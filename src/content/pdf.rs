//! A PDF's active content. A PDF that runs scripts or launches programs
//! would do so under the campaign's name, so such a file is refused at
//! upload. Names are read as PDF spells them (`/J#61vaScript` is
//! `/JavaScript`), in the file and inside its compressed streams, where
//! object streams keep dictionaries out of plain sight.

use std::io::Read;

/// Actions a campaign's documents never need: scripts and launching files.
const ACTIVE: [&[u8]; 3] = [b"JavaScript", b"JS", b"Launch"];

/// How much decompressed data is read at most; past it the file is refused
/// rather than passed unread (a small file can inflate to gigabytes).
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// Why a PDF is refused, or `Ok` for one without active content.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    check_within(bytes, MAX_INFLATED)
}

fn check_within(bytes: &[u8], mut budget: u64) -> Result<(), String> {
    let mut names = Names::default();
    names.feed(bytes);
    let mut rest = bytes;
    while let Some(at) = find(rest, b"stream") {
        let mut data = &rest[at + b"stream".len()..];
        data = data.strip_prefix(b"\r\n").or_else(|| data.strip_prefix(b"\n")).unwrap_or(data);
        let end = find(data, b"endstream").unwrap_or(data.len());
        // A zlib header (FlateDecode); other filters hold pictures and fonts, not dictionaries.
        if data.first() == Some(&0x78) {
            let mut inflated = flate2::read::ZlibDecoder::new(&data[..end]).take(budget + 1);
            let mut names_in_stream = Names::default();
            let mut chunk = [0u8; 64 * 1024];
            while let Ok(n @ 1..) = inflated.read(&mut chunk) {
                names_in_stream.feed(&chunk[..n]);
                budget = budget
                    .checked_sub(n as u64)
                    .ok_or("this PDF is too complex to check; save it again (print it to PDF) and upload that")?;
            }
            names.found |= names_in_stream.found;
        }
        rest = &data[end..];
    }
    match names.found {
        true => Err("this PDF contains scripts or launches files, which could run under the campaign's name; save it again without them (print it to PDF) and upload that".into()),
        false => Ok(()),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads PDF names (`/Name`, with `#xx` escapes) from bytes fed in pieces.
#[derive(Default)]
struct Names {
    /// The name being read, decoded; `None` outside a name.
    name: Option<Vec<u8>>,
    /// A `#` escape's hex digits so far.
    escape: Option<Vec<u8>>,
    found: bool,
}

impl Names {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(digits) = &mut self.escape {
                digits.push(b);
                if digits.len() == 2 {
                    let decoded = std::str::from_utf8(digits).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                    self.escape = None;
                    match (decoded, &mut self.name) {
                        (Some(byte), Some(name)) => name.push(byte),
                        _ => self.end(),
                    }
                }
                continue;
            }
            let delimiter = b.is_ascii_whitespace() || b"()<>[]{}/%\0".contains(&b);
            match (&mut self.name, b) {
                (Some(_), b'#') => self.escape = Some(Vec::with_capacity(2)),
                (Some(name), _) if !delimiter => {
                    // No name of interest is long; a long run is no name we look for.
                    if name.len() < 32 {
                        name.push(b);
                    }
                }
                _ => {
                    self.end();
                    if b == b'/' {
                        self.name = Some(Vec::new());
                    }
                }
            }
        }
    }

    fn end(&mut self) {
        if let Some(name) = self.name.take() {
            self.found |= ACTIVE.contains(&name.as_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflated(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn with_stream(data: &[u8]) -> Vec<u8> {
        [b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n".as_slice(), data, b"\nendstream\nendobj\n%%EOF"].concat()
    }

    #[test]
    fn scripts_and_launches_are_found_however_spelt_or_packed() {
        let plain = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF";
        assert!(check(plain).is_err());
        assert!(check(b"%PDF-1.4\n<< /S /J#61vaScript >>").is_err(), "an escaped name");
        assert!(check(b"%PDF-1.4\n<< /S/Launch/F(calc.exe) >>").is_err(), "names without spaces");
        assert!(check(&with_stream(&deflated(b"<< /AA << /O << /S /JavaScript /JS 5 0 R >> >> >>"))).is_err(), "inside an object stream");
    }

    #[test]
    fn ordinary_documents_pass() {
        let letter = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >> endobj\n(JavaScript is a word) /JSON /Jstyle\n%%EOF";
        assert_eq!(check(letter), Ok(()));
        assert_eq!(check(&with_stream(&deflated(b"BT /F1 12 Tf (Free Jens) Tj ET"))), Ok(()));
        assert_eq!(check(&with_stream(b"\xff\xd8\xff not zlib")), Ok(()), "a picture's stream is not inflated");
    }

    #[test]
    fn a_decompression_bomb_is_refused_not_read_to_the_end() {
        let bomb = with_stream(&deflated(&vec![b' '; 4 * 1024 * 1024]));
        assert!(bomb.len() < 16 * 1024, "{} bytes", bomb.len());
        assert!(check_within(&bomb, 1024 * 1024).unwrap_err().contains("too complex"));
        assert_eq!(check_within(&bomb, 8 * 1024 * 1024), Ok(()));
    }
}
