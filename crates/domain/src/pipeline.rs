//! The deal pipeline's stages and the record of stage changes.

use schemars::JsonSchema;
use serde::Serialize;
use silo_store::Timestamp;
use std::str::FromStr;
use uuid::Uuid;

/// A stage of the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// A first contact.
    Lead,
    /// Budget and need confirmed.
    Qualified,
    /// A proposal is out.
    Proposal,
    /// Closed, won.
    Won,
    /// Closed, lost.
    Lost,
}

impl Stage {
    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Qualified => "qualified",
            Stage::Proposal => "proposal",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// Whether the deal is closed (won or lost).
    pub const fn is_closed(self) -> bool {
        matches!(self, Stage::Won | Stage::Lost)
    }

    /// Whether a deal in this stage may move to `to`.
    pub fn may_move_to(self, to: Stage) -> bool {
        self == to || !self.is_closed()
    }
}

impl FromStr for Stage {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Stage::Lead,
            Stage::Qualified,
            Stage::Proposal,
            Stage::Won,
            Stage::Lost,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or("must be lead, qualified, proposal, won or lost")
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
