//! Sending over SMTP with reused connections. `--smtp` takes a URL:
//! `smtp://host:port` (plain, for a relay on the same machine; spoken by
//! [`plain`], fast), `smtp://user:pass@host?tls=required` (STARTTLS) and
//! `smtps://user:pass@host` (TLS), both through lettre's pool.

mod plain;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::{Error, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::secrets::redact_url;
/// Why a message did not go out, in the server's words where it gave any.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// The server could not be reached or used (refused or lost connection,
    /// timeout, failed login, nothing to send from): no fault of this
    /// message or address, so it counts against neither.
    #[error("{0}")]
    Unavailable(String),
    /// A 4xx answer about this message: worth trying again later.
    #[error("{0}")]
    Transient(String),
    /// A 5xx answer: the server will not take this message for this address.
    #[error("{0}")]
    Permanent(String),
}

#[derive(Clone)]
pub struct Mailer {
    inner: std::sync::Arc<Inner>,
}

enum Inner {
    Plain(Plain),
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

/// The longest wait for a connection, and for one message's whole exchange.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Servers close idle connections after a while; one idle longer is not reused.
const IDLE: Duration = Duration::from_secs(60);

impl Mailer {
    /// A mailer for `url`, keeping up to `connections` connections open.
    pub fn new(url: &str, connections: u32) -> anyhow::Result<Self> {
        let unusable = || {
            format!(
                "the SMTP address is not usable ({}); write e.g. smtp://127.0.0.1:25 or smtps://user:password@mail.example.org",
                redact_url(url)
            )
        };
        let plain_login = url.starts_with("smtp://") && url.contains('@') && !url.contains("tls=");
        let local = ["@127.", "@localhost", "@[::1]"].iter().any(|l| url.contains(l));
        if plain_login && !local {
            anyhow::bail!(
                "the SMTP address sends a password to {} unencrypted; add ?tls=required (STARTTLS) or use smtps://",
                redact_url(url)
            );
        }
        let inner = if url.starts_with("smtps://") || (url.starts_with("smtp://") && url.contains("tls=")) {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .with_context(unusable)?
                .timeout(Some(TIMEOUT))
                .pool_config(PoolConfig::new().max_size(connections.max(1)).idle_timeout(IDLE))
                .build();
            Inner::Lettre(transport)
        } else {
            Inner::Plain(Plain::parse(url, connections).ok_or_else(|| anyhow::anyhow!(unusable()))?)
        };
        Ok(Mailer { inner: std::sync::Arc::new(inner) })
    }

    /// Sends one message on a connection of its own for the time it takes.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        let mut session = self.session().await;
        session.send(message.envelope(), &message.formatted(), None).await
    }

    /// A connection to send several messages on, one after another; it
    /// counts against the mailer's connections until dropped.
    pub async fn session(&self) -> Session<'_> {
        match &*self.inner {
            Inner::Plain(plain) => {
                let slot = plain.slots.acquire().await.expect("the semaphore is never closed");
                Session(Kind::Plain { plain, connection: None, _slot: slot })
            }
            Inner::Lettre(transport) => Session(Kind::Lettre(transport)),
        }
    }
}

/// The envelope of a message from `from` to `to`; an address SMTP cannot carry is refused for good.
pub fn envelope(from: &str, to: &str) -> Result<Envelope, SendError> {
    let address = |a: &str| a.parse::<lettre::Address>().map_err(|e| SendError::Permanent(format!("{a}: {e}")));
    Envelope::new(Some(address(from)?), vec![address(to)?]).map_err(|e| SendError::Permanent(e.to_string()))
}

/// Messages sent one after another over one connection.
pub struct Session<'a>(Kind<'a>);

enum Kind<'a> {
    Plain { plain: &'a Plain, connection: Option<Box<plain::Connection>>, _slot: SemaphorePermit<'a> },
    Lettre(&'a AsyncSmtpTransport<Tokio1Executor>),
}

impl Session<'_> {
    /// Sends `content` to `envelope`. `next`, when known, is the envelope
    /// of the message sent next in this session, which may go out early
    /// (see [`plain`]); a session dropped with one waiting closes its connection.
    pub async fn send(&mut self, envelope: &Envelope, content: &[u8], next: Option<&Envelope>) -> Result<(), SendError> {
        match &mut self.0 {
            Kind::Plain { plain, connection, .. } => {
                let mut open = match connection.take().filter(|c| c.ready_for(envelope)) {
                    Some(open) => open,
                    None => match plain.take_idle() {
                        Some(idle) => idle,
                        None => Box::new(plain.connect().await?),
                    },
                };
                // No second try on another connection: a connection lost
                // after the final dot may have delivered the message, and
                // the outbox retries later with the same Message-ID anyway.
                let sent = open.send(envelope, content, next).await;
                *connection = Some(open);
                sent
            }
            Kind::Lettre(transport) => transport.send_raw(envelope, content).await.map(drop).map_err(classify),
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if let Kind::Plain { plain, connection, .. } = &mut self.0
            && let Some(connection) = connection.take().filter(|c| c.reusable())
        {
            plain.idle.lock().expect("the idle list is never poisoned").push((connection, Instant::now()));
        }
    }
}

/// A reply from the server is about this message; anything else is about the server.
fn classify(error: Error) -> SendError {
    if error.is_permanent() {
        SendError::Permanent(error.to_string())
    } else if error.is_transient() {
        SendError::Transient(error.to_string())
    } else {
        SendError::Unavailable(error.to_string())
    }
}

/// `smtp://` without TLS: at most `slots` connections at once, idle ones kept.
struct Plain {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
    hello: String,
    slots: Semaphore,
    idle: Mutex<Vec<(Box<plain::Connection>, Instant)>>,
}

impl Plain {
    fn parse(url: &str, connections: u32) -> Option<Self> {
        let rest = url.strip_prefix("smtp://")?;
        if rest.contains('?') {
            return None;
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || hostport.starts_with('[') => (host, port.parse().ok()?),
            _ => (hostport, 25),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return None;
        }
        let decode = |s: &str| percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
        let credentials = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
            Some((user, password)) => Some((decode(user)?, decode(password)?)),
            None => None,
        };
        let hello = match path.trim_matches('/') {
            "" => lettre::transport::smtp::extension::ClientId::default().to_string(),
            name => name.to_owned(),
        };
        let slots = Semaphore::new(connections.max(1) as usize);
        Some(Plain { host, port: if port == 0 { 25 } else { port }, credentials, hello, slots, idle: Mutex::default() })
    }

    fn take_idle(&self) -> Option<Box<plain::Connection>> {
        let mut idle = self.idle.lock().expect("the idle list is never poisoned");
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < IDLE {
                return Some(connection);
            }
        }
        None
    }

    async fn connect(&self) -> Result<plain::Connection, SendError> {
        let credentials = self.credentials.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
        plain::Connection::open(&self.host, self.port, &self.hello, credentials).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // lettre's pool starts a task of its own, so a runtime is needed.
    #[tokio::test]
    async fn smtp_urls_are_read_with_their_parts() {
        let plain = Plain::parse("smtp://news%40example.org:p%3Ass@127.0.0.1:2525/site.example.org", 4).unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert_eq!(plain.credentials, Some(("news@example.org".into(), "p:ss".into())));
        assert_eq!(plain.hello, "site.example.org");
        let bare = Plain::parse("smtp://127.0.0.1:2525", 1).unwrap();
        assert_eq!((bare.port, bare.credentials), (2525, None));
        assert_eq!(Plain::parse("smtp://localhost", 1).unwrap().port, 25);
        assert_eq!(Plain::parse("smtp://[::1]:26", 1).unwrap().host, "::1");
        for bad in ["smtp://", "smtp://host:port", "smtp://host?tls=required", "http://host"] {
            assert!(Plain::parse(bad, 1).is_none(), "{bad}");
        }
        assert!(Mailer::new("smtp://host:x", 1).is_err());
        assert!(Mailer::new("smtp://host?tls=maybe", 1).is_err());
        // A password goes to another machine only encrypted.
        let clear = Mailer::new("smtp://user:secret@mail.example.org:25", 1).err().unwrap().to_string();
        assert!(clear.contains("unencrypted") && !clear.contains("secret"), "{clear}");
        assert!(Mailer::new("smtp://user:secret@mail.example.org:587/site.example.org?tls=required", 1).is_ok());
        assert!(Mailer::new("smtp://user:secret@127.0.0.1:25", 1).is_ok());
        assert_eq!(redact_url("smtps://u:secret@mail.example.org"), "smtps://u:***@mail.example.org");
    }
}
