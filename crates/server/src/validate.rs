//! Collects field problems so one 422 names all of them.

use crate::error::ApiError;
use std::collections::BTreeMap;

/// Field problems found so far.
#[derive(Debug, Default)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records the problem under `field`.
    pub fn check<T, E: ToString>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.0
                    .entry(field.to_owned())
                    .or_insert_with(|| e.to_string());
                None
            }
        }
    }

    /// A trimmed text of 1 to `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        let v = value.trim();
        let result = if v.is_empty() {
            Err("must not be empty".to_owned())
        } else if v.chars().count() > max {
            Err(format!("must be at most {max} characters"))
        } else if v.chars().any(char::is_control) {
            Err("must not contain control characters".to_owned())
        } else {
            Ok(v.to_owned())
        };
        self.check(field, result)
    }

    /// An optional trimmed text of at most `max` characters; empty becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<Option<String>> {
        match value.map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => self.text(field, v, max).map(Some),
        }
    }

    /// `Ok(())` when nothing was recorded, else a 422 naming every field.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.0))
        }
    }
}
