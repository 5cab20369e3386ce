//! The deal pipeline's stages and the record of stage changes.

use crate::input::{Input, Problem};
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use silo_store::Timestamp;
use uuid::Uuid;

silo_contract::string_enum! {
    /// A stage of the pipeline.
    pub enum Stage {
        /// A first contact.
        Lead = "lead",
        /// Budget and need confirmed.
        Qualified = "qualified",
        /// A proposal is out.
        Proposal = "proposal",
        /// Closed, won.
        Won = "won",
        /// Closed, lost.
        Lost = "lost",
    }
}

impl Stage {
    /// Whether the deal is closed (won or lost).
    pub const fn is_closed(self) -> bool {
        matches!(self, Stage::Won | Stage::Lost)
    }

    /// Whether a deal in this stage may move to `to`.
    pub fn may_move_to(self, to: Stage) -> bool {
        self == to || !self.is_closed()
    }

    /// How likely a deal in this stage is to be won, in basis points (10000 is certain): the
    /// one declaration of the stage probabilities that weighted pipeline values use.
    pub const fn probability_bp(self) -> i64 {
        match self {
            Stage::Lead => 1000,
            Stage::Qualified => 2500,
            Stage::Proposal => 5000,
            Stage::Won => 10000,
            Stage::Lost => 0,
        }
    }

    /// `value` weighted by this stage's probability, rounded half away from zero to a cent.
    pub fn weighted(self, value_cents: i64) -> i64 {
        let product = i128::from(value_cents) * i128::from(self.probability_bp());
        let rounded = (product.abs() + 5000) / 10000 * product.signum();
        i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
    }

    /// The open stages (a reopened deal goes to one of them), in pipeline order.
    pub fn open() -> impl Iterator<Item = Stage> {
        Stage::ALL.iter().copied().filter(|s| !s.is_closed())
    }
}

/// An open stage (lead, qualified or proposal): where a won or lost deal may be reopened to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenStage(pub Stage);

impl Input for OpenStage {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Stage::open()
            .find(|s| s.as_str() == raw)
            .map(OpenStage)
            .ok_or_else(|| {
                Problem::not_allowed(&Stage::open().map(Stage::as_str).collect::<Vec<_>>())
            })
    }

    fn schema() -> Schema {
        silo_contract::string_enum_schema(&Stage::open().map(Stage::as_str).collect::<Vec<_>>())
    }
}

/// One recorded stage change.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StageChange {
    /// The stage left (`null` when the deal was created).
    pub from: Option<String>,
    /// The stage entered.
    pub to: String,
    /// When.
    pub at: Timestamp,
    /// The identity that moved it.
    pub by: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_stages_are_final() {
        assert!(Stage::Lead.may_move_to(Stage::Won));
        assert!(Stage::Proposal.may_move_to(Stage::Qualified));
        assert!(!Stage::Won.may_move_to(Stage::Lead));
        assert!(!Stage::Lost.may_move_to(Stage::Won));
        assert!("open".parse::<Stage>().is_err());
    }

    #[test]
    fn probabilities_and_weights() {
        assert_eq!(Stage::Proposal.weighted(12_345), 6_173);
        assert_eq!(Stage::Lead.weighted(-15), -2);
        assert_eq!(Stage::Lost.weighted(1_000), 0);
        assert_eq!(Stage::Won.weighted(1_000), 1_000);
        assert!(OpenStage::parse("won".into()).is_err());
        assert_eq!(OpenStage::parse("lead".into()), Ok(OpenStage(Stage::Lead)));
    }
}
