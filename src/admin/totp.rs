//! Codes from an authenticator app (RFC 6238: HMAC-SHA1 over 30-second
//! steps, six digits), the secret the app shares with the site, and the QR
//! code that hands the secret over.

use hmac::{Hmac, KeyInit, Mac};
use time::OffsetDateTime;

pub const STEP_SECONDS: i64 = 30;
/// Codes of the step before and after count too: phones' clocks drift.
const DRIFT: i64 = 1;

/// The shared secret: 20 random bytes, as RFC 4226 recommends.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
        Secret(bytes)
    }

    /// The form the store and the setup form keep.
    pub fn hex(&self) -> String {
        crate::secrets::hex(&self.0)
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 40 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect();
        bytes.map(Secret)
    }

    /// Base32 as apps take it typed, in groups of four: "ABCD EFGH …".
    pub fn for_typing(&self) -> String {
        let letters: Vec<char> = base32(&self.0).chars().collect();
        letters.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }

    /// The `otpauth://` address the QR code holds, as Google Authenticator reads it.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let label = |text: &str| percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string();
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
            label(issuer),
            label(account),
            base32(&self.0),
            label(issuer)
        )
    }

    /// The six digits for a time step.
    pub fn code_at(&self, step: i64) -> String {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().expect("four bytes")) & 0x7fff_ffff;
        format!("{:06}", value % 1_000_000)
    }

    /// The step a typed code is for, if it is right at `now` and newer than
    /// `last_step` (so a code seen over a shoulder cannot be used again).
    pub fn check(&self, typed: &str, now: OffsetDateTime, last_step: i64) -> Option<i64> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        (current - DRIFT..=current + DRIFT).filter(|step| *step > last_step).find(|step| crate::secrets::same(&self.code_at(*step), &typed))
    }
}

/// The secret never goes to a log.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

pub fn step_of(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// RFC 4648 base32 without padding.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buffer, mut bits) = (String::new(), 0u32, 0);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// `text` as a QR code in SVG, one square per dark module, with the quiet
/// zone around it that scanners need.
pub fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else { return String::new() };
    let (size, quiet) = (qr.size(), 4);
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + quiet, y + quiet));
            }
        }
    }
    let side = size + 2 * quiet;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" width=\"{}\" height=\"{}\" role=\"img\" \
         aria-label=\"QR code for your authenticator app\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>",
        side * 5,
        side * 5
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's test secret and times (its SHA-1 column, last six digits).
    #[test]
    fn codes_match_the_rfc() {
        let secret = Secret(b"12345678901234567890".to_vec());
        for (time, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            assert_eq!(secret.code_at(time / STEP_SECONDS), code, "at {time}");
        }
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn a_code_counts_near_its_time_and_once() {
        let secret = Secret::generate();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let step = step_of(now);
        assert_eq!(secret.check(&secret.code_at(step), now, 0), Some(step));
        assert_eq!(secret.check(&secret.code_at(step - 1), now, 0), Some(step - 1), "a slow phone");
        assert_eq!(secret.check(&secret.code_at(step - 2), now, 0), None, "a minute old");
        assert_eq!(secret.check(&secret.code_at(step), now, step), None, "used already");
        let spaced = format!("{} {}", &secret.code_at(step)[..3], &secret.code_at(step)[3..]);
        assert_eq!(secret.check(&spaced, now, 0), Some(step), "typed with a space");
        assert_eq!(secret.check("12345", now, 0), None);
        assert_eq!(Secret::from_hex(&secret.hex()), Some(secret.clone()));
        assert!(
            secret.uri("Friends of Jens", "ann@example.org").starts_with("otpauth://totp/Friends%20of%20Jens:ann%40example%2Eorg?secret=")
        );
        assert!(qr_svg(&secret.uri("x", "y")).contains("<path d=\"M"));
    }
}
