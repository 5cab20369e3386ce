//! Delivering webhook jobs ([Standard Webhooks]): one HTTP POST per attempt, signed, to the
//! endpoint's address, which is checked against server-side request forgery again as the
//! connection is made.
//!
//! - The body is the event's payload (`{"type", "timestamp", "data"}`); the headers are
//!   `webhook-id` (the event id, the same on every attempt), `webhook-timestamp` (this attempt,
//!   unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, two of them during a
//!   secret rotation).
//! - 2xx is delivered. `410 Gone` disables the endpoint and fails the delivery for good. Any
//!   other answer, a timeout or a network error is retried by the worker with backoff. Redirects
//!   are not followed (a 3xx is a failed attempt): a redirect could lead anywhere.
//! - Names are resolved by [`GuardedResolver`], which drops every address that is not public
//!   (unless the operator allows private addresses), so a name that resolved to a public address
//!   when the endpoint was saved and to 127.0.0.1 now is refused; an IP address in the URL is
//!   checked before connecting. No proxy is used.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use crate::JobOutcome;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use silo_domain::DomainError;
use silo_domain::jobs::Job;
use silo_domain::webhooks::{self, AddressPolicy, AttemptRecord, AttemptResult, Outgoing};
use silo_store::{TenantDb, Timestamp};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How webhook deliveries are sent.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, private, link-local and metadata addresses, and plain
    /// `http://` (`--webhook-allow-private`; for development and tests).
    pub allow_private: bool,
    /// How long one delivery may take.
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookSettings {
    /// What endpoint addresses may be, under these settings.
    pub fn policy(&self) -> AddressPolicy {
        AddressPolicy {
            allow_private: self.allow_private,
        }
    }
}

/// Most bytes of an answer read (the rest is not waited for).
const READ_MAX: usize = 4096;

/// Makes ring the process's rustls crypto provider, if none is installed yet. Every HTTP client
/// in the process (reqwest's TLS is rustls without a built-in provider) needs one; this sender
/// hands its own configuration to its client, other clients (tests, benchmarks) call this first.
pub fn install_crypto_provider() {
    // An error means one is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A DNS resolver that keeps only the addresses webhooks may be sent to.
#[derive(Debug)]
pub struct GuardedResolver {
    policy: AddressPolicy,
}

/// Every address a name resolved to was refused.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| {
                    if policy.allow_private {
                        return true;
                    }
                    match webhooks::address::forbidden(a.ip()) {
                        Some(what) => {
                            refused = Some(what);
                            false
                        }
                        None => true,
                    }
                })
                .collect();
            if kept.is_empty() {
                let why = match refused {
                    Some(what) => format!("refused: {host} resolves to {what}"),
                    None => format!("{host} resolves to no address"),
                };
                return Err(Box::new(Refused(why)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Sends webhook deliveries over HTTP.
#[derive(Clone, Debug)]
pub struct Sender {
    settings: WebhookSettings,
    client: Result<reqwest::Client, String>,
}

fn client(settings: &WebhookSettings) -> Result<reqwest::Client, String> {
    http_client(
        settings.timeout,
        settings.policy(),
        concat!("Silo-Webhooks/", env!("CARGO_PKG_VERSION")),
    )
}

/// An HTTP client for sending to addresses outside Silo (webhooks, ad platforms): rustls with
/// the webpki roots, no redirects, no proxy, `timeout` per request, names resolved through
/// [`GuardedResolver`] under `policy`.
pub(crate) fn http_client(
    timeout: Duration,
    policy: AddressPolicy,
    user_agent: &'static str,
) -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(user_agent)
        .dns_resolver(GuardedResolver { policy })
        .build()
        .map_err(|e| error_chain(&e))
}

/// An error with its causes, one line (reqwest's own message is only the outermost).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

impl Sender {
    /// A sender with these settings.
    pub fn new(settings: WebhookSettings) -> Self {
        install_crypto_provider();
        let client = client(&settings);
        if let Err(e) = &client {
            tracing::error!(error = %e, "the webhook HTTP client cannot be built; deliveries will wait");
        }
        Sender { settings, client }
    }

    /// Delivers the webhook delivery `job` refers to: one attempt, recorded in the company's
    /// database whatever its outcome.
    pub async fn deliver(&self, db: &TenantDb, job: &Job) -> JobOutcome {
        let out = match webhooks::outgoing(db, job.ref_id).await {
            Ok(out) => out,
            Err(DomainError::NotFound) => {
                return JobOutcome::Dead("the delivery or its event does not exist".to_owned());
            }
            Err(e) => return JobOutcome::Retry(format!("cannot read the delivery: {e}")),
        };
        if out.delivered {
            return JobOutcome::Done;
        }
        if let Some(why) = &out.refused {
            return match webhooks::refuse(db, &out, why).await {
                Ok(()) => JobOutcome::Dead(why.clone()),
                Err(e) => JobOutcome::Retry(format!("cannot record the delivery: {e}")),
            };
        }
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => return JobOutcome::Retry(format!("no HTTP client: {e}")),
        };
        let (attempt, result) = self.attempt(client, &out).await;
        let error = attempt.error.clone();
        if let Err(e) = webhooks::record_attempt(db, &out, attempt, result).await {
            // Not recorded: the worker runs it again (the receiver dedupes by webhook-id).
            return JobOutcome::Retry(format!("cannot record the attempt: {e}"));
        }
        let error = error.unwrap_or_default();
        match result {
            AttemptResult::Delivered => JobOutcome::Done,
            AttemptResult::Retrying => JobOutcome::Retry(error),
            AttemptResult::Failed | AttemptResult::Gone => JobOutcome::Dead(error),
        }
    }

    /// One HTTP attempt.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        out: &Outgoing,
    ) -> (AttemptRecord, AttemptResult) {
        let attempted_at = Timestamp::now();
        let started = Instant::now();
        let record = |status, response, error: Option<String>| AttemptRecord {
            attempted_at,
            status,
            duration: started.elapsed(),
            response,
            error,
        };
        let url = match url::Url::parse(&out.url) {
            Ok(url) => url,
            Err(e) => {
                let error = format!("the address does not parse: {e}");
                return (record(None, None, Some(error)), AttemptResult::Failed);
            }
        };
        // The resolver checks names; an address in the URL is never resolved, so it is checked
        // here (and the scheme, should the operator have stopped allowing plain http).
        if let Err(why) = webhooks::address::check_literal(&url, self.settings.policy()) {
            return (record(None, None, Some(why)), AttemptResult::Failed);
        }
        let timestamp = attempted_at.unix_seconds();
        let request = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &out.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", out.signature(timestamp))
            .body(out.body.clone());
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let error = error_chain(&e);
                return (record(None, None, Some(error)), AttemptResult::Retrying);
            }
        };
        let status = response.status();
        let excerpt = read_excerpt(&mut response).await;
        let code = Some(status.as_u16());
        if status.is_success() {
            (record(code, excerpt, None), AttemptResult::Delivered)
        } else if status == reqwest::StatusCode::GONE {
            let error = "410 Gone: the endpoint is disabled".to_owned();
            (record(code, excerpt, Some(error)), AttemptResult::Gone)
        } else {
            let error = format!("answered {status}");
            (record(code, excerpt, Some(error)), AttemptResult::Retrying)
        }
    }
}

/// The start of an answer's body as text (at most [`READ_MAX`] bytes are read); `None` when it
/// is empty or cannot be read.
pub(crate) async fn read_excerpt(response: &mut reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < READ_MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(READ_MAX);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr as _;

    async fn resolve(allow_private: bool, host: &str) -> Result<Vec<SocketAddr>, String> {
        let resolver = GuardedResolver {
            policy: AddressPolicy { allow_private },
        };
        let name = Name::from_str(host).map_err(|_| "not a name".to_owned())?;
        resolver
            .resolve(name)
            .await
            .map(|addrs| addrs.collect())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn the_resolver_drops_private_addresses_unless_allowed() {
        // `localhost` resolves to loopback on every machine (from /etc/hosts, no DNS needed).
        let refused = resolve(false, "localhost").await.unwrap_err();
        assert!(
            refused.contains("refused: localhost resolves to a loopback"),
            "{refused}"
        );
        let allowed = resolve(true, "localhost").await.unwrap();
        assert!(!allowed.is_empty() && allowed.iter().all(|a| a.ip().is_loopback()));
    }
}
