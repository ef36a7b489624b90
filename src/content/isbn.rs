//! ISBN-13 with its check digit verified.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Isbn13(String);

impl Isbn13 {
    /// Accepts hyphens and spaces as written on covers ("978-1590563458").
    pub fn parse(s: &str) -> Result<Self, String> {
        let digits: Vec<u32> = s.chars().filter(|c| !matches!(c, '-' | ' ')).map(|c| c.to_digit(10).unwrap_or(99)).collect();
        if digits.len() != 13 || digits.iter().any(|&d| d > 9) {
            return Err(format!("{s:?} is not an ISBN-13: it needs 13 digits (hyphens allowed)"));
        }
        let sum: u32 = digits[..12].iter().enumerate().map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 }).sum();
        let check = (10 - sum % 10) % 10;
        if check != digits[12] {
            return Err(format!("{s:?} is not a valid ISBN-13: the check digit should be {check}; is a digit mistyped?"));
        }
        Ok(Isbn13(digits.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect()))
    }

    /// The 13 digits without hyphens, as schema.org and shops expect.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The common display form: "978-1590563458".
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..3], &self.0[3..])
    }
}

impl fmt::Display for Isbn13 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl<'de> serde::Deserialize<'de> for Isbn13 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Isbn13::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_isbns_in_any_common_spelling() {
        assert_eq!(Isbn13::parse("978-1590563458").unwrap().digits(), "9781590563458");
        assert_eq!(Isbn13::parse("9781590563458").unwrap().display(), "978-1590563458");
        assert!(Isbn13::parse("978 0 306 40615 7").is_ok());
    }

    #[test]
    fn refuses_wrong_check_digits_and_lengths() {
        let err = Isbn13::parse("978-1590563459").unwrap_err();
        assert!(err.contains("check digit should be 8"), "{err}");
        assert!(Isbn13::parse("159056345").is_err());
        assert!(Isbn13::parse("978-159056345X").is_err());
        assert!(Isbn13::parse("").is_err());
    }
}
