//! Signing up: `POST /api/signup` keeps the request and mails a verification link; the company
//! is provisioned when `POST /api/auth/verify-email` uses that link.
//!
//! The answer to a signup is the same whether the address is registered or not (the mail that
//! goes out differs: a link, or a notice that someone tried), so signup tells nobody which
//! addresses exist, and an address nobody proved can never be attached to a company.

use super::auth::{TokenResponse, provision_with_free_slug, token_response};
use super::session::{self, WithCookie};
use crate::AppState;
use crate::binding::RequestMeta;
use crate::error::{ApiError, ErrorCode};
use crate::json::Json;
use crate::notify;
use crate::validate::{Name, NewPassword, Optional, Problems, Sent, take, unusable_link};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::password::Password;
use silo_control::{AuditAction, ControlError, Email, NewIdentity, Outcome, PendingSignup, Slug};
use silo_roles::Role;

/// `POST /api/signup` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignupRequest {
    company_name: Sent<Name>,
    email: Sent<Email>,
    password: Sent<NewPassword>,
    #[serde(default)]
    name: Optional<Name>,
    /// `en` or `nl`: the language of the mail (default: the browser's).
    language: Option<String>,
}

/// The company's short name: derived from its name, or `company` when the name has too few
/// letters or digits for one (numbered variants are tried when it is taken).
fn slug_for(name: &str) -> Result<Slug, ApiError> {
    Slug::from_name(name)
        .or_else(|| Slug::parse("company").ok())
        .ok_or_else(|| ApiError::Internal("no slug for a company name".into()))
}

/// `202` answer of a signup.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignupAccepted {
    /// Always `verification_sent`.
    status: &'static str,
}

/// `POST /api/signup`: validates, then mails a verification link (or, for a registered address,
/// a notice). Nothing is created until the link is used.
pub async fn signup(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<SignupRequest>,
) -> Result<(StatusCode, Json<SignupAccepted>), ApiError> {
    if !state.config.signup_enabled {
        return Err(ApiError::SignupDisabled);
    }
    state.request_limits.signup(meta.client_ip).await?;
    let mut p = Problems::new();
    let fields = take!(p, req => company_name, email, password, name);
    let (company_name, email, password, name) = p.done(fields)?;
    let lang = notify::language(req.language.as_deref(), &headers);
    // Hashed for a registered address too, so both answers cost the same.
    let password_hash = state
        .passwords
        .hash(Password::new(password.into_string()))
        .await?;
    let control = state.tenancy.control();
    if control.identity_by_email(&email).await?.is_some() {
        state.notifier().signup_attempt(lang, &email).await?;
    } else {
        let pending = PendingSignup {
            email: email.clone(),
            name: name.map(String::from).unwrap_or_default(),
            company_name: company_name.into(),
            password_hash,
            language: lang.as_str().to_owned(),
        };
        let token = control.begin_signup(&pending).await?;
        state.notifier().verify_email(lang, &email, &token).await?;
    }
    control
        .record(meta.event(
            None,
            None,
            AuditAction::AuthSignupRequested,
            None,
            Outcome::Success,
        ))
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignupAccepted {
            status: "verification_sent",
        }),
    ))
}

/// `POST /api/auth/verify-email` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct VerifyEmailRequest {
    token: String,
}

/// `POST /api/auth/verify-email`: uses a signup's link once: creates the verified owner, then
/// the company, and logs in.
pub async fn verify_email(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<VerifyEmailRequest>,
) -> Result<WithCookie<(StatusCode, Json<TokenResponse>)>, ApiError> {
    let control = state.tenancy.control();
    let (signup, identity) =
        control
            .complete_signup(req.token.trim())
            .await
            .map_err(|e| match e {
                ControlError::NotFound => unusable_link("this link is unknown, used or expired"),
                ControlError::EmailTaken => ApiError::Conflict {
                    code: ErrorCode::EmailTaken,
                    message: "that address is registered already; log in instead".into(),
                },
                e => e.into(),
            })?;
    let slug = slug_for(&signup.company_name)?;
    // The owner is the identity just created from the link; provisioning finds it by address.
    let owner = NewIdentity {
        email: signup.email.clone(),
        name: signup.name.clone(),
        password_hash: Some(signup.password_hash.clone()),
    };
    let company = provision_with_free_slug(&state, signup.company_name, slug, owner).await?;
    control
        .record(meta.event(
            Some(company.id),
            Some(identity),
            AuditAction::CompanySignup,
            Some(company.id.to_string()),
            Outcome::Success,
        ))
        .await?;
    let started = session::start(&state, &headers, identity, Some(company.id)).await?;
    let response =
        token_response(&state, identity, Some((company, Role::Owner)), started.id).await?;
    Ok(WithCookie(
        started.cookie,
        (StatusCode::CREATED, Json(response)),
    ))
}
