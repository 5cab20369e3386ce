//! The input layer as the business resources use it: the field types of
//! [`silo_contract::input`] (their rules and schemas in one declaration), the limits of this
//! crate's texts, and the LIKE pattern of list searches.

pub use silo_contract::input::{
    Choice, Date, Email, Id, Input, LongText, Month, NAME_MAX, Name, Optional, Patch, Sent, Text,
    Verbatim, WholeNumber, json_schema,
};
pub use silo_contract::{Invalid, Problem, ProblemCode, Problems, take};

/// An account's web site.
pub type Website = Text<500>;
/// A contact's phone number, as entered.
pub type Phone = Text<50>;
/// The channel a deal came from.
pub type Source = Text<100>;
/// Free text printed on an invoice.
pub type Notes = Text<2000>;
/// What an invoice line delivered.
pub type LineDescription = Text<1000>;
/// How a payment was made.
pub type PaymentMethod = Text<100>;
/// A postal address, over several lines.
pub type Address = LongText<500>;
/// Most characters a contract body may hold.
pub const BODY_MAX: usize = 200_000;
/// A contract's text, kept byte for byte (its hash is what gets signed).
pub type Body = Verbatim<BODY_MAX>;

/// A reference to a row that does not exist in this company (`what`: "account", ...).
pub fn no_such(what: &str) -> Problem {
    Problem::new(ProblemCode::UnknownReference).worded(format!("no such {what}"))
}

/// A LIKE pattern matching `q` anywhere, lower-cased, with `%`, `_` and `\` escaped (use with
/// `ESCAPE '\'`).
pub fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
