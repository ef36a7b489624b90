//! The visitor's network address, for rate limits and throttling.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The state of routes that read [`ClientIp`] names the proxies it trusts.
pub trait TrustedProxies {
    fn trusted_proxies(&self) -> &[IpAddr];
}

/// The proxies to trust: those named, and a proxy on this machine while
/// the server listens on loopback only (nothing else can reach it then).
/// Listening on every interface, a local proxy must be named, since a
/// tunnel or port forward would otherwise let visitors name themselves.
pub fn trusted(named: &[IpAddr], listening: IpAddr) -> Vec<IpAddr> {
    let mut trusted: Vec<IpAddr> = named.iter().map(IpAddr::to_canonical).collect();
    if listening.to_canonical().is_loopback() {
        trusted.extend([IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]);
    }
    trusted
}

/// The visitor's address: the peer, or when the peer is a trusted proxy,
/// the address that proxy added last to `X-Forwarded-For`. IPv4-mapped
/// IPv6 addresses (`::ffff:192.0.2.1`, from a dual-stack listener) are
/// read as the IPv4 address they are.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The address as shown to the team and stored with what it sent.
    pub fn address(&self) -> String {
        self.0.to_string()
    }

    /// What limits and throttles count by: an IPv4 address, or the /64 an
    /// IPv6 address is in, since one home or one server is given a whole /64.
    pub fn network(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("{}/64", Ipv6Addr::from(v6.to_bits() & (u128::MAX << 64))),
        }
    }
}

impl<S: TrustedProxies + Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical()) else {
            return Ok(ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        };
        let forwarded = || {
            let value = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
        };
        let ip = if state.trusted_proxies().contains(&peer) { forwarded().unwrap_or(peer) } else { peer };
        Ok(ClientIp(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_addresses_as_ipv4() {
        let v6 = |s: &str| ClientIp(s.parse::<IpAddr>().unwrap());
        assert_eq!(v6("2001:db8:1:2::1").network(), "2001:db8:1:2::/64");
        assert_eq!(v6("2001:db8:1:2:ffff:1:2:3").network(), "2001:db8:1:2::/64");
        assert_ne!(v6("2001:db8:1:3::1").network(), v6("2001:db8:1:2::1").network());
        assert_eq!(v6("2001:db8:1:2::1").address(), "2001:db8:1:2::1");
        assert_eq!(v6("192.0.2.7").network(), "192.0.2.7");
    }

    #[test]
    fn loopback_is_trusted_only_while_listening_on_loopback() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(trusted(&[], ip("127.0.0.1")).contains(&ip("127.0.0.1")));
        assert!(trusted(&[], ip("::1")).contains(&ip("::1")));
        assert!(trusted(&[], ip("0.0.0.0")).is_empty());
        assert!(trusted(&[], ip("::")).is_empty());
        assert_eq!(trusted(&[ip("::ffff:10.0.0.2")], ip("::")), [ip("10.0.0.2")], "named proxies are compared as IPv4");
    }
}
