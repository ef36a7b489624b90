//! An email address as people type it, checked once at the boundary.

use std::fmt;

/// A plausible address, trimmed and lowercased (`Ann@Example.ORG ` →
/// `ann@example.org`), so that one person is one address everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, String> {
        let address = input.trim().to_lowercase();
        let problem = if address.is_empty() {
            Some("Enter an email address.")
        } else if address.len() > 254 {
            Some("This email address is too long.")
        } else if address.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')) {
            Some("An email address has no spaces and none of < > \" , ;")
        } else {
            match address.rsplit_once('@') {
                Some((local, domain)) if is_dot_atom(local) && is_domain(domain) => None,
                _ => Some("This is not an email address: it needs a name, an @ and a domain, e.g. ann@example.org."),
            }
        };
        match problem {
            None => Ok(EmailAddress(address)),
            Some(message) => Err(message.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The part before the @ as RFC 5321 allows it unquoted: words of letters,
/// digits and ``!#$%&'*+-/=?^_`{|}~`` joined by single dots (letters beyond
/// ASCII too, as mail servers with SMTPUTF8 take them).
fn is_dot_atom(local: &str) -> bool {
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    local.len() <= 64 && local.split('.').all(|word| !word.is_empty() && word.chars().all(atext))
}

/// A domain of two or more labels of letters, digits and inner hyphens
/// (letters beyond ASCII for international names), the last not all digits:
/// nothing that reads as part of a web address (`x.org?bcc=…`).
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label = |l: &&str| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    labels.len() >= 2 && labels.iter().all(label) && labels.last().is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lowercased() {
        assert_eq!(EmailAddress::parse("  Ann@Example.ORG ").unwrap().as_str(), "ann@example.org");
        assert_eq!(EmailAddress::parse("jens.soering+news@post.example.de").unwrap().as_str(), "jens.soering+news@post.example.de");
    }

    #[test]
    fn what_cannot_be_an_address_is_refused_with_a_reason() {
        for bad in
            ["", "ann", "ann@", "@example.org", "ann@example", "ann@@example.org", "a nn@example.org", "ann@example..org", "a<b>@x.org"]
        {
            let error = EmailAddress::parse(bad).unwrap_err();
            assert!(!error.is_empty(), "{bad}");
        }
        assert!(EmailAddress::parse(&format!("{}@example.org", "a".repeat(250))).is_err());
    }

    #[test]
    fn a_domain_is_labels_and_nothing_that_reads_as_a_web_address() {
        for bad in [
            "a@x.org?bcc=evil%40y.org",
            "a@x.org/path",
            "a@x.org&b=c",
            "a@x.org#top",
            "a@x.o'rg",
            "a@(x).org",
            "a@x!.org",
            "a@x|y.org",
            "a@-x.org",
            "a@x-.org",
            "a@x.org.",
            "a@1.2.3.4",
            "a@x_y.org",
            ".a@x.org",
            "a..b@x.org",
            "a.@x.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} was taken");
        }
        for good in ["o'brien@example.ie", "a+b=c@x.org", "jörg@müller.de", "x@mail-1.example.co.uk", "{x}@x.org", "1@2.de"] {
            assert!(EmailAddress::parse(good).is_ok(), "{good} was refused");
        }
    }
}
