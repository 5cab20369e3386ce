//! Two-factor authentication: the identity-level `/api/auth/2fa/*` routes, and the hooks login
//! and company binding call.
//!
//! The routes need any valid token of the identity, bound to a company or not, so a person whose
//! company refuses them until they set it up can do so with the identity-only token that login
//! hands out. Every attempt at a code counts against the login limiter of the identity's email
//! and the client's address, like a password: six digits are quick to guess otherwise.

use crate::AppState;
use crate::binding::{Authenticated, RequestMeta};
use crate::error::{ApiError, ErrorCode};
use crate::json::Json;
use crate::validate::ProblemCode;
use axum::extract::State;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::password::Password;
use silo_control::{
    AuditAction, Company, CompanyId, Identity, IdentityId, Outcome, SecondFactor, TwoFactorError,
};
use silo_roles::Role;

/// `POST /api/auth/2fa/setup` answer: the secret for the authenticator app, shown once.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SetupResponse {
    /// The shared secret, base32 (for typing into the app).
    secret: String,
    /// `otpauth://totp/Silo:<email>?secret=...&issuer=Silo` (for a QR code).
    otpauth_uri: String,
}

/// A body holding one code: `POST /api/auth/2fa/confirm` and `/recovery-codes`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CodeRequest {
    /// A current code from the app (or, for `/recovery-codes`, a recovery code).
    code: String,
}

/// `POST /api/auth/2fa/disable` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DisableRequest {
    /// The identity's password.
    password: String,
    /// A current code from the app or a recovery code.
    code: String,
}

/// Recovery codes, each usable once; shown only in this answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RecoveryCodes {
    /// Ten codes like `abcd-efgh-2345`.
    recovery_codes: Vec<String>,
}

/// An attempt at a code or password by a logged-in identity, counted like a login: before
/// anything is verified, so a failure needs no further call.
pub(crate) struct Attempt<'a> {
    state: &'a AppState,
    auth: &'a Authenticated,
}

impl<'a> Attempt<'a> {
    pub(crate) async fn start(
        state: &'a AppState,
        auth: &'a Authenticated,
    ) -> Result<Self, ApiError> {
        state
            .limiter
            .attempt(auth.identity.email.as_str(), auth.meta.client_ip)
            .await?;
        Ok(Attempt { state, auth })
    }

    /// The code (or the password and the code) was right: like a login, clears the count.
    pub(crate) async fn succeeded(&self) {
        let auth = self.auth;
        self.state
            .limiter
            .succeeded(auth.identity.email.as_str(), auth.meta.client_ip)
            .await;
    }

    /// Nothing was verified (nothing to check against, or no slot for the password work).
    async fn not_verified(&self) {
        let auth = self.auth;
        self.state
            .limiter
            .not_verified(auth.identity.email.as_str(), auth.meta.client_ip)
            .await;
    }

    /// Checks the identity's own password, sent as `field`: a wrong one is recorded as a failed
    /// `action` and answered 422 on that field (the attempt stays counted).
    pub(crate) async fn check_password(
        &self,
        password: String,
        field: &str,
        action: AuditAction,
    ) -> Result<(), ApiError> {
        let auth = self.auth;
        let valid = match self
            .state
            .passwords
            .verify(Password::new(password), auth.identity.password_hash.clone())
            .await
        {
            Ok(valid) => valid,
            Err(e) => {
                self.not_verified().await;
                return Err(e);
            }
        };
        if valid {
            return Ok(());
        }
        audit(
            self.state,
            &auth.meta,
            auth.identity.id,
            action,
            Outcome::Failure,
        )
        .await?;
        Err(ApiError::invalid(field, ProblemCode::Wrong))
    }
}

async fn audit(
    state: &AppState,
    meta: &RequestMeta,
    identity: IdentityId,
    action: AuditAction,
    outcome: Outcome,
) -> Result<(), ApiError> {
    let event = meta.event(
        None,
        Some(identity),
        action,
        Some(identity.to_string()),
        outcome,
    );
    Ok(state.tenancy.control().record(event).await?)
}

/// Records a refused code (the attempt stays counted), or gives back an attempt that verified
/// nothing; then answers the refusal.
async fn refused(
    state: &AppState,
    auth: &Authenticated,
    attempt: &Attempt<'_>,
    action: AuditAction,
    error: TwoFactorError,
) -> ApiError {
    if !matches!(error, TwoFactorError::WrongCode) {
        attempt.not_verified().await;
        return error.into();
    }
    match audit(
        state,
        &auth.meta,
        auth.identity.id,
        action,
        Outcome::Failure,
    )
    .await
    {
        Ok(()) => error.into(),
        Err(e) => e,
    }
}

/// `POST /api/auth/2fa/setup` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SetupRequest {
    /// The identity's password: an access token alone (a stolen one, say) must not be able to
    /// put a second factor between the person and their account.
    password: String,
}

/// `POST /api/auth/2fa/setup`: a new secret, pending until confirmed with a code.
pub async fn setup(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(req): Json<SetupRequest>,
) -> Result<Json<SetupResponse>, ApiError> {
    let control = state.tenancy.control();
    if control.two_factor_enabled(auth.identity.id).await? {
        return Err(TwoFactorError::AlreadyEnabled.into());
    }
    let attempt = Attempt::start(&state, &auth).await?;
    attempt
        .check_password(req.password, "password", AuditAction::TwoFactorSetup)
        .await?;
    attempt.succeeded().await;
    let pending = control.begin_two_factor(auth.identity.id).await?;
    Ok(Json(SetupResponse {
        secret: pending.secret.to_base32(),
        otpauth_uri: pending.otpauth_uri,
    }))
}

/// `POST /api/auth/2fa/confirm`: turns two-factor on with a first code; answers the recovery
/// codes.
pub async fn confirm(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(req): Json<CodeRequest>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let attempt = Attempt::start(&state, &auth).await?;
    let codes = match state
        .tenancy
        .control()
        .confirm_two_factor(auth.identity.id, &req.code)
        .await
    {
        Ok(codes) => codes,
        Err(TwoFactorError::NotEnabled) => {
            attempt.not_verified().await;
            return Err(ApiError::Conflict {
                code: ErrorCode::TwoFactorNotPending,
                message: "no set-up to confirm: start one with POST /api/auth/2fa/setup".into(),
            });
        }
        Err(e) => {
            return Err(refused(&state, &auth, &attempt, AuditAction::TwoFactorEnable, e).await);
        }
    };
    attempt.succeeded().await;
    audit(
        &state,
        &auth.meta,
        auth.identity.id,
        AuditAction::TwoFactorEnable,
        Outcome::Success,
    )
    .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// `POST /api/auth/2fa/disable`: turns two-factor off; needs the password and a code.
pub async fn disable(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(req): Json<DisableRequest>,
) -> Result<StatusCode, ApiError> {
    let control = state.tenancy.control();
    if !control.two_factor_enabled(auth.identity.id).await? {
        return Err(TwoFactorError::NotEnabled.into());
    }
    let attempt = Attempt::start(&state, &auth).await?;
    attempt
        .check_password(req.password, "password", AuditAction::TwoFactorDisable)
        .await?;
    if let Err(e) = control
        .disable_two_factor(auth.identity.id, &req.code)
        .await
    {
        return Err(refused(&state, &auth, &attempt, AuditAction::TwoFactorDisable, e).await);
    }
    attempt.succeeded().await;
    audit(
        &state,
        &auth.meta,
        auth.identity.id,
        AuditAction::TwoFactorDisable,
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/2fa/recovery-codes`: a new set of recovery codes; the old ones stop working.
pub async fn recovery_codes(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(req): Json<CodeRequest>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let attempt = Attempt::start(&state, &auth).await?;
    let codes = match state
        .tenancy
        .control()
        .regenerate_recovery_codes(auth.identity.id, &req.code)
        .await
    {
        Ok(codes) => codes,
        Err(e) => {
            return Err(refused(
                &state,
                &auth,
                &attempt,
                AuditAction::TwoFactorRecoveryCodes,
                e,
            )
            .await);
        }
    };
    attempt.succeeded().await;
    audit(
        &state,
        &auth.meta,
        auth.identity.id,
        AuditAction::TwoFactorRecoveryCodes,
        Outcome::Success,
    )
    .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Login's second factor, after the password was right and before the limiter forgets the
/// email's attempts: an identity with two-factor on needs `code` (401 `two_factor_required`
/// without one); a wrong code is a failed login (401 `invalid_credentials`; the attempt login
/// counted stays counted). A code sent for an identity without two-factor is ignored.
pub(crate) async fn check_login_code(
    state: &AppState,
    meta: &RequestMeta,
    identity: &Identity,
    code: Option<&str>,
) -> Result<(), ApiError> {
    let control = state.tenancy.control();
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        if !control.two_factor_enabled(identity.id).await? {
            return Ok(());
        }
        // The password was right: the first of two steps is no failed attempt. Given back,
        // so people who log in in two steps behind one office address do not use up its limit.
        state
            .limiter
            .not_verified(identity.email.as_str(), meta.client_ip)
            .await;
        return Err(ApiError::TwoFactorRequired);
    };
    match control.verify_two_factor(identity.id, code).await {
        Ok(SecondFactor::Totp) | Err(TwoFactorError::NotEnabled) => Ok(()),
        Ok(SecondFactor::RecoveryCode { .. }) => {
            audit(
                state,
                meta,
                identity.id,
                AuditAction::TwoFactorRecoveryUsed,
                Outcome::Success,
            )
            .await
        }
        Err(TwoFactorError::WrongCode) => {
            let event = meta.event(
                None,
                Some(identity.id),
                AuditAction::AuthLogin,
                None,
                Outcome::Failure,
            );
            control.record(event).await?;
            Err(ApiError::InvalidCredentials)
        }
        Err(e) => Err(e.into()),
    }
}

/// Login's binding: a company that requires two-factor of an identity without it is not bound;
/// the login answers an identity-only token naming that company instead, so the person can set
/// two-factor up and then switch.
pub(crate) async fn gate_login(
    state: &AppState,
    identity: IdentityId,
    bound: Option<(Company, Role)>,
) -> Result<(Option<(Company, Role)>, Option<CompanyId>), ApiError> {
    match bound {
        Some((company, _))
            if company.require_two_factor
                && !state.tenancy.control().two_factor_enabled(identity).await? =>
        {
            Ok((None, Some(company.id)))
        }
        bound => Ok((bound, None)),
    }
}

/// Refuses binding to `company` (switch, refresh, invitations) with 403
/// `two_factor_setup_required` when it requires two-factor and the identity has not turned it on.
pub(crate) async fn require_if_needed(
    state: &AppState,
    identity: IdentityId,
    company: &Company,
) -> Result<(), ApiError> {
    if company.require_two_factor && !state.tenancy.control().two_factor_enabled(identity).await? {
        return Err(ApiError::TwoFactorSetupRequired);
    }
    Ok(())
}
