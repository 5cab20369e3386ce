//! Browser sessions: the refresh cookie, `POST /api/auth/refresh` and `POST /api/auth/logout`.
//!
//! Access tokens live only in the page's memory, so a reload loses them. The refresh cookie
//! brings them back: `HttpOnly` (scripts cannot read it), `SameSite=Strict`, and `Secure` with
//! the name [`COOKIE_NAME`] (`__Host-`: the browser keeps it only if it is `Secure`, `Path=/` and
//! has no `Domain`, so a sibling subdomain can neither set nor shadow it) unless the public
//! address is plain-http loopback, where it is [`DEV_COOKIE_NAME`] (see [`crate::cookies`]).
//! Only the name that fits the server's address is read. It holds an opaque token whose hash
//! the control plane keeps; each refresh replaces it. Refresh and logout also demand the
//! `X-Silo-Refresh: 1` header, which a cross-site form cannot send.
//!
//! Access tokens issued with a session carry its id (`sid`); logging out ends the session and,
//! on the next request, every access token issued for it.

use super::auth::{TokenResponse, bind_company, token_response};
use crate::AppState;
use crate::binding::RequestMeta;
use crate::error::ApiError;
use crate::json::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use silo_control::{AuditAction, CompanyId, IdentityId, Outcome, SESSION_IDLE_TTL, SessionError};

/// The cookie's name wherever cookies are `Secure` (every public address but plain-http
/// loopback).
pub const COOKIE_NAME: &str = "__Host-silo_refresh";
/// The cookie's name on plain-http loopback (development), where it cannot be `Secure` and so
/// cannot carry the `__Host-` prefix.
pub const DEV_COOKIE_NAME: &str = "silo_refresh";
/// The header refresh and logout require (CSRF defence).
pub const CSRF_HEADER: &str = "x-silo-refresh";

/// An answer that also sets (or clears) the refresh cookie.
#[derive(Debug)]
pub struct WithCookie<T>(pub HeaderValue, pub T);

impl<T: IntoResponse> IntoResponse for WithCookie<T> {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        response.headers_mut().append(SET_COOKIE, self.0);
        response
    }
}

/// The cookie's name and whether it is `Secure`, for this server's public address.
fn cookie_name(state: &AppState) -> (&'static str, bool) {
    if crate::cookies::secure(&state.config.public_url) {
        (COOKIE_NAME, true)
    } else {
        (DEV_COOKIE_NAME, false)
    }
}

fn cookie_header(state: &AppState, value: &str, max_age: u64) -> Result<HeaderValue, ApiError> {
    let (name, secure) = cookie_name(state);
    // `Path=/` because `__Host-` demands it; `SameSite=Strict` keeps it off cross-site requests.
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie header: {e}")))
}

pub(crate) fn cleared(state: &AppState) -> HeaderValue {
    cookie_header(state, "", 0)
        .unwrap_or_else(|_| HeaderValue::from_static("silo_refresh=; Path=/; Max-Age=0"))
}

/// A session just started: its cookie, and its id for the access token's `sid`.
pub(crate) struct Started {
    pub(crate) cookie: HeaderValue,
    pub(crate) id: uuid::Uuid,
}

/// Starts a session for the identity (bound to `company`, if any) and returns its cookie. The
/// session of the cookie the request came with, if any, ends: one browser holds one session.
pub(crate) async fn start(
    state: &AppState,
    headers: &HeaderMap,
    identity: IdentityId,
    company: Option<CompanyId>,
) -> Result<Started, ApiError> {
    let control = state.tenancy.control();
    if let Some(old) = presented(state, headers) {
        control.revoke_session(&old).await?;
    }
    let session = control.create_session(identity, company).await?;
    Ok(Started {
        cookie: cookie_header(state, &session.token, SESSION_IDLE_TTL.as_secs())?,
        id: session.id,
    })
}

/// The refresh token from the request's cookie of this server's name, if any.
pub(crate) fn presented(state: &AppState, headers: &HeaderMap) -> Option<String> {
    crate::cookies::read(headers, cookie_name(state).0).map(str::to_owned)
}

fn require_csrf_header(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        Some("1") => Ok(()),
        _ => Err(ApiError::BadRequest(
            "this route requires the header `X-Silo-Refresh: 1`".into(),
        )),
    }
}

/// `POST /api/auth/refresh`: a fresh access token for the cookie's session, bound to the company
/// the session chose last, and a replacement cookie. Every refusal also ends the session and
/// clears the cookie: the browser goes back to the login page.
pub async fn refresh(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
) -> Result<WithCookie<Json<TokenResponse>>, WithCookie<ApiError>> {
    require_csrf_header(&headers).map_err(|e| WithCookie(cleared(&state), e))?;
    let control = state.tenancy.control();
    let refuse = |e: ApiError| WithCookie(cleared(&state), e);
    let token = presented(&state, &headers)
        .ok_or_else(|| refuse(ApiError::Unauthenticated("no session cookie".into())))?;
    let session = match control.rotate_session(&token).await {
        Ok(session) => session,
        Err(SessionError::Reused { identity }) => {
            let event = meta.event(
                None,
                Some(identity),
                AuditAction::AuthSessionReuse,
                None,
                Outcome::Failure,
            );
            control.record(event).await.map_err(|e| refuse(e.into()))?;
            return Err(refuse(ApiError::Unauthenticated(
                "a replaced session token was presented again".into(),
            )));
        }
        Err(SessionError::Invalid) => {
            return Err(refuse(ApiError::Unauthenticated(
                "session unknown, expired or revoked".into(),
            )));
        }
        Err(SessionError::Control(e)) => return Err(refuse(e.into())),
    };
    match renew(&state, session.identity, session.company, session.id).await {
        Ok(response) => {
            let cookie = cookie_header(&state, &session.token, SESSION_IDLE_TTL.as_secs())
                .map_err(refuse)?;
            Ok(WithCookie(cookie, Json(response)))
        }
        Err(e) => {
            // Fail closed: the session does not outlive what it was issued for.
            control
                .revoke_session(&session.token)
                .await
                .map_err(|e| refuse(e.into()))?;
            Err(refuse(e))
        }
    }
}

/// The checks of the request path, made again for the session's identity and company.
async fn renew(
    state: &AppState,
    identity: IdentityId,
    company: Option<CompanyId>,
    session: uuid::Uuid,
) -> Result<TokenResponse, ApiError> {
    let control = state.tenancy.control();
    control
        .identity(identity)
        .await?
        .filter(|i| i.usable())
        .ok_or_else(|| ApiError::Unauthenticated("identity unknown or disabled".into()))?;
    let bound = match company {
        Some(company) => Some(bind_company(state, identity, &company.to_string()).await?),
        None => None,
    };
    token_response(state, identity, bound, session).await
}

/// `POST /api/auth/logout`: ends the cookie's session, and with it the access tokens issued
/// for it, and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<WithCookie<StatusCode>, ApiError> {
    require_csrf_header(&headers)?;
    if let Some(token) = presented(&state, &headers) {
        state.tenancy.control().revoke_session(&token).await?;
    }
    Ok(WithCookie(cleared(&state), StatusCode::NO_CONTENT))
}
