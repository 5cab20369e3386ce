//! Erasure, the right to be forgotten: a company's business data goes, a tombstone stays.
//!
//! Order for crash safety: (1) mark the company `erased`, so from that moment it serves
//! nothing; (2) drop its database; (3) remove its memberships and invitations. A crash after
//! (1) leaves an erased company whose storage may remain: erasing it again finishes (2) and
//! (3), both of which tolerate having run before.

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
        tracing::info!(company = %company.id, memberships = removed, "company erased");
        Ok(tombstone)
    }
}
