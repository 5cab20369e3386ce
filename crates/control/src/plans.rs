//! Plans: what a company may have (seats, contacts), never how it is isolated.

use crate::{ControlError, ControlPlane};
use schemars::JsonSchema;
use serde::{Serialize, Serializer};
use silo_store::params;
use std::fmt;
use std::str::FromStr;

/// A plan a company can be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    /// 10 seats, 2,500 contacts; where every company starts.
    Starter,
    /// 50 seats, 50,000 contacts.
    Growth,
    /// No limits.
    Scale,
}

impl Plan {
    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Growth => "growth",
            Plan::Scale => "scale",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for Plan {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Plan".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::types::string_enum_schema(&["starter", "growth", "scale"])
    }
}

impl FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Plan::Starter, Plan::Growth, Plan::Scale]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown plan `{s}` (expected starter, growth or scale)"))
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
