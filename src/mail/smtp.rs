//! Sending over SMTP with a pool of reused connections. `--smtp` takes a URL:
//! `smtp://host:port` (plain, for a relay on the same machine),
//! `smtp://user:pass@host?tls=required` (STARTTLS), `smtps://user:pass@host` (TLS).

use std::time::Duration;

use anyhow::Context;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// Why a message did not go out, in the server's words where it gave any.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a 4xx answer, a lost or refused connection, a timeout.
    #[error("{0}")]
    Transient(String),
    /// A 5xx answer: the server will not take this message for this address.
    #[error("{0}")]
    Permanent(String),
}

impl Mailer {
    /// A mailer for `url`, keeping up to `connections` connections open.
    pub fn new(url: &str, connections: u32) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .with_context(|| {
                format!(
                    "the SMTP address is not usable ({}); write e.g. smtp://127.0.0.1:25 or smtps://user:password@mail.example.org",
                    redact(url)
                )
            })?
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(connections.max(1)).idle_timeout(Duration::from_secs(60)))
            .build();
        Ok(Mailer { transport })
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            Err(error) => Err(SendError::Transient(error.to_string())),
        }
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}
