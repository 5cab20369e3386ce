//! `/api/reports/*`: revenue per month, the pipeline by stage and the top clients, each as JSON
//! and as CSV (`text/csv; charset=utf-8`, a header row, amounts as decimal euros with a dot,
//! quoted as RFC 4180 says).

use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::Query;
use axum::response::Response;
use silo_domain::deals::{self, DealFilter, StageTotal};
use silo_domain::reports::{self, Revenue, RevenueQuery, TopClients, TopClientsQuery};

/// The media type of the CSV answers, as sent.
pub const CSV: &str = "text/csv; charset=utf-8";

/// `GET /api/reports/revenue?from=YYYY-MM&to=YYYY-MM`.
pub async fn revenue(
    tenant: Tenant,
    Query(q): Query<RevenueQuery>,
) -> Result<Json<Revenue>, ApiError> {
    Ok(Json(reports::revenue(&tenant.db, &q).await?))
}

/// `GET /api/reports/pipeline`: every deal, per stage and currency (as `GET /api/pipeline`
/// answers without filters).
pub async fn pipeline(tenant: Tenant) -> Result<Json<Vec<StageTotal>>, ApiError> {
    Ok(Json(
        deals::pipeline(&tenant.db, None, DealFilter::default()).await?,
    ))
}

/// `GET /api/reports/top-clients?from=&to=&limit=`.
pub async fn top_clients(
    tenant: Tenant,
    Query(q): Query<TopClientsQuery>,
) -> Result<Json<TopClients>, ApiError> {
    Ok(Json(reports::top_clients(&tenant.db, &q).await?))
}

/// Cents as a decimal amount with a dot and two places (`-1234.05`).
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Basis points as a percentage with two places (`2500` is `25.00`).
fn percent(bp: i64) -> String {
    decimal(bp)
}

/// A CSV download named `name.csv` (the first row is the header).
pub(crate) fn csv_answer(name: &str, rows: Vec<Vec<String>>) -> Result<Response, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(&row)
            .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    Ok(super::attachment(&format!("{name}.csv"), CSV, bytes))
}

/// A header row from column names.
pub(crate) fn header_row(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// `GET /api/reports/revenue/csv?from=&to=`.
pub async fn revenue_csv(
    tenant: Tenant,
    Query(q): Query<RevenueQuery>,
) -> Result<Response, ApiError> {
    let report = reports::revenue(&tenant.db, &q).await?;
    let mut rows = vec![header_row(&[
        "month", "currency", "invoiced", "credited", "paid", "open", "overdue", "won",
    ])];
    for m in report.months {
        rows.push(vec![
            m.month,
            m.currency,
            decimal(m.invoiced_cents),
            decimal(m.credited_cents),
            decimal(m.paid_cents),
            decimal(m.open_cents),
            decimal(m.overdue_cents),
            decimal(m.won_cents),
        ]);
    }
    csv_answer("revenue", rows)
}

/// `GET /api/reports/pipeline/csv`.
pub async fn pipeline_csv(tenant: Tenant) -> Result<Response, ApiError> {
    let report = deals::pipeline(&tenant.db, None, DealFilter::default()).await?;
    let mut rows = vec![header_row(&[
        "stage",
        "currency",
        "count",
        "value",
        "weighted",
        "probability_percent",
    ])];
    for s in report {
        rows.push(vec![
            s.stage.as_str().to_owned(),
            s.currency,
            s.count.to_string(),
            decimal(s.value_cents),
            decimal(s.weighted_cents),
            percent(s.probability_bp),
        ]);
    }
    csv_answer("pipeline", rows)
}

/// `GET /api/reports/top-clients/csv?from=&to=&limit=`.
pub async fn top_clients_csv(
    tenant: Tenant,
    Query(q): Query<TopClientsQuery>,
) -> Result<Response, ApiError> {
    let report = reports::top_clients(&tenant.db, &q).await?;
    let mut rows = vec![header_row(&[
        "account_id",
        "name",
        "currency",
        "invoiced",
        "credited",
        "paid",
        "open",
    ])];
    for c in report.clients {
        rows.push(vec![
            c.account_id.to_string(),
            c.name,
            c.currency,
            decimal(c.invoiced_cents),
            decimal(c.credited_cents),
            decimal(c.paid_cents),
            decimal(c.open_cents),
        ]);
    }
    csv_answer("top-clients", rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_decimal_euros_with_a_dot() {
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(123_456), "1234.56");
        assert_eq!(decimal(-1_005), "-10.05");
        assert_eq!(percent(2500), "25.00");
    }
}
