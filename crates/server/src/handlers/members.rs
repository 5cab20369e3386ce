//! Members of the caller's company: list, invite (by mail, pending until accepted), change
//! role, remove, with the owner rules of roles.md.

use crate::AppState;
use crate::audit::record_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::notify::{self, InvitationMail};
use crate::pagination::{Page, PageQuery, Query};
use crate::validate::{Name, Optional, Problems, Sent, take};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_control::{
    AuditAction, ControlError, Email, IdentityId, Invitation, InvitationId, InvitationStatus,
    Member, NewInvitation,
};
use silo_mail::Lang;
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

/// `POST /api/members` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddMember {
    email: Sent<Email>,
    role: Sent<Role>,
    #[serde(default)]
    name: Optional<Name>,
    /// `en` or `nl`: the language of the invitation mail (default: the browser's).
    language: Option<String>,
}

/// `POST /api/members` and resend answer: the pending membership.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Invited {
    invitation: Invitation,
}

/// `POST /api/members`: invites an address in a role; the invitation goes by mail and grants
/// nothing until the person accepts. The answer is the same whether the address is registered
/// anywhere or not, and holds no link: only the address's holder gets one.
pub async fn add(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    Json(req): Json<AddMember>,
) -> Result<(StatusCode, Json<Invited>), ApiError> {
    let mut p = Problems::new();
    let fields = take!(p, req => email, role, name);
    let (email, role, name) = p.done(fields)?;
    if !tenant.role.may_manage(role) {
        return Err(ApiError::Forbidden);
    }
    state
        .request_limits
        .invitation_mail(tenant.company.id.as_uuid())
        .await?;
    let control = state.tenancy.control();
    let limits = control.plan_limits(tenant.company.plan).await?;
    let lang = notify::language(req.language.as_deref(), &headers);
    let new = NewInvitation {
        company: tenant.company.id,
        email,
        role,
        name: name.map(String::from).unwrap_or_default(),
        invited_by: Some(tenant.identity.id),
        language: lang.as_str().to_owned(),
        ttl: state.config.invitation_ttl,
    };
    let (invitation, token) =
        control
            .invite(&new, limits.max_seats)
            .await
            .map_err(|e| match e {
                ControlError::SeatLimit(max) => ApiError::PlanLimit(format!(
                    "the {} plan allows {max} members",
                    tenant.company.plan
                )),
                e => e.into(),
            })?;
    send_invitation(&state, &tenant, &invitation, &token).await?;
    record_write(&state, &tenant, AuditAction::MemberInvite, invitation.id).await?;
    Ok((StatusCode::CREATED, Json(Invited { invitation })))
}

async fn send_invitation(
    state: &AppState,
    tenant: &Tenant,
    invitation: &Invitation,
    token: &str,
) -> Result<(), ApiError> {
    let inviter = match tenant.identity.name.trim() {
        "" => tenant.identity.email.as_str(),
        name => name,
    };
    state
        .notifier()
        .invitation(&InvitationMail {
            lang: Lang::from_tag_or_default(Some(&invitation.language)),
            to: &invitation.email,
            company: &tenant.company.name,
            inviter,
            role: invitation.role,
            token,
            ttl: state.config.invitation_ttl,
        })
        .await
}

/// `GET /api/members/invitations`: the company's pending invitations (expired ones included,
/// flagged, so they can be sent again).
pub async fn invitations(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Invitation>>, ApiError> {
    let limit = page.limit()?;
    let after: Option<InvitationId> = page.cursor()?;
    let items = state
        .tenancy
        .control()
        .pending_invitations(tenant.company.id, after, limit + 1)
        .await?;
    Ok(Json(Page::from_overfetch(items, limit, |i| {
        i.id.to_string()
    })))
}

fn invitation_in_path(raw: &str) -> Result<InvitationId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// A pending invitation of the caller's company whose role the caller may grant.
async fn pending_and_manageable(
    state: &AppState,
    tenant: &Tenant,
    id: InvitationId,
) -> Result<Invitation, ApiError> {
    let invitation = state
        .tenancy
        .control()
        .invitation(tenant.company.id, id)
        .await?
        .filter(|i| i.status == InvitationStatus::Pending)
        .ok_or(ApiError::NotFound)?;
    if !tenant.role.may_manage(invitation.role) {
        return Err(ApiError::Forbidden);
    }
    Ok(invitation)
}

/// `POST /api/members/invitations/{id}/resend`: a new link by mail (the old one stops working)
/// and a new expiry.
pub async fn resend(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(raw): Path<String>,
) -> Result<Json<Invitation>, ApiError> {
    let id = invitation_in_path(&raw)?;
    let control = state.tenancy.control();
    pending_and_manageable(&state, &tenant, id).await?;
    state
        .request_limits
        .invitation_mail(tenant.company.id.as_uuid())
        .await?;
    let (invitation, token) = control
        .renew_invitation(tenant.company.id, id, state.config.invitation_ttl)
        .await?;
    send_invitation(&state, &tenant, &invitation, &token).await?;
    record_write(&state, &tenant, AuditAction::MemberInviteResend, id).await?;
    Ok(Json(invitation))
}

/// `DELETE /api/members/invitations/{id}`: withdraws a pending invitation.
pub async fn revoke(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = invitation_in_path(&raw)?;
    let control = state.tenancy.control();
    pending_and_manageable(&state, &tenant, id).await?;
    control.revoke_invitation(tenant.company.id, id).await?;
    record_write(&state, &tenant, AuditAction::MemberInviteRevoke, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /api/members/{identity_id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangeRole {
    role: Sent<Role>,
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
    let mut p = Problems::new();
    let fields = take!(p, req => role);
    let (role,) = p.done(fields)?;
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
    record_write(&state, &tenant, AuditAction::MemberRole, identity).await?;
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
    record_write(&state, &tenant, AuditAction::MemberRemove, identity).await?;
    Ok(StatusCode::NO_CONTENT)
}
