//! The one HTTP error type: every refusal and failure a handler can return. Each maps to one
//! [`ErrorCode`], which carries its HTTP status (declared once, in `silo-contract`). Causes of
//! server-side failures are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
pub use silo_contract::ErrorCode;
use silo_contract::{Invalid, Problem, ProblemCode};
use std::collections::BTreeMap;

/// An error answer. Each variant names its `code`; the status is the code's.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `bad_request`: the body is not JSON or not the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// `unauthenticated`: the token is missing or fails any check. The reason is logged
    /// only, so a forger learns nothing.
    #[error("authentication required")]
    Unauthenticated(String),
    /// `invalid_credentials`: unknown email or wrong password, the same answer for both.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// `two_factor_required`: the password was right, and the identity has two-factor
    /// authentication on: log in again with `code`.
    #[error("a code from your authenticator app or a recovery code is required")]
    TwoFactorRequired,
    /// `no_company`: a company-scoped route with an identity-only token.
    #[error("this route needs a token bound to a company")]
    NoCompany,
    /// `tenant_unresolved`: the token's company is unknown, provisioning or erased.
    #[error("the token's company cannot be resolved")]
    TenantUnresolved,
    /// `company_suspended`.
    #[error("the company is suspended")]
    CompanySuspended,
    /// `not_a_member`: the identity holds no membership in the company now.
    #[error("you are not a member of this company")]
    NotAMember,
    /// `two_factor_setup_required`: the company requires two-factor authentication and the
    /// identity has not turned it on (set it up with the identity-level `/api/auth/2fa` routes).
    #[error("this company requires two-factor authentication; set it up first")]
    TwoFactorSetupRequired,
    /// `forbidden`: the role lacks the route's permission.
    #[error("your role does not allow this")]
    Forbidden,
    /// `signup_disabled`: this deployment does not allow self-service signup.
    #[error("signup is disabled on this server")]
    SignupDisabled,
    /// `plan_limit`: the plan allows no more of something.
    #[error("{0}")]
    PlanLimit(String),
    /// `plan_by_operator`: a paid plan is set by the operator, not by an owner alone.
    #[error("moving to a paid plan is the operator's step")]
    PlanByOperator,
    /// `not_found`.
    #[error("not found")]
    NotFound,
    /// `method_not_allowed`: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A conflict with the current data, with its specific code (`conflict`, `last_owner`, ...).
    #[error("{message}")]
    Conflict {
        /// The code (one whose status is 409).
        code: ErrorCode,
        /// For people.
        message: String,
    },
    /// `last_owner` on deleting one's own account, naming the companies (`companies`) that
    /// would be left without an owner.
    #[error("you are the only owner of a company; name another owner there first")]
    LastOwnerOf(Vec<silo_control::CompanySummary>),
    /// `payload_too_large`.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// `origin_not_allowed`: a tracked site's key from an origin the site does not allow.
    #[error("this origin may not send events for this site")]
    OriginNotAllowed,
    /// `site_disabled`: the tracked site is turned off.
    #[error("this site does not accept events now")]
    SiteDisabled,
    /// 422 `invalid`, with a problem per field (`fields`: its English sentence; `problems`: the
    /// [`Problem`] itself).
    #[error("some fields are invalid")]
    Invalid(BTreeMap<String, Problem>),
    /// `rate_limited`, with `Retry-After` in seconds.
    #[error("too many attempts, try again later")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// `busy`: too much password work is running, the company has too many requests in flight
    /// or the tenant connection budget is taken; with `Retry-After` in seconds.
    #[error("the server is busy, try again shortly")]
    Busy {
        /// Seconds after which a retry may find room.
        retry_after: u64,
    },
    /// `tenant_unavailable`: the company's database cannot be opened or reached.
    #[error("the company's data is temporarily unavailable")]
    TenantUnavailable(String),
    /// `unavailable`: the control plane cannot be reached.
    #[error("service temporarily unavailable")]
    Unavailable(String),
    /// `internal`: a bug or an unexpected failure; the cause is logged.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A plain `conflict` with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code: ErrorCode::Conflict,
            message: message.into(),
        }
    }

    /// An `invalid` answer for one field.
    pub fn invalid(field: &str, problem: impl Into<Problem>) -> Self {
        ApiError::Invalid(Invalid::one(field, problem).0)
    }

    /// The answer's code; its status is `code().status()`.
    pub fn code(&self) -> ErrorCode {
        use ApiError::*;
        match self {
            BadRequest(_) => ErrorCode::BadRequest,
            Unauthenticated(_) => ErrorCode::Unauthenticated,
            InvalidCredentials => ErrorCode::InvalidCredentials,
            TwoFactorRequired => ErrorCode::TwoFactorRequired,
            NoCompany => ErrorCode::NoCompany,
            TenantUnresolved => ErrorCode::TenantUnresolved,
            CompanySuspended => ErrorCode::CompanySuspended,
            NotAMember => ErrorCode::NotAMember,
            TwoFactorSetupRequired => ErrorCode::TwoFactorSetupRequired,
            Forbidden => ErrorCode::Forbidden,
            SignupDisabled => ErrorCode::SignupDisabled,
            PlanLimit(_) => ErrorCode::PlanLimit,
            PlanByOperator => ErrorCode::PlanByOperator,
            NotFound => ErrorCode::NotFound,
            MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Conflict { code, .. } => *code,
            LastOwnerOf(_) => ErrorCode::LastOwner,
            PayloadTooLarge => ErrorCode::PayloadTooLarge,
            OriginNotAllowed => ErrorCode::OriginNotAllowed,
            SiteDisabled => ErrorCode::SiteDisabled,
            Invalid(_) => ErrorCode::Invalid,
            RateLimited { .. } => ErrorCode::RateLimited,
            Busy { .. } => ErrorCode::Busy,
            TenantUnavailable(_) => ErrorCode::TenantUnavailable,
            Unavailable(_) => ErrorCode::Unavailable,
            Internal(_) => ErrorCode::Internal,
        }
    }

    /// The answer's HTTP status: its code's.
    pub fn status(&self) -> StatusCode {
        status_of(self.code())
    }
}

/// The error statuses for the OpenAPI document, each described by the codes answered with
/// it (from [`ErrorCode`], so the document cannot miss one).
pub fn documented_statuses() -> Vec<(u16, String)> {
    ErrorCode::by_status()
        .into_iter()
        .map(|(status, codes)| {
            let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
            (status, names.join(", "))
        })
        .collect()
}

/// The HTTP status of `code`, as `silo-contract` declares it.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let status = status_of(code);
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::TenantUnavailable(cause) | ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, code = code.as_str(), "unavailable")
            }
            ApiError::Unauthenticated(reason) => tracing::info!(%reason, "token refused"),
            ApiError::Busy { .. } => tracing::warn!("busy: refused with Retry-After"),
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
        if let ApiError::LastOwnerOf(companies) = &self {
            error["companies"] = json!(companies);
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

impl From<silo_auth::AuthError> for ApiError {
    fn from(e: silo_auth::AuthError) -> Self {
        ApiError::Internal(format!("signing a token: {e}"))
    }
}

impl From<silo_control::ControlError> for ApiError {
    fn from(e: silo_control::ControlError) -> Self {
        use silo_control::ControlError;
        match e {
            ControlError::NotFound => ApiError::NotFound,
            ControlError::SlugTaken(slug) => ApiError::Conflict {
                code: ErrorCode::SlugTaken,
                message: format!("the slug `{slug}` is taken"),
            },
            ControlError::EmailTaken => ApiError::Conflict {
                code: ErrorCode::EmailTaken,
                message: "that email is already registered".into(),
            },
            ControlError::AlreadyMember => ApiError::Conflict {
                code: ErrorCode::AlreadyMember,
                message: "already a member".into(),
            },
            ControlError::LastOwner => ApiError::Conflict {
                code: ErrorCode::LastOwner,
                message: "a company must keep at least one owner".into(),
            },
            ControlError::LastOwnerOf(companies) => ApiError::LastOwnerOf(companies),
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
                code: ErrorCode::TwoFactorEnabled,
                message: "two-factor authentication is already on; disable it first".into(),
            },
            TwoFactorError::NotEnabled => ApiError::Conflict {
                code: ErrorCode::TwoFactorNotEnabled,
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
            TenancyError::Busy => ApiError::Busy { retry_after: 1 },
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
            DomainError::Forbidden => ApiError::Forbidden,
            DomainError::Limit(message) => ApiError::PlanLimit(message),
            DomainError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer's status is its code's, and the codes are the ones clients know.
    #[test]
    fn status_comes_from_the_code() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400, "bad_request"),
            (
                ApiError::Unauthenticated("x".into()),
                401,
                "unauthenticated",
            ),
            (ApiError::TwoFactorRequired, 401, "two_factor_required"),
            (
                ApiError::TwoFactorSetupRequired,
                403,
                "two_factor_setup_required",
            ),
            (ApiError::PlanLimit("x".into()), 403, "plan_limit"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::conflict("x"), 409, "conflict"),
            (ApiError::invalid("name", "is wrong"), 422, "invalid"),
            (
                ApiError::RateLimited { retry_after: 1 },
                429,
                "rate_limited",
            ),
            (ApiError::Internal("x".into()), 500, "internal"),
            (ApiError::Busy { retry_after: 1 }, 503, "busy"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status, "{code}");
            assert_eq!(error.code().as_str(), code);
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
        }
        for code in ErrorCode::ALL {
            assert_eq!(status_of(*code).as_u16(), code.status(), "{code}");
        }
    }

    #[test]
    fn documented_statuses_name_every_code() {
        let documented = documented_statuses();
        for code in ErrorCode::ALL {
            let (_, codes) = documented
                .iter()
                .find(|(status, _)| *status == code.status())
                .unwrap_or_else(|| panic!("no status for {code}"));
            assert!(codes.split(", ").any(|c| c == code.as_str()), "{code}");
        }
    }

    #[test]
    fn specific_conflicts_keep_their_codes() {
        let e: ApiError = silo_control::ControlError::LastOwner.into();
        assert_eq!((e.code(), e.status().as_u16()), (ErrorCode::LastOwner, 409));
        let e: ApiError = silo_domain::DomainError::conflict(ErrorCode::InvoiceLocked, "x").into();
        assert_eq!(e.code(), ErrorCode::InvoiceLocked);
        let e: ApiError = silo_control::TwoFactorError::AlreadyEnabled.into();
        assert_eq!(e.code().as_str(), "two_factor_enabled");
    }
}
