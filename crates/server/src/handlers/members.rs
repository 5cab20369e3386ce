//! Members of the caller's company: list, invite or add, change role, remove, with the owner
//! rules of roles.md.

use crate::AppState;
use crate::audit::record_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query};
use crate::validate::Fields;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_control::{ControlError, Email, IdentityId, IdentityStatus, Member, NewIdentity};
use silo_roles::Role;

/// `GET /api/members`.
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Member>>, ApiError> {
    let limit = page.limit()?;
    let after: Option<IdentityId> = page.cursor()?;
    let items = state
        .tenancy
        .control()
        .members_page(tenant.company.id, after, limit + 1)
        .await?;
    Ok(Json(Page::from_overfetch(items, limit, |m| {
        m.identity_id.to_string()
    })))
}

fn parse_role(fields: &mut Fields, role: &str) -> Option<Role> {
    fields.check("role", role.parse::<Role>())
}

/// `POST /api/members` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddMember {
    email: String,
    role: String,
    name: Option<String>,
}

/// `POST /api/members` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Added {
    member: Member,
    #[serde(skip_serializing_if = "Option::is_none")]
    invite_url: Option<String>,
}

/// `POST /api/members`: adds an existing identity, or invites a new email (the answer then
/// carries a single-use `invite_url`).
pub async fn add(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<AddMember>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let mut fields = Fields::new();
    let email = fields.check("email", Email::parse(&req.email));
    let role = parse_role(&mut fields, &req.role);
    let name = fields.optional_text("name", req.name.as_deref(), 200);
    fields.finish()?;
    let (Some(email), Some(role), Some(name)) = (email, role, name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    if !tenant.role.may_manage(role) {
        return Err(ApiError::Forbidden);
    }
    let control = state.tenancy.control();
    let limits = control.plan_limits(tenant.company.plan).await?;
    let new = NewIdentity {
        email,
        name: name.unwrap_or_default(),
        password_hash: None,
    };
    let (identity, created) = control
        .add_member_by_email(&new, tenant.company.id, role, limits.max_seats)
        .await
        .map_err(|e| match e {
            ControlError::SeatLimit(max) => ApiError::PlanLimit(format!(
                "the {} plan allows {max} members",
                tenant.company.plan
            )),
            e => e.into(),
        })?;
    // An identity without a password yet (new now, or invited earlier and never accepted)
    // gets an invitation link.
    let needs_password = created
        || control
            .identity(identity)
            .await?
            .is_some_and(|i| i.status == IdentityStatus::Invited);
    let invite_url = if needs_password {
        let token = control
            .create_invitation(identity, tenant.company.id)
            .await?;
        Some(format!(
            "{}/accept-invite?token={token}",
            state.config.public_url.trim_end_matches('/')
        ))
    } else {
        None
    };
    let action = if invite_url.is_some() {
        "member.invite"
    } else {
        "member.add"
    };
    record_write(&state, &tenant, action, identity).await?;
    let member = control
        .member(tenant.company.id, identity)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(Added { member, invite_url })))
}

/// `PATCH /api/members/{identity_id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangeRole {
    role: String,
}

fn identity_in_path(raw: &str) -> Result<IdentityId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// `PATCH /api/members/{identity_id}`: changes a member's role.
pub async fn change_role(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(raw): Path<String>,
    Json(req): Json<ChangeRole>,
) -> Result<Json<Member>, ApiError> {
    let mut fields = Fields::new();
    let role = parse_role(&mut fields, &req.role);
    fields.finish()?;
    let role = role.ok_or_else(|| ApiError::Internal("validated role missing".into()))?;
    let identity = identity_in_path(&raw)?;
    let control = state.tenancy.control();
    let current = control
        .member(tenant.company.id, identity)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !tenant.role.may_manage(current.role) || !tenant.role.may_manage(role) {
        return Err(ApiError::Forbidden);
    }
    control.set_role(identity, tenant.company.id, role).await?;
    record_write(&state, &tenant, "member.role", identity).await?;
    let member = control
        .member(tenant.company.id, identity)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(member))
}

/// `DELETE /api/members/{identity_id}`: removes a member.
pub async fn remove(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let identity = identity_in_path(&raw)?;
    let control = state.tenancy.control();
    let current = control
        .member(tenant.company.id, identity)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !tenant.role.may_manage(current.role) {
        return Err(ApiError::Forbidden);
    }
    control
        .remove_membership(identity, tenant.company.id)
        .await?;
    record_write(&state, &tenant, "member.remove", identity).await?;
    Ok(StatusCode::NO_CONTENT)
}
