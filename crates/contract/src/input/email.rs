//! E-mail addresses: one rule for every address Silo takes (contacts, members, invitations,
//! signup, login, signers), kept lower-cased so that lookups ignore case.
//!
//! The rule is the common, unquoted form (the HTML `type=email` form, with the dots of the
//! local part as RFC 5321 puts them): `local@domain`, where
//! - the local part is 1 to 64 of `A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ \` { | } ~ -`, in
//!   dot-separated runs (no leading, trailing or double dot);
//! - the domain is two or more dot-separated labels of 1 to 63 letters, digits and inner
//!   hyphens;
//! - the whole is at most 254 characters, sent exactly (no surrounding spaces).
//!
//! Quoted local parts, address literals and non-ASCII addresses are refused.

use super::{Input, json_schema};
use crate::{Problem, ProblemCode};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::json;
use std::borrow::Cow;
use std::fmt;

/// Most characters of an address.
pub const EMAIL_MAX: usize = 254;
/// Most characters of the local part.
const LOCAL_MAX: usize = 64;

const ATEXT: &str = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const LABEL: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

/// An e-mail address, lower-cased. Holding one means it passed the rule (or was read back from
/// storage, see [`Email::from_stored`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

fn atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn local_ok(local: &str) -> bool {
    (1..=LOCAL_MAX).contains(&local.len())
        && local
            .split('.')
            .all(|run| !run.is_empty() && run.bytes().all(atext))
}

fn label_ok(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

fn domain_ok(domain: &str) -> bool {
    domain.split('.').count() >= 2 && domain.split('.').all(label_ok)
}

impl Email {
    /// Applies the rule; the address comes back lower-cased.
    pub fn parse(s: &str) -> Result<Email, Problem> {
        if s.chars().count() > EMAIL_MAX {
            return Err(Problem::too_long(EMAIL_MAX));
        }
        match s.split_once('@') {
            Some((local, domain)) if local_ok(local) && domain_ok(domain) => {
                Ok(Email(s.to_ascii_lowercase()))
            }
            _ => Err(ProblemCode::NotEmail.into()),
        }
    }

    /// An address read back from storage, taken as it is: it passed the rule of its day when
    /// it was stored, and a later, stricter rule must not make the row unreadable.
    pub fn from_stored(s: String) -> Email {
        Email(s)
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The regex of the rule (with `maxLength` [`EMAIL_MAX`] and the local part's limit of 64,
    /// which `format: email` states).
    pub fn pattern() -> String {
        format!("^[{ATEXT}]+(\\.[{ATEXT}]+)*@{LABEL}(\\.{LABEL})+$")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl Input for Email {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Email::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({
            "type": "string",
            "format": "email",
            "maxLength": EMAIL_MAX,
            "pattern": Email::pattern(),
        }))
    }

    crate::empty_means_none!();
}

/// The schema of an address in answers: a string, since an address stored under an older rule
/// is sent as it was stored (requests use [`Input::schema`]).
impl JsonSchema for Email {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Email".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema(json!({"type": "string", "description": "An e-mail address, lower-cased."}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_every_address() {
        assert_eq!(
            Email::parse("Ann.Smith+crm@Acme.Example").map(String::from),
            Ok("ann.smith+crm@acme.example".into())
        );
        for good in [
            "a@b.cc",
            "!#$%&'*+/=?^_`{|}~-@x.y",
            "a-@b.c",
            "a@1.2",
            "a@xn--bcher-kva.ch",
            &format!("{}@b.c", "x".repeat(64)),
            &format!("a@{}.c", "b".repeat(63)),
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.nl",
            "a@b",
            "a@@b.nl",
            "a b@c.nl",
            " a@b.nl",
            "a@b.nl ",
            "a@.nl",
            "a@b..nl",
            "a..b@c.nl",
            ".a@b.nl",
            "a.@b.nl",
            "a@-b.nl",
            "a@b-.nl",
            "a@b_c.nl",
            "a@b.nl.",
            "ä@b.nl",
            "a@bücher.de",
            "\"a b\"@c.nl",
            "a@[1.2.3.4]",
            "a\n@b.nl",
            &format!("{}@b.c", "x".repeat(65)),
            &format!("a@{}.c", "b".repeat(64)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let domain = format!("{0}.{0}.{0}.{1}", "b".repeat(62), "b".repeat(63));
        let longest = format!("a@{domain}");
        assert_eq!(longest.len(), EMAIL_MAX);
        assert!(Email::parse(&longest).is_ok());
        let too_long = format!("aa@{domain}");
        assert_eq!(
            Email::parse(&too_long).unwrap_err().code,
            ProblemCode::TooLong
        );
    }

    #[test]
    fn optional_addresses_take_empty_for_none() {
        assert_eq!(<Email as Input>::parse_optional(String::new()), Ok(None));
        assert!(<Email as Input>::parse_optional(" ".into()).is_err());
    }
}
