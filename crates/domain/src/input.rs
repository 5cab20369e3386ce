//! Parsing of request input shared by every resource: texts, emails, dates, ids, and the
//! three states of a PATCH field.

use crate::error::Problems;
use serde::{Deserialize, Deserializer};
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

/// A PATCH field: absent (`None`), explicitly null (`Some(None)`), or a new value.
pub type Patch<T> = Option<Option<T>>;

/// Deserializes a present field as `Some(..)`, so null becomes `Some(None)`; use with
/// `#[serde(default, deserialize_with = "crate::input::present")]`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A trimmed text of 1 to `max` characters without control characters (newlines allowed
/// only where `multiline`).
pub fn text(p: &mut Problems, field: &str, value: &str, max: usize) -> Option<String> {
    checked_text(p, field, value, max, false)
}

/// Like [`text`], but line breaks and tabs are kept (contract bodies, addresses).
pub fn long_text(p: &mut Problems, field: &str, value: &str, max: usize) -> Option<String> {
    checked_text(p, field, value, max, true)
}

fn checked_text(
    p: &mut Problems,
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> Option<String> {
    let v = value.trim();
    let result = if v.is_empty() {
        Err("must not be empty".to_owned())
    } else if v.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else if v
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        Err("must not contain control characters".to_owned())
    } else {
        Ok(v.to_owned())
    };
    p.check(field, result)
}

/// An optional text; empty or blank becomes `None`. The outer `None` means a problem.
pub fn optional_text(
    p: &mut Problems,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => text(p, field, v, max).map(Some),
    }
}

/// An email address in the plain `local@domain.tld` shape, lower-cased.
pub fn email(p: &mut Problems, field: &str, value: &str) -> Option<String> {
    let v = value.trim().to_lowercase();
    let ok = v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    p.check(
        field,
        if ok {
            Ok(v)
        } else {
            Err("is not an email address")
        },
    )
}

/// An optional email; empty becomes `None`.
pub fn optional_email(
    p: &mut Problems,
    field: &str,
    value: Option<&str>,
) -> Option<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => email(p, field, v).map(Some),
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// Parses `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Result<Date, &'static str> {
    Date::parse(value.trim(), DATE).map_err(|_| "must be a date as YYYY-MM-DD")
}

/// Formats a date as stored and sent: `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_else(|_| {
        format!(
            "{}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    })
}

/// The `YYYY-MM` month of a date, the key of monthly reports.
pub fn month_of(date: Date) -> String {
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// An optional date.
pub fn optional_date(p: &mut Problems, field: &str, value: Option<&str>) -> Option<Option<Date>> {
    match value.map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => p.check(field, parse_date(v)).map(Some),
    }
}

/// An optional reference to a row by id; a malformed id is a problem on `field`.
pub fn optional_id(p: &mut Problems, field: &str, value: Option<&str>) -> Option<Option<Uuid>> {
    match value.map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => p
            .check(field, Uuid::parse_str(v).map_err(|_| "is not an id"))
            .map(Some),
    }
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

    #[test]
    fn emails_and_dates() {
        let mut p = Problems::new();
        assert_eq!(
            email(&mut p, "e", " Ann@Acme.Example "),
            Some("ann@acme.example".into())
        );
        assert_eq!(email(&mut p, "x", "ann@localhost"), None);
        assert_eq!(email(&mut p, "y", "a b@c.d"), None);
        assert!(parse_date("2026-02-30").is_err());
        let d = parse_date("2026-03-09").ok();
        assert_eq!(d.map(format_date).as_deref(), Some("2026-03-09"));
        assert_eq!(d.map(month_of).as_deref(), Some("2026-03"));
    }
}
