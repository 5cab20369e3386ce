//! What an operator sees and does about identities from the command line: an overview of each
//! person, and disabling or enabling one.
//!
//! Disabling acts at once everywhere: the request path reads the identity's status on every
//! request (a disabled identity is refused with 401), and every browser session of the
//! identity is revoked in the same transaction, so no refresh brings a token back.

use crate::{ControlError, ControlPlane, Identity, IdentityId, IdentityStatus};
use silo_store::{Row, Timestamp, params};

/// One identity with the counts an operator needs.
#[derive(Clone, Debug)]
pub struct IdentityOverview {
    /// The identity (its `Debug` hides the password hash).
    pub identity: Identity,
    /// Whether it has two-factor authentication on.
    pub two_factor: bool,
    /// Memberships in companies that are not erased.
    pub memberships: i64,
    /// Browser sessions neither revoked nor expired.
    pub active_sessions: i64,
}

/// Selects an identity with its counts; `$rest` adds the filter and order.
macro_rules! select_overview {
    ($rest:literal) => {
        concat!(
            "SELECT i.id, i.email, i.name, i.status, i.password_hash, ",
            "EXISTS (SELECT 1 FROM two_factor tf WHERE tf.identity_id = i.id ",
            "AND tf.confirmed_at IS NOT NULL) AS two_factor, ",
            "(SELECT COUNT(*) FROM memberships m JOIN companies c ON c.id = m.company_id ",
            "WHERE m.identity_id = i.id AND c.status <> 'erased') AS memberships, ",
            "(SELECT COUNT(*) FROM sessions s WHERE s.identity_id = i.id ",
            "AND s.revoked_at IS NULL AND s.expires_at > $1) AS active_sessions ",
            "FROM identities i ",
            $rest
        )
    };
}

fn overview(row: &Row) -> Result<IdentityOverview, ControlError> {
    Ok(IdentityOverview {
        identity: Identity::from_row(row)?,
        two_factor: row.get("two_factor")?,
        memberships: row.get("memberships")?,
        active_sessions: row.get("active_sessions")?,
    })
}

impl ControlPlane {
    /// Every identity with its counts, by email.
    pub async fn list_identities(&self) -> Result<Vec<IdentityOverview>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                select_overview!("ORDER BY lower(i.email), i.id"),
                params![Timestamp::now()],
            )
            .await?;
        rows.iter().map(overview).collect()
    }

    /// One identity with its counts.
    pub async fn identity_overview(
        &self,
        id: IdentityId,
    ) -> Result<Option<IdentityOverview>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                select_overview!("WHERE i.id = $2"),
                params![Timestamp::now(), id],
            )
            .await?;
        row.as_ref().map(overview).transpose()
    }

    /// Disables an identity and revokes every session it has, in one transaction. Access
    /// tokens it holds stop working on their next request (the request path checks the
    /// status). Answers whether it was not disabled already.
    pub async fn disable_identity(&self, id: IdentityId) -> Result<bool, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE identities SET status = $1, updated_at = $2 WHERE id = $3 AND status <> $1",
                params![IdentityStatus::Disabled.as_str(), now, id],
            )
            .await?;
        if changed == 0 && !identity_exists(&mut tx, id).await? {
            return Err(ControlError::NotFound);
        }
        // Tokens issued before now stay dead even if the identity is enabled again.
        crate::identities::cut_off_tokens(&mut tx, id, None, now).await?;
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// Lets a disabled identity log in again: active with a password, invited without one.
    /// Answers whether it was disabled.
    pub async fn enable_identity(&self, id: IdentityId) -> Result<bool, ControlError> {
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE identities
                 SET status = CASE WHEN password_hash IS NULL THEN $1 ELSE $2 END, updated_at = $3
                 WHERE id = $4 AND status = $5",
                params![
                    IdentityStatus::Invited.as_str(),
                    IdentityStatus::Active.as_str(),
                    Timestamp::now(),
                    id,
                    IdentityStatus::Disabled.as_str()
                ],
            )
            .await?;
        if changed == 0 && !identity_exists(&mut tx, id).await? {
            return Err(ControlError::NotFound);
        }
        tx.commit().await?;
        Ok(changed > 0)
    }
}

async fn identity_exists(tx: &mut silo_store::Tx, id: IdentityId) -> Result<bool, ControlError> {
    Ok(tx
        .fetch_optional("SELECT 1 AS one FROM identities WHERE id = $1", params![id])
        .await?
        .is_some())
}
