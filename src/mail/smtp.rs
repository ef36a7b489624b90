//! Sending over SMTP with reused connections. `--smtp` takes a URL:
//! `smtp://host:port` (plain, for a relay on the same machine),
//! `smtp://user:pass@host?tls=required` (STARTTLS), `smtps://user:pass@host` (TLS).
//!
//! `smtp://` connections are opened here with Nagle's algorithm off: lettre
//! writes a message and its final `.` separately, and with Nagle on, each
//! message then waits for the server's delayed ACK (40 ms on Linux), which
//! holds a connection to about 25 messages a second. `smtps://` goes through
//! lettre's own pool, which opens its sockets itself.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{Error, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;
use tokio::sync::Semaphore;

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
    Direct(Direct),
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
        let inner = if url.starts_with("smtps://") {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .with_context(unusable)?
                .timeout(Some(TIMEOUT))
                .pool_config(PoolConfig::new().max_size(connections.max(1)).idle_timeout(IDLE))
                .build();
            Inner::Lettre(transport)
        } else {
            Inner::Direct(Direct::parse(url, connections).ok_or_else(|| anyhow::anyhow!(unusable()))?)
        };
        Ok(Mailer { inner: std::sync::Arc::new(inner) })
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        let sent = async {
            match &*self.inner {
                Inner::Direct(direct) => direct.send(&message).await,
                Inner::Lettre(transport) => transport.send(message).await.map(drop).map_err(classify),
            }
        };
        // A server that takes the connection and then goes quiet must not hold a sender for ever.
        match tokio::time::timeout(TIMEOUT * 2, sent).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Unavailable("the mail server did not finish the exchange within 60 s".into())),
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

/// `smtp://` with our own connections: at most `slots` at once, idle ones kept.
struct Direct {
    host: String,
    port: u16,
    /// None: plain; Some(true): STARTTLS required; Some(false): STARTTLS when offered.
    starttls: Option<bool>,
    credentials: Option<Credentials>,
    hello: ClientId,
    slots: Semaphore,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Direct {
    fn parse(url: &str, connections: u32) -> Option<Self> {
        let rest = url.strip_prefix("smtp://")?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
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
        let starttls = match query.split('&').find_map(|pair| pair.strip_prefix("tls=")) {
            None => None,
            Some("required") => Some(true),
            Some("opportunistic") => Some(false),
            Some(_) => return None,
        };
        let decode = |s: &str| percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
        let credentials = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
            Some((user, password)) => Some(Credentials::new(decode(user)?, decode(password)?)),
            None => None,
        };
        let hello =
            if path.trim_matches('/').is_empty() { ClientId::default() } else { ClientId::Domain(path.trim_matches('/').to_owned()) };
        let slots = Semaphore::new(connections.max(1) as usize);
        Some(Direct { host, port: if port == 0 { 25 } else { port }, starttls, credentials, hello, slots, idle: Mutex::default() })
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
        let (envelope, bytes) = (message.envelope(), message.formatted());
        let mut connection = match self.take_idle() {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        // No second try on another connection: a connection lost after the
        // final dot may have delivered the message, and the outbox retries
        // later with the same Message-ID anyway. lettre closes a connection
        // after any error, so only a success keeps it.
        connection.send(envelope, &bytes).await.map_err(classify)?;
        self.idle.lock().expect("the idle list is never poisoned").push((connection, Instant::now()));
        Ok(())
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().expect("the idle list is never poisoned");
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < IDLE {
                return Some(connection);
            }
        }
        None
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let place = format!("{}:{}", self.host, self.port);
        let stream = match tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((self.host.as_str(), self.port))).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(SendError::Unavailable(format!("cannot connect to the mail server {place}: {error}"))),
            Err(_) => return Err(SendError::Unavailable(format!("no answer from the mail server {place} within 30 s"))),
        };
        stream.set_nodelay(true).map_err(|e| SendError::Unavailable(e.to_string()))?;
        let unavailable = |e: Error| SendError::Unavailable(format!("the mail server {place}: {e}"));
        let setup = async {
            let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await.map_err(unavailable)?;
            match self.starttls {
                Some(required) if required || connection.can_starttls() => {
                    let parameters = TlsParameters::new(self.host.clone()).map_err(unavailable)?;
                    connection.starttls(parameters, &self.hello).await.map_err(unavailable)?;
                }
                _ => {}
            }
            // A refused login is the operator's to fix; no message counts it against itself.
            if let Some(credentials) = &self.credentials {
                connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await.map_err(unavailable)?;
            }
            Ok(connection)
        };
        match tokio::time::timeout(TIMEOUT, setup).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Unavailable(format!("the mail server {place} did not finish greeting within 30 s"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_with_their_parts() {
        let direct = Direct::parse("smtp://news%40example.org:p%3Ass@mail.example.org:587/site.example.org?tls=required", 4).unwrap();
        assert_eq!((direct.host.as_str(), direct.port, direct.starttls), ("mail.example.org", 587, Some(true)));
        assert_eq!(direct.credentials, Some(Credentials::new("news@example.org".into(), "p:ss".into())));
        assert_eq!(direct.hello, ClientId::Domain("site.example.org".into()));
        let plain = Direct::parse("smtp://127.0.0.1:2525", 1).unwrap();
        assert_eq!((plain.host.as_str(), plain.port, plain.starttls, plain.credentials), ("127.0.0.1", 2525, None, None));
        assert_eq!(Direct::parse("smtp://localhost", 1).unwrap().port, 25);
        for bad in ["smtp://", "smtp://host:port", "smtp://host?tls=maybe", "http://host"] {
            assert!(Direct::parse(bad, 1).is_none(), "{bad}");
        }
        assert!(Mailer::new("smtp://host:x", 1).is_err());
        // A password goes to another machine only encrypted.
        let clear = Mailer::new("smtp://user:secret@mail.example.org:25", 1).err().unwrap().to_string();
        assert!(clear.contains("unencrypted") && !clear.contains("secret"), "{clear}");
        assert!(Mailer::new("smtp://user:secret@mail.example.org:587?tls=required", 1).is_ok());
        assert!(Mailer::new("smtp://user:secret@127.0.0.1:25", 1).is_ok());
        assert_eq!(redact_url("smtps://u:secret@mail.example.org"), "smtps://u:***@mail.example.org");
    }
}
