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
                Some((local, domain))
                    if !local.is_empty()
                        && !local.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..") =>
                {
                    None
                }
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
}
