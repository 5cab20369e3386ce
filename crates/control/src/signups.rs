//! Signups waiting for their address to be verified, and password resets.
//!
//! Both are single-use links mailed to an address; only the SHA-256 of their token is stored.
//! A signup creates nothing until its link is used: then the identity is created, verified, and
//! never adopted (an address registered meanwhile refuses the signup).

use crate::identities::{create_verified_identity, cut_off_tokens};
use crate::secret::{digest, new_token};
use crate::{ControlError, ControlPlane, Email, IdentityId};
use silo_store::{Timestamp, params};
use std::time::Duration;

/// How long a signup's verification link works.
pub const SIGNUP_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long a password reset link works.
pub const PASSWORD_RESET_TTL: Duration = Duration::from_secs(3600);

/// A signup as the form sent it. `Debug` leaves the hash out.
#[derive(Clone)]
pub struct PendingSignup {
    /// The address to verify.
    pub email: Email,
    /// The person's name.
    pub name: String,
    /// The company to create.
    pub company_name: String,
    /// The chosen password's argon2id hash.
    pub password_hash: String,
    /// The language of the mails (`en`, `nl`).
    pub language: String,
}

impl std::fmt::Debug for PendingSignup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignup")
            .field("email", &self.email)
            .field("company_name", &self.company_name)
            .finish_non_exhaustive()
    }
}

impl ControlPlane {
    /// Keeps a signup until its address is verified; returns the link token (shown once).
    /// Expired ones are cleared on the way.
    pub async fn begin_signup(&self, signup: &PendingSignup) -> Result<String, ControlError> {
        let now = Timestamp::now();
        let token = new_token();
        self.db
            .execute(
                "DELETE FROM pending_signups WHERE expires_at < $1",
                params![now],
            )
            .await?;
        self.db
            .execute(
                "INSERT INTO pending_signups
                    (token_hash, email, name, company_name, password_hash, language, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    digest(&token),
                    signup.email.as_str(),
                    signup.name.as_str(),
                    signup.company_name.as_str(),
                    signup.password_hash.as_str(),
                    signup.language.as_str(),
                    now,
                    Timestamp::from_datetime(now.datetime() + SIGNUP_TTL)
                ],
            )
            .await?;
        Ok(token)
    }

    /// Uses a verification link: the signup is taken (it works once) and its owner identity
    /// created, verified. [`ControlError::NotFound`]: unknown, used or expired;
    /// [`ControlError::EmailTaken`]: the address was registered meanwhile (the signup is gone).
    pub async fn complete_signup(
        &self,
        token: &str,
    ) -> Result<(PendingSignup, IdentityId), ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "DELETE FROM pending_signups WHERE token_hash = $1 AND expires_at > $2
                 RETURNING email, name, company_name, password_hash, language",
                params![digest(token), now],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let signup = PendingSignup {
            email: Email::from_stored(row.get("email")?),
            name: row.get("name")?,
            company_name: row.get("company_name")?,
            password_hash: row.get("password_hash")?,
            language: row.get("language")?,
        };
        let created = create_verified_identity(
            &mut tx,
            &signup.email,
            &signup.name,
            &signup.password_hash,
            now,
        )
        .await;
        match created {
            Ok(identity) => {
                tx.commit().await?;
                Ok((signup, identity))
            }
            Err(ControlError::EmailTaken) => {
                // The link is used up either way: drop the signup, then refuse.
                drop(tx);
                self.db
                    .execute(
                        "DELETE FROM pending_signups WHERE token_hash = $1",
                        params![digest(token)],
                    )
                    .await?;
                Err(ControlError::EmailTaken)
            }
            Err(e) => Err(e),
        }
    }

    /// Starts a password reset for an identity; returns the link token (shown once).
    pub async fn begin_password_reset(&self, identity: IdentityId) -> Result<String, ControlError> {
        let now = Timestamp::now();
        let token = new_token();
        self.db
            .execute(
                "DELETE FROM password_resets WHERE expires_at < $1",
                params![now],
            )
            .await?;
        self.db
            .execute(
                "INSERT INTO password_resets (token_hash, identity_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
                params![
                    digest(&token),
                    identity,
                    now,
                    Timestamp::from_datetime(now.datetime() + PASSWORD_RESET_TTL)
                ],
            )
            .await?;
        Ok(token)
    }

    /// Whether a reset link is still good: looked up before the new password is hashed.
    pub async fn password_reset_usable(&self, token: &str) -> Result<bool, ControlError> {
        Ok(self
            .db
            .fetch_optional(
                "SELECT 1 AS one FROM password_resets
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                params![digest(token), Timestamp::now()],
            )
            .await?
            .is_some())
    }

    /// Uses a reset link once: sets the password, ends every session and access token, and
    /// voids the identity's other reset links. [`ControlError::NotFound`]: unknown, used or
    /// expired, or the identity is disabled.
    pub async fn reset_password(
        &self,
        token: &str,
        password_hash: &str,
    ) -> Result<IdentityId, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE password_resets SET used_at = $1
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
                 RETURNING identity_id",
                params![now, digest(token)],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let identity: IdentityId = row.get("identity_id")?;
        // The link proved the address, so a never-verified identity is verified by it.
        let changed = tx
            .execute(
                "UPDATE identities SET password_hash = $1, status = 'active', updated_at = $2,
                        email_verified_at = COALESCE(email_verified_at, $2)
                 WHERE id = $3 AND status <> 'disabled'",
                params![password_hash, now, identity],
            )
            .await?;
        if changed != 1 {
            return Err(ControlError::NotFound);
        }
        tx.execute(
            "UPDATE password_resets SET used_at = $1 WHERE identity_id = $2 AND used_at IS NULL",
            params![now, identity],
        )
        .await?;
        cut_off_tokens(&mut tx, identity, None, now).await?;
        tx.commit().await?;
        Ok(identity)
    }
}
