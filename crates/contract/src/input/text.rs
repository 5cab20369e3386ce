//! Texts: a limit in characters, no control characters, not blank.
//!
//! The rule, exactly as the schema states it:
//! - at most `MAX` characters (Unicode scalar values) as sent, surrounding white space included
//!   (`maxLength`);
//! - no control characters (Unicode category Cc: U+0000 to U+001F and U+007F to U+009F)
//!   anywhere; a [`LongText`] or [`Verbatim`] may hold tabs and line breaks (`\t`, `\n`, `\r`);
//! - not blank: at least one character that is neither white space (Unicode `White_Space`)
//!   nor a control character. An optional text that is blank means none.
//!
//! [`Text`] and [`LongText`] are kept trimmed of surrounding white space; [`Verbatim`] is kept
//! byte for byte (a contract body, whose hash is signed).

use super::{Input, json_schema};
use crate::{Problem, ProblemCode};
use schemars::Schema;
use serde::Serialize;
use serde_json::json;
use std::fmt;

/// Control characters (Cc), as a regex class body.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";
/// Control characters other than tab, line feed and carriage return.
const CONTROL_BUT_LINES: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";
/// White space (`White_Space`) that is not a control character.
const SPACE: &str = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

fn allowed_control(c: char, lines: bool) -> bool {
    lines && matches!(c, '\t' | '\n' | '\r')
}

/// Checks length and control characters; whether the text is blank is the caller's question.
fn check(raw: &str, max: usize, lines: bool) -> Result<(), Problem> {
    if raw.chars().count() > max {
        Err(Problem::too_long(max))
    } else if raw
        .chars()
        .any(|c| c.is_control() && !allowed_control(c, lines))
    {
        Err(ProblemCode::ControlCharacters.into())
    } else {
        Ok(())
    }
}

fn is_blank(raw: &str) -> bool {
    raw.chars().all(|c| c.is_whitespace() || c.is_control())
}

/// The regex of a text with no forbidden control character, and, when `required`, a
/// character that is neither white space nor control.
fn pattern(lines: bool, required: bool) -> String {
    let allowed = if lines { CONTROL_BUT_LINES } else { CONTROL };
    if required {
        format!("^[^{allowed}]*[^{CONTROL}{SPACE}][^{allowed}]*$")
    } else {
        format!("^[^{allowed}]*$")
    }
}

fn schema(max: usize, lines: bool, required: bool) -> Schema {
    let mut s = json!({
        "type": "string",
        "maxLength": max,
        "pattern": pattern(lines, required),
    });
    if required {
        s["minLength"] = json!(1);
    }
    json_schema(s)
}

/// Parses a required text: the checks, then not blank.
fn required(raw: &str, max: usize, lines: bool) -> Result<(), Problem> {
    check(raw, max, lines)?;
    if is_blank(raw) {
        Err(ProblemCode::Empty.into())
    } else {
        Ok(())
    }
}

/// Parses an optional text: the checks; blank is none.
fn optional(raw: &str, max: usize, lines: bool) -> Result<bool, Problem> {
    check(raw, max, lines)?;
    Ok(!is_blank(raw))
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, lines: $lines:expr, kept: $kept:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name<const MAX: usize>(String);

        impl<const MAX: usize> $name<MAX> {
            /// The most characters it may hold.
            pub const MAX: usize = MAX;

            /// Applies the rule to a text.
            pub fn parse(raw: &str) -> Result<Self, Problem> {
                required(raw, MAX, $lines)?;
                let kept: fn(&str) -> &str = $kept;
                Ok($name(kept(raw).to_owned()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl<const MAX: usize> fmt::Display for $name<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<const MAX: usize> From<$name<MAX>> for String {
            fn from(t: $name<MAX>) -> String {
                t.0
            }
        }

        impl<const MAX: usize> Input for $name<MAX> {
            type Raw = String;

            fn parse(raw: String) -> Result<Self, Problem> {
                $name::parse(&raw)
            }

            fn schema() -> Schema {
                schema(MAX, $lines, true)
            }

            fn parse_optional(raw: String) -> Result<Option<Self>, Problem> {
                let kept: fn(&str) -> &str = $kept;
                Ok(optional(&raw, MAX, $lines)?.then(|| $name(kept(&raw).to_owned())))
            }

            fn optional_schema() -> Schema {
                schema(MAX, $lines, false)
            }
        }
    };
}

text_type!(
    /// One line of text, kept trimmed.
    Text, lines: false, kept: str::trim
);
text_type!(
    /// Text that may span lines (tabs and line breaks allowed), kept trimmed.
    LongText, lines: true, kept: str::trim
);
text_type!(
    /// Text that may span lines, kept exactly as sent.
    Verbatim, lines: true, kept: |s| s
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_checked_as_sent() {
        assert_eq!(Text::<5>::parse(" ab ").unwrap().as_str(), "ab");
        assert_eq!(Text::<4>::parse(" ab ").unwrap().as_str(), "ab");
        // The limit counts what was sent, surrounding spaces too.
        assert_eq!(
            Text::<3>::parse(" ab ").unwrap_err().code,
            ProblemCode::TooLong
        );
        assert_eq!(Text::<3>::parse("ééé").unwrap().as_str(), "ééé");
        for blank in ["", " ", "\u{a0}", "\u{3000}"] {
            assert_eq!(
                Text::<9>::parse(blank).unwrap_err().code,
                ProblemCode::Empty
            );
        }
        for control in ["a\n", "\u{0}", "a\u{85}b", "\u{9f}"] {
            assert_eq!(
                Text::<9>::parse(control).unwrap_err().code,
                ProblemCode::ControlCharacters,
                "{control:?}"
            );
        }
        assert_eq!(LongText::<9>::parse(" a\nb\t").unwrap().as_str(), "a\nb");
        assert_eq!(
            Verbatim::<9>::parse(" a\r\nb ").unwrap().as_str(),
            " a\r\nb "
        );
        assert_eq!(
            LongText::<9>::parse("a\u{7}").unwrap_err().code,
            ProblemCode::ControlCharacters
        );
        assert_eq!(
            LongText::<9>::parse("\n\t").unwrap_err().code,
            ProblemCode::Empty
        );
        // U+FEFF is not white space, so it is a text of its own.
        assert!(Text::<9>::parse("\u{feff}").is_ok());
    }

    #[test]
    fn blank_optional_texts_are_none() {
        assert_eq!(<Text<5> as Input>::parse_optional("  ".into()), Ok(None));
        assert_eq!(<Text<5> as Input>::parse_optional(String::new()), Ok(None));
        assert_eq!(
            <Text<5> as Input>::parse_optional(" x".into())
                .unwrap()
                .unwrap()
                .as_str(),
            "x"
        );
        assert_eq!(
            <Text<5> as Input>::parse_optional("\n".into())
                .unwrap_err()
                .code,
            ProblemCode::ControlCharacters
        );
        assert_eq!(
            <Text<2> as Input>::parse_optional("   ".into())
                .unwrap_err()
                .code,
            ProblemCode::TooLong
        );
    }

    #[test]
    fn schemas_state_the_limit_and_the_pattern() {
        let s = <Text<200> as Input>::schema().to_value();
        assert_eq!(s["maxLength"], 200);
        assert_eq!(s["minLength"], 1);
        assert_eq!(
            s["pattern"],
            r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"
        );
        let s = <LongText<500> as Input>::optional_schema().to_value();
        assert_eq!(s["pattern"], r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$");
        assert!(s.get("minLength").is_none());
    }

    #[test]
    fn the_space_class_is_every_white_space_that_is_not_control() {
        // The schema's class of white space must be exactly Rust's `char::is_whitespace`
        // outside the control characters, or blank texts would slip past one of them.
        let listed = |c: char| {
            matches!(
                c,
                '\u{20}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                    ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
            )
        };
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            assert_eq!(
                c.is_whitespace() && !c.is_control(),
                listed(c),
                "U+{:04X}",
                c as u32
            );
            let cc = matches!(c as u32, 0..=0x1f | 0x7f..=0x9f);
            assert_eq!(c.is_control(), cc, "U+{:04X}", c as u32);
        }
    }
}
