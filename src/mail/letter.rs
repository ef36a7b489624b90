//! One email as Pamphlet sends it: plain text and HTML as
//! multipart/alternative, UTF-8 subject and names, Date, Message-ID, From,
//! Reply-To and, for newsletters, the RFC 8058 unsubscribe headers.

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::EmailAddress;

/// Who a message is from, as the site settings name it.
#[derive(Debug, Clone)]
pub struct Sender {
    pub name: String,
    pub address: EmailAddress,
    pub reply_to: Option<EmailAddress>,
}

/// The personal unsubscribe link and the mailto a mail program may use instead.
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    pub url: String,
    pub mailto: String,
}

#[derive(Debug, Clone)]
pub struct Letter {
    pub to: EmailAddress,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without angle brackets. The same message sent again carries the same
    /// id, so a receiving server can tell a resend from a new message.
    pub message_id: String,
    pub unsubscribe: Option<Unsubscribe>,
}

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

impl Letter {
    pub fn build(&self, from: &Sender) -> anyhow::Result<Message> {
        let mailbox = |name: &str, address: &EmailAddress| -> anyhow::Result<Mailbox> {
            let name = name.trim();
            Ok(Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address.as_str().parse()?))
        };
        let mut builder = Message::builder()
            .from(mailbox(&from.name, &from.address)?)
            .to(mailbox(&self.to_name, &self.to)?)
            .subject(self.subject.as_str())
            .date_now()
            .message_id(Some(format!("<{}>", self.message_id)));
        if let Some(reply_to) = &from.reply_to {
            builder = builder.reply_to(mailbox("", reply_to)?);
        }
        if let Some(unsubscribe) = &self.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{}>, <{}>", unsubscribe.url, unsubscribe.mailto)))
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE_POST, "List-Unsubscribe=One-Click".into()));
        }
        Ok(builder.multipart(MultiPart::alternative_plain_html(self.text.clone(), self.html.clone()))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            to: EmailAddress::parse("ann@example.org").unwrap(),
            to_name: "Jens Söring".into(),
            subject: "Neues von Jens Söring".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
            message_id: "newsletter.1.2@example.org".into(),
            unsubscribe: Some(Unsubscribe {
                url: "https://example.org/newsletter/unsubscribe/k".into(),
                mailto: "mailto:a@example.org?subject=unsubscribe".into(),
            }),
        }
    }

    #[test]
    fn a_letter_has_both_parts_utf8_headers_and_the_unsubscribe_headers() {
        let from = Sender {
            name: "Friends of Jens".into(),
            address: EmailAddress::parse("news@example.org").unwrap(),
            reply_to: Some(EmailAddress::parse("team@example.org").unwrap()),
        };
        let raw = String::from_utf8(letter().build(&from).unwrap().formatted()).unwrap();
        // Long headers are folded onto continuation lines.
        let raw = raw.replace("\r\n ", " ");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
        assert!(raw.contains("Subject: Neues von Jens =?utf-8?"), "{raw}");
        assert!(raw.contains("Message-ID: <newsletter.1.2@example.org>"), "{raw}");
        assert!(raw.contains("Reply-To: team@example.org"), "{raw}");
        assert!(
            raw.contains("List-Unsubscribe: <https://example.org/newsletter/unsubscribe/k>, <mailto:a@example.org?subject=unsubscribe>"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
        assert!(raw.contains("Date: "), "{raw}");
    }

    #[test]
    fn a_line_break_in_a_subject_cannot_add_a_header() {
        let from = Sender { name: "x".into(), address: EmailAddress::parse("news@example.org").unwrap(), reply_to: None };
        let mut letter = letter();
        letter.subject = "Hi\r\nBcc: victim@example.org".into();
        let raw = String::from_utf8(letter.build(&from).unwrap().formatted()).unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }
}
