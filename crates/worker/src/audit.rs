//! Delivering a company's outbox to the control plane's audit trail.

use crate::WorkerError;
use silo_control::{Actor, AuditEvent, CompanyId, ControlPlane, IdentityId, Outcome};
use silo_domain::events::ActorKind;
use silo_domain::events::{self, OutboxEvent};
use silo_store::TenantDb;

/// Events delivered per control-plane transaction.
const BATCH: i64 = 200;

/// The audit record of an outbox event. The nil subject stands for the company itself.
pub fn record_of(company: CompanyId, event: &OutboxEvent) -> AuditEvent {
    let target = if event.subject_id.is_nil() {
        company.to_string()
    } else {
        event.subject_id.to_string()
    };
    AuditEvent {
        company: Some(company),
        actor: event.actor_id.map(|id| match event.actor_kind {
            ActorKind::Staff => Actor::Identity(IdentityId::from_uuid(id)),
            ActorKind::PortalUser => Actor::PortalUser(id),
        }),
        action: event.event_type.audit_action(),
        target: Some(target),
        outcome: Outcome::Success,
        client_ip: event.client_ip().map(str::to_owned),
        request_id: event.request_id().map(str::to_owned),
        event_id: Some(event.id),
    }
}

/// Records every event of `db`'s outbox that the trail does not confirm yet, oldest first, and
/// marks them audited; returns how many. `db` must be `company`'s database, which is how the
/// caller obtained it (a request's binding, or the worker's claim). Safe to run concurrently
/// and repeatedly: the trail records each event id once.
pub async fn deliver(
    control: &ControlPlane,
    company: CompanyId,
    db: &TenantDb,
) -> Result<usize, WorkerError> {
    let mut delivered = 0;
    loop {
        let pending = events::unaudited(db, BATCH).await?;
        if pending.is_empty() {
            return Ok(delivered);
        }
        let records: Vec<AuditEvent> = pending.iter().map(|e| record_of(company, e)).collect();
        control.record_all(&records).await?;
        let ids: Vec<uuid::Uuid> = pending.iter().map(|e| e.id).collect();
        events::mark_audited(db, &ids).await?;
        delivered += pending.len();
    }
}
