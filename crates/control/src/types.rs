//! The registry's vocabulary: typed ids, slugs, emails and company states. Each is parsed once
//! at the edge; holding one means it is valid.

use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{FromValue, Value};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            pub fn generate() -> Self {
                $name(Uuid::now_v7())
            }

            /// Wraps an id that came from a verified source (a token claim, the registry).
            pub fn from_uuid(id: Uuid) -> Self {
                $name(id)
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }

        impl From<$name> for Value {
            fn from(id: $name) -> Value {
                Value::from(id.0)
            }
        }

        impl FromValue for $name {
            fn from_value(v: &Value) -> Result<Self, String> {
                Uuid::from_value(v).map($name)
            }
        }
    };
}

id_type!(
    /// A company's id; also names its tenant database.
    CompanyId
);
id_type!(
    /// An identity's (a person's login) id.
    IdentityId
);
id_type!(
    /// An invitation's id.
    InvitationId
);

/// Why a slug was refused, for people.
pub type ParseError = &'static str;

/// A company's short name in URLs and commands: 2 to 63 of `a-z`, `0-9` and inner hyphens, and
/// never shaped like a UUID, so "id or slug" is never ambiguous.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Derives a slug from a company name ("Acme B.V." -> "acme-b-v"); `None` when nothing
    /// usable remains.
    pub fn from_name(name: &str) -> Option<Slug> {
        let mut out = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(63).collect();
        Slug::parse(trimmed.trim_end_matches('-')).ok()
    }

    /// Checks the slug rules.
    pub fn parse(s: &str) -> Result<Slug, ParseError> {
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !(2..=63).contains(&s.len()) {
            Err("must be 2 to 63 characters")
        } else if !ok_chars {
            Err("may contain only a-z, 0-9 and hyphens")
        } else if s.starts_with('-') || s.ends_with('-') {
            Err("must not start or end with a hyphen")
        } else if Uuid::parse_str(s).is_ok() {
            Err("must not look like an id")
        } else {
            Ok(Slug(s.to_owned()))
        }
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address: the one rule of the input layer (lower-cased, so lookups ignore case).
pub use silo_contract::Email;

silo_contract::string_enum! {
    /// Where a company is in its lifecycle: `provisioning -> active <-> suspended -> erased`.
    pub enum CompanyStatus {
        /// Its database is being created; serves nothing.
        Provisioning = "provisioning",
        /// Serves requests.
        Active = "active",
        /// Kept, but serves nothing until resumed.
        Suspended = "suspended",
        /// Its database is gone; only a tombstone remains.
        Erased = "erased",
    }
}

impl CompanyStatus {
    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: CompanyStatus) -> bool {
        use CompanyStatus::*;
        matches!(
            (self, to),
            (Provisioning, Active)
                | (Active, Suspended)
                | (Suspended, Active)
                | (Active | Suspended | Provisioning, Erased)
        )
    }
}

/// The schema of a role name, from the role registry.
pub fn role_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = silo_roles::Role::ALL.iter().map(|r| r.as_str()).collect();
    silo_contract::string_enum_schema(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            Slug::from_name("Acme B.V.").map(|s| s.0),
            Some("acme-b-v".into())
        );
        assert_eq!(
            Slug::from_name("  Ünïcode & Co  ").map(|s| s.0),
            Some("n-code-co".into())
        );
        assert!(Slug::from_name("!!").is_none());
        assert!(Slug::parse("a").is_err());
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("-acme").is_err());
        assert!(Slug::parse("../etc").is_err());
        assert!(Slug::parse("0190e4a0-0000-7000-8000-000000000000").is_err());
        assert!(Slug::parse("acme-2").is_ok());
    }

    #[test]
    fn lifecycle() {
        use CompanyStatus::*;
        assert!(Provisioning.can_become(Active));
        assert!(Active.can_become(Suspended) && Suspended.can_become(Active));
        assert!(!Erased.can_become(Active));
        assert!(!Provisioning.can_become(Suspended));
        assert!(!Suspended.can_become(Provisioning));
    }
}
