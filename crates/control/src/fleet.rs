//! Registry steps of fleet operations: erasure tombstones and the move marker.

use crate::people::tombstone_slug;
use crate::{Company, CompanyId, CompanyStatus, ControlError, ControlPlane, IdentityId};
use silo_store::{Timestamp, params};

/// Who erased a company, as the tombstone records it.
#[derive(Clone, Copy, Debug)]
pub enum Eraser {
    /// An operator at the command line.
    Operator,
    /// An owner through the API.
    Identity(IdentityId),
}

impl Eraser {
    fn stored(self) -> String {
        match self {
            Eraser::Operator => "operator".into(),
            Eraser::Identity(id) => id.to_string(),
        }
    }
}

impl ControlPlane {
    /// Marks a company `erased` with when and by whom, so it serves nothing from now on, and
    /// forgets its name and the slug derived from it (the tombstone keeps id, status, dates and
    /// eraser; the slug becomes `erased-<id>`). An already erased company keeps its first
    /// eraser and date; a name or slug left from before is cleared then too.
    pub async fn mark_erased(&self, id: CompanyId, by: Eraser) -> Result<Company, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE companies SET status = 'erased', erased_at = $1, erased_by = $2, updated_at = $1
                 WHERE id = $3 AND status <> 'erased'",
                params![now, by.stored(), id],
            )
            .await?;
        let slug = tombstone_slug(id);
        tx.execute(
            "UPDATE companies SET name = '', slug = $1
             WHERE id = $2 AND status = 'erased' AND (name <> '' OR slug <> $1)",
            params![slug.as_str(), id],
        )
        .await?;
        tx.commit().await?;
        let company = self.company(id).await?.ok_or(ControlError::NotFound)?;
        if changed == 0 && company.status != CompanyStatus::Erased {
            return Err(ControlError::InvalidTransition {
                from: company.status,
                to: CompanyStatus::Erased,
            });
        }
        Ok(company)
    }

    /// Marks a company's database as moving to `server`; it serves nothing until
    /// [`Self::finish_move`] or [`Self::abort_move`]. Refused when a move is already running.
    pub async fn begin_move(&self, id: CompanyId, server: &str) -> Result<(), ControlError> {
        let changed = self
            .db
            .execute(
                "UPDATE placements SET moving_to = $1, updated_at = $2
                 WHERE company_id = $3 AND moving_to IS NULL",
                params![server, Timestamp::now(), id],
            )
            .await?;
        if changed == 1 {
            Ok(())
        } else {
            Err(ControlError::Corrupt(format!(
                "{id} has no placement or is already moving"
            )))
        }
    }

    /// The server a running move goes to, if one is running.
    pub async fn moving_to(&self, id: CompanyId) -> Result<Option<String>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT moving_to FROM placements WHERE company_id = $1",
                params![id],
            )
            .await?;
        Ok(match row {
            Some(r) => r.get("moving_to")?,
            None => None,
        })
    }

    /// Switches the placement to the server the move went to and lifts the marker, at once.
    pub async fn finish_move(&self, id: CompanyId, server: &str) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE placements SET server = $1, moving_to = NULL, updated_at = $2 WHERE company_id = $3",
                params![server, Timestamp::now(), id],
            )
            .await?;
        Ok(())
    }

    /// Lifts the move marker, leaving the placement where it was.
    pub async fn abort_move(&self, id: CompanyId) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE placements SET moving_to = NULL, updated_at = $1 WHERE company_id = $2",
                params![Timestamp::now(), id],
            )
            .await?;
        Ok(())
    }

    /// Forgets a company that never served (still `provisioning`): its invitations,
    /// memberships, placement and entry, so a failed import leaves no half-made company that
    /// a later clean-up would activate empty. Its audit records stay.
    pub async fn discard_provisioning(&self, id: CompanyId) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE companies SET updated_at = $1 WHERE id = $2 AND status = 'provisioning'",
                params![Timestamp::now(), id],
            )
            .await?;
        if changed != 1 {
            return Err(ControlError::NotFound);
        }
        for sql in [
            "DELETE FROM member_invitations WHERE company_id = $1",
            "DELETE FROM session_spent_tokens
             WHERE session_id IN (SELECT id FROM sessions WHERE company_id = $1)",
            "DELETE FROM sessions WHERE company_id = $1",
            "DELETE FROM memberships WHERE company_id = $1",
            "DELETE FROM placements WHERE company_id = $1",
            "DELETE FROM companies WHERE id = $1",
        ] {
            tx.execute(sql, params![id]).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
