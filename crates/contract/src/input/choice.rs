//! Closed sets of names sent as text (stages, plans, roles): a name outside the set is a field
//! problem listing the names allowed.

use super::Input;
use crate::{Problem, StringEnum, string_enum_schema};
use schemars::Schema;
use serde_json::Value;
use silo_roles::Role;

/// One of the names of a [`string_enum!`](crate::string_enum) type `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice<T>(pub T);

impl<T> Choice<T> {
    /// The value.
    pub fn get(self) -> T {
        self.0
    }
}

fn names<T: StringEnum>() -> Vec<&'static str> {
    T::VALUES.iter().map(|v| v.name()).collect()
}

impl<T: StringEnum> Input for Choice<T> {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        T::VALUES
            .iter()
            .copied()
            .find(|v| v.name() == raw)
            .map(Choice)
            .ok_or_else(|| Problem::not_allowed(&names::<T>()))
    }

    fn schema() -> Schema {
        string_enum_schema(&names::<T>())
    }
}

impl Input for Role {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        raw.parse()
            .map_err(|_| Problem::not_allowed(&Role::ALL.map(Role::as_str)))
    }

    fn schema() -> Schema {
        let mut schema = string_enum_schema(&Role::ALL.map(Role::as_str));
        schema.insert("description".into(), Value::from("A role name."));
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProblemCode;

    crate::string_enum! {
        /// Test.
        pub enum Size {
            /// Small.
            Small = "small",
            /// Large.
            Large = "large",
        }
    }

    #[test]
    fn the_schema_lists_the_names() {
        assert_eq!(
            Choice::<Size>::schema().to_value()["enum"],
            serde_json::json!(["small", "large"])
        );
    }

    #[test]
    fn an_optional_choice_takes_null_as_its_schema_says() {
        use schemars::JsonSchema as _;
        let schema = super::super::Optional::<Choice<Size>>::json_schema(
            &mut schemars::SchemaGenerator::default(),
        )
        .to_value();
        assert_eq!(schema["enum"], serde_json::json!(["small", "large", null]));
        assert_eq!(schema["type"], serde_json::json!(["string", "null"]));
    }

    #[test]
    fn names_outside_the_set_list_the_set() {
        assert_eq!(
            Choice::<Size>::parse("large".into()).map(Choice::get),
            Ok(Size::Large)
        );
        let p = Choice::<Size>::parse("huge".into()).unwrap_err();
        assert_eq!(p.code, ProblemCode::NotAllowed);
        assert_eq!(p.allowed, Some(vec!["small".into(), "large".into()]));
        assert_eq!(<Role as Input>::parse("owner".into()), Ok(Role::Owner));
        assert_eq!(
            <Role as Input>::parse("root".into())
                .unwrap_err()
                .allowed
                .map(|a| a.len()),
            Some(Role::ALL.len())
        );
        assert_eq!(<Role as Input>::schema().to_value()["enum"][0], "owner");
    }
}
