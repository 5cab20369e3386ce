//! The client's address: the TCP peer, or, when the peer is a trusted reverse proxy, the
//! address that proxy says it forwarded for.
//!
//! Anyone can send `X-Forwarded-For` or `Forwarded`; only a proxy we trust has written the
//! right end of them. So the headers are read only when the peer is trusted, from the right,
//! skipping addresses that are themselves trusted proxies: the first one that is not is the
//! client. Whatever does not parse there (including RFC 7239's `unknown` and obfuscated names)
//! makes us fall back to the peer, which at worst limits a proxy's clients together.
//!
//! `X-Forwarded-For` is read when present and `Forwarded` only otherwise: the common proxies
//! (nginx, Caddy, HAProxy, Traefik) append to the former and pass a client's `Forwarded`
//! through untouched, so preferring `Forwarded` would let a client choose its own address.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Parses a proxy address for `--trusted-proxy`: a CIDR network (`10.0.0.0/8`,
/// `fd00::/8`) or a single address (`10.0.0.5`, taken as `/32` or `/128`).
pub fn parse_trusted_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or CIDR network (such as 10.0.0.0/8)"))
}

/// The client address of a request that came from `peer`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = if headers.contains_key("x-forwarded-for") {
        joined(headers, "x-forwarded-for").map(|v| {
            v.split(',')
                .map(|hop| parse_hop(hop.trim()))
                .collect::<Vec<_>>()
        })
    } else if headers.contains_key("forwarded") {
        joined(headers, "forwarded").and_then(|v| forwarded_for(&v))
    } else {
        return peer;
    };
    let Some(hops) = hops else { return peer };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // A hop we cannot read may be the client's own: we cannot say who it is.
        let Some(ip) = hop else { return peer };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            return client;
        }
    }
    // Every hop is a trusted proxy: the left-most one is where the request started.
    client
}

/// Every line of a header, joined with commas as RFC 9110 allows; `None` if any is not text.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut all = Vec::new();
    for value in headers.get_all(name) {
        all.push(value.to_str().ok()?);
    }
    Some(all.join(","))
}

/// One hop: `192.0.2.1`, `2001:db8::1`, `192.0.2.1:4711`, `[2001:db8::1]` or
/// `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = hop.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The `for=` of each element of an RFC 7239 `Forwarded` value, in order; an element without
/// a readable `for=` is `None`. `None` overall when the value does not parse.
fn forwarded_for(value: &str) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for element in split_unquoted(value, ',')? {
        let mut hop = None;
        for pair in split_unquoted(&element, ';')? {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, raw) = pair.split_once('=')?;
            if name.trim().eq_ignore_ascii_case("for") {
                hop = parse_hop(&unquote(raw.trim())?);
            }
        }
        hops.push(hop);
    }
    Some(hops)
}

/// Splits at `sep` outside quoted strings; `None` for an unterminated quote.
fn split_unquoted(s: &str, sep: char) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    if quoted || escaped {
        return None;
    }
    parts.push(current);
    Some(parts)
}

/// A token as is, or a quoted string without its quotes and escapes.
fn unquote(raw: &str) -> Option<String> {
    let Some(inner) = raw.strip_prefix('"') else {
        return Some(raw.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|s| parse_trusted_proxy(s).expect("net"))
            .collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).expect("header"));
        }
        h
    }

    fn client(peer: &str, pairs: &[(&'static str, &str)], trusted: &[&str]) -> String {
        client_ip(ip(peer), &headers(pairs), &nets(trusted)).to_string()
    }

    const PROXY: &[&str] = &["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"];

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let xff = [("x-forwarded-for", "203.0.113.7")];
        assert_eq!(client("198.51.100.2", &xff, PROXY), "198.51.100.2");
        assert_eq!(client("127.0.0.1", &xff, &[]), "127.0.0.1");
        let fwd = [("forwarded", "for=203.0.113.7")];
        assert_eq!(client("198.51.100.2", &fwd, PROXY), "198.51.100.2");
    }

    #[test]
    fn x_forwarded_for_takes_the_rightmost_untrusted_hop() {
        let one = [("x-forwarded-for", "203.0.113.7")];
        assert_eq!(client("127.0.0.1", &one, PROXY), "203.0.113.7");
        // The client wrote the left part itself; our proxies appended the right part.
        let spoofed = [("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.1.2.3")];
        assert_eq!(client("127.0.0.1", &spoofed, PROXY), "203.0.113.7");
        let lines = [
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9 , 10.0.0.1"),
        ];
        assert_eq!(client("10.0.0.2", &lines, PROXY), "203.0.113.9");
        let all_trusted = [("x-forwarded-for", "10.0.0.5, 10.0.0.6")];
        assert_eq!(client("127.0.0.1", &all_trusted, PROXY), "10.0.0.5");
        let ports = [("x-forwarded-for", "203.0.113.7:5555")];
        assert_eq!(client("127.0.0.1", &ports, PROXY), "203.0.113.7");
    }

    #[test]
    fn ipv6_peers_hops_and_mapped_addresses() {
        let v6 = [("x-forwarded-for", "2001:db8::7, fd00::1")];
        assert_eq!(client("fd00::2", &v6, PROXY), "2001:db8::7");
        let bracketed = [("x-forwarded-for", "[2001:db8::7]:443")];
        assert_eq!(client("127.0.0.1", &bracketed, PROXY), "2001:db8::7");
        // A dual-stack listener sees IPv4 peers as mapped IPv6 addresses.
        let one = [("x-forwarded-for", "::ffff:203.0.113.7")];
        assert_eq!(client("::ffff:127.0.0.1", &one, PROXY), "203.0.113.7");
        assert_eq!(client("::ffff:198.51.100.2", &[], PROXY), "198.51.100.2");
    }

    #[test]
    fn forwarded_with_quotes_ports_and_parameters() {
        let cases = [
            ("for=203.0.113.7", "203.0.113.7"),
            ("For=\"203.0.113.7:8080\";proto=https", "203.0.113.7"),
            ("for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            (
                "for=198.51.100.1;by=10.0.0.1, proto=http;for=203.0.113.7, for=10.0.0.3",
                "203.0.113.7",
            ),
            ("for=203.0.113.7;host=\"a,b;c\"", "203.0.113.7"),
        ];
        for (value, expected) in cases {
            assert_eq!(
                client("127.0.0.1", &[("forwarded", value)], PROXY),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn x_forwarded_for_wins_over_forwarded() {
        let both = [
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-for", "203.0.113.7"),
        ];
        assert_eq!(client("127.0.0.1", &both, PROXY), "203.0.113.7");
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        for (name, value) in [
            ("x-forwarded-for", "not an address"),
            ("x-forwarded-for", "203.0.113.7, garbage"),
            ("x-forwarded-for", ""),
            ("x-forwarded-for", "203.0.113.7,"),
            ("x-forwarded-for", "[203.0.113.7]"),
            ("forwarded", "for=unknown"),
            ("forwarded", "for=_hidden"),
            ("forwarded", "proto=https"),
            ("forwarded", "for=\"203.0.113.7"),
            ("forwarded", "for"),
            ("forwarded", "for=203.0.113.7\\"),
            ("forwarded", "for=[2001:db8::1]:x"),
        ] {
            assert_eq!(
                client("127.0.0.1", &[(name, value)], PROXY),
                "127.0.0.1",
                "{name}: {value}"
            );
        }
        // Not UTF-8 text at all.
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe").expect("header"),
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &nets(PROXY)),
            ip("127.0.0.1")
        );
        // Garbage left of the client is the client's own business.
        let left = [("x-forwarded-for", "garbage, 203.0.113.7")];
        assert_eq!(client("127.0.0.1", &left, PROXY), "203.0.113.7");
    }

    #[test]
    fn trusted_proxies_parse_as_networks_or_addresses() {
        assert_eq!(
            parse_trusted_proxy("10.0.0.5").expect("ip").to_string(),
            "10.0.0.5/32"
        );
        assert_eq!(
            parse_trusted_proxy(" fd00::/8 ").expect("net").to_string(),
            "fd00::/8"
        );
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxy("proxy.local").is_err());
    }
}
