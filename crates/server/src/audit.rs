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

/// After a business write committed: its audit record (already in the company's outbox) is
/// delivered now, and waiting jobs are queued. Nothing here can fail the request: the write and
/// its event are committed together, and whatever does not go through now the worker delivers
/// later, once.
pub async fn after_write(state: &AppState, tenant: &Tenant) {
    silo_worker::after_write(&state.tenancy, &state.nudge, tenant.company.id, &tenant.db).await;
}

/// After a portal user's write committed: as [`after_write`], for the portal's company.
pub async fn after_portal_write(state: &AppState, caller: &crate::binding::PortalCaller) {
    silo_worker::after_write(
        &state.tenancy,
        &state.nudge,
        caller.company.id,
        caller.portal.outbox_db(),
    )
    .await;
}
