//! Reading typed values out of stored rows.

use silo_contract::StringEnum;
use silo_store::{Row, StoreError};

/// A [`StringEnum`] stored by its wire name in `column`; a name this build does not know is a
/// decode error (the row was written by something else).
pub(crate) fn enum_column<T: StringEnum>(row: &Row, column: &str) -> Result<T, StoreError> {
    let text: String = row.get(column)?;
    T::VALUES
        .iter()
        .copied()
        .find(|value| value.name() == text)
        .ok_or_else(|| StoreError::Decode {
            column: column.to_owned(),
            reason: format!("unknown {} {text:?}", T::TYPE_NAME),
        })
}

/// Like [`enum_column`], for a column that may be null.
pub(crate) fn optional_enum_column<T: StringEnum>(
    row: &Row,
    column: &str,
) -> Result<Option<T>, StoreError> {
    let text: Option<String> = row.get(column)?;
    match text {
        None => Ok(None),
        Some(_) => enum_column(row, column).map(Some),
    }
}
