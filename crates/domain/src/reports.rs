//! The revenue report: per month and currency, the value of deals won, the amounts invoiced
//! (issued invoices by issue date) and paid (payments by payment date; a reversed payment
//! is left out), and won value by the
//! deal's source. Months are `YYYY-MM` keys stored beside each row when it is written, so the
//! queries need no engine-specific date functions. Amounts in different currencies are never
//! added together.

use crate::error::{DomainResult, Problems};
use crate::input::{Month, Optional, take};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, TenantDb};
use std::collections::BTreeMap;

/// `GET /api/reports/revenue` query: an optional inclusive month range.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct RevenueQuery {
    /// First month, `YYYY-MM`.
    #[serde(default)]
    pub from: Optional<Month>,
    /// Last month, `YYYY-MM`.
    #[serde(default)]
    pub to: Optional<Month>,
}

/// One month in one currency.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, JsonSchema)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    pub month: String,
    /// Currency of every amount in this entry.
    pub currency: String,
    /// Value of deals won this month.
    pub won_cents: i64,
    /// Totals of invoices issued this month.
    pub invoiced_cents: i64,
    /// Payments received this month.
    pub paid_cents: i64,
    /// Won value per deal source (`unknown` when the deal has none).
    pub won_by_source: BTreeMap<String, i64>,
}

/// The report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Revenue {
    /// Entries ordered by month, then currency.
    pub months: Vec<MonthRevenue>,
}

/// Month, currency, deal source (won rows only) and amount of one grouped row.
type Amount = (String, String, Option<String>, i64);

fn amounts(rows: &[Row]) -> Result<Vec<Amount>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok((
                r.get("month")?,
                r.get("currency")?,
                r.get::<Option<String>>("source")
                    .or_else(|_| Ok::<_, StoreError>(None))?,
                r.get::<Option<i64>>("cents")?.unwrap_or(0),
            ))
        })
        .collect()
}

/// Builds the report.
pub async fn revenue(db: &TenantDb, query: &RevenueQuery) -> DomainResult<Revenue> {
    let mut p = Problems::new();
    let query = query.clone();
    let fields = take!(p, query => from, to);
    let (from, to) = p.done(fields)?;
    let (from, to) = (from.map(|m| m.to_string()), to.map(|m| m.to_string()));
    let db = db.db();
    let won = db
        .fetch_all(
            "SELECT closed_month AS month, currency, source, CAST(SUM(value_cents) AS BIGINT) AS cents \
             FROM deals WHERE stage = 'won' AND closed_month IS NOT NULL \
             GROUP BY closed_month, currency, source",
            &[],
        )
        .await?;
    let invoiced = db
        .fetch_all(
            "SELECT issue_month AS month, currency, CAST(SUM(total_cents) AS BIGINT) AS cents \
             FROM invoices WHERE issue_month IS NOT NULL GROUP BY issue_month, currency",
            &[],
        )
        .await?;
    let paid = db
        .fetch_all(
            "SELECT p.paid_month AS month, i.currency AS currency, \
             CAST(SUM(p.amount_cents) AS BIGINT) AS cents \
             FROM invoice_payments p JOIN invoices i ON i.id = p.invoice_id \
             WHERE NOT EXISTS (SELECT 1 FROM invoice_payment_reversals r WHERE r.payment_id = p.id) \
             GROUP BY p.paid_month, i.currency",
            &[],
        )
        .await?;
    let mut by_key: BTreeMap<(String, String), MonthRevenue> = BTreeMap::new();
    let in_range =
        |m: &str| from.as_deref().is_none_or(|f| m >= f) && to.as_deref().is_none_or(|t| m <= t);
    fn entry(
        map: &mut BTreeMap<(String, String), MonthRevenue>,
        keep: bool,
        month: String,
        currency: String,
    ) -> Option<&mut MonthRevenue> {
        if !keep {
            return None;
        }
        Some(
            map.entry((month.clone(), currency.clone()))
                .or_insert_with(|| MonthRevenue {
                    month,
                    currency,
                    ..MonthRevenue::default()
                }),
        )
    }
    for (month, currency, source, cents) in amounts(&won)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.won_cents = e.won_cents.saturating_add(cents);
            let slot = e
                .won_by_source
                .entry(source.unwrap_or_else(|| "unknown".into()))
                .or_insert(0);
            *slot = slot.saturating_add(cents);
        }
    }
    for (month, currency, _, cents) in amounts(&invoiced)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.invoiced_cents = e.invoiced_cents.saturating_add(cents);
        }
    }
    for (month, currency, _, cents) in amounts(&paid)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.paid_cents = e.paid_cents.saturating_add(cents);
        }
    }
    Ok(Revenue {
        months: by_key.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_keys() {
        assert!(Month::parse("2026-03").is_ok());
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("2026-3").is_err());
        assert!(Month::parse("20a6-03").is_err());
    }
}
