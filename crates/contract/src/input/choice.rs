//! Closed sets of names sent as text (stages, plans, roles): a name outside the set is a field
//! problem listing the names allowed.

use super::Input;
use crate::{Problem, string_enum_schema};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;
use silo_roles::Role;
use std::str::FromStr;

/// One of the names of `T`, which parses from text and whose JSON schema lists its names
/// (`enum`), as every [`string_enum!`](crate::string_enum) type does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice<T>(pub T);

impl<T> Choice<T> {
    /// The value.
    pub fn get(self) -> T {
        self.0
    }
}

/// The names a string enum's schema lists: `enum`, or the `const` of each `oneOf` branch (as
/// schemars derives for enums whose variants carry docs).
fn names<T: JsonSchema>() -> Vec<String> {
    let schema = T::json_schema(&mut SchemaGenerator::default()).to_value();
    let mut names = Vec::new();
    if let Some(Value::Array(list)) = schema.get("enum") {
        names.extend(list.iter().filter_map(|n| n.as_str().map(str::to_owned)));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            for branch in branches {
                if let Some(name) = branch.get("const").and_then(Value::as_str) {
                    names.push(name.to_owned());
                }
                if let Some(Value::Array(list)) = branch.get("enum") {
                    names.extend(list.iter().filter_map(|n| n.as_str().map(str::to_owned)));
                }
            }
        }
    }
    names
}

impl<T: FromStr + JsonSchema> Input for Choice<T> {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        raw.parse()
            .map(Choice)
            .map_err(|_| Problem::not_allowed(&names::<T>()))
    }

    fn schema() -> Schema {
        let names = names::<T>();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        string_enum_schema(&names)
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

    /// An enum as schemars derives it when its variants carry docs: `oneOf` of `const`s.
    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Derived {
        /// First.
        FirstOne,
        /// Second.
        Second,
    }

    impl std::str::FromStr for Derived {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            match s {
                "first_one" => Ok(Derived::FirstOne),
                "second" => Ok(Derived::Second),
                _ => Err(()),
            }
        }
    }

    #[test]
    fn derived_enums_list_their_names_too() {
        assert_eq!(names::<Derived>(), ["first_one", "second"]);
        assert_eq!(
            Choice::<Derived>::schema().to_value()["enum"],
            serde_json::json!(["first_one", "second"])
        );
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
