//! Identities: people who log in. One identity can belong to many companies.

use crate::{ControlError, ControlPlane, Email, IdentityId};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Row, Timestamp, Tx, params};

silo_contract::string_enum! {
    /// Whether an identity can log in.
    pub enum IdentityStatus {
        /// Has a password and may log in.
        Active = "active",
        /// Was invited and has not set a password yet.
        Invited = "invited",
        /// May not log in.
        Disabled = "disabled",
    }
}

impl IdentityStatus {
    fn stored(s: &str) -> Result<Self, ControlError> {
        Self::parse(s).ok_or_else(|| ControlError::Corrupt(format!("identity status `{s}`")))
    }
}

/// A person who can log in. `Debug` leaves the password hash out.
#[derive(Clone, Serialize, JsonSchema)]
pub struct Identity {
    /// Its id (the `sub` of its tokens).
    pub id: IdentityId,
    /// Its email, lower-cased.
    pub email: Email,
    /// Its display name.
    pub name: String,
    /// Whether it can log in.
    pub status: IdentityStatus,
    /// Its argon2id password hash; `None` until it has set a password.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// When the person proved control of the address (or an operator vouched for it); `None`:
    /// never, and then the identity opens nothing.
    #[serde(skip)]
    pub email_verified_at: Option<Timestamp>,
    /// Access tokens issued before this instant are refused (password change, log out
    /// everywhere, disabling).
    #[serde(skip)]
    pub tokens_valid_after: Option<Timestamp>,
}

/// The identity columns every reader selects (statements are `&'static str`, hence a macro).
macro_rules! identity_columns {
    () => {
        "id, email, name, status, password_hash, email_verified_at, tokens_valid_after"
    };
}
pub(crate) use identity_columns;

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("status", &self.status)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// An identity to create if its email is not registered yet. `Debug` leaves the hash out.
#[derive(Clone)]
pub struct NewIdentity {
    /// Email, unique case-insensitively.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// An argon2id PHC string; `None` makes an invited identity that sets it later.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for NewIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewIdentity")
            .field("email", &self.email)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl Identity {
    pub(crate) fn from_row(row: &Row) -> Result<Identity, ControlError> {
        Ok(Identity {
            id: row.get("id")?,
            email: Email::from_stored(row.get("email")?),
            name: row.get("name")?,
            status: IdentityStatus::stored(&row.get::<String>("status")?)?,
            password_hash: row.get("password_hash")?,
            email_verified_at: row.get("email_verified_at")?,
            tokens_valid_after: row.get("tokens_valid_after")?,
        })
    }

    /// Whether the identity may log in and act: active, with a proven address.
    pub fn usable(&self) -> bool {
        self.status == IdentityStatus::Active && self.email_verified_at.is_some()
    }

    /// Whether a token issued at `issued_at_micros` (microseconds since the Unix epoch) is
    /// still honoured: it must not predate the identity's last cut-off. Compared to the
    /// millisecond, the precision tokens carry, so the token a request issues right after its
    /// own cut-off (accepting an invitation that replaced a password) is good.
    pub fn accepts_token_issued_at(&self, issued_at_micros: i64) -> bool {
        self.tokens_valid_after.is_none_or(|after| {
            let after_ms = after.datetime().unix_timestamp_nanos() / 1_000_000;
            i128::from(issued_at_micros) / 1000 >= after_ms
        })
    }
}

/// Returns the identity registered under the email, or creates it. An existing identity keeps
/// its password and name.
pub(crate) async fn find_or_create_identity(
    tx: &mut Tx,
    new: &NewIdentity,
    now: Timestamp,
) -> Result<IdentityId, ControlError> {
    if let Some(row) = tx
        .fetch_optional(
            "SELECT id FROM identities WHERE lower(email) = $1",
            params![new.email.as_str()],
        )
        .await?
    {
        return Ok(row.get("id")?);
    }
    // A password comes only from someone who proved the address (a link) or from an operator.
    if let Some(hash) = &new.password_hash {
        return create_verified_identity(tx, &new.email, &new.name, hash, now).await;
    }
    let id = IdentityId::generate();
    tx.execute(
        "INSERT INTO identities (id, email, name, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
        params![
            id,
            new.email.as_str(),
            new.name.as_str(),
            IdentityStatus::Invited.as_str(),
            now
        ],
    )
    .await
    .map_err(|e| match e {
        silo_store::StoreError::Conflict { .. } => ControlError::EmailTaken,
        e => e.into(),
    })?;
    Ok(id)
}

/// Creates a verified, active identity for an address whose holder just proved it and chose
/// `password_hash`; [`ControlError::EmailTaken`] when the address is registered already, so a
/// signup can never adopt an identity that someone else created meanwhile.
pub(crate) async fn create_verified_identity(
    tx: &mut Tx,
    email: &Email,
    name: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<IdentityId, ControlError> {
    let id = IdentityId::generate();
    tx.execute(
        "INSERT INTO identities (id, email, name, password_hash, status, created_at, updated_at, email_verified_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $5, $5)",
        params![id, email.as_str(), name, password_hash, now],
    )
    .await
    .map_err(|e| match e {
        silo_store::StoreError::Conflict { .. } => ControlError::EmailTaken,
        e => e.into(),
    })?;
    Ok(id)
}

/// Ends every token and session of an identity issued before now.
pub(crate) async fn cut_off_tokens(
    tx: &mut Tx,
    identity: IdentityId,
    keep_session: Option<&str>,
    now: Timestamp,
) -> Result<(), ControlError> {
    tx.execute(
        "UPDATE identities SET tokens_valid_after = $1, updated_at = $1 WHERE id = $2",
        params![now, identity],
    )
    .await?;
    let keep = keep_session.map(crate::secret::digest).unwrap_or_default();
    tx.execute(
        "UPDATE sessions SET revoked_at = $1
         WHERE identity_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
        params![now, identity, keep.as_str()],
    )
    .await?;
    Ok(())
}

impl ControlPlane {
    /// The identity registered under `email`, if any.
    pub async fn identity_by_email(&self, email: &Email) -> Result<Option<Identity>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                concat!(
                    "SELECT ",
                    identity_columns!(),
                    " FROM identities WHERE lower(email) = $1"
                ),
                params![email.as_str()],
            )
            .await?;
        row.as_ref().map(Identity::from_row).transpose()
    }

    /// An identity by id.
    pub async fn identity(&self, id: IdentityId) -> Result<Option<Identity>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                concat!(
                    "SELECT ",
                    identity_columns!(),
                    " FROM identities WHERE id = $1"
                ),
                params![id],
            )
            .await?;
        row.as_ref().map(Identity::from_row).transpose()
    }

    /// Registers an identity, or returns the one that holds the email already.
    pub async fn ensure_identity(&self, new: &NewIdentity) -> Result<IdentityId, ControlError> {
        let mut tx = self.db.begin().await?;
        let id = find_or_create_identity(&mut tx, new, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sets an identity's password as an operator (and activates an invited one, whose address
    /// the operator vouches for).
    pub async fn set_password(
        &self,
        id: IdentityId,
        password_hash: &str,
    ) -> Result<(), ControlError> {
        let now = Timestamp::now();
        let changed = self
            .db
            .execute(
                "UPDATE identities SET password_hash = $1, status = 'active', updated_at = $2,
                        email_verified_at = COALESCE(email_verified_at, $2)
                 WHERE id = $3 AND status <> 'disabled'",
                params![password_hash, now, id],
            )
            .await?;
        if changed == 0 {
            return Err(ControlError::NotFound);
        }
        Ok(())
    }

    /// Changes a usable identity's password and ends every other session and every access
    /// token issued before now; `keep_session` (the caller's refresh token) survives.
    pub async fn change_password(
        &self,
        id: IdentityId,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<(), ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE identities SET password_hash = $1, updated_at = $2
                 WHERE id = $3 AND status = 'active'",
                params![password_hash, now, id],
            )
            .await?;
        if changed == 0 {
            return Err(ControlError::NotFound);
        }
        cut_off_tokens(&mut tx, id, keep_session, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session and access token of an identity ("log out everywhere").
    pub async fn end_all_access(&self, id: IdentityId) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        cut_off_tokens(&mut tx, id, None, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
