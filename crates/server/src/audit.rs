//! Audit records for what handlers do: who, in which company, what, on which id.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use silo_control::{AuditEvent, Outcome};

/// Records a successful write by the tenant's caller: `action` like `contact.create`, `target`
/// the id written. Never names, amounts or bodies. A failed audit write fails the request, so
/// nothing goes unrecorded.
pub async fn record_write(
    state: &AppState,
    tenant: &Tenant,
    action: &'static str,
    target: impl ToString,
) -> Result<(), ApiError> {
    state
        .tenancy
        .control()
        .record(AuditEvent {
            company: Some(tenant.company.id),
            actor: Some(tenant.identity.id),
            action,
            target: Some(target.to_string()),
            outcome: Outcome::Success,
            client_ip: None,
            request_id: None,
        })
        .await?;
    Ok(())
}
