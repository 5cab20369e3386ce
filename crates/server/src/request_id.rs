//! Every request's id: the one audit records and log lines carry, sent back as `X-Request-Id`.
//!
//! A client may send its own `X-Request-Id` to correlate its logs with ours. It is taken only
//! when it is one header of 1 to [`MAX_CLIENT_ID_LEN`] characters from `A-Z a-z 0-9 . _ : -`,
//! and then kept with the prefix [`CLIENT_PREFIX`] (`client:abc-123`), so an auditor can tell an
//! id the client chose from one the server made. Anything else (too long, other characters,
//! two headers) is dropped and the server makes a UUID, as it does when none is sent. So an id
//! without the prefix was always made by the server, and no client text longer than 64 safe
//! characters reaches the audit trail or the logs through it.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-supplied id taken.
pub const MAX_CLIENT_ID_LEN: usize = 64;

/// What a client-supplied id is stored with in front.
pub const CLIENT_PREFIX: &str = "client:";

/// The request's id as assigned here; read by the audit and log code, never the raw header.
#[derive(Clone, Debug)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Built from ASCII only (a UUID, or the prefix and checked characters).
        self.0.to_str().unwrap_or_default()
    }
}

/// Whether a client's id is short and plain enough to keep.
fn acceptable(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The id for a request with these headers: the client's, marked, or a new UUID.
pub fn assign(headers: &HeaderMap) -> RequestId {
    let mut sent = headers.get_all(X_REQUEST_ID).iter();
    if let (Some(id), None) = (sent.next(), sent.next())
        && acceptable(id.as_bytes())
    {
        let mut marked = Vec::with_capacity(CLIENT_PREFIX.len() + id.len());
        marked.extend_from_slice(CLIENT_PREFIX.as_bytes());
        marked.extend_from_slice(id.as_bytes());
        if let Ok(value) = HeaderValue::from_bytes(&marked) {
            return RequestId(value);
        }
    }
    let made = uuid::Uuid::new_v4().hyphenated().to_string();
    RequestId(HeaderValue::from_str(&made).unwrap_or(HeaderValue::from_static("-")))
}

/// Middleware around everything: assigns the id, replaces the request's header with it (for
/// anything that reads the header) and answers with it.
pub async fn set_request_id(mut request: Request, next: Next) -> Response {
    let id = assign(request.headers());
    request.headers_mut().insert(X_REQUEST_ID, id.0.clone());
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(X_REQUEST_ID, id.0);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[&[u8]]) -> String {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                X_REQUEST_ID,
                HeaderValue::from_bytes(v).expect("header value"),
            );
        }
        assign(&headers).as_str().to_owned()
    }

    fn is_uuid(s: &str) -> bool {
        uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
    }

    #[test]
    fn a_plain_client_id_is_kept_and_marked() {
        assert_eq!(with(&[b"abc-123"]), "client:abc-123");
        assert_eq!(
            with(&[b"trace:01HZX.span_7-A"]),
            "client:trace:01HZX.span_7-A"
        );
        let longest = "a".repeat(MAX_CLIENT_ID_LEN);
        assert_eq!(with(&[longest.as_bytes()]), format!("client:{longest}"));
        // A client cannot pass its id off as one of ours: a UUID it sends is marked too.
        let uuid = "0b7e2b7e-4a0f-4e3e-9a43-0d3c6a3c9f11";
        assert_eq!(with(&[uuid.as_bytes()]), format!("client:{uuid}"));
    }

    #[test]
    fn anything_else_gets_a_server_id() {
        let too_long = "a".repeat(MAX_CLIENT_ID_LEN + 1);
        for bad in [
            &b""[..],
            too_long.as_bytes(),
            b"has space",
            b"semi;colon",
            b"new\tline",
            b"slash/es",
            b"<script>",
            b"caf\xc3\xa9",
            b"quote\"",
        ] {
            let id = with(&[bad]);
            assert!(is_uuid(&id), "{bad:?} gave {id}");
        }
        assert!(is_uuid(&with(&[])), "none sent");
        assert!(is_uuid(&with(&[b"one", b"two"])), "two headers");
    }
}
