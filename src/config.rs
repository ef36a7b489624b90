//! Typed configuration, from flags and `PAMPHLET_*` environment variables
//! (clap reads both; flags win), checked before anything starts.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::store::Location;

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub store: Location,
    /// Public address of the site; `None` means `http://` + the bound address.
    pub base_url: Option<String>,
    /// A theme folder whose files override the built-in theme.
    pub theme: Option<PathBuf>,
    /// Proxies whose `X-Forwarded-For` names the visitor (a proxy on this machine always is one).
    pub trusted_proxies: Vec<IpAddr>,
    /// The largest file the media library takes, in megabytes.
    pub upload_limit_mb: usize,
    /// Where mail goes; `None` sends nothing (signups are paused).
    pub mail: Option<MailConfig>,
    /// Origins of static copies of the site (`pamphlet build --form-endpoint`)
    /// whose forms this server takes, e.g. `https://static.example.org`.
    pub form_origins: Vec<String>,
    /// Connections open at once; past that a new one gets a 503 (see [`connection_limit`]).
    pub max_connections: usize,
}

/// File descriptors kept back from connections for the store, uploads,
/// mail and journals.
const RESERVED_FILES: usize = 256;

/// The default cap on open connections: the process's open-file limit
/// (`LimitNOFILE` in the service unit) less what the rest of the server
/// needs. Read from `/proc/self/limits`, where there is one.
pub fn connection_limit() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    soft.unwrap_or(1024).saturating_sub(RESERVED_FILES).max(64)
}

#[derive(Clone)]
pub struct MailConfig {
    /// e.g. `smtp://127.0.0.1:25` or `smtps://user:password@mail.example.org`.
    pub smtp_url: String,
    /// Messages in flight at once, one SMTP connection each.
    pub connections: u32,
    /// At most this many messages a second from this node, if set.
    pub per_second: Option<u32>,
    /// The folder of the senders' journals of messages sent (in the data folder).
    pub journals: PathBuf,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &crate::secrets::redact_url(&self.smtp_url))
            .field("connections", &self.connections)
            .field("per_second", &self.per_second)
            .field("journals", &self.journals)
            .finish()
    }
}

/// Checks a base URL and drops a trailing slash: `https://example.org/` → `https://example.org`.
pub fn parse_base_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ', '"', '<', '>']) => Ok(trimmed.to_owned()),
        _ => Err(format!("{url:?} is not a base URL: use the site's public address, e.g. https://example.org")),
    }
}

/// An origin a browser names in its `Origin` header: `https://host[:port]`,
/// without a path. A trailing slash is dropped.
pub fn parse_origin(url: &str) -> Result<String, String> {
    let origin = parse_base_url(url).map_err(|_| format!("{url:?} is not an origin: write it as https://example.org"))?;
    let host = origin.split_once("://").map_or("", |(_, host)| host);
    if host.contains('/') {
        return Err(format!("{url:?} is not an origin: leave out the path, e.g. https://example.org"));
    }
    Ok(origin.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(parse_base_url("https://example.org/").unwrap(), "https://example.org");
        assert_eq!(parse_base_url("http://127.0.0.1:3000").unwrap(), "http://127.0.0.1:3000");
        assert_eq!(parse_base_url("https://example.org/friends").unwrap(), "https://example.org/friends");
        for bad in ["example.org", "ftp://x", "https://", "https://a b"] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_have_no_path() {
        assert_eq!(parse_origin("https://Static.Example.org/").unwrap(), "https://static.example.org");
        assert_eq!(parse_origin("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert!(parse_origin("https://example.org/friends").is_err());
    }
}
