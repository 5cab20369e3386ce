//! `/api/conversions`: conversions recorded from CRM facts (issue 22; see
//! `docs/attribution.md`).

use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use silo_domain::attribution::conversions::{self, Conversion, ConversionFilter};

/// A conversion kind, or empty (no filter).
fn kind_or_empty(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "enum": ["", "lead", "deal_won", "invoice_issued", "invoice_paid"],
    })
}

list_query! {
    /// `GET /api/conversions` query.
    ConversionQuery {
        /// Only this kind.
        #[schemars(schema_with = "kind_or_empty")]
        kind: Option<String>,
        /// Only conversions attributed to this tracked site.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        site_id: Option<String>,
    }
}

/// `GET /api/conversions?kind=&site_id=&limit=&cursor=&q=`: newest first; `q` matches the
/// order id.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<ConversionQuery>,
) -> Result<Json<Page<Conversion>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let filter = ConversionFilter {
        kind: f.kind.clone(),
        site_id: id_filter("site_id", f.site_id.as_deref())?,
    };
    let items = conversions::list(&tenant.db, &params, &filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |c| {
        c.id.to_string()
    })))
}
