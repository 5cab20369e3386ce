//! The mails the identity routes send, built from the templates of `silo-mail` with links on the
//! public address. A message is durable once `send` returns (outbox file or SMTP spool); a
//! failure to queue it is an error of the request that wanted it sent.

use crate::AppState;
use crate::error::ApiError;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use silo_control::Email;
use silo_mail::templates::{self, Lang};
use silo_mail::{Content, Mail};
use silo_roles::Role;
use std::time::Duration;

/// The language to write to someone in: the one asked for, else the browser's first choice.
pub(crate) fn language(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
    let header = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.split(';').next().unwrap_or(v).trim());
    Lang::from_tag_or_default(explicit.or(header))
}

fn link(state: &AppState, path: &str, token: &str) -> String {
    format!(
        "{}/{path}?token={token}",
        state.config.public_url.trim_end_matches('/')
    )
}

async fn send(state: &AppState, to: &Email, content: Content) -> Result<(), ApiError> {
    state
        .mailer
        .send(Mail::new(to.as_str(), content))
        .await
        .map(|_| ())
        .map_err(|e| ApiError::Unavailable(format!("mail could not be queued: {e}")))
}

/// The link that verifies a signup's address.
pub(crate) async fn verify_email(
    state: &AppState,
    lang: Lang,
    to: &Email,
    token: &str,
) -> Result<(), ApiError> {
    let content = templates::verify_email(lang, &link(state, "verify-email", token));
    send(state, to, content).await
}

/// Someone signed up with an address that is registered already.
pub(crate) async fn signup_attempt(
    state: &AppState,
    lang: Lang,
    to: &Email,
) -> Result<(), ApiError> {
    let base = state.config.public_url.trim_end_matches('/');
    let content = templates::signup_attempt(
        lang,
        &format!("{base}/login"),
        &format!("{base}/forgot-password"),
    );
    send(state, to, content).await
}

/// An invitation to a company.
pub(crate) async fn invitation(
    state: &AppState,
    lang: Lang,
    to: &Email,
    company: &str,
    inviter: &str,
    role: Role,
    token: &str,
    ttl: Duration,
) -> Result<(), ApiError> {
    let role = match lang {
        Lang::Nl => role.label_nl(),
        _ => role.label(),
    };
    let days = u32::try_from(ttl.as_secs().div_ceil(24 * 3600)).unwrap_or(u32::MAX);
    let content = templates::invitation(
        lang,
        company,
        inviter,
        role,
        &link(state, "accept-invite", token),
        days,
    );
    send(state, to, content).await
}

/// A password reset link.
pub(crate) async fn password_reset(
    state: &AppState,
    lang: Lang,
    to: &Email,
    token: &str,
) -> Result<(), ApiError> {
    let content = templates::password_reset(lang, &link(state, "reset-password", token));
    send(state, to, content).await
}

/// The password was changed (so someone who did not do it knows).
pub(crate) async fn password_changed(
    state: &AppState,
    lang: Lang,
    to: &Email,
) -> Result<(), ApiError> {
    send(state, to, templates::password_changed(lang)).await
}
