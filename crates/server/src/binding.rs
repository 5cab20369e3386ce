//! Request binding: from a bearer token to an identity, and from its verified `company_id`
//! claim to that company's database. Nothing else in a request (headers, host, query) can
//! name, override or narrow the company. Every step fails closed.

use crate::AppState;
use crate::error::ApiError;
use crate::refusals::RefusalReason;
use crate::routes::Access;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use silo_control::{
    AccessView, AuditAction, AuditEvent, Company, CompanyId, CompanyStatus, Identity, IdentityId,
    Outcome,
};
use silo_roles::Role;
use silo_store::TenantDb;
use std::net::SocketAddr;

/// Where a request came from, for audit records and limits.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    /// The client's address: the TCP peer, or the address a trusted proxy forwarded for
    /// (`--trusted-proxy`; see [`crate::client_ip`]).
    pub client_ip: Option<std::net::IpAddr>,
    /// The request id (also returned as `X-Request-Id`): one the server made, or a client's
    /// marked `client:` (see [`crate::request_id`]).
    pub request_id: Option<String>,
}

/// The client's address: the TCP peer, or the one a trusted proxy forwarded for.
fn client_ip_of(parts: &Parts, state: &AppState) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
        crate::client_ip::client_ip(c.0.ip(), &parts.headers, &state.config.trusted_proxies)
    })
}

impl RequestMeta {
    fn of(parts: &Parts, state: &AppState) -> Self {
        RequestMeta {
            client_ip: client_ip_of(parts, state),
            request_id: parts
                .extensions
                .get::<crate::request_id::RequestId>()
                .map(|id| id.as_str().to_owned()),
        }
    }

    /// An audit event from this request.
    pub fn event(
        &self,
        company: Option<CompanyId>,
        actor: Option<IdentityId>,
        action: AuditAction,
        target: Option<String>,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            company,
            actor: actor.map(silo_control::Actor::from),
            action,
            target,
            outcome,
            client_ip: self.client_ip.map(|ip| ip.to_string()),
            request_id: self.request_id.clone(),
            event_id: None,
        }
    }
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestMeta::of(parts, state))
    }
}

/// A caller whose token passed verification and whose identity still exists and may log in.
#[derive(Debug)]
pub struct Authenticated {
    /// The identity (`sub`).
    pub identity: Identity,
    /// The company the token is bound to (`company_id`), if any. Not yet checked against the
    /// registry: [`Tenant`] does that.
    pub company_claim: Option<CompanyId>,
    /// Where the request came from.
    pub meta: RequestMeta,
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
    /// Where the request came from.
    pub meta: RequestMeta,
}

impl Tenant {
    /// Who makes this request's writes, as the company's outbox records it.
    pub fn origin(&self) -> silo_domain::Origin {
        silo_domain::Origin {
            actor: Some(self.identity.id.as_uuid()),
            portal_user: None,
            client_ip: self.meta.client_ip.map(|ip| ip.to_string()),
            request_id: self.meta.request_id.clone(),
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let header = headers
        .next()
        .ok_or_else(|| ApiError::Unauthenticated("no Authorization header".into()))?;
    // With two credentials, a proxy that reads the last and we who read the first would act
    // for different callers; refuse rather than pick one.
    if headers.next().is_some() {
        return Err(ApiError::Unauthenticated(
            "more than one Authorization header".into(),
        ));
    }
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

/// Counts a refused token for the audit trail (per client address and minute, see
/// [`crate::refusals`]).
fn note_refused(parts: &Parts, state: &AppState, reason: RefusalReason) {
    state
        .token_refusals
        .note(client_ip_of(parts, state), reason);
}

/// Verifies the bearer token of a request. A request without a bearer token presented no token:
/// it is refused but not counted; a presented token that fails is counted.
fn verified_token(parts: &Parts, state: &AppState) -> Result<silo_auth::VerifiedToken, ApiError> {
    let token = bearer(parts)?;
    state.tokens.verify(token).map_err(|e| {
        note_refused(parts, state, RefusalReason::from(&e));
        ApiError::Unauthenticated(format!("token refused: {e}"))
    })
}

/// The token's identity if it still may act: it exists, is active with a proven address, the
/// token was issued after its last "end every session" (password change, log out everywhere,
/// disabling), and the browser session the token was issued for (if any) has not ended. A
/// refusal is counted like a bad token's.
fn usable(
    parts: &Parts,
    state: &AppState,
    view: &AccessView,
    token: &silo_auth::VerifiedToken,
) -> Result<Identity, ApiError> {
    let Some(identity) = view.identity.clone().filter(Identity::usable) else {
        note_refused(parts, state, RefusalReason::IdentityUnusable);
        return Err(ApiError::Unauthenticated(
            "identity unknown or disabled".into(),
        ));
    };
    if !identity.accepts_token_issued_at(token.issued_at_micros()) {
        note_refused(parts, state, RefusalReason::SessionsEnded);
        return Err(ApiError::Unauthenticated(
            "the token was issued before the identity's sessions were ended".into(),
        ));
    }
    if view.session_ended {
        note_refused(parts, state, RefusalReason::SessionEnded);
        return Err(ApiError::Unauthenticated(
            "the session the token was issued for has ended".into(),
        ));
    }
    Ok(identity)
}

/// What the registry says about the token now: its identity, its company if `company`, and its
/// session. One registry read (none on SQLite while the registry is unchanged).
async fn token_view(
    state: &AppState,
    token: &silo_auth::VerifiedToken,
    company: Option<CompanyId>,
) -> Result<AccessView, ApiError> {
    Ok(state
        .tenancy
        .control()
        .token_access(
            IdentityId::from_uuid(token.identity()),
            company,
            token.session(),
        )
        .await?)
}

fn note_bound(parts: &Parts, identity: IdentityId, company: Option<CompanyId>) {
    if let Some(bound) = parts.extensions.get::<crate::observe::Bound>() {
        bound.set(identity, company);
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let verified = verified_token(parts, state)?;
        let view = token_view(state, &verified, None).await?;
        let identity = usable(parts, state, &view, &verified)?;
        note_bound(parts, identity.id, None);
        Ok(Authenticated {
            identity,
            company_claim: verified.company().map(CompanyId::from_uuid),
            meta: RequestMeta::of(parts, state),
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
        let verified = verified_token(parts, state)?;
        let Some(company_id) = verified.company().map(CompanyId::from_uuid) else {
            // Still a 401 first when the identity or the session is gone.
            usable(
                parts,
                state,
                &token_view(state, &verified, None).await?,
                &verified,
            )?;
            return Err(ApiError::NoCompany);
        };
        // Identity, company, membership and session as of now, in one registry read.
        let view = token_view(state, &verified, Some(company_id)).await?;
        let identity = usable(parts, state, &view, &verified)?;
        let company = view.company.ok_or(ApiError::TenantUnresolved)?;
        if matches!(
            company.status,
            CompanyStatus::Provisioning | CompanyStatus::Erased
        ) {
            return Err(ApiError::TenantUnresolved);
        }
        let auth = Authenticated {
            identity,
            company_claim: Some(company_id),
            meta: RequestMeta::of(parts, state),
        };
        let refusal = Refusal {
            state,
            parts,
            auth: &auth,
            company: company.id,
        };
        if company.status == CompanyStatus::Suspended {
            return Err(refusal
                .record(
                    AuditAction::AccessCompanySuspended,
                    ApiError::CompanySuspended,
                )
                .await);
        }
        let Some(role) = view.role else {
            return Err(refusal
                .record(AuditAction::AccessNotAMember, ApiError::NotAMember)
                .await);
        };
        // Read in the same registry view as the membership, so turning the requirement on (or
        // resetting someone's two-factor) acts on the very next request.
        if company.require_two_factor && !view.two_factor {
            return Err(refusal
                .record(
                    AuditAction::AccessTwoFactorSetupRequired,
                    ApiError::TwoFactorSetupRequired,
                )
                .await);
        }
        if !role.can(permission) {
            return Err(refusal
                .record(AuditAction::AccessForbidden, ApiError::Forbidden)
                .await);
        }
        note_bound(parts, auth.identity.id, Some(company.id));
        let db = open_tenant(state, &company, Some(auth.identity.id)).await?;
        Ok(Tenant {
            company,
            identity: auth.identity,
            role,
            db,
            meta: auth.meta,
        })
    }
}

/// A refusal that reached a known company: audited in that company's chain.
struct Refusal<'a> {
    state: &'a AppState,
    parts: &'a Parts,
    auth: &'a Authenticated,
    company: CompanyId,
}

impl Refusal<'_> {
    /// The first refusal of its kind for this identity and company in a minute is recorded at
    /// once; repeats are counted and recorded together when the minute is over.
    async fn record(&self, action: AuditAction, error: ApiError) -> ApiError {
        if !self
            .state
            .access_refusals
            .note(self.company, self.auth.identity.id, action)
        {
            return error;
        }
        // The route's pattern from the route table (`/api/contacts/{id}`), never the path as
        // the client wrote it; the method is one the route table declares.
        let route = self
            .parts
            .extensions
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        let target = Some(format!("{} {route}", self.parts.method));
        let event = self.auth.meta.event(
            Some(self.company),
            Some(self.auth.identity.id),
            action,
            target,
            Outcome::Failure,
        );
        match self.state.tenancy.control().record(event).await {
            Ok(()) => error,
            Err(e) => e.into(),
        }
    }
}

/// A request of one of a company's portal users (or a staff member's preview of a client's
/// portal): the company from the session token's verified claim, active, its database open,
/// and the session checked in that database (secret, expiry, the portal user still active).
/// The route's part of the portal is checked before the handler runs. Staff tokens are
/// refused here (another audience), as portal tokens are on staff routes.
#[derive(Debug)]
pub struct PortalCaller {
    /// The company's database as the portal reaches it: only through the caller's scope.
    pub portal: silo_domain::portal::PortalDb,
    /// The agency (the company), as of this request.
    pub company: Company,
    /// Where the request came from.
    pub meta: RequestMeta,
    /// The browser's `User-Agent` (bounded), for signature evidence.
    pub user_agent: Option<String>,
}

impl PortalCaller {
    /// Where the request came from, as portal writes and evidence record it.
    pub fn request(&self) -> silo_domain::portal::RequestOrigin {
        silo_domain::portal::RequestOrigin {
            client_ip: self.meta.client_ip.map(|ip| ip.to_string()),
            request_id: self.meta.request_id.clone(),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// The `User-Agent` of a request, bounded to 512 characters (it is stored as evidence).
pub(crate) fn user_agent(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect())
}

/// The company a verified entry token names, if it may serve: known, active, not moving.
pub(crate) async fn entry_company(
    state: &AppState,
    company: uuid::Uuid,
) -> Result<(Company, TenantDb), ApiError> {
    let company = state
        .tenancy
        .control()
        .company(CompanyId::from_uuid(company))
        .await?
        .ok_or(ApiError::TenantUnresolved)?;
    match company.status {
        CompanyStatus::Active => {}
        CompanyStatus::Suspended => return Err(ApiError::CompanySuspended),
        _ => return Err(ApiError::TenantUnresolved),
    }
    let db = open_tenant(state, &company, None).await?;
    Ok((company, db))
}

/// The database of a company that may serve, within the company's bound on requests in flight:
/// the slot taken here is held as long as the returned handle (the request) lives. Without a
/// free slot the request is refused with 503 `busy` at once, counted for the audit trail.
pub(crate) async fn open_tenant(
    state: &AppState,
    company: &Company,
    identity: Option<IdentityId>,
) -> Result<TenantDb, ApiError> {
    let Some(slot) = state.company_gate.enter(company.id) else {
        state.access_refusals.note_busy(company.id, identity);
        return Err(ApiError::Busy { retry_after: 1 });
    };
    let db = state.tenancy.tenant_db(company).await?;
    Ok(db.holding(slot))
}

impl FromRequestParts<AppState> for PortalCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let part = match parts.extensions.get::<Access>() {
            Some(Access::Portal(p)) => *p,
            _ => {
                return Err(ApiError::Internal(
                    "portal handler on a route without a portal part".into(),
                ));
            }
        };
        let token = bearer(parts)?;
        let verified = state
            .entry
            .verify(silo_auth::Purpose::PortalSession, token)
            .map_err(|e| {
                note_refused(parts, state, RefusalReason::from(&e));
                ApiError::Unauthenticated(format!("portal token refused: {e}"))
            })?;
        let (company, db) = entry_company(state, verified.company).await?;
        let portal = silo_domain::portal::sign_in::authenticate(
            db,
            verified.row,
            &verified.secret_hash,
            state.config.portal.sessions,
        )
        .await?
        .ok_or_else(|| {
            ApiError::Unauthenticated("the portal session ended or is unknown".into())
        })?;
        if let Some(staff) = portal.scope().previewed_by() {
            // A preview lasts only while the staff member may still manage the portal: a
            // removed membership or a changed role ends it on the next request.
            let view = state
                .tenancy
                .control()
                .access_view(IdentityId::from_uuid(staff), company.id)
                .await?;
            let still = view.identity.as_ref().is_some_and(Identity::usable)
                && view
                    .role
                    .is_some_and(|r| r.can(silo_roles::Permission::PortalManage));
            if !still {
                return Err(ApiError::Unauthenticated(
                    "the previewing member may no longer manage the portal".into(),
                ));
            }
        }
        if !portal.scope().can(part) {
            return Err(ApiError::Forbidden);
        }
        Ok(PortalCaller {
            portal,
            company,
            meta: RequestMeta::of(parts, state),
            user_agent: user_agent(parts),
        })
    }
}
