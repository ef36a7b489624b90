//! The visitor's network address, for rate limits and throttling.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The state of routes that read [`ClientIp`] names the proxies it trusts.
pub trait TrustedProxies {
    fn trusted_proxies(&self) -> &[IpAddr];
}

/// The visitor's network address: the peer, or when the peer is a trusted
/// proxy (one on this machine, or one named by `--trust-proxy`), the
/// address it forwarded.
pub struct ClientIp(pub String);

impl<S: TrustedProxies + Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded = || {
            let value = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        };
        let ip = match peer {
            Some(peer) if peer.is_loopback() || state.trusted_proxies().contains(&peer) => forwarded().unwrap_or(peer),
            Some(peer) => peer,
            None => return Ok(ClientIp("unknown".to_owned())),
        };
        Ok(ClientIp(ip.to_string()))
    }
}
