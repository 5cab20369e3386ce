//! Browser sessions behind the refresh cookie.
//!
//! A session is an opaque random token held by the browser in an `HttpOnly` cookie; only its
//! SHA-256 is stored. Every use replaces the token (rotation), and the token it replaced is
//! remembered: presenting a replaced token again means a copy is in someone else's hands, so the
//! session is revoked for everyone. A session left unused for [`SESSION_IDLE_TTL`] expires.
//!
//! A session only says *who* and *which company was chosen last*; whoever turns it into an access
//! token must check the identity, membership and company again, as on every request.

use crate::secret::{digest, new_token};
use crate::{CompanyId, ControlError, ControlPlane, IdentityId};
use silo_store::{Timestamp, params};
use std::time::Duration;
use uuid::Uuid;

/// How long a session may go unused before it expires.
pub const SESSION_IDLE_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

/// How long a session lasts at most, however often it is used: a stolen cookie that is kept
/// busy still ends.
pub const SESSION_ABSOLUTE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

fn expiry(now: Timestamp) -> Timestamp {
    Timestamp::from_datetime(now.datetime() + SESSION_IDLE_TTL)
}

/// A session after a successful rotation.
#[derive(Clone, Debug)]
pub struct RotatedSession {
    /// Who the session belongs to.
    pub identity: IdentityId,
    /// The company chosen last (`None`: an identity-only session).
    pub company: Option<CompanyId>,
    /// The replacement token for the cookie; the presented one no longer works.
    pub token: String,
}

/// Why a session token was refused.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Unknown, expired or revoked.
    #[error("session unknown, expired or revoked")]
    Invalid,
    /// A token that had already been replaced was presented again; the session is now revoked.
    #[error("session token reused; session revoked")]
    Reused {
        /// Whose session it was.
        identity: IdentityId,
    },
    /// The registry failed.
    #[error(transparent)]
    Control(#[from] ControlError),
}

impl From<silo_store::StoreError> for SessionError {
    fn from(e: silo_store::StoreError) -> Self {
        SessionError::Control(e.into())
    }
}

impl ControlPlane {
    /// Starts a session; returns the secret token for the cookie (shown once, never stored).
    pub async fn create_session(
        &self,
        identity: IdentityId,
        company: Option<CompanyId>,
    ) -> Result<String, ControlError> {
        let token = new_token();
        let now = Timestamp::now();
        // Expired sessions are useless; clearing them here keeps the table small without a job.
        self.db
            .execute("DELETE FROM sessions WHERE expires_at < $1", params![now])
            .await?;
        self.db
            .execute(
                "INSERT INTO sessions (id, token_hash, identity_id, company_id, created_at, last_used_at, expires_at, absolute_expires_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
                params![
                    Uuid::now_v7(),
                    digest(&token),
                    identity,
                    company.map(|c| c.as_uuid()),
                    now,
                    expiry(now),
                    Timestamp::from_datetime(now.datetime() + SESSION_ABSOLUTE_TTL)
                ],
            )
            .await?;
        Ok(token)
    }

    /// Consumes `token` and returns its session with a replacement token. An unknown, expired or
    /// revoked token is [`SessionError::Invalid`]; a token that was already replaced revokes the
    /// session and is [`SessionError::Reused`].
    pub async fn rotate_session(&self, token: &str) -> Result<RotatedSession, SessionError> {
        let now = Timestamp::now();
        let presented = digest(token);
        let replacement = new_token();
        // One statement, so two concurrent uses of one token cannot both succeed.
        let row = self
            .db
            .fetch_optional(
                "UPDATE sessions SET token_hash = $1, previous_hash = $2, last_used_at = $3, expires_at = $4
                 WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $3
                   AND (absolute_expires_at IS NULL OR absolute_expires_at > $3)
                 RETURNING identity_id, company_id",
                params![digest(&replacement), presented.as_str(), now, expiry(now)],
            )
            .await?;
        if let Some(row) = row {
            return Ok(RotatedSession {
                identity: row.get("identity_id")?,
                company: row.get("company_id")?,
                token: replacement,
            });
        }
        let revoked = self
            .db
            .fetch_all(
                "UPDATE sessions SET revoked_at = $1 WHERE previous_hash = $2 AND revoked_at IS NULL
                 RETURNING identity_id",
                params![now, presented.as_str()],
            )
            .await?;
        match revoked.first() {
            Some(row) => Err(SessionError::Reused {
                identity: row.get("identity_id")?,
            }),
            None => Err(SessionError::Invalid),
        }
    }

    /// Ends the session `token` belongs to (or was replaced in). Unknown tokens are ignored.
    pub async fn revoke_session(&self, token: &str) -> Result<(), ControlError> {
        let hash = digest(token);
        self.db
            .execute(
                "UPDATE sessions SET revoked_at = $1
                 WHERE (token_hash = $2 OR previous_hash = $2) AND revoked_at IS NULL",
                params![Timestamp::now(), hash.as_str()],
            )
            .await?;
        Ok(())
    }
}
