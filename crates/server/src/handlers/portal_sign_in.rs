//! Signing in to a company's client portal: the agency's sign-in address (a signed portal key,
//! never a slug looked up), magic links by mail, portal sessions, signing out, and the portal
//! user's own view of themselves. Every entry token names its company in a claim we signed;
//! its secret is then checked against the hash in that company's database.

use crate::AppState;
use crate::audit::after_portal_write;
use crate::binding::{PortalCaller, RequestMeta, entry_company, user_agent};
use crate::error::ApiError;
use crate::json::Json;
use crate::notify;
use crate::validate::{Problems, Sent, take};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::Purpose;
use silo_control::{Company, Email};
use silo_domain::portal::{self, PortalMe, sign_in};
use silo_store::{TenantDb, Timestamp};
use uuid::Uuid;

/// A body naming the agency's portal address key.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddressKey {
    /// The key from the portal's address (`/portal/k/<key>`).
    key: String,
}

/// What the sign-in page shows of the agency.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PortalInfo {
    /// The agency's name.
    pub company_name: String,
    /// The agency's logo as a `data:` URL, or null.
    pub logo_data_url: Option<String>,
}

/// The company and database a portal address key names, if it is the company's current key.
/// Every way it can fail answers `404 not_found`: an address that does not work.
async fn by_address(state: &AppState, key: &str) -> Result<(Company, TenantDb), ApiError> {
    let verified = state
        .entry
        .verify(Purpose::PortalAddress, key)
        .map_err(|_| ApiError::NotFound)?;
    let (company, db) = entry_company(state, verified.company)
        .await
        .map_err(|e| match e {
            ApiError::TenantUnavailable(_) | ApiError::Unavailable(_) => e,
            _ => ApiError::NotFound,
        })?;
    if !sign_in::address_is_current(&db, verified.row, &verified.secret_hash).await? {
        return Err(ApiError::NotFound);
    }
    Ok((company, db))
}

/// `POST /api/portal/auth/info`: the agency's name and logo for its sign-in page.
pub async fn info(
    State(state): State<AppState>,
    Json(req): Json<AddressKey>,
) -> Result<Json<PortalInfo>, ApiError> {
    let (company, db) = by_address(&state, &req.key).await?;
    let logo = silo_domain::branding::get_logo(&db).await?;
    Ok(Json(PortalInfo {
        company_name: company.name,
        logo_data_url: logo.map(|l| {
            format!(
                "data:{};base64,{}",
                l.content_type,
                base64::engine::general_purpose::STANDARD.encode(&l.bytes)
            )
        }),
    }))
}

/// `POST /api/portal/auth/request-link` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkRequest {
    /// The key from the portal's address.
    key: String,
    email: Sent<Email>,
    /// `en` or `nl` (default: the portal user's language).
    language: Option<String>,
}

/// `202` answer of a link request: the same for every address.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkRequested {
    /// Always true.
    pub accepted: bool,
}

/// `POST /api/portal/auth/request-link`: mails a magic link (single use, 20 minutes) to an
/// active portal user of the company with that address; answers alike for every address.
pub async fn request_link(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<LinkRequest>,
) -> Result<(StatusCode, Json<LinkRequested>), ApiError> {
    let mut p = Problems::new();
    let fields = take!(p, req => email);
    let (email,) = p.done(fields)?;
    // Counted before anything is looked up, per address and per client address.
    state
        .portal_links
        .attempt(email.as_str(), meta.client_ip)
        .await?;
    let (company, db) = by_address(&state, &req.key).await?;
    if let Some(user) = portal::users::active_by_email(&db, email.as_str()).await? {
        let lang = match req.language.as_deref() {
            Some(l) => notify::language(Some(l), &headers),
            None => notify::lang_of(user.language),
        };
        let link = Uuid::new_v4();
        let token = state.entry.issue(
            Purpose::PortalLogin,
            company.id.as_uuid(),
            link,
            sign_in::LOGIN_LINK_TTL,
        )?;
        sign_in::create_login_link(&db, link, user.id, &token.secret_hash).await?;
        state
            .notifier()
            .portal_sign_in(lang, &email, &company.name, &token.token)
            .await?;
    }
    Ok((StatusCode::ACCEPTED, Json(LinkRequested { accepted: true })))
}

/// A body carrying a mailed link's token.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkToken {
    /// The `token` of the link.
    token: String,
}

/// What the magic-link page shows before its button is pressed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkInfo {
    /// The agency's name.
    pub company_name: String,
    /// Whether the link can still be used.
    pub valid: bool,
}

/// `POST /api/portal/auth/link-info`: whether a magic link still works, without using it (so a
/// mail scanner that opens the page uses nothing).
pub async fn link_info(
    State(state): State<AppState>,
    Json(req): Json<LinkToken>,
) -> Result<Json<LinkInfo>, ApiError> {
    let verified = state
        .entry
        .verify(Purpose::PortalLogin, &req.token)
        .map_err(|_| ApiError::from(sign_in::unusable()))?;
    let (company, db) = entry_company(&state, verified.company)
        .await
        .map_err(|_| ApiError::from(sign_in::unusable()))?;
    let valid = sign_in::login_link_usable(&db, verified.row, &verified.secret_hash).await?;
    Ok(Json(LinkInfo {
        company_name: company.name,
        valid,
    }))
}

/// A new portal session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PortalSession {
    /// The session token, for `Authorization: Bearer` on `/api/portal/...` routes.
    pub token: String,
    /// When the session ends at the latest (it ends sooner when unused for two hours).
    pub expires_at: Timestamp,
    /// Who signed in, and what their portal shows.
    pub me: PortalMe,
}

/// The origin of a request without a session yet (sign-in).
pub(crate) struct Origin(pub portal::RequestOrigin);

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let meta = RequestMeta::from_request_parts(parts, state).await?;
        Ok(Origin(portal::RequestOrigin {
            client_ip: meta.client_ip.map(|ip| ip.to_string()),
            request_id: meta.request_id,
            user_agent: user_agent(parts),
        }))
    }
}

/// `POST /api/portal/auth/consume`: uses a magic link (once) and opens a portal session.
pub async fn consume(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Json(req): Json<LinkToken>,
) -> Result<Json<PortalSession>, ApiError> {
    let verified = state
        .entry
        .verify(Purpose::PortalLogin, &req.token)
        .map_err(|_| ApiError::from(sign_in::unusable()))?;
    let (company, db) = entry_company(&state, verified.company)
        .await
        .map_err(|_| ApiError::from(sign_in::unusable()))?;
    let limits = state.config.portal.sessions;
    let session_id = Uuid::new_v4();
    let session = state.entry.issue(
        Purpose::PortalSession,
        company.id.as_uuid(),
        session_id,
        limits.absolute,
    )?;
    let expires_at = Timestamp::from_datetime(Timestamp::now().datetime() + limits.absolute);
    sign_in::consume_login_link(
        &db,
        verified.row,
        &verified.secret_hash,
        sign_in::NewSession {
            id: session_id,
            secret_hash: &session.secret_hash,
            expires_at,
        },
        &origin,
    )
    .await?;
    silo_worker::after_write(&state.tenancy, &state.nudge, company.id, &db).await;
    let portal = sign_in::authenticate(db, session_id, &session.secret_hash, limits)
        .await?
        .ok_or_else(|| ApiError::Internal("a new portal session did not authenticate".into()))?;
    Ok(Json(PortalSession {
        token: session.token,
        expires_at,
        me: portal::me(&portal, &company.name),
    }))
}

/// `GET /api/portal/me`: who the portal session belongs to and what their portal shows.
pub async fn me(caller: PortalCaller) -> Json<PortalMe> {
    Json(portal::me(&caller.portal, &caller.company.name))
}

/// `POST /api/portal/auth/logout`: ends this portal session.
pub async fn logout(caller: PortalCaller) -> Result<StatusCode, ApiError> {
    sign_in::sign_out(&caller.portal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/portal/auth/logout-all`: ends every session of this portal user.
pub async fn logout_all(
    State(state): State<AppState>,
    caller: PortalCaller,
) -> Result<StatusCode, ApiError> {
    sign_in::sign_out_everywhere(&caller.portal, &caller.request()).await?;
    after_portal_write(&state, &caller).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/portal/logo`: the agency's logo (404 when there is none).
pub async fn logo(caller: PortalCaller) -> Result<Response, ApiError> {
    let logo = sign_in::logo(&caller.portal)
        .await?
        .ok_or(ApiError::NotFound)?;
    let media = HeaderValue::from_str(&logo.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        logo.bytes,
    )
        .into_response())
}
