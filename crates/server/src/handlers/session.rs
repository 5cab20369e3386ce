//! Browser sessions: the refresh cookie, `POST /api/auth/refresh` and `POST /api/auth/logout`.
//!
//! Access tokens live only in the page's memory, so a reload loses them. The refresh cookie
//! brings them back: `HttpOnly` (scripts cannot read it), `SameSite=Strict` and scoped to
//! `/api/auth` (sent nowhere else), `Secure` when the public address is https. It holds an opaque
//! token whose hash the control plane keeps; each refresh replaces it. Refresh and logout also
//! demand the `X-Silo-Refresh: 1` header, which a cross-site form cannot send.

use super::auth::{TokenResponse, bind_company, token_response};
use crate::AppState;
use crate::binding::RequestMeta;
use crate::error::ApiError;
use crate::json::Json;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use silo_control::{AuditAction, CompanyId, IdentityId, Outcome, SESSION_IDLE_TTL, SessionError};

/// The cookie's name.
pub const COOKIE_NAME: &str = "silo_refresh";
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

fn cookie_header(state: &AppState, value: &str, max_age: u64) -> Result<HeaderValue, ApiError> {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={value}; Path=/api/auth; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie header: {e}")))
}

pub(crate) fn cleared(state: &AppState) -> HeaderValue {
    cookie_header(state, "", 0)
        .unwrap_or_else(|_| HeaderValue::from_static("silo_refresh=; Path=/api/auth; Max-Age=0"))
}

/// Starts a session for the identity (bound to `company`, if any) and returns its cookie. The
/// session of the cookie the request came with, if any, ends: one browser holds one session.
pub(crate) async fn start(
    state: &AppState,
    headers: &HeaderMap,
    identity: IdentityId,
    company: Option<CompanyId>,
) -> Result<HeaderValue, ApiError> {
    let control = state.tenancy.control();
    if let Some(old) = presented(headers) {
        control.revoke_session(&old).await?;
    }
    let token = control.create_session(identity, company).await?;
    cookie_header(state, &token, SESSION_IDLE_TTL.as_secs())
}

/// The refresh token from the request's cookies, if any.
pub(crate) fn presented(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| value.to_owned())
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
    let token = presented(&headers)
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
    match renew(&state, session.identity, session.company).await {
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
    token_response(state, identity, bound).await
}

/// `POST /api/auth/logout`: ends the cookie's session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<WithCookie<StatusCode>, ApiError> {
    require_csrf_header(&headers)?;
    if let Some(token) = presented(&headers) {
        state.tenancy.control().revoke_session(&token).await?;
    }
    Ok(WithCookie(cleared(&state), StatusCode::NO_CONTENT))
}
