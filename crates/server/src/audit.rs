//! Audit records for what handlers do: who, in which company, what, on which id.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use silo_control::{AuditAction, Outcome};

/// Records a successful write by the tenant's caller: `action` like `contact.create`, `target`
/// the id written. Never names, amounts or bodies. A failed audit write fails the request, so
/// nothing goes unrecorded.
pub async fn record_write(
    state: &AppState,
    tenant: &Tenant,
    action: AuditAction,
    target: impl ToString,
) -> Result<(), ApiError> {
    state
        .tenancy
        .control()
        .record(tenant.meta.event(
            Some(tenant.company.id),
            Some(tenant.identity.id),
            action,
            Some(target.to_string()),
            Outcome::Success,
        ))
        .await
        .map_err(|e| {
            // The write itself has committed; the failure is loud so it cannot go unnoticed.
            tracing::error!(company = %tenant.company.id, action = action.as_str(), error = %e, "audit record for a committed write failed");
            ApiError::Unavailable(format!("audit trail unavailable: {e}"))
        })?;
    Ok(())
}
