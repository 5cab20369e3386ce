//! Delivering webhook jobs (Standard Webhooks).

use crate::JobOutcome;
use silo_domain::jobs::Job;
use silo_store::TenantDb;
use std::time::Duration;

/// How webhook deliveries are sent.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, private, link-local and metadata addresses
    /// (`--webhook-allow-private`; for development and tests).
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

/// Sends webhook deliveries over HTTP.
#[derive(Clone, Debug)]
pub struct Sender {
    _settings: WebhookSettings,
}

impl Sender {
    /// A sender with these settings.
    pub fn new(settings: WebhookSettings) -> Self {
        Sender {
            _settings: settings,
        }
    }

    /// Delivers the webhook delivery `job` refers to.
    pub async fn deliver(&self, _db: &TenantDb, _job: &Job) -> JobOutcome {
        JobOutcome::Dead("webhooks are not built yet".to_owned())
    }
}
