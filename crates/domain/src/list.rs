//! What a list query asks for: a page after a cursor, optionally filtered by a search text.

use crate::input::like_pattern;
use silo_store::Value;
use uuid::Uuid;

/// One page request. Rows are ordered by id (UUIDv7, so by creation time); the cursor is the
/// last id of the previous page.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    /// Only rows with an id after this one.
    pub after: Option<Uuid>,
    /// How many rows to fetch (callers ask for one more than they show, to know if there is
    /// more).
    pub limit: i64,
    /// Case-insensitive search text; `%` and `_` in it match themselves.
    pub q: Option<String>,
}

impl ListParams {
    /// The bind values `$1` (cursor or null), `$2` (LIKE pattern or null), `$3` (limit), in the
    /// shape every list query of this crate uses.
    pub(crate) fn binds(&self) -> [Value; 3] {
        let pattern = self
            .q
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(like_pattern);
        [
            Value::from(self.after.map(|u| u.to_string())),
            Value::from(pattern),
            Value::from(self.limit.clamp(1, 1001)),
        ]
    }
}
