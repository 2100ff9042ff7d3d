//! The client's address behind reverse proxies (`[server] trusted_proxies`).
//!
//! The access record (안전성 확보조치 §8①: the origin of each access) must name
//! the client, not the load balancer. A request's `Forwarded` (RFC 7239) or
//! `X-Forwarded-For` header is believed only when the connection comes from a
//! configured trusted proxy, and only as far back as the chain of trusted
//! proxies goes: the entries are read right to left, trusted proxies skipped,
//! and the first other address is the client. From any other peer the headers
//! are ignored (anyone can send them), so a client cannot choose its own
//! recorded address.

use std::net::IpAddr;

use http::HeaderMap;

/// The configured proxy networks (CIDR, e.g. `10.0.0.0/8`, `::1/128`, or a
/// single address).
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses `[server] trusted_proxies`.
    pub(crate) fn parse(entries: &[String]) -> Result<Self, String> {
        let networks = entries
            .iter()
            .map(|entry| {
                let (address, prefix) = entry.split_once('/').unwrap_or((entry, ""));
                let address: IpAddr = address.trim().parse().map_err(|_| {
                    format!("server.trusted_proxies: `{entry}` is not an address or CIDR network")
                })?;
                let max = if address.is_ipv4() { 32 } else { 128 };
                let prefix = if prefix.is_empty() {
                    max
                } else {
                    prefix
                        .trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= max)
                        .ok_or_else(|| {
                            format!("server.trusted_proxies: `{entry}` has a bad prefix length")
                        })?
                };
                Ok((address, prefix))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { networks })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks
            .iter()
            .any(|&(network, prefix)| match (canonical(network), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                    u32::from(n) & mask == u32::from(a) & mask
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                    u128::from(n) & mask == u128::from(a) & mask
                }
                _ => false,
            })
    }

    /// The client's address for a connection from `peer` with `headers`.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.networks.is_empty() || !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let hops: Vec<Option<IpAddr>> = if forwarded.is_empty() {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(parse_node)
                .collect()
        } else {
            forwarded
                .iter()
                .flat_map(|v| v.split(','))
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, value)| parse_node(value))
                })
                .collect()
        };
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                // Still inside the trusted chain: keep going back.
                Some(ip) if self.trusts(ip) => client = ip,
                Some(ip) => return ip,
                // `unknown`, an obfuscated name, or garbage: the chain ends here.
                None => return client,
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// An address from a `for=` value or an `X-Forwarded-For` entry: quoted or
/// not, IPv6 in brackets, with or without a port.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value.parse().ok().or_else(|| {
        value
            .rsplit_once(':')
            .and_then(|(ip, _port)| ip.parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn headers_count_only_from_trusted_proxies_and_only_back_to_the_first_untrusted_hop() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        // From an untrusted peer: the header is ignored.
        assert_eq!(
            proxies.client(ip("198.51.100.9"), &spoofed),
            ip("198.51.100.9")
        );
        // From a trusted proxy: the right-most untrusted entry (the client's own
        // claim, 1.2.3.4, is not believed past it).
        assert_eq!(proxies.client(ip("10.1.2.3"), &spoofed), ip("203.0.113.7"));
        let chain = headers(&[("x-forwarded-for", "203.0.113.7, 10.9.9.9")]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &chain), ip("203.0.113.7"));
        let forwarded = headers(&[(
            "forwarded",
            r#"for="[2001:db8::17]:4711";proto=https, for=10.0.0.2"#,
        )]);
        assert_eq!(proxies.client(ip("::1"), &forwarded), ip("2001:db8::17"));
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &unknown), ip("10.1.2.3"));
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &spoofed),
            ip("203.0.113.7")
        );
        // Nothing configured: the peer, always.
        assert_eq!(
            TrustedProxies::default().client(ip("10.1.2.3"), &spoofed),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["10.0.0.0/33", "not-an-ip", "::/129", "10.0.0.0/x"] {
            assert!(TrustedProxies::parse(&[bad.to_owned()]).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse(&["0.0.0.0/0".into(), "192.168.1.1".into()]).is_ok());
    }
}
