//! The audit trail: append-only records of who did what where, never business content.

use crate::{CompanyId, ControlError, ControlPlane, IdentityId};
use silo_store::{Timestamp, params};

/// Whether the audited action went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was refused or failed.
    Failure,
}

impl Outcome {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One audit record to append.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    /// The company it concerns, if any.
    pub company: Option<CompanyId>,
    /// Who did it, if known.
    pub actor: Option<IdentityId>,
    /// What was done, like `company.create` or `contact.update`.
    pub action: &'static str,
    /// The id of what it was done to; never a name or content.
    pub target: Option<String>,
    /// Whether it went through.
    pub outcome: Outcome,
    /// The client's address, for requests.
    pub client_ip: Option<String>,
    /// The request id, for requests.
    pub request_id: Option<String>,
}

impl AuditEvent {
    /// An event done by an operator at the command line (no actor, no address).
    pub fn operator(company: CompanyId, action: &'static str) -> Self {
        AuditEvent {
            company: Some(company),
            actor: None,
            action,
            target: Some(company.to_string()),
            outcome: Outcome::Success,
            client_ip: None,
            request_id: None,
        }
    }
}

impl ControlPlane {
    /// Appends an audit record. The hash chain over records is added by the audit issue; until
    /// then `hash` stays empty.
    pub async fn record(&self, event: AuditEvent) -> Result<(), ControlError> {
        self.db
            .execute(
                "INSERT INTO audit_events (at, company_id, identity_id, action, target, outcome, client_ip, request_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    Timestamp::now(),
                    event.company.map(|c| c.as_uuid()),
                    event.actor.map(|a| a.as_uuid()),
                    event.action,
                    event.target,
                    event.outcome.as_str(),
                    event.client_ip,
                    event.request_id
                ],
            )
            .await?;
        Ok(())
    }
}
