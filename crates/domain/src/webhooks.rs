//! Webhook endpoints and their deliveries (Standard Webhooks).

use crate::error::DomainResult;
use crate::events::OutboxEvent;
use silo_store::Tx;

/// Queues a delivery of `event` to every enabled endpoint subscribed to its type, inside the
/// transaction that appends the event.
pub async fn fan_out(_tx: &mut Tx, _event: &OutboxEvent) -> DomainResult<()> {
    Ok(())
}
