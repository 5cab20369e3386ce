//! The deal pipeline's stages and the record of stage changes.

use schemars::JsonSchema;
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

silo_contract::string_enum! {
    /// A stage a deal is still open in: where a reopened deal goes.
    pub enum OpenStage {
        /// A first contact.
        Lead = "lead",
        /// Budget and need confirmed.
        Qualified = "qualified",
        /// A proposal is out.
        Proposal = "proposal",
    }
}

impl From<OpenStage> for Stage {
    fn from(s: OpenStage) -> Stage {
        match s {
            OpenStage::Lead => Stage::Lead,
            OpenStage::Qualified => Stage::Qualified,
            OpenStage::Proposal => Stage::Proposal,
        }
    }
}

impl Stage {
    /// Whether the deal is closed (won or lost).
    pub const fn is_closed(self) -> bool {
        matches!(self, Stage::Won | Stage::Lost)
    }

    /// The chance a deal in this stage is won, in basis points: what its value is weighted
    /// by in the pipeline's forecast.
    pub const fn probability_bp(self) -> i64 {
        match self {
            Stage::Lead => 1000,
            Stage::Qualified => 2500,
            Stage::Proposal => 5000,
            Stage::Won => 10_000,
            Stage::Lost => 0,
        }
    }

    /// Whether a deal in this stage may move to `to`.
    pub fn may_move_to(self, to: Stage) -> bool {
        self == to || !self.is_closed()
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
}
