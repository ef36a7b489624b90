//! URL slugs: lowercase ASCII words joined by hyphens, umlaut-safe.

use std::fmt;

/// A validated slug: `[a-z0-9]+(-[a-z0-9]+)*`, at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 120
            && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(format!("{s:?} is not a slug: use lowercase letters, digits and single hyphens, e.g. {:?}", slugify(s)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Slug::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Turns a title into a slug, spelling umlauts the German way
/// ("Söring" → "soering") and dropping other accents ("café" → "cafe").
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_hyphen = false;
    for c in title.chars().flat_map(|c| c.to_lowercase()) {
        let ascii: &str = match c {
            'a'..='z' | '0'..='9' => {
                let mut buf = [0u8; 4];
                push_word(&mut out, &mut pending_hyphen, c.encode_utf8(&mut buf));
                continue;
            }
            'ä' | 'æ' => "ae",
            'ö' | 'ø' | 'œ' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
            'ł' | 'ľ' | 'ĺ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ő' => "o",
            'ř' | 'ŕ' => "r",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ť' | 'ţ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'þ' => "th",
            '\'' | '’' => continue,
            _ => {
                pending_hyphen = !out.is_empty();
                continue;
            }
        };
        push_word(&mut out, &mut pending_hyphen, ascii);
    }
    out.truncate(120);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn push_word(out: &mut String, pending_hyphen: &mut bool, s: &str) {
    if *pending_hyphen {
        out.push('-');
        *pending_hyphen = false;
    }
    out.push_str(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_are_spelled_out_not_dropped() {
        assert_eq!(slugify("Söring"), "soering");
        assert_eq!(slugify("Gefängnis"), "gefaengnis");
        assert_eq!(slugify("Jens Söring: Über die Straße"), "jens-soering-ueber-die-strasse");
        assert_ne!(slugify("Söring"), "s_ring");
    }

    #[test]
    fn punctuation_and_accents_collapse_to_single_hyphens() {
        assert_eq!(slugify("  The Promise — Documentary (2016)! "), "the-promise-documentary-2016");
        assert_eq!(slugify("Café crème"), "cafe-creme");
        assert_eq!(slugify("Jens' newsletter"), "jens-newsletter");
        assert_eq!(slugify("One Day in the Life of 179212"), "one-day-in-the-life-of-179212");
    }

    #[test]
    fn parse_accepts_slugs_and_explains_the_rest() {
        assert!(Slug::parse("about-the-case").is_ok());
        assert!(Slug::parse("2016").is_ok());
        for bad in ["", "About", "a--b", "-a", "a-", "a_b", "s%C3%B6", "../x"] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(Slug::parse("Söring").unwrap_err().contains("\"soering\""));
    }
}
