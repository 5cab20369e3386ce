//! Two-factor authentication per identity: a TOTP secret and single-use recovery codes, and a
//! company's choice to require it of every member.
//!
//! Set-up is two steps: [`ControlPlane::begin_two_factor`] stores a pending secret and hands it
//! out once; [`ControlPlane::confirm_two_factor`] turns it on when a first correct code proves
//! an app holds it, and answers the recovery codes (shown once, only digests stored). From then
//! on [`ControlPlane::verify_two_factor`] accepts a TOTP code only for a time step newer than the
//! last one accepted (the compare-and-set is one statement, so two requests racing with one
//! code cannot both pass), or an unused recovery code, which it spends.
//!
//! The secret must be readable to compute codes, so it is stored as is; it never leaves this
//! module except in the answer to set-up, and [`TotpSecret`] never prints it.

use crate::{Company, CompanyId, ControlError, ControlPlane, IdentityId};
use silo_auth::totp::{self, TotpSecret};
use silo_store::{Timestamp, params};
use uuid::Uuid;

/// Why a two-factor operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    /// The identity has two-factor on already (set-up again needs disabling first).
    #[error("two-factor authentication is already on")]
    AlreadyEnabled,
    /// The identity has no two-factor (or no pending set-up, for a confirmation).
    #[error("two-factor authentication is not on")]
    NotEnabled,
    /// The code is wrong, too old, already used, or not a code at all.
    #[error("the code is wrong or was already used")]
    WrongCode,
    /// The registry failed.
    #[error(transparent)]
    Control(#[from] ControlError),
}

impl From<silo_store::StoreError> for TwoFactorError {
    fn from(e: silo_store::StoreError) -> Self {
        TwoFactorError::Control(e.into())
    }
}

/// Which second factor a code was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Totp,
    /// A recovery code, now spent.
    RecoveryCode {
        /// Unused recovery codes the identity has left.
        left: i64,
    },
}

/// A secret handed out by set-up, with the URI an authenticator app scans.
#[derive(Clone, Debug)]
pub struct PendingTwoFactor {
    /// The shared secret (show once; `Debug` hides it).
    pub secret: TotpSecret,
    /// `otpauth://totp/Silo:<email>?secret=...&issuer=Silo`; holds the secret, so never log it.
    pub otpauth_uri: String,
}

fn now_unix() -> u64 {
    u64::try_from(Timestamp::now().unix_seconds()).unwrap_or(0)
}

fn read_secret(row: &silo_store::Row) -> Result<TotpSecret, ControlError> {
    TotpSecret::from_base32(&row.get::<String>("secret")?)
        .map_err(|_| ControlError::Corrupt("two-factor secret is not base32".into()))
}

impl ControlPlane {
    /// Starts (or restarts) set-up for an identity that does not have two-factor on: a new
    /// pending secret replaces any earlier pending one. Nothing changes for logging in until
    /// [`Self::confirm_two_factor`].
    pub async fn begin_two_factor(
        &self,
        identity: IdentityId,
    ) -> Result<PendingTwoFactor, TwoFactorError> {
        let email = self
            .identity(identity)
            .await?
            .ok_or(ControlError::NotFound)?
            .email;
        let secret = TotpSecret::generate();
        // The label is only shown by the app; otpauth labels cannot hold `:`, which an email's
        // local part may.
        let otpauth_uri = secret
            .otpauth_uri(&email.as_str().replace(':', "_"))
            .map_err(|e| ControlError::Corrupt(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        let confirmed = tx
            .fetch_optional(
                "SELECT 1 AS one FROM two_factor WHERE identity_id = $1 AND confirmed_at IS NOT NULL",
                params![identity],
            )
            .await?;
        if confirmed.is_some() {
            return Err(TwoFactorError::AlreadyEnabled);
        }
        tx.execute(
            "DELETE FROM two_factor WHERE identity_id = $1",
            params![identity],
        )
        .await?;
        tx.execute(
            "INSERT INTO two_factor (identity_id, secret, created_at) VALUES ($1, $2, $3)",
            params![identity, secret.to_base32(), Timestamp::now()],
        )
        .await?;
        tx.commit().await?;
        Ok(PendingTwoFactor {
            secret,
            otpauth_uri,
        })
    }

    /// Turns two-factor on when `code` is a current code of the pending secret; answers a fresh
    /// set of recovery codes, the only time they are shown.
    pub async fn confirm_two_factor(
        &self,
        identity: IdentityId,
        code: &str,
    ) -> Result<Vec<String>, TwoFactorError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT secret FROM two_factor WHERE identity_id = $1 AND confirmed_at IS NULL",
                params![identity],
            )
            .await?
            .ok_or(TwoFactorError::NotEnabled)?;
        let stored: String = row.get("secret")?;
        let step = read_secret(&row)?
            .verify(code, now_unix(), None)
            .ok_or(TwoFactorError::WrongCode)?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        // Only the secret the code was checked against: a set-up restarted meanwhile holds a
        // new secret that this code proves nothing about.
        let changed = tx
            .execute(
                "UPDATE two_factor SET confirmed_at = $1, last_step = $2
                 WHERE identity_id = $3 AND secret = $4 AND confirmed_at IS NULL",
                params![now, step_value(step), identity, stored],
            )
            .await?;
        if changed == 0 {
            return Err(TwoFactorError::WrongCode);
        }
        let codes = replace_recovery_codes(&mut tx, identity, now).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Checks a second factor of an identity with two-factor on: a TOTP code for a step newer
    /// than the last accepted (which it then becomes), or an unused recovery code (which it
    /// spends).
    pub async fn verify_two_factor(
        &self,
        identity: IdentityId,
        code: &str,
    ) -> Result<SecondFactor, TwoFactorError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT secret, last_step FROM two_factor
                 WHERE identity_id = $1 AND confirmed_at IS NOT NULL",
                params![identity],
            )
            .await?
            .ok_or(TwoFactorError::NotEnabled)?;
        if totp::is_totp_code(code) {
            let last = row
                .get::<Option<i64>>("last_step")?
                .and_then(|s| u64::try_from(s).ok());
            let step = read_secret(&row)?
                .verify(code, now_unix(), last)
                .ok_or(TwoFactorError::WrongCode)?;
            // Compare-and-set: of two requests racing with the same code, one moves the step.
            let changed = self
                .db
                .execute(
                    "UPDATE two_factor SET last_step = $1
                     WHERE identity_id = $2 AND confirmed_at IS NOT NULL
                       AND (last_step IS NULL OR last_step < $1)",
                    params![step_value(step), identity],
                )
                .await?;
            return match changed {
                0 => Err(TwoFactorError::WrongCode),
                _ => Ok(SecondFactor::Totp),
            };
        }
        let digest = totp::recovery_code_digest(&identity.to_string(), code)
            .ok_or(TwoFactorError::WrongCode)?;
        let unused = self
            .db
            .fetch_all(
                "SELECT id, code_hash FROM recovery_codes WHERE identity_id = $1 AND used_at IS NULL",
                params![identity],
            )
            .await?;
        let hashes = unused
            .iter()
            .map(|r| r.get::<String>("code_hash"))
            .collect::<Result<Vec<_>, _>>()?;
        let index = totp::find_digest(&digest, hashes.iter().map(String::as_str))
            .ok_or(TwoFactorError::WrongCode)?;
        let id: String = unused
            .get(index)
            .ok_or(TwoFactorError::WrongCode)?
            .get("id")?;
        let spent = self
            .db
            .execute(
                "UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                params![Timestamp::now(), id],
            )
            .await?;
        if spent == 0 {
            return Err(TwoFactorError::WrongCode);
        }
        Ok(SecondFactor::RecoveryCode {
            left: i64::try_from(unused.len()).unwrap_or(i64::MAX) - 1,
        })
    }

    /// Replaces the identity's recovery codes after checking `code` (a TOTP or recovery code);
    /// every earlier code stops working. Answers the new set, shown once.
    pub async fn regenerate_recovery_codes(
        &self,
        identity: IdentityId,
        code: &str,
    ) -> Result<Vec<String>, TwoFactorError> {
        self.verify_two_factor(identity, code).await?;
        let mut tx = self.db.begin().await?;
        let codes = replace_recovery_codes(&mut tx, identity, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Turns two-factor off after checking `code` (a TOTP or recovery code). The caller checks
    /// the password first.
    pub async fn disable_two_factor(
        &self,
        identity: IdentityId,
        code: &str,
    ) -> Result<(), TwoFactorError> {
        self.verify_two_factor(identity, code).await?;
        self.remove_two_factor(identity).await?;
        Ok(())
    }

    /// An operator's reset for a person who lost both the app and the recovery codes: the
    /// secret (confirmed or pending) and every recovery code go. Answers whether there was
    /// anything to remove.
    pub async fn reset_two_factor(&self, identity: IdentityId) -> Result<bool, ControlError> {
        self.remove_two_factor(identity).await
    }

    async fn remove_two_factor(&self, identity: IdentityId) -> Result<bool, ControlError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM recovery_codes WHERE identity_id = $1",
            params![identity],
        )
        .await?;
        let removed = tx
            .execute(
                "DELETE FROM two_factor WHERE identity_id = $1",
                params![identity],
            )
            .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// Whether the identity has two-factor on (a confirmed secret; a pending set-up is not).
    pub async fn two_factor_enabled(&self, identity: IdentityId) -> Result<bool, ControlError> {
        Ok(self
            .db
            .fetch_optional(
                "SELECT 1 AS one FROM two_factor WHERE identity_id = $1 AND confirmed_at IS NOT NULL",
                params![identity],
            )
            .await?
            .is_some())
    }

    /// Unused recovery codes the identity has left.
    pub async fn recovery_codes_left(&self, identity: IdentityId) -> Result<i64, ControlError> {
        let row = self
            .db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM recovery_codes WHERE identity_id = $1 AND used_at IS NULL",
                params![identity],
            )
            .await?;
        Ok(row.get("n")?)
    }

    /// Sets whether the company refuses members without two-factor. The caller decides who
    /// may (owners) and that the one turning it on has it.
    pub async fn set_require_two_factor(
        &self,
        company: CompanyId,
        required: bool,
    ) -> Result<Company, ControlError> {
        self.db
            .execute(
                "UPDATE companies SET require_two_factor = $1, updated_at = $2 WHERE id = $3",
                params![required, Timestamp::now(), company],
            )
            .await?;
        self.company(company).await?.ok_or(ControlError::NotFound)
    }
}

/// A time step as stored (steps of 30 s since 1970 are far below `i64::MAX`).
fn step_value(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// Deletes every recovery code of the identity and stores the digests of a fresh set.
async fn replace_recovery_codes(
    tx: &mut silo_store::Tx,
    identity: IdentityId,
    now: Timestamp,
) -> Result<Vec<String>, ControlError> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE identity_id = $1",
        params![identity],
    )
    .await?;
    let codes = totp::generate_recovery_codes();
    let salt = identity.to_string();
    for code in &codes {
        let digest = totp::recovery_code_digest(&salt, code)
            .ok_or_else(|| ControlError::Corrupt("generated recovery code is malformed".into()))?;
        tx.execute(
            "INSERT INTO recovery_codes (id, identity_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
            params![Uuid::now_v7(), identity, digest, now],
        )
        .await?;
    }
    Ok(codes)
}
