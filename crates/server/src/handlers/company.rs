//! `GET`, `PATCH` and `DELETE /api/company`: the caller's company as the registry keeps it.

use crate::AppState;
use crate::audit::record_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::validate::{Choice, Name, Problems, Sent, rule, take};
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_control::{AuditAction, Company, Eraser, Plan};
use silo_roles::{Permission, Role};

/// `GET /api/company`.
pub async fn get(tenant: Tenant) -> Json<Company> {
    Json(tenant.company)
}

/// `PATCH /api/company` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PatchCompany {
    name: Option<Sent<Name>>,
    plan: Option<Sent<Choice<Plan>>>,
    /// Refuse members without two-factor authentication (owners only; an owner turning it on
    /// must have it).
    require_two_factor: Option<bool>,
}

/// `PATCH /api/company`: rename (company.update), move back to the starter plan
/// (company.billing, owners; paid plans are the operator's) or require two-factor of every
/// member (owners).
pub async fn patch(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<PatchCompany>,
) -> Result<Json<Company>, ApiError> {
    let mut p = Problems::new();
    let fields = take!(p, req => name, plan);
    let (name, plan) = p.done(fields)?;
    let plan = plan.map(Choice::get);
    if plan.is_some() && !tenant.role.can(Permission::CompanyBilling) {
        return Err(ApiError::Forbidden);
    }
    if plan.is_some_and(|p| p != tenant.company.plan && !p.owner_may_choose()) {
        return Err(ApiError::PlanByOperator);
    }
    let control = state.tenancy.control();
    let require_two_factor = req
        .require_two_factor
        .filter(|on| *on != tenant.company.require_two_factor);
    if let Some(on) = require_two_factor {
        // Who may lock members out of the company is an owner's call, like its plan.
        if tenant.role != Role::Owner {
            return Err(ApiError::Forbidden);
        }
        // Turning it on without having it would refuse the owner's own next request.
        if on && !control.two_factor_enabled(tenant.identity.id).await? {
            return Err(rule(
                "require_two_factor",
                "turn on two-factor authentication for yourself first",
            ));
        }
    }
    let mut company = tenant.company.clone();
    if let Some(plan) = plan.filter(|p| *p != company.plan) {
        crate::plans::check_fits(control, &tenant.db, &company, plan).await?;
        company = control.set_plan(company.id, plan).await?;
        record_write(&state, &tenant, AuditAction::CompanyPlan, company.id).await?;
    }
    if let Some(on) = require_two_factor {
        company = control.set_require_two_factor(company.id, on).await?;
        record_write(
            &state,
            &tenant,
            AuditAction::CompanyRequireTwoFactor,
            company.id,
        )
        .await?;
    }
    if let Some(name) = name {
        company = control.rename_company(company.id, name.as_str()).await?;
        record_write(&state, &tenant, AuditAction::CompanyUpdate, company.id).await?;
    }
    Ok(Json(company))
}

/// `DELETE /api/company` body: the company's slug, typed again to confirm.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EraseCompany {
    confirm: Option<String>,
}

/// `DELETE /api/company` (company.delete, owners): erases the company for good. Its database,
/// memberships and invitations go; the answer is the tombstone. Every token for it answers
/// 403 `tenant_unresolved` afterwards.
pub async fn erase(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<EraseCompany>,
) -> Result<Json<Company>, ApiError> {
    if req.confirm.as_deref() != Some(tenant.company.slug.as_str()) {
        return Err(rule(
            "confirm",
            "must be the company's slug, to confirm erasing it",
        ));
    }
    let tombstone = state
        .tenancy
        .erase(&tenant.company, Eraser::Identity(tenant.identity.id))
        .await?;
    record_write(&state, &tenant, AuditAction::CompanyErase, tombstone.id).await?;
    Ok(Json(tombstone))
}
