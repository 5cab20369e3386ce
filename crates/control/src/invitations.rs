//! Invitations: a single-use secret that lets an invited identity set its password.
//!
//! Only the SHA-256 of the secret is stored, so a copy of the control database does not hold
//! usable invitations.

use crate::{CompanyId, ControlError, ControlPlane, IdentityId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use silo_store::{Timestamp, params};
use std::fmt::Write;
use std::time::Duration;

/// How long an invitation stays valid.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// What an accepted invitation gives access to.
#[derive(Clone, Copy, Debug)]
pub struct AcceptedInvitation {
    /// The identity that now has a password.
    pub identity: IdentityId,
    /// The company that invited it.
    pub company: CompanyId,
}

impl ControlPlane {
    /// Creates an invitation for an identity to a company; returns the secret token, which is
    /// shown once and never stored.
    pub async fn create_invitation(
        &self,
        identity: IdentityId,
        company: CompanyId,
    ) -> Result<String, ControlError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = bytes.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        let now = Timestamp::now();
        let expires = Timestamp::from_datetime(now.datetime() + INVITATION_TTL);
        self.db
            .execute(
                "INSERT INTO invitations (token_hash, identity_id, company_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                params![digest(&token), identity, company, now, expires],
            )
            .await?;
        Ok(token)
    }

    /// Consumes an unexpired, unused invitation and sets the identity's password in the same
    /// transaction. An unknown, used or expired token is [`ControlError::NotFound`].
    pub async fn accept_invitation(
        &self,
        token: &str,
        password_hash: &str,
        name: Option<&str>,
    ) -> Result<AcceptedInvitation, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE invitations SET used_at = $1
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
                 RETURNING identity_id, company_id",
                params![now, digest(token)],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let accepted = AcceptedInvitation {
            identity: row.get("identity_id")?,
            company: row.get("company_id")?,
        };
        let changed = tx
            .execute(
                "UPDATE identities SET password_hash = $1, status = 'active', name = COALESCE($2, name), updated_at = $3
                 WHERE id = $4 AND status = 'invited'",
                params![password_hash, name, now, accepted.identity],
            )
            .await?;
        if changed != 1 {
            // The identity set a password some other way, or was disabled: the invitation is void.
            return Err(ControlError::NotFound);
        }
        tx.commit().await?;
        Ok(accepted)
    }
}
