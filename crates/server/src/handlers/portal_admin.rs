//! The agency's side of the client portal: its sign-in address, what each client's portal
//! shows, the client's portal users, and "view as client".

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::notify;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use silo_auth::Purpose;
use silo_control::Email;
use silo_domain::portal::access::{self, PortalAccessPatch};
use silo_domain::portal::users::{self, Inviter, NewPortalUser, PortalUserPatch};
use silo_domain::portal::{PortalAccess, PortalUser, sign_in};
use silo_store::Timestamp;
use uuid::Uuid;

/// The agency's portal sign-in address.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PortalAddress {
    /// The address to give clients (`/portal/k/<key>`); public, like a site key.
    pub url: String,
}

/// The address's key token, made on first use. The address is long-lived: it stops working when
/// rotated (or when the signing key that made it is retired and deleted).
pub(crate) async fn address_key(
    state: &AppState,
    company: &silo_control::Company,
    db: &silo_store::TenantDb,
    origin: &silo_domain::Origin,
    rotate: bool,
) -> Result<String, ApiError> {
    if !rotate && let Some((_, token)) = sign_in::address(db).await? {
        return Ok(token);
    }
    let key_id = Uuid::new_v4();
    let issued = state.entry.issue(
        Purpose::PortalAddress,
        company.id.as_uuid(),
        key_id,
        ADDRESS_TTL,
    )?;
    sign_in::set_address(db, key_id, &issued.secret_hash, &issued.token, origin).await?;
    Ok(issued.token)
}

/// How long a portal address works unless rotated first: ten years.
const ADDRESS_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 366 * 24 * 3600);

/// `GET /api/company/portal`: the portal's sign-in address.
pub async fn address(
    State(state): State<AppState>,
    tenant: Tenant,
) -> Result<Json<PortalAddress>, ApiError> {
    let key = address_key(&state, &tenant.company, &tenant.db, &tenant.origin(), false).await?;
    after_write(&state, &tenant).await;
    Ok(Json(PortalAddress {
        url: state.notifier().portal_address(&key),
    }))
}

/// `POST /api/company/portal/rotate`: a new sign-in address; the old one stops working.
pub async fn rotate(
    State(state): State<AppState>,
    tenant: Tenant,
) -> Result<Json<PortalAddress>, ApiError> {
    let key = address_key(&state, &tenant.company, &tenant.db, &tenant.origin(), true).await?;
    after_write(&state, &tenant).await;
    Ok(Json(PortalAddress {
        url: state.notifier().portal_address(&key),
    }))
}

/// A client's portal as the agency manages it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountPortal {
    /// The parts turned on.
    pub access: PortalAccess,
    /// The client's portal users, removed ones included (marked).
    pub users: Vec<PortalUser>,
}

async fn account_portal(tenant: &Tenant, account: Uuid) -> Result<AccountPortal, ApiError> {
    Ok(AccountPortal {
        access: access::get(&tenant.db, account).await?,
        users: users::list(&tenant.db, account).await?,
    })
}

/// `GET /api/accounts/{id}/portal`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<AccountPortal>, ApiError> {
    Ok(Json(account_portal(&tenant, path_id(&id)?).await?))
}

/// `PATCH /api/accounts/{id}/portal`: turn parts on or off.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<PortalAccessPatch>,
) -> Result<Json<AccountPortal>, ApiError> {
    let account = path_id(&id)?;
    access::update(&tenant.db, account, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(account_portal(&tenant, account).await?))
}

/// Mails a new portal user their invitation with a first sign-in link.
pub(crate) async fn mail_invitation(
    state: &AppState,
    company: &silo_control::Company,
    db: &silo_store::TenantDb,
    user: &PortalUser,
    client: &str,
    address_key: &str,
) -> Result<(), ApiError> {
    let link = Uuid::new_v4();
    let token = state.entry.issue(
        Purpose::PortalLogin,
        company.id.as_uuid(),
        link,
        sign_in::LOGIN_LINK_TTL,
    )?;
    sign_in::create_login_link(db, link, user.id, &token.secret_hash).await?;
    state
        .notifier()
        .portal_invitation(
            notify::lang_of(user.language),
            &Email::from_stored(user.email.clone()),
            &company.name,
            client,
            &token.token,
            address_key,
        )
        .await
}

/// `POST /api/accounts/{id}/portal-users`: invite a client's person; they get a sign-in link.
pub async fn invite(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewPortalUser>,
) -> Result<(StatusCode, Json<PortalUser>), ApiError> {
    let account = path_id(&id)?;
    state
        .request_limits
        .invitation_mail(tenant.company.id.as_uuid())
        .await?;
    let user = users::invite(
        &tenant.db,
        account,
        req,
        Inviter::Staff(tenant.identity.id.as_uuid()),
        &tenant.origin(),
    )
    .await?;
    let client = silo_domain::accounts::get(&tenant.db, account).await?.name;
    let key = address_key(&state, &tenant.company, &tenant.db, &tenant.origin(), false).await?;
    mail_invitation(&state, &tenant.company, &tenant.db, &user, &client, &key).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `PATCH /api/portal-users/{id}`: name, role, language, or disable (sessions end at once).
pub async fn update_user(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<PortalUserPatch>,
) -> Result<Json<PortalUser>, ApiError> {
    let user = users::update(&tenant.db, path_id(&id)?, req, None, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(user))
}

/// `DELETE /api/portal-users/{id}`: remove; their sessions end at once.
pub async fn remove_user(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    users::remove(&tenant.db, path_id(&id)?, None, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A read-only portal session for a staff member.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Preview {
    /// The session token for `/api/portal/...` routes (read-only).
    pub token: String,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// `POST /api/accounts/{id}/portal/preview`: see the client's portal as they see it, read-only.
pub async fn preview(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Preview>), ApiError> {
    let account = path_id(&id)?;
    let ttl = state.config.portal.preview_ttl;
    let session_id = Uuid::new_v4();
    let issued = state.entry.issue(
        Purpose::PortalSession,
        tenant.company.id.as_uuid(),
        session_id,
        ttl,
    )?;
    let expires_at = Timestamp::from_datetime(Timestamp::now().datetime() + ttl);
    sign_in::create_preview(
        &tenant.db,
        account,
        tenant.identity.id.as_uuid(),
        sign_in::NewSession {
            id: session_id,
            secret_hash: &issued.secret_hash,
            expires_at,
        },
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((
        StatusCode::CREATED,
        Json(Preview {
            token: issued.token,
            expires_at,
        }),
    ))
}
