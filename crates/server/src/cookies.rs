//! What the cookies the server sets share (the refresh cookie of browser sessions and the
//! attribution visitor cookie): when they are `Secure`, and how a request's cookie is read.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use std::net::IpAddr;

/// Whether cookies are marked `Secure`: always, unless the public address is plain http on a
/// loopback host (`localhost`, `127.0.0.0/8`, `[::1]`: a developer's machine, the tests), where
/// a browser would not send a `Secure` cookie back. Any other address counts as reached over
/// TLS (behind a proxy that terminates it), `http://0.0.0.0:8080` included.
pub(crate) fn secure(public_url: &str) -> bool {
    let url = public_url.trim().to_ascii_lowercase();
    let Some(rest) = url.strip_prefix("http://") else {
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or(v6, |(h, _)| h),
        None => host.split_once(':').map_or(host, |(h, _)| h),
    };
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// The value of the first non-empty cookie called `name` in the request, if any.
pub(crate) fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.trim().is_empty())
        .map(|(_, value)| value.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_secure_except_on_plain_http_loopback() {
        for dev in [
            "http://127.0.0.1:8080",
            "http://127.0.0.2",
            "http://localhost",
            "http://LOCALHOST:3000/",
            "HTTP://[::1]:8080/silo",
            "http://user@localhost:8080",
        ] {
            assert!(!secure(dev), "{dev}");
        }
        for public in [
            "http://silo.example",
            "http://0.0.0.0:8080",
            "http://[::]:8080",
            "http://192.168.1.10:8080",
            "http://localhost.silo.example",
            "http://127.0.0.1.nip.io",
            "https://127.0.0.1:8080",
            "https://silo.example",
            "",
        ] {
            assert!(secure(public), "{public}");
        }
    }

    #[test]
    fn reads_the_named_cookie_only() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("silo_refresh=plain; __Host-silo_refresh=; a=b"),
        );
        headers.append(COOKIE, HeaderValue::from_static("__Host-silo_refresh=host"));
        assert_eq!(read(&headers, "silo_refresh"), Some("plain"));
        assert_eq!(read(&headers, "__Host-silo_refresh"), Some("host"));
        assert_eq!(read(&headers, "a"), Some("b"));
        assert_eq!(read(&headers, "silo"), None);
    }
}
