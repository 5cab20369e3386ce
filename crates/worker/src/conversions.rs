//! `conversion.deliver` jobs: conversions sent to ad platforms (issue 22).
//!
//! A job sends its delivery together with the destination's other fresh deliveries whose jobs
//! wait, up to the platform's limit per request (Meta 1000 events, Google Ads 2000
//! conversions), in one HTTP request built by `silo_domain::attribution::forwarding`. The
//! credentials are opened from the vault only here, for the request's headers; they never
//! reach a log or the delivery log.
//!
//! - 2xx: delivered (Google: the conversions its `partialFailureError` names fail alone).
//! - 5xx, 429, a timeout or a network error: retried with the jobs' backoff.
//! - Another 4xx: dead-lettered at once with the platform's error, except Google's "too recent"
//!   errors, which are sent again [`TOO_RECENT_DELAY`] later.
//! - Addresses are guarded as for webhooks (no private or loopback address unless the operator
//!   allows it), redirects are not followed and no proxy is used.

use crate::JobOutcome;
use crate::webhook::{error_chain, http_client, install_crypto_provider, read_excerpt};
use silo_control::CompanyId;
use silo_domain::DomainError;
use silo_domain::attribution::destinations::{Credentials, Platform, Sealer};
use silo_domain::attribution::forwarding::{
    self, Batch, PlatformUrls, Ready, SendOutcome, SendResult, google, vault::Vault,
};
use silo_domain::jobs::Job;
use silo_domain::webhooks::{self, AddressPolicy};
use silo_store::{TenantDb, Timestamp};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long a conversion Google calls too recent waits before it is sent again.
pub const TOO_RECENT_DELAY: Duration = Duration::from_secs(3 * 3600);

/// How conversions are forwarded.
#[derive(Clone, Debug)]
pub struct ForwardingSettings {
    /// Where the platforms' APIs are (`--meta-api-url`, `--google-ads-api-url`).
    pub urls: PlatformUrls,
    /// Allow platform addresses on loopback and private networks, and plain `http://` (tests
    /// and development; `--webhook-allow-private` sets it too).
    pub allow_private: bool,
    /// How long one request may take.
    pub timeout: Duration,
    /// The deployment's key for sealed credentials; without it nothing is sent (retried).
    pub vault: Option<Vault>,
}

impl Default for ForwardingSettings {
    fn default() -> Self {
        ForwardingSettings {
            urls: PlatformUrls::default(),
            allow_private: false,
            timeout: Duration::from_secs(30),
            vault: None,
        }
    }
}

/// Sends `conversion.deliver` jobs.
#[derive(Clone, Debug)]
pub struct Forwarder {
    settings: ForwardingSettings,
    client: Result<reqwest::Client, String>,
}

fn later(by: Duration) -> Timestamp {
    Timestamp::from_datetime(Timestamp::now().datetime() + by)
}

/// The outcome of one HTTP send for every delivery of a batch.
fn all(
    batch: &Batch,
    outcome: SendOutcome,
    status: Option<u16>,
    error: Option<String>,
) -> Vec<SendResult> {
    batch
        .items
        .iter()
        .map(|i| SendResult {
            delivery_id: i.delivery_id,
            outcome: outcome.clone(),
            status,
            error: error.clone(),
        })
        .collect()
}

/// The indexes of the conversions Google's `partialFailureError` names, and whether any error
/// is a "too recent" one. `None` when the answer has no partial failure.
fn partial_failures(body: &serde_json::Value) -> Option<(BTreeSet<usize>, String)> {
    let failure = body.get("partialFailureError")?;
    if failure.get("code").and_then(|c| c.as_i64()).unwrap_or(0) == 0 {
        return None;
    }
    let mut failed = BTreeSet::new();
    for detail in failure.get("details")?.as_array().into_iter().flatten() {
        for error in detail
            .get("errors")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            let elements = error
                .pointer("/location/fieldPathElements")
                .and_then(|e| e.as_array());
            for el in elements.into_iter().flatten() {
                if el.get("fieldName").and_then(|f| f.as_str()) == Some("conversions")
                    && let Some(i) = el.get("index").and_then(|i| i.as_u64())
                {
                    failed.insert(usize::try_from(i).unwrap_or(usize::MAX));
                }
            }
        }
    }
    let message = failure
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or("partial failure")
        .to_owned();
    Some((failed, message))
}

impl Forwarder {
    /// A forwarder with these settings.
    pub fn new(settings: ForwardingSettings) -> Self {
        install_crypto_provider();
        let policy = AddressPolicy {
            allow_private: settings.allow_private,
        };
        let client = http_client(
            settings.timeout,
            policy,
            concat!("Silo-Conversions/", env!("CARGO_PKG_VERSION")),
        );
        if let Err(e) = &client {
            tracing::error!(error = %e, "the conversions HTTP client cannot be built; deliveries will wait");
        }
        Forwarder { settings, client }
    }

    /// Runs one `conversion.deliver` job of `company`.
    pub(crate) async fn deliver(&self, company: CompanyId, db: &TenantDb, job: &Job) -> JobOutcome {
        let batch = match forwarding::ready(db, job.ref_id).await {
            Ok(Ready::Send(batch)) => batch,
            Ok(Ready::Done) => return JobOutcome::Done,
            Ok(Ready::Refused(why)) => return JobOutcome::Dead(why),
            Err(DomainError::NotFound) => {
                return JobOutcome::Dead("the delivery does not exist".to_owned());
            }
            Err(e) => return JobOutcome::Retry(format!("cannot read the delivery: {e}")),
        };
        let Some(vault) = &self.settings.vault else {
            return JobOutcome::Retry(
                "no vault key is loaded; credentials cannot be opened".to_owned(),
            );
        };
        let sealer = Sealer {
            vault,
            company: company.as_uuid(),
        };
        let results = match sealer.open(batch.destination.id, &batch.sealed_credentials) {
            Ok(credentials) => self.send(&batch, &credentials).await,
            Err(_) => all(
                &batch,
                SendOutcome::Failed,
                None,
                Some("the credentials do not open with this deployment's vault key; enter them again".to_owned()),
            ),
        };
        if let Err(e) = forwarding::record(db, &batch, job.id, &results).await {
            // Not recorded: sent again (the platforms deduplicate by event id / order id).
            return JobOutcome::Retry(format!("cannot record the delivery: {e}"));
        }
        let own = results.iter().find(|r| r.delivery_id == job.ref_id);
        let error = own.and_then(|r| r.error.clone()).unwrap_or_default();
        match own.map(|r| &r.outcome) {
            Some(SendOutcome::Delivered) | None => JobOutcome::Done,
            Some(SendOutcome::Retry) => JobOutcome::Retry(error),
            Some(SendOutcome::Later(at)) => JobOutcome::RetryAt(*at, error),
            Some(SendOutcome::Failed) => JobOutcome::Dead(error),
        }
    }

    /// One HTTP request for the whole batch; its outcome for each delivery.
    async fn send(&self, batch: &Batch, credentials: &Credentials) -> Vec<SendResult> {
        let dest = &batch.destination;
        let items: Vec<_> = batch.items.iter().map(|i| i.item.clone()).collect();
        let Some(request) = forwarding::build(dest, &self.settings.urls, &items) else {
            let why = format!("{} has no payload builder yet", dest.platform);
            return all(batch, SendOutcome::Failed, None, Some(why));
        };
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => {
                return all(
                    batch,
                    SendOutcome::Retry,
                    None,
                    Some(format!("no HTTP client: {e}")),
                );
            }
        };
        let url = match url::Url::parse(&request.url) {
            Ok(url) => url,
            Err(e) => {
                let why = format!("the platform address does not parse: {e}");
                return all(batch, SendOutcome::Failed, None, Some(why));
            }
        };
        let policy = AddressPolicy {
            allow_private: self.settings.allow_private,
        };
        if let Err(why) = webhooks::address::check_literal(&url, policy) {
            return all(batch, SendOutcome::Retry, None, Some(why));
        }
        let mut http = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(request.body.to_string());
        if let Some(token) = &credentials.access_token {
            http = http.bearer_auth(token);
        }
        if dest.platform == Platform::GoogleAds {
            if let Some(developer) = &credentials.developer_token {
                http = http.header("developer-token", developer);
            }
            if let Some(login) = &dest.settings.login_customer_id {
                http = http.header("login-customer-id", login);
            }
        }
        let mut response = match http.send().await {
            Ok(r) => r,
            Err(e) => return all(batch, SendOutcome::Retry, None, Some(error_chain(&e))),
        };
        let status = response.status();
        let code = Some(status.as_u16());
        let body = read_excerpt(&mut response).await.unwrap_or_default();
        let error = Some(format!("answered {status}: {body}"));
        if status.is_success() {
            return self.accepted(batch, code, &body);
        }
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return all(batch, SendOutcome::Retry, code, error);
        }
        if dest.platform == Platform::GoogleAds && google::too_recent(&body) {
            return all(
                batch,
                SendOutcome::Later(later(TOO_RECENT_DELAY)),
                code,
                error,
            );
        }
        all(batch, SendOutcome::Failed, code, error)
    }

    /// A 2xx answer: everything delivered, but for the conversions a Google partial failure
    /// names.
    fn accepted(&self, batch: &Batch, code: Option<u16>, body: &str) -> Vec<SendResult> {
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let Some((failed, message)) = (batch.destination.platform == Platform::GoogleAds)
            .then(|| partial_failures(&parsed))
            .flatten()
        else {
            return all(batch, SendOutcome::Delivered, code, None);
        };
        let outcome = if google::too_recent(body) {
            SendOutcome::Later(later(TOO_RECENT_DELAY))
        } else {
            SendOutcome::Failed
        };
        batch
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                // No index named: the failure cannot be placed, so it counts for all.
                let hit = failed.is_empty() || failed.contains(&i);
                SendResult {
                    delivery_id: item.delivery_id,
                    outcome: if hit {
                        outcome.clone()
                    } else {
                        SendOutcome::Delivered
                    },
                    status: code,
                    error: hit.then(|| message.clone()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_failures_name_the_conversions_by_index() {
        let body = json!({
            "partialFailureError": {
                "code": 3,
                "message": "The click is too recent. TOO_RECENT_CLICK",
                "details": [{ "errors": [{
                    "errorCode": { "conversionUploadError": "TOO_RECENT_CONVERSION_ACTION" },
                    "location": { "fieldPathElements": [
                        { "fieldName": "conversions", "index": 1 },
                        { "fieldName": "gclid" }
                    ]}
                }]}]
            }
        });
        let (failed, message) = partial_failures(&body).unwrap();
        assert_eq!(failed.into_iter().collect::<Vec<_>>(), vec![1]);
        assert!(message.contains("too recent"));
        assert!(partial_failures(&json!({ "results": [{}] })).is_none());
        assert!(partial_failures(&json!({ "partialFailureError": { "code": 0 } })).is_none());
    }
}
