//! Erasure, the right to be forgotten: a company's business data and its people go, a tombstone
//! stays (id, status, dates, eraser; no name, and a slug derived from the id only).
//!
//! Order for crash safety: (1) mark the company `erased` and forget its name and slug, so from
//! that moment it serves nothing; (2) drop its database; (3) remove its sessions, invitations
//! and memberships, and erase every identity that belonged to no other company (one
//! transaction). A crash after (1) leaves an erased company whose storage or people may remain:
//! erasing it again finishes (2) and (3), both of which tolerate having run before.

use crate::{Tenancy, TenancyError};
use silo_control::{Company, Eraser};

impl Tenancy {
    /// Erases a company (or finishes an interrupted erasure) and returns its tombstone.
    pub async fn erase(&self, company: &Company, by: Eraser) -> Result<Company, TenancyError> {
        if company.moving {
            return Err(TenancyError::Unavailable(
                "its database is being moved; finish or roll back the move first".into(),
            ));
        }
        let tombstone = self.control().mark_erased(company.id, by).await?;
        self.drop_tenant_storage(&tombstone).await?;
        let removed = self.control().remove_company_access(company.id).await?;
        // Its jobs went with its database; the queue's pointer at it goes too.
        self.control().forget_work(company.id).await?;
        tracing::info!(
            company = %company.id,
            memberships = removed.memberships,
            identities = removed.identities,
            "company erased"
        );
        Ok(tombstone)
    }
}
