//! Portal users: the people of a client who use the portal, managed by the agency (and by a
//! client admin for their colleagues, see [`super::colleagues`]). A removed portal user keeps
//! their row, since signatures, approvals and messages name them; their sessions end at once.

use super::PortalRole;
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Email, Id, Name, Optional, Sent, no_such, take};
use crate::parties::Language;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Whether a portal user may sign in.
    pub enum PortalUserStatus {
        /// May sign in.
        Active = "active",
        /// Turned off by the agency; may be turned on again.
        Disabled = "disabled",
        /// Removed for good (the row stays for the records that name it).
        Removed = "removed",
    }
}

/// A portal user as the agency sees them.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalUser {
    /// Id (random, never sequential).
    pub id: Uuid,
    /// Their client.
    pub account_id: Uuid,
    /// The contact they are, if linked.
    pub contact_id: Option<Uuid>,
    /// Address (lower-cased): where sign-in links go.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role inside the client.
    pub role: PortalRole,
    /// Whether they may sign in.
    pub status: PortalUserStatus,
    /// Language of their mail.
    pub language: Language,
    /// When they last signed in.
    pub last_login_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/accounts/{id}/portal-users` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewPortalUser {
    email: Sent<Email>,
    name: Sent<Name>,
    role: Sent<Choice<PortalRole>>,
    #[serde(default)]
    contact_id: Optional<Id>,
    #[serde(default)]
    language: Optional<Choice<Language>>,
}

/// `PATCH /api/portal-users/{id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PortalUserPatch {
    name: Option<Sent<Name>>,
    role: Option<Sent<Choice<PortalRole>>>,
    /// True turns sign-in off (sessions end); false turns it on again.
    disabled: Option<bool>,
    language: Option<Sent<Choice<Language>>>,
}

macro_rules! columns {
    () => {
        "id, account_id, contact_id, email, name, role, status, language, last_login_at, \
         created_at, updated_at"
    };
}

pub(crate) fn from_row(row: &Row) -> Result<PortalUser, StoreError> {
    Ok(PortalUser {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        contact_id: row.get("contact_id")?,
        email: row.get("email")?,
        name: row.get("name")?,
        role: enum_column(row, "role")?,
        status: enum_column(row, "status")?,
        language: enum_column(row, "language")?,
        last_login_at: row.get("last_login_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The portal user with this id, in any status.
pub(crate) async fn find(tx: &mut Tx, id: Uuid) -> DomainResult<Option<PortalUser>> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM portal_users WHERE id = $1"),
            params![id],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The active portal user with this address, if any.
pub async fn active_by_email(db: &TenantDb, email: &str) -> DomainResult<Option<PortalUser>> {
    let row = db
        .db()
        .fetch_optional(
            concat!(
                "SELECT ",
                columns!(),
                " FROM portal_users WHERE email = $1 AND status = 'active'"
            ),
            params![email.trim().to_ascii_lowercase()],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The account's portal users (removed ones too, marked), oldest first.
pub async fn list(db: &TenantDb, account: Uuid) -> DomainResult<Vec<PortalUser>> {
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " FROM portal_users WHERE account_id = $1 ORDER BY created_at, id"
            ),
            params![account],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One portal user.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<PortalUser> {
    let mut tx = db.db().begin().await?;
    let user = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

fn announce(u: &PortalUser) -> serde_json::Value {
    json!({ "id": u.id, "account_id": u.account_id, "role": u.role, "status": u.status })
}

/// Who invites: a staff identity, or a client admin of the same client.
#[derive(Clone, Copy, Debug)]
pub enum Inviter {
    /// A member of the agency.
    Staff(Uuid),
    /// A client admin (their portal user id).
    ClientAdmin(Uuid),
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewPortalUser = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => email, name, role, language);
    p.done(fields)?;
    Ok(())
}

/// Adds a portal user to `account` (the account must exist: `NotFound` otherwise). The sign-in
/// link is the caller's to mail.
pub async fn invite(
    db: &TenantDb,
    account: Uuid,
    new: NewPortalUser,
    inviter: Inviter,
    origin: &Origin,
) -> DomainResult<PortalUser> {
    let mut p = Problems::new();
    let fields = take!(p, new => email, name, role, contact_id, language);
    let (email, name, role, contact, language) = p.done(fields)?;
    let (email, name) = (String::from(email), String::from(name));
    let contact = contact.map(Id::get);
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::NotFound);
    }
    if let Some(contact) = contact {
        // A contact of another client would give this client's portal a foreign person.
        match crate::contacts::account_of(&mut tx, contact).await? {
            Some(Some(a)) if a == account => {}
            _ => return Err(DomainError::invalid("contact_id", no_such("contact"))),
        }
    }
    let taken = tx
        .fetch_optional(
            "SELECT 1 AS one FROM portal_users WHERE email = $1 AND status <> 'removed'",
            params![email.as_str()],
        )
        .await?;
    if taken.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::PortalUserExists,
            "a portal user with this address exists already",
        ));
    }
    let now = Timestamp::now();
    let invited_by = match inviter {
        Inviter::Staff(id) | Inviter::ClientAdmin(id) => id,
    };
    // Random, not time-ordered: portal ids are never guessable from one another.
    let id = Uuid::new_v4();
    let row = tx
        .fetch_one(
            concat!(
                "INSERT INTO portal_users (id, account_id, contact_id, email, name, role, status, \
                 language, invited_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9) RETURNING ",
                columns!()
            ),
            params![
                id,
                account,
                contact,
                email,
                name,
                role.get().as_str(),
                language.map_or(Language::En, |l| l.get()).as_str(),
                invited_by,
                now
            ],
        )
        .await?;
    let user = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::PortalUserInvited,
        user.id,
        announce(&user),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Ends every session of `user` and voids their unused sign-in links.
pub(crate) async fn end_sessions(tx: &mut Tx, user: Uuid, now: Timestamp) -> DomainResult<()> {
    tx.execute(
        "UPDATE portal_sessions SET ended_at = $2 WHERE portal_user_id = $1 AND ended_at IS NULL",
        params![user, now],
    )
    .await?;
    tx.execute(
        "UPDATE portal_login_links SET used_at = $2 WHERE portal_user_id = $1 AND used_at IS NULL",
        params![user, now],
    )
    .await?;
    Ok(())
}

/// Changes a portal user (not a removed one: `NotFound`). `limit_to` keeps a client admin to
/// their own client.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: PortalUserPatch,
    limit_to: Option<Uuid>,
    origin: &Origin,
) -> DomainResult<PortalUser> {
    let mut p = Problems::new();
    let disabled = patch.disabled;
    let fields = take!(p, patch => name, role, language);
    let (name, role, language) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut u = find(&mut tx, id)
        .await?
        .filter(|u| u.status != PortalUserStatus::Removed)
        .filter(|u| limit_to.is_none_or(|a| a == u.account_id))
        .ok_or(DomainError::NotFound)?;
    if let Some(n) = name {
        u.name = n.into();
    }
    if let Some(r) = role {
        u.role = r.get();
    }
    if let Some(l) = language {
        u.language = l.get();
    }
    let now = Timestamp::now();
    match disabled {
        Some(true) if u.status == PortalUserStatus::Active => {
            u.status = PortalUserStatus::Disabled;
            end_sessions(&mut tx, id, now).await?;
        }
        Some(false) => u.status = PortalUserStatus::Active,
        _ => {}
    }
    // A role change acts on the next request too: the scope is read from the row every time.
    let row = tx
        .fetch_one(
            concat!(
                "UPDATE portal_users SET name = $2, role = $3, language = $4, status = $5, \
                 updated_at = $6 WHERE id = $1 RETURNING ",
                columns!()
            ),
            params![
                id,
                u.name.clone(),
                u.role.as_str(),
                u.language.as_str(),
                u.status.as_str(),
                now
            ],
        )
        .await?;
    let user = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::PortalUserUpdated,
        id,
        announce(&user),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Removes a portal user: they cannot sign in again and their sessions end now.
pub async fn remove(
    db: &TenantDb,
    id: Uuid,
    limit_to: Option<Uuid>,
    origin: &Origin,
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let u = find(&mut tx, id)
        .await?
        .filter(|u| u.status != PortalUserStatus::Removed)
        .filter(|u| limit_to.is_none_or(|a| a == u.account_id))
        .ok_or(DomainError::NotFound)?;
    let now = Timestamp::now();
    tx.execute(
        "UPDATE portal_users SET status = 'removed', updated_at = $2 WHERE id = $1",
        params![id, now],
    )
    .await?;
    end_sessions(&mut tx, id, now).await?;
    emit(
        &mut tx,
        origin,
        EventType::PortalUserRemoved,
        id,
        json!({ "id": id, "account_id": u.account_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every portal user's name by id (removed ones included: records still name them), for the
/// audit trail and timelines, which show who of the client did something.
pub async fn names(db: &TenantDb) -> DomainResult<std::collections::HashMap<Uuid, String>> {
    let rows = db
        .db()
        .fetch_all("SELECT id, name FROM portal_users", &[])
        .await?;
    rows.iter()
        .map(|r| Ok((r.get("id")?, r.get("name")?)))
        .collect::<Result<_, StoreError>>()
        .map_err(Into::into)
}
