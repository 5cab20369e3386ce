//! Identity routes: login, switching company, `me`, JWKS, and what the other identity routes
//! share (token answers, binding a company, password hashing).

use super::session::{self, WithCookie};
use super::two_factor;
use crate::AppState;
use crate::binding::{Authenticated, RequestMeta};
use crate::error::{ApiError, ErrorCode};
use crate::json::Json;
use crate::validate::Sent;
use axum::extract::State;
use axum::http::HeaderMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use silo_auth::password::Password;
use silo_control::{
    AuditAction, Company, CompanyId, CompanyStatus, ControlError, Email, Identity, IdentityId,
    MembershipSummary, NewCompany, NewIdentity, Outcome, Slug,
};
use silo_roles::Role;
use silo_tenancy::TenancyError;

/// The answer to every route that hands out a token.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenResponse {
    token: String,
    token_type: &'static str,
    expires_in: u64,
    company: Option<Company>,
    #[schemars(schema_with = "optional_role_schema")]
    role: Option<&'static str>,
    companies: Vec<CompanyChoice>,
    /// Set by a login whose company requires two-factor authentication that the identity has
    /// not turned on: the token is identity-only; set it up, then switch to this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    two_factor_setup_required: Option<CompanyId>,
}

impl TokenResponse {
    /// Names the company a login could not bind to until two-factor is set up.
    pub(crate) fn with_two_factor_setup(mut self, company: Option<CompanyId>) -> Self {
        self.two_factor_setup_required = company;
        self
    }
}

#[derive(Debug, Serialize, JsonSchema)]
struct CompanyChoice {
    id: String,
    slug: String,
    name: String,
    #[schemars(schema_with = "silo_control::role_schema")]
    role: &'static str,
}

fn choices(memberships: &[MembershipSummary]) -> Vec<CompanyChoice> {
    memberships
        .iter()
        .filter(|m| m.status != CompanyStatus::Erased && m.status != CompanyStatus::Provisioning)
        .map(|m| CompanyChoice {
            id: m.id.to_string(),
            slug: m.slug.to_string(),
            name: m.name.clone(),
            role: m.role.as_str(),
        })
        .collect()
}

/// The answer with a fresh access token of the browser session `session` (its `sid`).
pub(crate) async fn token_response(
    state: &AppState,
    identity: IdentityId,
    bound: Option<(Company, Role)>,
    session: uuid::Uuid,
) -> Result<TokenResponse, ApiError> {
    let issued = state
        .tokens
        .issue_in_session(
            identity.as_uuid(),
            bound.as_ref().map(|(c, _)| c.id.as_uuid()),
            session,
        )
        .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))?;
    let memberships = state.tenancy.control().memberships_of(identity).await?;
    Ok(TokenResponse {
        token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        role: bound.as_ref().map(|(_, r)| r.as_str()),
        company: bound.map(|(c, _)| c),
        companies: choices(&memberships),
        two_factor_setup_required: None,
    })
}

/// Resolves a company the identity wants to be bound to, with the refusals of the request path
/// (including a company's two-factor requirement).
pub(crate) async fn bind_company(
    state: &AppState,
    identity: IdentityId,
    reference: &str,
) -> Result<(Company, Role), ApiError> {
    let bound = bind_member(state, identity, reference).await?;
    two_factor::require_if_needed(state, identity, &bound.0).await?;
    Ok(bound)
}

/// Logs `identity` in to `company` as a login would (a session cookie and a token), for routes
/// that just made it a member: a company that requires two-factor of an identity without it
/// gets an identity-only token naming the company, so the person sets it up and then switches.
pub(crate) async fn log_in_to(
    state: &AppState,
    headers: &HeaderMap,
    identity: IdentityId,
    company: CompanyId,
) -> Result<WithCookie<Json<TokenResponse>>, ApiError> {
    let bound = bind_member(state, identity, &company.to_string()).await?;
    let (bound, setup_required) = two_factor::gate_login(state, identity, Some(bound)).await?;
    let chosen = bound.as_ref().map(|(c, _)| c.id);
    let started = session::start(state, headers, identity, chosen).await?;
    let response = token_response(state, identity, bound, started.id).await?;
    Ok(WithCookie(
        started.cookie,
        Json(response.with_two_factor_setup(setup_required)),
    ))
}

/// [`bind_company`] without the two-factor requirement, which login answers differently.
async fn bind_member(
    state: &AppState,
    identity: IdentityId,
    reference: &str,
) -> Result<(Company, Role), ApiError> {
    let control = state.tenancy.control();
    // Unknown companies answer like foreign ones, so the answer does not reveal which exist.
    let company = control
        .find_company(reference)
        .await?
        .ok_or(ApiError::NotAMember)?;
    let role = control
        .role_of(identity, company.id)
        .await?
        .ok_or(ApiError::NotAMember)?;
    match company.status {
        CompanyStatus::Active => Ok((company, role)),
        CompanyStatus::Suspended => Err(ApiError::CompanySuspended),
        CompanyStatus::Provisioning | CompanyStatus::Erased => Err(ApiError::TenantUnresolved),
    }
}

/// Letters of the random suffix of a signup's slug: lower-case, without i, l, o and 1.
const SLUG_SUFFIX_ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz234567890";

/// Characters of that suffix: 32^6 (about a billion) per name, so a collision is rare and
/// guessing another company's slug hopeless.
const SLUG_SUFFIX_CHARS: usize = 6;

/// The slug derived from the name with a random suffix (`acme-digital-k3xq7z`), provisioned.
/// Every signup gets a suffix, so the slug a signup receives never tells whether another
/// company already uses the plain name (a numbered `acme-2` would). A collision draws again.
pub(crate) async fn provision_with_free_slug(
    state: &AppState,
    name: String,
    slug: Slug,
    owner: NewIdentity,
) -> Result<Company, ApiError> {
    let base: String = slug
        .as_str()
        .chars()
        .take(63 - 1 - SLUG_SUFFIX_CHARS)
        .collect();
    let base = base.trim_end_matches('-');
    for _ in 0..8 {
        let candidate = Slug::parse(&format!("{base}-{}", slug_suffix()))
            .map_err(|e| ApiError::Internal(format!("a generated slug was refused: {e}")))?;
        match state
            .tenancy
            .provision(
                NewCompany {
                    name: name.clone(),
                    slug: candidate,
                },
                owner.clone(),
            )
            .await
        {
            Err(TenancyError::Control(ControlError::SlugTaken(_))) => continue,
            other => return Ok(other?),
        }
    }
    Err(ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        message: "no free short name for this company name".into(),
    })
}

/// [`SLUG_SUFFIX_CHARS`] random letters of [`SLUG_SUFFIX_ALPHABET`].
fn slug_suffix() -> String {
    use rand::Rng as _;
    let mut rng = rand::rng();
    (0..SLUG_SUFFIX_CHARS)
        // 32 divides 2^32, so taking the low five bits is uniform.
        .map(|_| char::from(SLUG_SUFFIX_ALPHABET[(rng.next_u32() % 32) as usize]))
        .collect()
}

/// `POST /api/auth/login` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LoginRequest {
    email: Sent<Email>,
    password: String,
    company: Option<String>,
    /// A code from the authenticator app or a recovery code, for identities with two-factor on.
    code: Option<String>,
}

/// `POST /api/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<WithCookie<Json<TokenResponse>>, ApiError> {
    let (key, address) = (req.email.raw().as_str(), meta.client_ip);
    // Counted before anything is looked up or verified: parallel guesses cannot outrun it.
    state.limiter.attempt(key, address).await?;
    let control = state.tenancy.control();
    // An address outside the rule names no identity: the same answer as an unknown one.
    let identity: Option<Identity> = match Email::parse(req.email.raw()) {
        Ok(email) => control.identity_by_email(&email).await?,
        Err(_) => None,
    };
    let usable = identity.as_ref().filter(|i| i.usable());
    // Unknown emails are checked against a dummy hash, so both failures take as long.
    let hash = usable.and_then(|i| i.password_hash.clone());
    let valid = match state
        .passwords
        .verify(Password::new(req.password), hash)
        .await
    {
        Ok(valid) => valid,
        Err(e) => {
            state.limiter.not_verified(key, address).await;
            return Err(e);
        }
    };
    let Some(identity) = usable.filter(|_| valid) else {
        let actor = identity.as_ref().map(|i| i.id);
        control
            .record(meta.event(None, actor, AuditAction::AuthLogin, None, Outcome::Failure))
            .await?;
        return Err(ApiError::InvalidCredentials);
    };
    two_factor::check_login_code(&state, &meta, identity, req.code.as_deref()).await?;
    state.limiter.succeeded(key, address).await;
    let bound = match req.company.as_deref().map(str::trim) {
        Some(reference) if !reference.is_empty() => {
            Some(bind_member(&state, identity.id, reference).await?)
        }
        _ => {
            let memberships = control.memberships_of(identity.id).await?;
            let active: Vec<_> = memberships
                .iter()
                .filter(|m| m.status == CompanyStatus::Active)
                .collect();
            match (memberships.len(), active.first()) {
                (1, Some(only)) => {
                    Some(bind_member(&state, identity.id, &only.id.to_string()).await?)
                }
                _ => None,
            }
        }
    };
    let (bound, setup_required) = two_factor::gate_login(&state, identity.id, bound).await?;
    let company = bound.as_ref().map(|(c, _)| c.id);
    control
        .record(meta.event(
            company,
            Some(identity.id),
            AuditAction::AuthLogin,
            None,
            Outcome::Success,
        ))
        .await?;
    let started = session::start(&state, &headers, identity.id, company).await?;
    let response = token_response(&state, identity.id, bound, started.id).await?;
    Ok(WithCookie(
        started.cookie,
        Json(response.with_two_factor_setup(setup_required)),
    ))
}

/// `POST /api/auth/switch` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SwitchRequest {
    company: String,
}

/// `POST /api/auth/switch`: a token bound to another company of the same identity.
pub async fn switch(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    Json(req): Json<SwitchRequest>,
) -> Result<WithCookie<Json<TokenResponse>>, ApiError> {
    let bound = bind_company(&state, auth.identity.id, req.company.trim()).await?;
    // The browser's session follows the switch, so a reload lands in the chosen company.
    let started = session::start(&state, &headers, auth.identity.id, Some(bound.0.id)).await?;
    let response = token_response(&state, auth.identity.id, Some(bound), started.id).await?;
    Ok(WithCookie(started.cookie, Json(response)))
}

/// `GET /api/me`: who the caller is, where, and what they may do.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    identity: MeIdentity,
    /// The caller's role in the token's company, when bound to an active one.
    #[schemars(schema_with = "optional_role_schema")]
    role: Option<&'static str>,
    /// The token's company, when bound to an active one of the caller's.
    company: Option<Company>,
    /// What the role allows in that company.
    permissions: Vec<&'static str>,
    /// Every company the caller may switch to.
    companies: Vec<CompanyChoice>,
    /// Pending invitations addressed to the caller.
    invitations: Vec<silo_control::OfferedMembership>,
    two_factor: TwoFactorState,
}

/// The identity part of [`Me`].
#[derive(Debug, Serialize, JsonSchema)]
struct MeIdentity {
    id: IdentityId,
    email: Email,
    name: String,
}

/// Whether two-factor authentication is on.
#[derive(Debug, Serialize, JsonSchema)]
struct TwoFactorState {
    enabled: bool,
}

fn optional_role_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = silo_control::role_schema(generator);
    schema.insert("type".into(), json!(["string", "null"]));
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

/// `GET /api/me`.
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Me>, ApiError> {
    let control = state.tenancy.control();
    let mut bound: Option<(Company, Role)> = None;
    if let Some(company_id) = auth.company_claim
        && let Some(company) = control.company(company_id).await?
        && let Some(role) = control.role_of(auth.identity.id, company_id).await?
        && company.status == CompanyStatus::Active
    {
        bound = Some((company, role));
    }
    let memberships = control.memberships_of(auth.identity.id).await?;
    let invitations = control.offers_for(&auth.identity).await?;
    let two_factor = control.two_factor_enabled(auth.identity.id).await?;
    let permissions: Vec<&str> = bound
        .as_ref()
        .map(|(_, r)| r.permissions().map(|p| p.as_str()).collect())
        .unwrap_or_default();
    Ok(Json(Me {
        identity: MeIdentity {
            id: auth.identity.id,
            email: auth.identity.email.clone(),
            name: auth.identity.name.clone(),
        },
        role: bound.as_ref().map(|(_, r)| r.as_str()),
        company: bound.map(|(c, _)| c),
        permissions,
        companies: choices(&memberships),
        invitations,
        two_factor: TwoFactorState {
            enabled: two_factor,
        },
    }))
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(State(state): State<AppState>) -> axum::Json<Value> {
    axum::Json(state.tokens.jwks())
}
