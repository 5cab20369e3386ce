//! Identities: people who log in. One identity can belong to many companies.

use crate::{ControlError, ControlPlane, Email, IdentityId};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Row, Timestamp, Tx, params};

/// Whether an identity can log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// Has a password and may log in.
    Active,
    /// Was invited and has not set a password yet.
    Invited,
    /// May not log in.
    Disabled,
}

impl IdentityStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdentityStatus::Active => "active",
            IdentityStatus::Invited => "invited",
            IdentityStatus::Disabled => "disabled",
        }
    }

    fn parse(s: &str) -> Result<Self, ControlError> {
        match s {
            "active" => Ok(IdentityStatus::Active),
            "invited" => Ok(IdentityStatus::Invited),
            "disabled" => Ok(IdentityStatus::Disabled),
            other => Err(ControlError::Corrupt(format!("identity status `{other}`"))),
        }
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
}

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
            email: Email::parse(&row.get::<String>("email")?)
                .map_err(|e| ControlError::Corrupt(e.into()))?,
            name: row.get("name")?,
            status: IdentityStatus::parse(&row.get::<String>("status")?)?,
            password_hash: row.get("password_hash")?,
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
    let id = IdentityId::generate();
    let status = match new.password_hash {
        Some(_) => IdentityStatus::Active,
        None => IdentityStatus::Invited,
    };
    tx.execute(
        "INSERT INTO identities (id, email, name, password_hash, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        params![
            id,
            new.email.as_str(),
            new.name.as_str(),
            new.password_hash.clone(),
            status.as_str(),
            now
        ],
    )
    .await?;
    Ok(id)
}

impl ControlPlane {
    /// The identity registered under `email`, if any.
    pub async fn identity_by_email(&self, email: &Email) -> Result<Option<Identity>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT id, email, name, status, password_hash FROM identities WHERE lower(email) = $1",
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
                "SELECT id, email, name, status, password_hash FROM identities WHERE id = $1",
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

    /// Sets an identity's password (and activates an invited one).
    pub async fn set_password(
        &self,
        id: IdentityId,
        password_hash: &str,
    ) -> Result<(), ControlError> {
        let changed = self
            .db
            .execute(
                "UPDATE identities SET password_hash = $1, status = 'active', updated_at = $2 WHERE id = $3 AND status <> 'disabled'",
                params![password_hash, Timestamp::now(), id],
            )
            .await?;
        if changed == 0 {
            return Err(ControlError::NotFound);
        }
        Ok(())
    }
}
