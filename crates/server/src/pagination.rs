//! `?limit=&cursor=&q=` on list routes, and the `{items, next_cursor}` answer.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::extract::rejection::QueryRejection;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page a client may ask for.
pub const MAX_LIMIT: i64 = 200;

/// Query string of a list route.
#[derive(Debug, Deserialize, Default, JsonSchema)]
pub struct PageQuery {
    /// Items per page (1 to 200, default 50).
    #[schemars(range(min = 1, max = MAX_LIMIT))]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (a record's id).
    #[schemars(schema_with = "uuid_or_empty")]
    pub cursor: Option<String>,
    /// Search text, on lists that support it.
    pub q: Option<String>,
}

/// A query value that is a UUID, or empty (the same as leaving it out).
pub(crate) fn uuid_or_empty(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "anyOf": [{"format": "uuid"}, {"maxLength": 0}]})
}

/// A query value the route cannot do without: a UUID (a required parameter in the OpenAPI
/// document, see `x-silo-required` in [`crate::openapi`]).
pub(crate) fn required_uuid(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "format": "uuid", "x-silo-required": true})
}

/// A query value that is an RFC 3339 time, or empty (the same as leaving it out).
pub(crate) fn date_time_or_empty(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "anyOf": [{"format": "date-time"}, {"maxLength": 0}]})
}

/// A query value that is a date `YYYY-MM-DD`, or empty (the same as leaving it out).
pub(crate) fn date_or_empty(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]})
}

/// Declares the query string of a filtered list: `limit`, `cursor` and `q` as on every list,
/// then the list's own filters; `page()` gives the [`PageQuery`] part.
macro_rules! list_query {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
        pub struct $name {
            /// Items per page (1 to 200, default 50).
            #[schemars(range(min = 1, max = crate::pagination::MAX_LIMIT))]
            limit: Option<i64>,
            /// The `next_cursor` of the previous page.
            #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
            cursor: Option<String>,
            /// Search text.
            q: Option<String>,
            $($(#[$fmeta])* $field: $ty,)*
        }

        impl $name {
            /// The paging part.
            fn page(&self) -> crate::pagination::PageQuery {
                crate::pagination::PageQuery {
                    limit: self.limit,
                    cursor: self.cursor.clone(),
                    q: self.q.clone(),
                }
            }
        }
    };
}
pub(crate) use list_query;

/// An id filter of a query string: empty is none, anything but a UUID a 422 on `field`.
pub(crate) fn id_filter(field: &str, raw: Option<&str>) -> Result<Option<uuid::Uuid>, ApiError> {
    raw.filter(|v| !v.is_empty())
        .map(|v| {
            uuid::Uuid::parse_str(v).map_err(|_| {
                ApiError::invalid(
                    field,
                    silo_contract::Problem::new(silo_contract::ProblemCode::NotId),
                )
            })
        })
        .transpose()
}

/// A date filter of a query string: empty is none, anything but `YYYY-MM-DD` a 422 on `field`.
pub(crate) fn date_filter(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<silo_contract::input::Date>, ApiError> {
    raw.filter(|v| !v.is_empty())
        .map(|v| silo_contract::input::Date::parse(v).map_err(|p| ApiError::invalid(field, p)))
        .transpose()
}

/// A query string parsed with our error codes.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("bad query string: {}", r.body_text()))
    }
}

impl PageQuery {
    /// The page size, checked.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::invalid(
                "limit",
                format!("must be 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// The cursor parsed as `T`; a cursor that does not parse is a 422 on `cursor`.
    pub fn cursor<T: std::str::FromStr>(&self) -> Result<Option<T>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse()
                    .map_err(|_| ApiError::invalid("cursor", "is not a cursor from this list"))
            })
            .transpose()
    }
}

/// A list query for the domain: fetches one row more than the page shows, so
/// [`Page::from_overfetch`] knows whether there is more. Cursors are row ids.
pub fn list_params(page: &PageQuery) -> Result<(silo_domain::ListParams, i64), ApiError> {
    let limit = page.limit()?;
    let params = silo_domain::ListParams {
        after: page.cursor::<uuid::Uuid>()?,
        limit: limit + 1,
        q: page.q.clone(),
    };
    Ok((params, limit))
}

/// One page of a list (documented as `AccountPage`, `MemberPage`, ...).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched items: the extra one only says there is more.
    pub fn from_overfetch(mut items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = items.len() as i64 > limit;
        items.truncate(limit.max(0) as usize);
        let next_cursor = if more {
            items.last().map(cursor_of)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}
