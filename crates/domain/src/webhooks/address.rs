//! Where webhooks may be sent: the guard against server-side request forgery. A company's
//! endpoint address must not let its webhooks reach the deployment's own network (loopback,
//! private and link-local ranges, the cloud metadata service at 169.254.169.254, ...). The
//! address is checked when an endpoint is saved (here) and again at every connection by the
//! sender's resolver (`silo-worker`), since what a name resolves to can change in between.
//!
//! The operator may allow all of it (`--webhook-allow-private`, for development and tests);
//! then plain `http://` is allowed too.

use crate::input::{Problem, ProblemCode};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use url::{Host, Url};

/// How long saving an endpoint waits for its name to resolve. A name that does not resolve in
/// time is accepted: the sender checks every address it connects to anyway.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// What the deployment allows endpoint addresses to be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Allow loopback, private, link-local and other internal addresses, and plain `http://`.
    pub allow_private: bool,
}

/// Why `ip` is no address to send webhooks to, or `None` for a public address. IPv4-mapped,
/// NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside them.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "an unspecified address (0.0.0.0/8)",
        (10, _, _) => "a private address (10.0.0.0/8)",
        (100, 64..=127, _) => "a shared (CGNAT) address (100.64.0.0/10)",
        (127, _, _) => "a loopback address (127.0.0.0/8)",
        (169, 254, _) => "a link-local or metadata address (169.254.0.0/16)",
        (172, 16..=31, _) => "a private address (172.16.0.0/12)",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (192, 168, _) => "a private address (192.168.0.0/16)",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, _, _) => "a multicast address (224.0.0.0/4)",
        (240..=255, _, _) => "a reserved or broadcast address (240.0.0.0/4)",
        _ => return None,
    })
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    let [a, b] = hi.to_be_bytes();
    let [c, d] = lo.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("an unspecified address (::)");
    }
    if ip.is_loopback() {
        return Some("a loopback address (::1)");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    Some(match s {
        // ::a.b.c.d, the deprecated IPv4-compatible form.
        [0, 0, 0, 0, 0, 0, _, _] => "an IPv4-compatible address (::/96)",
        // NAT64 reaches the IPv4 address inside.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return forbidden_v4(embedded_v4(hi, lo)),
        [0x64, 0xff9b, 1, ..] => "a local NAT64 address (64:ff9b:1::/48)",
        // 6to4 reaches the IPv4 address in bits 16 to 48.
        [0x2002, hi, lo, ..] => return forbidden_v4(embedded_v4(hi, lo)),
        [0x2001, 0, ..] => "a Teredo address (2001::/32)",
        [0x2001, 0xdb8, ..] => "a documentation address (2001:db8::/32)",
        [first, ..] if first & 0xfe00 == 0xfc00 => "a unique local address (fc00::/7)",
        [first, ..] if first & 0xffc0 == 0xfe80 => "a link-local address (fe80::/10)",
        [first, ..] if first & 0xffc0 == 0xfec0 => "a site-local address (fec0::/10)",
        [first, ..] if first & 0xff00 == 0xff00 => "a multicast address (ff00::/8)",
        _ => return None,
    })
}

/// Whether a host name is one of the `localhost` names, which always mean this machine
/// (RFC 6761), whatever a resolver answers.
fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The refusal of an address that is `what`.
fn private(what: &str) -> Problem {
    Problem::new(ProblemCode::PrivateAddress).worded(format!(
        "is {what}; webhooks are only sent to public addresses"
    ))
}

/// Checks an endpoint address as it is saved: an IP address must be public; a name must not be
/// a `localhost` name nor resolve to any address that is not public (a name that does not
/// resolve now is accepted; the sender checks again at every connection); and the scheme must
/// be `https`. All of it is allowed under [`AddressPolicy::allow_private`].
pub async fn check(url: &Url, policy: AddressPolicy) -> Result<(), Problem> {
    if policy.allow_private {
        return Ok(());
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => forbidden(IpAddr::V4(ip)).map_or(Ok(()), |w| Err(private(w)))?,
        Some(Host::Ipv6(ip)) => forbidden(IpAddr::V6(ip)).map_or(Ok(()), |w| Err(private(w)))?,
        Some(Host::Domain(name)) => {
            if is_localhost(name) {
                return Err(private("a name of this machine (localhost)"));
            }
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((name, port));
            if let Ok(Ok(addrs)) = tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
                let addrs: Vec<SocketAddr> = addrs.collect();
                if let Some(what) = addrs.iter().find_map(|a| forbidden(a.ip())) {
                    return Err(private(&format!("a name that resolves to {what}")));
                }
            }
        }
        None => return Err(ProblemCode::NotUrl.into()),
    }
    if url.scheme() != "https" {
        return Err(ProblemCode::NotHttps.into());
    }
    Ok(())
}

/// Whether the sender may connect to `url` without resolving anything: its scheme, and its
/// host when that is an IP address (a name is checked by the resolver at connect time).
pub fn check_literal(url: &Url, policy: AddressPolicy) -> Result<(), String> {
    if policy.allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(Host::Domain(name)) if is_localhost(name) => {
            return Err("refused: localhost is this machine".to_owned());
        }
        Some(Host::Domain(_)) => None,
        None => return Err("refused: the address has no host".to_owned()),
    };
    if let Some(what) = ip.and_then(forbidden) {
        return Err(format!("refused: the address is {what}"));
    }
    if url.scheme() != "https" {
        return Err("refused: only https:// addresses are allowed".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn internal_ranges_are_refused_and_public_ones_pass() {
        for refused in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.170",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2001:0:1::1",
            "2001:db8::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(forbidden(ip(refused)).is_some(), "{refused} passed");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.0.2.1",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(forbidden(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn literal_hosts_and_schemes_are_checked_before_connecting() {
        let strict = AddressPolicy::default();
        let open = AddressPolicy {
            allow_private: true,
        };
        let url = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        for refused in [
            "https://127.0.0.1/",
            // The URL parser reads other spellings of an IPv4 address as that address.
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::ffff:7f00:1]/",
            "https://LOCALHOST./x",
            "https://a.localhost/",
            "http://example.com/",
        ] {
            assert!(check_literal(&url(refused), strict).is_err(), "{refused}");
            assert!(check_literal(&url(refused), open).is_ok(), "{refused}");
        }
        assert!(check_literal(&url("https://example.com/hook"), strict).is_ok());
        assert!(check_literal(&url("https://8.8.8.8/hook"), strict).is_ok());
    }

    #[tokio::test]
    async fn saving_checks_names_through_the_resolver() {
        let strict = AddressPolicy::default();
        let url = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        for (address, code) in [
            ("https://127.0.0.1/", ProblemCode::PrivateAddress),
            ("https://[::1]/", ProblemCode::PrivateAddress),
            ("https://localhost:8080/", ProblemCode::PrivateAddress),
            (
                "https://169.254.169.254/latest/meta-data",
                ProblemCode::PrivateAddress,
            ),
            ("http://8.8.8.8/", ProblemCode::NotHttps),
        ] {
            let problem = check(&url(address), strict).await.unwrap_err();
            assert_eq!(problem.code, code, "{address}");
        }
        assert_eq!(check(&url("https://8.8.8.8/"), strict).await, Ok(()));
        let open = AddressPolicy {
            allow_private: true,
        };
        assert_eq!(check(&url("http://127.0.0.1:9/"), open).await, Ok(()));
    }
}
