//! A person's rights over what the control plane holds about them (AVG/GDPR): a complete copy
//! of it ([`ControlPlane::personal_data`]), deleting one's own account
//! ([`ControlPlane::delete_account`]) and erasing the people of an erased company
//! ([`ControlPlane::remove_company_access`]).
//!
//! Erasing an identity deletes its row and every row keyed to it in the same transaction
//! ([`erase_identity`]): memberships, sessions (with their spent tokens), the two-factor secret,
//! recovery codes, password resets and the mail queued to its address; invitations it sent keep
//! no pointer to it. Audit records keep the bare random id (the hash chain covers them, and an
//! id without its identity row names nobody). Every deletion of an identity, membership or
//! session is logged in `access_changes` by the registry's triggers, so a cached access view
//! is forgotten and the next request with an old token fails closed (401).

use crate::invitations::CompanySummary;
use crate::memberships::parse_role;
use crate::{CompanyId, CompanyStatus, ControlError, ControlPlane, Email, IdentityId, Slug};
use schemars::JsonSchema;
use serde::Serialize;
use silo_roles::Role;
use silo_store::{Row, Timestamp, Tx, params};
use uuid::Uuid;

/// Everything the control plane holds about one identity, as its own download. Never a hash
/// or a secret: no password hash, token hash, two-factor secret or recovery code.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalData {
    /// The identity itself.
    pub identity: PersonalIdentity,
    /// The companies it belongs to, with its role there.
    pub memberships: Vec<PersonalMembership>,
    /// Its browser sessions, open or ended but not cleared yet.
    pub sessions: Vec<PersonalSession>,
    /// Invitations addressed to its address, whatever became of them.
    pub invitations: Vec<PersonalInvitation>,
    /// Password reset links requested for it (dates only).
    pub password_resets: Vec<PersonalPasswordReset>,
    /// Mail queued or sent to its address (envelope facts only; bodies are cleared once sent).
    pub mail: Vec<PersonalMail>,
    /// Every audit record whose actor it is, oldest first, in every company and outside any.
    pub audit: Vec<PersonalAuditRecord>,
}

/// The identity part of [`PersonalData`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalIdentity {
    /// Its id.
    pub id: IdentityId,
    /// Its address.
    pub email: Email,
    /// Its display name.
    pub name: String,
    /// `active`, `invited` or `disabled`.
    pub status: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When the address was proven.
    pub email_verified_at: Option<Timestamp>,
    /// Whether two-factor authentication is on.
    pub two_factor: bool,
    /// When two-factor authentication was turned on.
    pub two_factor_since: Option<Timestamp>,
    /// Unused recovery codes left (the codes themselves are never stored readable).
    pub recovery_codes_left: i64,
}

/// A membership in [`PersonalData`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalMembership {
    /// The company.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// The role there.
    #[serde(serialize_with = "crate::memberships::role_str")]
    #[schemars(schema_with = "crate::types::role_schema")]
    pub role: Role,
    /// Since when.
    pub since: Timestamp,
}

/// A browser session in [`PersonalData`] (never its token or token hash).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalSession {
    /// Its id.
    pub id: Uuid,
    /// The company chosen last in it, if any.
    pub company_id: Option<CompanyId>,
    /// When it started.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Timestamp,
    /// When it expires unless used.
    pub expires_at: Timestamp,
    /// When it ends however often it is used.
    pub absolute_expires_at: Option<Timestamp>,
    /// When it was ended, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// An invitation to the person's address in [`PersonalData`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalInvitation {
    /// Its id.
    pub id: Uuid,
    /// The inviting company.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// The role offered.
    pub role: String,
    /// The name the inviting company gave the person.
    pub name: String,
    /// `pending`, `accepted`, `declined` or `revoked`.
    pub status: String,
    /// When it was made or last sent.
    pub created_at: Timestamp,
    /// When its link stops working.
    pub expires_at: Timestamp,
    /// When it was answered or withdrawn.
    pub decided_at: Option<Timestamp>,
}

/// A password reset in [`PersonalData`] (never its token hash).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalPasswordReset {
    /// When it was requested.
    pub created_at: Timestamp,
    /// When its link stops working.
    pub expires_at: Timestamp,
    /// When it was used.
    pub used_at: Option<Timestamp>,
}

/// A mail to the person's address in [`PersonalData`] (never its body, which holds links).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalMail {
    /// Its id (the Message-ID's local part).
    pub id: Uuid,
    /// `pending`, `sent`, `dead` or `dropped`.
    pub state: String,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When the mail server took it.
    pub sent_at: Option<Timestamp>,
}

/// An audit record whose actor is the person, in [`PersonalData`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PersonalAuditRecord {
    /// When.
    pub at: String,
    /// In which company, if any.
    pub company_id: Option<String>,
    /// What (an audit action's name).
    pub action: String,
    /// On which id.
    pub target: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    /// From which address.
    pub client_ip: Option<String>,
    /// Which request.
    pub request_id: Option<String>,
}

/// What erasing a company's people removed (see [`ControlPlane::remove_company_access`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErasedAccess {
    /// Memberships in the company.
    pub memberships: u64,
    /// Identities that belonged to no other company, erased with everything keyed to them.
    pub identities: u64,
}

/// The tombstone slug of an erased company: derived from nothing but its id.
pub(crate) fn tombstone_slug(id: CompanyId) -> String {
    format!("erased-{id}")
}

/// Deletes an identity and every control-plane row keyed to it, inside `tx`; its memberships
/// must be gone already (a membership added meanwhile makes the last step fail on the foreign
/// key, so the transaction rolls back rather than erase a member). Audit records keep the bare
/// id. Invitations of other companies to the address stay: they are those companies' records of
/// an address they chose to invite.
pub(crate) async fn erase_identity(
    tx: &mut Tx,
    id: IdentityId,
    email: &str,
) -> Result<(), ControlError> {
    for sql in [
        "DELETE FROM session_spent_tokens
         WHERE session_id IN (SELECT id FROM sessions WHERE identity_id = $1)",
        "DELETE FROM sessions WHERE identity_id = $1",
        "DELETE FROM recovery_codes WHERE identity_id = $1",
        "DELETE FROM two_factor WHERE identity_id = $1",
        "DELETE FROM password_resets WHERE identity_id = $1",
        "UPDATE member_invitations SET invited_by = NULL WHERE invited_by = $1",
        "DELETE FROM identities WHERE id = $1",
    ] {
        tx.execute(sql, params![id]).await?;
    }
    // The queue keeps a message's recipient after sending; the person's address goes with them.
    tx.execute(
        "DELETE FROM mail_queue WHERE lower(recipient) = $1",
        params![email.to_lowercase()],
    )
    .await?;
    Ok(())
}

fn text(row: &Row, column: &str) -> Result<String, ControlError> {
    Ok(row.get(column)?)
}

impl ControlPlane {
    /// Everything the control plane holds about `id`; [`ControlError::NotFound`] if it does
    /// not exist. Audit records are all of them, not a page.
    pub async fn personal_data(&self, id: IdentityId) -> Result<PersonalData, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT i.id, i.email, i.name, i.status, i.created_at, i.updated_at,
                        i.email_verified_at, tf.confirmed_at AS two_factor_since,
                        (SELECT COUNT(*) FROM recovery_codes r
                         WHERE r.identity_id = i.id AND r.used_at IS NULL) AS recovery_codes_left
                 FROM identities i
                 LEFT JOIN two_factor tf ON tf.identity_id = i.id AND tf.confirmed_at IS NOT NULL
                 WHERE i.id = $1",
                params![id],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let two_factor_since: Option<Timestamp> = row.get("two_factor_since")?;
        let email = Email::from_stored(row.get("email")?);
        let identity = PersonalIdentity {
            id: row.get("id")?,
            name: text(&row, "name")?,
            status: text(&row, "status")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            email_verified_at: row.get("email_verified_at")?,
            two_factor: two_factor_since.is_some(),
            two_factor_since,
            recovery_codes_left: row.get("recovery_codes_left")?,
            email,
        };
        let memberships = self
            .db
            .fetch_all(
                "SELECT m.company_id, c.name, m.role, m.created_at
                 FROM memberships m JOIN companies c ON c.id = m.company_id
                 WHERE m.identity_id = $1 ORDER BY m.created_at, m.company_id",
                params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalMembership {
                    company_id: r.get("company_id")?,
                    company_name: text(r, "name")?,
                    role: parse_role(r)?,
                    since: r.get("created_at")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        let sessions = self
            .db
            .fetch_all(
                "SELECT id, company_id, created_at, last_used_at, expires_at, absolute_expires_at,
                        revoked_at
                 FROM sessions WHERE identity_id = $1 ORDER BY created_at, id",
                params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalSession {
                    id: r.get("id")?,
                    company_id: r.get("company_id")?,
                    created_at: r.get("created_at")?,
                    last_used_at: r.get("last_used_at")?,
                    expires_at: r.get("expires_at")?,
                    absolute_expires_at: r.get("absolute_expires_at")?,
                    revoked_at: r.get("revoked_at")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        let invitations = self
            .db
            .fetch_all(
                "SELECT v.id, v.company_id, c.name AS company_name, v.role, v.name, v.status,
                        v.created_at, v.expires_at, v.decided_at
                 FROM member_invitations v JOIN companies c ON c.id = v.company_id
                 WHERE lower(v.email) = $1 ORDER BY v.created_at, v.id",
                params![identity.email.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalInvitation {
                    id: r.get("id")?,
                    company_id: r.get("company_id")?,
                    company_name: text(r, "company_name")?,
                    role: text(r, "role")?,
                    name: text(r, "name")?,
                    status: text(r, "status")?,
                    created_at: r.get("created_at")?,
                    expires_at: r.get("expires_at")?,
                    decided_at: r.get("decided_at")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        let password_resets = self
            .db
            .fetch_all(
                "SELECT created_at, expires_at, used_at FROM password_resets
                 WHERE identity_id = $1 ORDER BY created_at",
                params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalPasswordReset {
                    created_at: r.get("created_at")?,
                    expires_at: r.get("expires_at")?,
                    used_at: r.get("used_at")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        let mail = self
            .db
            .fetch_all(
                "SELECT id, state, created_at, sent_at FROM mail_queue
                 WHERE lower(recipient) = $1 ORDER BY created_at, id",
                params![identity.email.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalMail {
                    id: r.get("id")?,
                    state: text(r, "state")?,
                    created_at: r.get("created_at")?,
                    sent_at: r.get("sent_at")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        let audit = self
            .db
            .fetch_all(
                "SELECT at, company_id, action, target, outcome, client_ip, request_id
                 FROM audit_events WHERE identity_id = $1 ORDER BY id",
                params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PersonalAuditRecord {
                    at: text(r, "at")?,
                    company_id: r.get("company_id")?,
                    action: text(r, "action")?,
                    target: r.get("target")?,
                    outcome: text(r, "outcome")?,
                    client_ip: r.get("client_ip")?,
                    request_id: r.get("request_id")?,
                })
            })
            .collect::<Result<_, ControlError>>()?;
        Ok(PersonalData {
            identity,
            memberships,
            sessions,
            invitations,
            password_resets,
            mail,
            audit,
        })
    }

    /// Deletes one's own account: memberships, sessions, the identity and everything keyed to
    /// it, in one transaction. Refused with [`ControlError::LastOwnerOf`] (naming them) while
    /// the identity is the only owner of any company that is not erased; then nothing changes.
    pub async fn delete_account(&self, id: IdentityId) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        // Locks the companies it owns, so no co-owner leaves meanwhile (PostgreSQL; SQLite's
        // write lock covers it).
        tx.execute(
            "UPDATE companies SET updated_at = updated_at
             WHERE id IN (SELECT company_id FROM memberships WHERE identity_id = $1 AND role = $2)",
            params![id, Role::Owner.as_str()],
        )
        .await?;
        let alone = tx
            .fetch_all(
                "SELECT c.id, c.slug, c.name FROM memberships m JOIN companies c ON c.id = m.company_id
                 WHERE m.identity_id = $1 AND m.role = $2 AND c.status <> $3
                   AND NOT EXISTS (SELECT 1 FROM memberships o
                                   WHERE o.company_id = m.company_id AND o.role = $2
                                     AND o.identity_id <> m.identity_id)
                 ORDER BY c.name, c.id",
                params![id, Role::Owner.as_str(), CompanyStatus::Erased.as_str()],
            )
            .await?;
        if !alone.is_empty() {
            let companies = alone
                .iter()
                .map(|r| {
                    Ok(CompanySummary {
                        id: r.get("id")?,
                        slug: Slug::parse(&text(r, "slug")?)
                            .map_err(|e| ControlError::Corrupt(e.into()))?,
                        name: text(r, "name")?,
                    })
                })
                .collect::<Result<_, ControlError>>()?;
            return Err(ControlError::LastOwnerOf(companies));
        }
        let email: String = tx
            .fetch_optional("SELECT email FROM identities WHERE id = $1", params![id])
            .await?
            .ok_or(ControlError::NotFound)?
            .get("email")?;
        tx.execute(
            "DELETE FROM memberships WHERE identity_id = $1",
            params![id],
        )
        .await?;
        erase_identity(&mut tx, id, &email).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a company's people: its sessions, member invitations and memberships; and every
    /// identity whose only memberships were there is erased ([`erase_identity`]). One
    /// transaction, so an interrupted run changed nothing and erasing again finishes it.
    pub async fn remove_company_access(&self, id: CompanyId) -> Result<ErasedAccess, ControlError> {
        let mut tx = self.db.begin().await?;
        let alone = tx
            .fetch_all(
                "SELECT i.id, i.email FROM identities i JOIN memberships m ON m.identity_id = i.id
                 WHERE m.company_id = $1
                   AND NOT EXISTS (SELECT 1 FROM memberships o
                                   WHERE o.identity_id = i.id AND o.company_id <> $1)",
                params![id],
            )
            .await?;
        for sql in [
            "DELETE FROM session_spent_tokens
             WHERE session_id IN (SELECT id FROM sessions WHERE company_id = $1)",
            "DELETE FROM sessions WHERE company_id = $1",
            "DELETE FROM member_invitations WHERE company_id = $1",
        ] {
            tx.execute(sql, params![id]).await?;
        }
        let memberships = tx
            .execute("DELETE FROM memberships WHERE company_id = $1", params![id])
            .await?;
        let mut erased = 0;
        for row in &alone {
            let identity: IdentityId = row.get("id")?;
            // Joined another company since the look-up (PostgreSQL, read committed): stays.
            let joined = tx
                .fetch_optional(
                    "SELECT 1 AS one FROM memberships WHERE identity_id = $1",
                    params![identity],
                )
                .await?
                .is_some();
            if !joined {
                erase_identity(&mut tx, identity, &text(row, "email")?).await?;
                erased += 1;
            }
        }
        tx.commit().await?;
        Ok(ErasedAccess {
            memberships,
            identities: erased,
        })
    }
}
