//! Browser sessions behind the refresh cookie.
//!
//! A session is an opaque random token held by the browser in an `HttpOnly` cookie; only its
//! SHA-256 is stored. Every use replaces the token (rotation), and every token a session has
//! replaced is remembered (`session_spent_tokens`): presenting any of them again, however many
//! rotations old, means a copy is in someone else's hands, so the session is revoked for
//! everyone. A session left unused for [`SESSION_IDLE_TTL`] expires.
//!
//! A session keeps its id across rotations. Access tokens issued for it carry that id (`sid`),
//! and the request path refuses them once the session is revoked (see [`crate::AccessView`]).
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

/// A session just started. `Debug` hides the token.
#[derive(Clone)]
pub struct StartedSession {
    /// The session's id, for the `sid` claim of its access tokens.
    pub id: Uuid,
    /// The secret token for the cookie (shown once, never stored).
    pub token: String,
}

impl std::fmt::Debug for StartedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedSession")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A session after a successful rotation. `Debug` hides the token.
#[derive(Clone)]
pub struct RotatedSession {
    /// The session's id (unchanged by rotation).
    pub id: Uuid,
    /// Who the session belongs to.
    pub identity: IdentityId,
    /// The company chosen last (`None`: an identity-only session).
    pub company: Option<CompanyId>,
    /// The replacement token for the cookie; the presented one no longer works.
    pub token: String,
}

impl std::fmt::Debug for RotatedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatedSession")
            .field("id", &self.id)
            .field("identity", &self.identity)
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

/// Why a session token was refused.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Unknown, expired or revoked.
    #[error("session unknown, expired or revoked")]
    Invalid,
    /// A token that had already been replaced (by any earlier rotation) was presented again;
    /// the session is now revoked.
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
    /// Starts a session; returns its id and the secret token for the cookie.
    pub async fn create_session(
        &self,
        identity: IdentityId,
        company: Option<CompanyId>,
    ) -> Result<StartedSession, ControlError> {
        let token = new_token();
        let id = Uuid::now_v7();
        let now = Timestamp::now();
        // Expired sessions are useless; clearing them here keeps the tables small without a
        // job. An expired session never comes back (rotation needs `expires_at > now`), so its
        // spent tokens can go first, outside a transaction.
        self.db
            .execute(
                "DELETE FROM session_spent_tokens
                 WHERE session_id IN (SELECT id FROM sessions WHERE expires_at < $1)",
                params![now],
            )
            .await?;
        self.db
            .execute("DELETE FROM sessions WHERE expires_at < $1", params![now])
            .await?;
        self.db
            .execute(
                "INSERT INTO sessions (id, token_hash, identity_id, company_id, created_at, last_used_at, expires_at, absolute_expires_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
                params![
                    id,
                    digest(&token),
                    identity,
                    company.map(|c| c.as_uuid()),
                    now,
                    expiry(now),
                    Timestamp::from_datetime(now.datetime() + SESSION_ABSOLUTE_TTL)
                ],
            )
            .await?;
        Ok(StartedSession { id, token })
    }

    /// Consumes `token` and returns its session with a replacement token. An unknown, expired or
    /// revoked token is [`SessionError::Invalid`]; a token the session already replaced, at any
    /// earlier rotation, revokes the session and is [`SessionError::Reused`].
    pub async fn rotate_session(&self, token: &str) -> Result<RotatedSession, SessionError> {
        let now = Timestamp::now();
        let presented = digest(token);
        let replacement = new_token();
        // The swap and the record of the spent token commit together: a token is never valid
        // and forgotten at once. The UPDATE is one statement, so two concurrent uses of one
        // token cannot both succeed.
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE sessions SET token_hash = $1, last_used_at = $3, expires_at = $4
                 WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $3
                   AND (absolute_expires_at IS NULL OR absolute_expires_at > $3)
                 RETURNING id, identity_id, company_id",
                params![digest(&replacement), presented.as_str(), now, expiry(now)],
            )
            .await?;
        if let Some(row) = row {
            let id: Uuid = row.get("id")?;
            tx.execute(
                "INSERT INTO session_spent_tokens (token_hash, session_id, spent_at)
                 VALUES ($1, $2, $3)",
                params![presented.as_str(), id, now],
            )
            .await?;
            tx.commit().await?;
            return Ok(RotatedSession {
                id,
                identity: row.get("identity_id")?,
                company: row.get("company_id")?,
                token: replacement,
            });
        }
        let revoked = tx
            .fetch_all(
                "UPDATE sessions SET revoked_at = $1
                 WHERE revoked_at IS NULL
                   AND id IN (SELECT session_id FROM session_spent_tokens WHERE token_hash = $2)
                 RETURNING identity_id",
                params![now, presented.as_str()],
            )
            .await?;
        tx.commit().await?;
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
                 WHERE revoked_at IS NULL
                   AND (token_hash = $2
                        OR id IN (SELECT session_id FROM session_spent_tokens WHERE token_hash = $2))",
                params![Timestamp::now(), hash.as_str()],
            )
            .await?;
        Ok(())
    }
}
