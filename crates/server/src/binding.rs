//! Request binding: from a bearer token to an identity, and from its verified `company_id`
//! claim to that company's database. Nothing else in a request (headers, host, query) can
//! name, override or narrow the company. Every step fails closed.

use crate::AppState;
use crate::error::ApiError;
use crate::routes::Access;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use silo_control::{Company, CompanyId, CompanyStatus, Identity, IdentityId, IdentityStatus};
use silo_roles::Role;
use silo_store::TenantDb;

/// A caller whose token passed verification and whose identity still exists and may log in.
#[derive(Debug)]
pub struct Authenticated {
    /// The identity (`sub`).
    pub identity: Identity,
    /// The company the token is bound to (`company_id`), if any. Not yet checked against the
    /// registry: [`Tenant`] does that.
    pub company_claim: Option<CompanyId>,
}

/// A request bound to one company: the company from the token's claim, active, the caller a
/// member now, the role granting the route's permission, and its database open.
#[derive(Debug)]
pub struct Tenant {
    /// The company (from the registry, as of this request).
    pub company: Company,
    /// The caller.
    pub identity: Identity,
    /// The caller's role in the company, as of this request.
    pub role: Role,
    /// The company's own database.
    pub db: TenantDb,
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("no Authorization header".into()))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("Authorization header is not text".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthenticated("Authorization is not `Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated(
            "Authorization is not `Bearer <token>`".into(),
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let verified = state
            .tokens
            .verify(token)
            .map_err(|e| ApiError::Unauthenticated(format!("token refused: {e}")))?;
        let identity = state
            .tenancy
            .control()
            .identity(IdentityId::from_uuid(verified.identity()))
            .await?
            .filter(|i| i.status == IdentityStatus::Active)
            .ok_or_else(|| ApiError::Unauthenticated("identity unknown or disabled".into()))?;
        Ok(Authenticated {
            identity,
            company_claim: verified.company().map(CompanyId::from_uuid),
        })
    }
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The route table attaches each route's access rule; a handler asking for a tenant on a
        // route that declares no permission is a wiring bug and serves nothing.
        let permission = match parts.extensions.get::<Access>() {
            Some(Access::Company(p)) => *p,
            _ => {
                return Err(ApiError::Internal(
                    "company-scoped handler on a route without a permission".into(),
                ));
            }
        };
        let auth = Authenticated::from_request_parts(parts, state).await?;
        let company_id = auth.company_claim.ok_or(ApiError::NoCompany)?;
        let control = state.tenancy.control();
        let company = control
            .company(company_id)
            .await?
            .ok_or(ApiError::TenantUnresolved)?;
        match company.status {
            CompanyStatus::Active => {}
            CompanyStatus::Suspended => return Err(ApiError::CompanySuspended),
            CompanyStatus::Provisioning | CompanyStatus::Erased => {
                return Err(ApiError::TenantUnresolved);
            }
        }
        let role = control
            .role_of(auth.identity.id, company.id)
            .await?
            .ok_or(ApiError::NotAMember)?;
        if !role.can(permission) {
            return Err(ApiError::Forbidden);
        }
        let db = state.tenancy.tenant_db(&company).await?;
        Ok(Tenant {
            company,
            identity: auth.identity,
            role,
            db,
        })
    }
}
