//! The one HTTP error type: every refusal and failure a handler can return, with its status
//! and code from api.md. Causes of server-side failures are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use silo_contract::{Invalid, Problem, ProblemCode};
use std::collections::BTreeMap;

/// An error answer. Each variant documents its status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`: the body is not JSON or not the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// 401 `unauthenticated`: the token is missing or fails any check. The reason is logged
    /// only, so a forger learns nothing.
    #[error("authentication required")]
    Unauthenticated(String),
    /// 401 `invalid_credentials`: unknown email or wrong password, the same answer for both.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// 401 `two_factor_required`: the password was right, and the identity has two-factor
    /// authentication on: log in again with `code`.
    #[error("a code from your authenticator app or a recovery code is required")]
    TwoFactorRequired,
    /// 403 `no_company`: a company-scoped route with an identity-only token.
    #[error("this route needs a token bound to a company")]
    NoCompany,
    /// 403 `tenant_unresolved`: the token's company is unknown, provisioning or erased.
    #[error("the token's company cannot be resolved")]
    TenantUnresolved,
    /// 403 `company_suspended`.
    #[error("the company is suspended")]
    CompanySuspended,
    /// 403 `not_a_member`: the identity holds no membership in the company now.
    #[error("you are not a member of this company")]
    NotAMember,
    /// 403 `two_factor_setup_required`: the company requires two-factor authentication and the
    /// identity has not turned it on (set it up with the identity-level `/api/auth/2fa` routes).
    #[error("this company requires two-factor authentication; set it up first")]
    TwoFactorSetupRequired,
    /// 403 `forbidden`: the role lacks the route's permission.
    #[error("your role does not allow this")]
    Forbidden,
    /// 403 `signup_disabled`: this deployment does not allow self-service signup.
    #[error("signup is disabled on this server")]
    SignupDisabled,
    /// 403 `plan_limit`: the plan allows no more of something.
    #[error("{0}")]
    PlanLimit(String),
    /// 404 `not_found`.
    #[error("not found")]
    NotFound,
    /// 405 `method_not_allowed`: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409 with a specific code (`conflict`, `last_owner`, ...).
    #[error("{message}")]
    Conflict {
        /// The code.
        code: &'static str,
        /// For people.
        message: String,
    },
    /// 413 `payload_too_large`.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// 422 `invalid`, with a problem per field (`fields`: its English sentence; `problems`: the
    /// [`Problem`] itself).
    #[error("some fields are invalid")]
    Invalid(BTreeMap<String, Problem>),
    /// 429 `rate_limited`, with `Retry-After` in seconds.
    #[error("too many attempts, try again later")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// 503 `busy`: too much password work is running; with `Retry-After` in seconds.
    #[error("the server is busy, try again shortly")]
    Busy {
        /// Seconds after which a retry may find room.
        retry_after: u64,
    },
    /// 503 `tenant_unavailable`: the company's database cannot be opened or reached.
    #[error("the company's data is temporarily unavailable")]
    TenantUnavailable(String),
    /// 503 `unavailable`: the control plane cannot be reached.
    #[error("service temporarily unavailable")]
    Unavailable(String),
    /// 500 `internal`: a bug or an unexpected failure; the cause is logged.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A 409 `conflict` with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code: "conflict",
            message: message.into(),
        }
    }

    /// A 422 for one field.
    pub fn invalid(field: &str, problem: impl Into<Problem>) -> Self {
        ApiError::Invalid(Invalid::one(field, problem).0)
    }

    /// Status and code, as in api.md.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            TwoFactorRequired => (StatusCode::UNAUTHORIZED, "two_factor_required"),
            NoCompany => (StatusCode::FORBIDDEN, "no_company"),
            TenantUnresolved => (StatusCode::FORBIDDEN, "tenant_unresolved"),
            CompanySuspended => (StatusCode::FORBIDDEN, "company_suspended"),
            NotAMember => (StatusCode::FORBIDDEN, "not_a_member"),
            TwoFactorSetupRequired => (StatusCode::FORBIDDEN, "two_factor_setup_required"),
            Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            SignupDisabled => (StatusCode::FORBIDDEN, "signup_disabled"),
            PlanLimit(_) => (StatusCode::FORBIDDEN, "plan_limit"),
            NotFound => (StatusCode::NOT_FOUND, "not_found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Conflict { code, .. } => (StatusCode::CONFLICT, code),
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            TenantUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "tenant_unavailable"),
            Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::TenantUnavailable(cause) | ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, code, "unavailable")
            }
            ApiError::Unauthenticated(reason) => tracing::info!(%reason, "token refused"),
            ApiError::Busy { .. } => tracing::warn!("every password slot is taken; refused"),
            _ => {}
        }
        let mut error = json!({ "code": code, "message": self.to_string() });
        if let ApiError::Invalid(problems) = &self {
            let sentences: BTreeMap<&str, &str> = problems
                .iter()
                .map(|(field, p)| (field.as_str(), p.message.as_str()))
                .collect();
            error["fields"] = json!(sentences);
            error["problems"] = json!(problems);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let ApiError::RateLimited { retry_after } | ApiError::Busy { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<silo_store::StoreError> for ApiError {
    fn from(e: silo_store::StoreError) -> Self {
        use silo_store::StoreError;
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Unavailable(cause) => ApiError::TenantUnavailable(cause),
            StoreError::Conflict { constraint } => {
                ApiError::conflict(format!("conflicts with existing data ({constraint})"))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<silo_control::ControlError> for ApiError {
    fn from(e: silo_control::ControlError) -> Self {
        use silo_control::ControlError;
        match e {
            ControlError::NotFound => ApiError::NotFound,
            ControlError::SlugTaken(slug) => ApiError::Conflict {
                code: "slug_taken",
                message: format!("the slug `{slug}` is taken"),
            },
            ControlError::EmailTaken => ApiError::Conflict {
                code: "email_taken",
                message: "that email is already registered".into(),
            },
            ControlError::AlreadyMember => ApiError::Conflict {
                code: "already_member",
                message: "already a member".into(),
            },
            ControlError::LastOwner => ApiError::Conflict {
                code: "last_owner",
                message: "a company must keep at least one owner".into(),
            },
            e @ ControlError::InvalidTransition { .. } => ApiError::conflict(e.to_string()),
            ControlError::Store(silo_store::StoreError::Unavailable(cause)) => {
                ApiError::Unavailable(cause)
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<silo_control::TwoFactorError> for ApiError {
    /// The answers of the logged-in two-factor routes; login maps a wrong code to
    /// `invalid_credentials` itself.
    fn from(e: silo_control::TwoFactorError) -> Self {
        use silo_control::TwoFactorError;
        match e {
            TwoFactorError::AlreadyEnabled => ApiError::Conflict {
                code: "two_factor_enabled",
                message: "two-factor authentication is already on; disable it first".into(),
            },
            TwoFactorError::NotEnabled => ApiError::Conflict {
                code: "two_factor_not_enabled",
                message: "two-factor authentication is not on".into(),
            },
            TwoFactorError::WrongCode => ApiError::invalid(
                "code",
                Problem::new(ProblemCode::Wrong).worded("is wrong or was already used"),
            ),
            TwoFactorError::Control(e) => e.into(),
        }
    }
}

impl From<silo_tenancy::TenancyError> for ApiError {
    fn from(e: silo_tenancy::TenancyError) -> Self {
        use silo_control::CompanyStatus;
        use silo_tenancy::TenancyError;
        match e {
            TenancyError::NotActive(CompanyStatus::Suspended) => ApiError::CompanySuspended,
            TenancyError::NotActive(_) => ApiError::TenantUnresolved,
            TenancyError::Unavailable(cause) => ApiError::TenantUnavailable(cause),
            TenancyError::Control(c) => c.into(),
            TenancyError::Io(e) => ApiError::Internal(e.to_string()),
            TenancyError::Config(e) => ApiError::Internal(e),
            TenancyError::Archive(e) | TenancyError::Refused(e) => ApiError::Internal(e),
        }
    }
}

impl From<silo_domain::DomainError> for ApiError {
    fn from(e: silo_domain::DomainError) -> Self {
        use silo_domain::DomainError;
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Conflict { code, message } => ApiError::Conflict { code, message },
            DomainError::Invalid(fields) => ApiError::Invalid(fields),
            DomainError::Limit(message) => ApiError::PlanLimit(message),
            DomainError::Store(e) => e.into(),
        }
    }
}
