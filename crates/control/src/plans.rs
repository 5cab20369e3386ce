//! Plans: what a company may have (seats, contacts), never how it is isolated.

use crate::{ControlError, ControlPlane};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::params;

silo_contract::string_enum! {
    /// A plan a company can be on.
    pub enum Plan {
        /// 10 seats, 2,500 contacts; where every company starts.
        Starter = "starter",
        /// 50 seats, 50,000 contacts.
        Growth = "growth",
        /// No limits.
        Scale = "scale",
    }
}

impl Plan {
    /// Whether an owner may move their company to this plan alone: only to the plan every
    /// company starts on. A paid plan is set by the operator (`silo company plan`), who knows
    /// whether it is paid for.
    pub fn owner_may_choose(self) -> bool {
        self == Plan::Starter
    }
}

/// A plan's limits as stored in the control plane; `None` is no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlanLimits {
    /// Most memberships a company may hold.
    pub max_seats: Option<i64>,
    /// Most contacts a company may hold.
    pub max_contacts: Option<i64>,
}

impl ControlPlane {
    /// The limits of `plan`.
    pub async fn plan_limits(&self, plan: Plan) -> Result<PlanLimits, ControlError> {
        let row = self
            .db
            .fetch_one(
                "SELECT max_seats, max_contacts FROM plans WHERE name = $1",
                params![plan.as_str()],
            )
            .await?;
        Ok(PlanLimits {
            max_seats: row.get("max_seats")?,
            max_contacts: row.get("max_contacts")?,
        })
    }

    /// Changes a plan's limits (an operator's decision; applies to every company on the plan).
    pub async fn set_plan_limits(
        &self,
        plan: Plan,
        limits: PlanLimits,
    ) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE plans SET max_seats = $1, max_contacts = $2 WHERE name = $3",
                params![limits.max_seats, limits.max_contacts, plan.as_str()],
            )
            .await?;
        Ok(())
    }
}
