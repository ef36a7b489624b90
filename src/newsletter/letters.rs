//! The emails the newsletter sends: the confirmation of a signup and the
//! issues themselves, each as plain text and as HTML with inline styles
//! (mail programs drop style sheets).

use minijinja::{Value, context};

use crate::content::settings::SiteSettings;
use crate::mail::emails;
use crate::mail::site::{self, accent, id_domain, sender};
use crate::mail::{EmailAddress, Letter, Unsubscribe};
use crate::render::{escape_html, markdown};

pub fn unsubscribe_url(base_url: &str, key: &str) -> String {
    format!("{base_url}/newsletter/unsubscribe/{key}")
}

pub fn confirm_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/newsletter/confirm/{token}")
}

/// The one email an unconfirmed address receives; like every confirmation,
/// it carries none of the words of whoever typed the address.
pub fn confirmation(settings: &SiteSettings, base_url: &str, to: &EmailAddress, token: &str) -> anyhow::Result<Letter> {
    let values = context! { url => confirm_url(base_url, token) };
    site::letter("confirm_subscription", settings, base_url, values, to, &format!("confirm.{}", crate::secrets::token()))
}

/// An issue rendered once, with a mark where each person's unsubscribe link goes.
#[derive(Debug, Clone)]
pub struct Edition {
    pub issue_id: i64,
    pub subject: String,
    text: String,
    html: String,
    id_domain: String,
    base_url: String,
    mailto: String,
}

const UNSUBSCRIBE_MARK: &str = "\u{1}unsubscribe\u{1}";

impl Edition {
    pub fn new(settings: &SiteSettings, base_url: &str, issue_id: i64, subject: &str, body: &str) -> anyhow::Result<Self> {
        let body_html = markdown::to_mail_html(body, base_url, accent(settings));
        let values =
            context! { subject, body => body.trim(), body_html => Value::from_safe_string(body_html), unsubscribe => UNSUBSCRIBE_MARK };
        let email = emails::render("newsletter_issue", settings, values)?;
        let (text, html) = (email.text, email.html);
        let mailto = match sender(settings) {
            Some(sender) => format!("mailto:{}?subject=unsubscribe", sender.address),
            None => String::new(),
        };
        Ok(Edition {
            issue_id,
            subject: subject.to_owned(),
            text,
            html,
            id_domain: id_domain(base_url),
            base_url: base_url.to_owned(),
            mailto,
        })
    }

    /// The issue for one person. Its Message-ID depends only on the issue
    /// and the subscriber, so a resend after a crash is the same message.
    pub fn letter(&self, subscriber_id: i64, to: &EmailAddress, name: &str, unsubscribe_key: &str) -> Letter {
        let url = unsubscribe_url(&self.base_url, unsubscribe_key);
        Letter {
            to: to.clone(),
            to_name: name.to_owned(),
            subject: self.subject.clone(),
            text: self.text.replace(UNSUBSCRIBE_MARK, &url),
            html: self.html.replace(UNSUBSCRIBE_MARK, &escape_html(&url)),
            message_id: format!("newsletter.{}.{}@{}", self.issue_id, subscriber_id, self.id_domain),
            unsubscribe: Some(Unsubscribe { url, mailto: self.mailto.clone() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SiteSettings {
        toml::from_str("name = \"Friends of Jens Söring\"\ncontact_email = \"team@example.org\"").unwrap()
    }

    #[test]
    fn an_issue_has_absolute_styled_links_and_a_personal_unsubscribe_link() {
        let edition = Edition::new(&settings(), "https://example.org", 7, "News", "Read [the case](/about-the-case/).").unwrap();
        let letter = edition.letter(42, &EmailAddress::parse("ann@example.org").unwrap(), "Ann", "KEY");
        assert!(letter.html.contains("href=\"https://example.org/about-the-case/\""), "{}", letter.html);
        assert!(letter.html.contains("<p style="), "{}", letter.html);
        assert!(
            letter.html.contains(r#"<a href="https://example.org/about-the-case/" style="color:#8a3b12;" rel="noopener noreferrer">"#),
            "{}",
            letter.html
        );
        assert!(letter.html.contains("https://example.org/newsletter/unsubscribe/KEY"), "{}", letter.html);
        assert!(letter.text.contains("Unsubscribe: https://example.org/newsletter/unsubscribe/KEY"), "{}", letter.text);
        assert_eq!(letter.message_id, "newsletter.7.42@example.org");
        assert_eq!(letter.unsubscribe.unwrap().mailto, "mailto:team@example.org?subject=unsubscribe");
    }

    /// The review's payload: text that reads like a tag inside an attribute stays text.
    #[test]
    fn styles_are_set_on_elements_never_on_text_that_looks_like_a_tag() {
        let edition = Edition::new(
            &settings(),
            "https://example.org",
            7,
            "News",
            r#"<img alt="<a onerror=alert(1) " src="/uploads/x.png"> and `<a href=x>`"#,
        )
        .unwrap();
        let letter = edition.letter(1, &EmailAddress::parse("ann@example.org").unwrap(), "Ann", "KEY");
        assert!(!letter.html.contains("onerror=alert(1) style"), "{}", letter.html);
        assert!(
            letter.html.contains(r#"src="https://example.org/uploads/x.png""#)
                && letter.html.contains(r#"style="max-width:100%;height:auto;""#),
            "{}",
            letter.html
        );
        assert!(letter.html.contains("<code>&lt;a href=x&gt;</code>"), "{}", letter.html);
    }
}
