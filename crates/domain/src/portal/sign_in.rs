//! Signing in to the portal: the agency's sign-in address, single-use magic links and portal
//! sessions with idle and absolute expiry. The tokens themselves are issued and verified by the
//! server (`silo_auth::entry`); this module keeps their rows, where only the SHA-256 of each
//! secret is stored, and turns a valid session into a [`PortalDb`].

use super::users::{self, PortalUser, PortalUserStatus};
use super::{PortalDb, PortalRole, PortalScope, RequestOrigin, access};
use crate::error::{DomainError, DomainResult, Problem, ProblemCode};
use crate::events::emit;
use serde_json::json;
use silo_contract::EventType;
use silo_store::{TenantDb, Timestamp, params};
use std::time::Duration;
use uuid::Uuid;

/// A link that cannot be used (expired, used, revoked, or never ours): one answer for all,
/// `422 invalid` with the problem `link_unusable` on `token`, like every other mailed link.
pub fn unusable() -> DomainError {
    DomainError::invalid(
        "token",
        Problem::new(ProblemCode::LinkUnusable)
            .worded("the link expired, was used already or was revoked"),
    )
}

fn later(now: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_datetime(now.datetime() + by)
}

fn earlier(now: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_datetime(now.datetime() - by)
}

/// The sign-in address's key row: its id and the token to show, if one was made.
pub async fn address(db: &TenantDb) -> DomainResult<Option<(Uuid, String)>> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT key_id, token FROM portal_address WHERE singleton = 1",
            &[],
        )
        .await?;
    Ok(match row {
        Some(r) => Some((r.get("key_id")?, r.get("token")?)),
        None => None,
    })
}

/// Stores a new sign-in address (replacing any earlier one, which stops working).
pub async fn set_address(
    db: &TenantDb,
    key_id: Uuid,
    secret_hash: &str,
    token: &str,
    origin: &crate::Origin,
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let had = tx
        .fetch_optional("SELECT 1 AS one FROM portal_address", &[])
        .await?
        .is_some();
    tx.execute("DELETE FROM portal_address", &[]).await?;
    tx.execute(
        "INSERT INTO portal_address (singleton, key_id, secret_hash, token, created_at) \
         VALUES (1, $1, $2, $3, $4)",
        params![key_id, secret_hash, token, Timestamp::now()],
    )
    .await?;
    if had {
        emit(
            &mut tx,
            origin,
            EventType::PortalAddressRotated,
            Uuid::nil(),
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether a verified address key is the company's current one.
pub async fn address_is_current(
    db: &TenantDb,
    key_id: Uuid,
    secret_hash: &str,
) -> DomainResult<bool> {
    Ok(db
        .db()
        .fetch_optional(
            "SELECT 1 AS one FROM portal_address WHERE key_id = $1 AND secret_hash = $2",
            params![key_id, secret_hash],
        )
        .await?
        .is_some())
}

/// How long a magic sign-in link works.
pub const LOGIN_LINK_TTL: Duration = Duration::from_secs(20 * 60);

/// Stores a magic link for `user` (its id is the token's row, its secret's hash the check).
pub async fn create_login_link(
    db: &TenantDb,
    link: Uuid,
    user: Uuid,
    secret_hash: &str,
) -> DomainResult<()> {
    let now = Timestamp::now();
    db.db()
        .execute(
            "INSERT INTO portal_login_links (id, portal_user_id, secret_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            params![link, user, secret_hash, now, later(now, LOGIN_LINK_TTL)],
        )
        .await?;
    Ok(())
}

/// Whether a magic link can still be used, without using it (the page a mail scanner opens).
pub async fn login_link_usable(db: &TenantDb, link: Uuid, secret_hash: &str) -> DomainResult<bool> {
    Ok(db
        .db()
        .fetch_optional(
            "SELECT 1 AS one FROM portal_login_links l JOIN portal_users u \
             ON u.id = l.portal_user_id WHERE l.id = $1 AND l.secret_hash = $2 \
             AND l.used_at IS NULL AND l.expires_at > $3 AND u.status = 'active'",
            params![link, secret_hash, Timestamp::now()],
        )
        .await?
        .is_some())
}

/// Session lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for SessionLimits {
    /// Two hours idle, seven days at most.
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(2 * 3600),
            absolute: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// A new session row to store (the token naming it is the server's).
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    /// The session's id (the token's row).
    pub id: Uuid,
    /// The SHA-256 of the token's secret.
    pub secret_hash: &'a str,
    /// When it ends at the latest.
    pub expires_at: Timestamp,
}

/// Uses a magic link once: marks it used and opens a session for its portal user in the same
/// transaction. Anything wrong with the link is [`unusable`].
pub async fn consume_login_link(
    db: &TenantDb,
    link: Uuid,
    secret_hash: &str,
    session: NewSession<'_>,
    request: &RequestOrigin,
) -> DomainResult<PortalUser> {
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    // The condition makes it single use even against a concurrent second click.
    let user_row = tx
        .fetch_optional(
            "UPDATE portal_login_links SET used_at = $3 WHERE id = $1 AND secret_hash = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING portal_user_id",
            params![link, secret_hash, now],
        )
        .await?
        .ok_or_else(unusable)?;
    let user_id: Uuid = user_row.get("portal_user_id")?;
    let user = users::find(&mut tx, user_id)
        .await?
        .filter(|u| u.status == PortalUserStatus::Active)
        .ok_or_else(unusable)?;
    tx.execute(
        "INSERT INTO portal_sessions (id, portal_user_id, account_id, secret_hash, created_at, \
         last_seen_at, expires_at, client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
        params![
            session.id,
            user.id,
            user.account_id,
            session.secret_hash,
            now,
            session.expires_at,
            request.client_ip.clone(),
            request.user_agent.clone()
        ],
    )
    .await?;
    tx.execute(
        "UPDATE portal_users SET last_login_at = $2 WHERE id = $1",
        params![user.id, now],
    )
    .await?;
    emit(
        &mut tx,
        &request.by(user.id),
        EventType::PortalUserSignedIn,
        user.id,
        json!({ "id": user.id, "account_id": user.account_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Opens a staff member's read-only preview of `account`'s portal ("view as client").
pub async fn create_preview(
    db: &TenantDb,
    account: Uuid,
    staff: Uuid,
    session: NewSession<'_>,
    origin: &crate::Origin,
) -> DomainResult<()> {
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::NotFound);
    }
    tx.execute(
        "INSERT INTO portal_sessions (id, account_id, preview_by, secret_hash, created_at, \
         last_seen_at, expires_at, client_ip) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        params![
            session.id,
            account,
            staff,
            session.secret_hash,
            now,
            session.expires_at,
            origin.client_ip.clone()
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::PortalPreviewStarted,
        account,
        json!({ "account_id": account }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How often a session's last use is written: at most once a minute, not on every request.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The portal as the session `id` reaches it, checked now: the secret's hash, not ended, not
/// past its absolute or idle expiry, its portal user still active (a removed or disabled user
/// stops on the next request), the scope read from the rows as they are. Anything else is
/// `None`, one answer for every reason.
pub async fn authenticate(
    db: TenantDb,
    id: Uuid,
    secret_hash: &str,
    limits: SessionLimits,
) -> DomainResult<Option<PortalDb>> {
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    let Some(row) = tx
        .fetch_optional(
            "SELECT s.portal_user_id, s.account_id, s.preview_by, s.last_seen_at, a.name \
             FROM portal_sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.id = $1 AND s.secret_hash = $2 AND s.ended_at IS NULL \
             AND s.expires_at > $3 AND s.last_seen_at > $4",
            params![id, secret_hash, now, earlier(now, limits.idle)],
        )
        .await?
    else {
        return Ok(None);
    };
    let account: Uuid = row.get("account_id")?;
    let account_name: String = row.get("name")?;
    let preview_by: Option<Uuid> = row.get("preview_by")?;
    let last_seen: Timestamp = row.get("last_seen_at")?;
    let user = match row.get::<Option<Uuid>>("portal_user_id")? {
        Some(user) => match users::find(&mut tx, user).await? {
            Some(u) if u.status == PortalUserStatus::Active && u.account_id == account => Some(u),
            _ => return Ok(None),
        },
        None if preview_by.is_some() => None,
        None => return Ok(None),
    };
    let role = user.as_ref().map_or(PortalRole::ClientAdmin, |u| u.role);
    let access = access::of_account(&mut tx, account).await?;
    if now.datetime() - last_seen.datetime() > TOUCH_EVERY {
        tx.execute(
            "UPDATE portal_sessions SET last_seen_at = $2 WHERE id = $1",
            params![id, now],
        )
        .await?;
    }
    tx.commit().await?;
    let mut parts = super::Parts::of(role, &access);
    if preview_by.is_some() {
        // A preview shows the client's portal, not the client admin's colleague management.
        parts.colleagues = false;
    }
    Ok(Some(PortalDb {
        db,
        scope: PortalScope {
            account_id: account,
            account_name,
            user,
            role,
            parts,
            session_id: id,
            preview_by,
        },
    }))
}

/// Ends the caller's session.
pub async fn sign_out(portal: &PortalDb) -> DomainResult<()> {
    portal
        .db()
        .db()
        .execute(
            "UPDATE portal_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
            params![portal.scope.session_id, Timestamp::now()],
        )
        .await?;
    Ok(())
}

/// Ends every session of the caller's portal user ("sign out everywhere").
pub async fn sign_out_everywhere(portal: &PortalDb, request: &RequestOrigin) -> DomainResult<()> {
    let Some(user) = portal.scope.user_id() else {
        return sign_out(portal).await;
    };
    let mut tx = portal.db().db().begin().await?;
    users::end_sessions(&mut tx, user, Timestamp::now()).await?;
    emit(
        &mut tx,
        &request.by(user),
        EventType::PortalUserSignedOut,
        user,
        json!({ "id": user, "account_id": portal.account() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The company's logo, for the portal's header.
pub async fn logo(portal: &PortalDb) -> DomainResult<Option<crate::branding::Logo>> {
    crate::branding::get_logo(portal.db()).await
}
