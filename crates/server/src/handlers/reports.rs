//! `/api/reports/revenue`.

use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::Query;
use silo_domain::reports::{self, Revenue, RevenueQuery};

/// `GET /api/reports/revenue?from=YYYY-MM&to=YYYY-MM`.
pub async fn revenue(
    tenant: Tenant,
    Query(q): Query<RevenueQuery>,
) -> Result<Json<Revenue>, ApiError> {
    Ok(Json(reports::revenue(&tenant.db, &q).await?))
}
