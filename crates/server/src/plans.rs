//! Moving a company to another plan: whether it fits the plan's limits is checked here once,
//! for an owner's request (`PATCH /api/company`) and the operator's `silo company plan` alike.

use crate::error::ApiError;
use silo_control::{Company, ControlPlane, Plan};
use silo_store::TenantDb;

/// Refuses (`plan_limit`) a move to `plan` when the company holds more members or contacts
/// than the plan allows; nothing changes either way.
pub async fn check_fits(
    control: &ControlPlane,
    db: &TenantDb,
    company: &Company,
    plan: Plan,
) -> Result<(), ApiError> {
    let limits = control.plan_limits(plan).await?;
    if let Some(max) = limits.max_seats
        && control.seats_in_use(company.id).await? > max
    {
        return Err(ApiError::PlanLimit(format!(
            "the {plan} plan allows {max} members"
        )));
    }
    if let Some(max) = limits.max_contacts
        && silo_domain::contacts::count(db).await? > max
    {
        return Err(ApiError::PlanLimit(format!(
            "the {plan} plan allows {max} contacts"
        )));
    }
    Ok(())
}
