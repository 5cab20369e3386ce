//! Password lifecycle: reset by mail, change while logged in, and logging out everywhere.
//!
//! Every password change ends the identity's other sessions and every access token issued
//! before it. The reset request answers alike for known and unknown addresses.

use super::session::{self, WithCookie};
use super::two_factor::Attempt;
use crate::AppState;
use crate::binding::{Authenticated, RequestMeta};
use crate::error::ApiError;
use crate::json::Json;
use crate::notify;
use crate::validate::{NewPassword, Problems, Sent, take, unusable_link};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::password::Password;
use silo_control::{AuditAction, ControlError, Email, IdentityStatus, Outcome};

/// `POST /api/auth/password-reset` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResetRequest {
    email: Sent<Email>,
    /// `en` or `nl`: the language of the mail (default: the browser's).
    language: Option<String>,
}

/// `202` answer of a reset request.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResetRequested {
    /// Always `reset_requested`.
    status: &'static str,
}

/// `POST /api/auth/password-reset`: mails a single-use link (1 hour) to a known, usable address.
pub async fn request_reset(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<ResetRequest>,
) -> Result<(StatusCode, Json<ResetRequested>), ApiError> {
    state.request_limits.password_reset(meta.client_ip).await?;
    let mut p = Problems::new();
    let fields = take!(p, req => email);
    let (email,) = p.done(fields)?;
    let lang = notify::language(req.language.as_deref(), &headers);
    let control = state.tenancy.control();
    let identity = control
        .identity_by_email(&email)
        .await?
        .filter(|i| i.status != IdentityStatus::Disabled);
    if let Some(identity) = identity {
        let token = control.begin_password_reset(identity.id).await?;
        state
            .notifier()
            .password_reset(lang, &email, &token)
            .await?;
        control
            .record(meta.event(
                None,
                Some(identity.id),
                AuditAction::AuthPasswordResetRequested,
                None,
                Outcome::Success,
            ))
            .await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            status: "reset_requested",
        }),
    ))
}

/// `POST /api/auth/password-reset/confirm` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResetConfirm {
    token: String,
    password: Sent<NewPassword>,
}

/// `POST /api/auth/password-reset/confirm`: uses the link once; ends every session.
pub async fn confirm_reset(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    let unknown = || unusable_link("this link is unknown, used or expired");
    let mut p = Problems::new();
    let fields = take!(p, req => password);
    let (password,) = p.done(fields)?;
    let control = state.tenancy.control();
    let token = req.token.trim();
    // Looked up before hashing: a made-up token costs one indexed read.
    if token.is_empty() || !control.password_reset_usable(token).await? {
        return Err(unknown());
    }
    let hash = state
        .passwords
        .hash(Password::new(password.into_string()))
        .await?;
    let identity = control
        .reset_password(token, &hash)
        .await
        .map_err(|e| match e {
            ControlError::NotFound => unknown(),
            e => e.into(),
        })?;
    control
        .record(meta.event(
            None,
            Some(identity),
            AuditAction::AuthPasswordReset,
            None,
            Outcome::Success,
        ))
        .await?;
    if let Some(identity) = control.identity(identity).await? {
        state
            .notifier()
            .password_changed(notify::language(None, &headers), &identity.email)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/password` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangePassword {
    current: String,
    new: Sent<NewPassword>,
}

/// `POST /api/auth/password`: changes one's password; every other session and every access
/// token issued before now ends (this browser's session goes on).
pub async fn change(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    Json(req): Json<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    let mut p = Problems::new();
    let fields = take!(p, req => new);
    let (new,) = p.done(fields)?;
    // Counted like a login: a stolen access token must not be a way to guess the password.
    let attempt = Attempt::start(&state, &auth).await?;
    attempt
        .check_password(req.current, "current", AuditAction::AuthPasswordChange)
        .await?;
    attempt.succeeded().await;
    let hash = state
        .passwords
        .hash(Password::new(new.into_string()))
        .await?;
    let control = state.tenancy.control();
    control
        .change_password(
            auth.identity.id,
            &hash,
            session::presented(&state, &headers).as_deref(),
        )
        .await?;
    control
        .record(auth.meta.event(
            None,
            Some(auth.identity.id),
            AuditAction::AuthPasswordChange,
            None,
            Outcome::Success,
        ))
        .await?;
    state
        .notifier()
        .password_changed(notify::language(None, &headers), &auth.identity.email)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/logout-all`: ends every session and access token of the caller, this one
/// included, and clears the cookie.
pub async fn logout_all(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<WithCookie<StatusCode>, ApiError> {
    let control = state.tenancy.control();
    control.end_all_access(auth.identity.id).await?;
    control
        .record(auth.meta.event(
            None,
            Some(auth.identity.id),
            AuditAction::AuthLogoutAll,
            None,
            Outcome::Success,
        ))
        .await?;
    Ok(WithCookie(session::cleared(&state), StatusCode::NO_CONTENT))
}
