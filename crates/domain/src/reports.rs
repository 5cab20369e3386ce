//! The reports: revenue per month and currency, the pipeline by stage and the top clients of
//! a period.
//!
//! Revenue, per month and currency: the value of deals won, the amounts invoiced (issued
//! invoices by issue date), credited (credit notes by their issue date), paid (payments by
//! payment date; a reversed payment is left out, so reversals are subtracted), and of the
//! invoices issued that month what is open now and how much of that is overdue; and won
//! value by the deal's source. Months are `YYYY-MM` keys stored beside each row when it is
//! written, so the queries need no engine-specific date functions. Amounts in different
//! currencies are never added together.

use crate::error::{DomainResult, Problems};
use crate::input::{Month, Optional, take};
use crate::input::{Problem, ProblemCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, TenantDb, params};
use std::collections::BTreeMap;
use uuid::Uuid;

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
    /// Payments received this month (reversed ones left out).
    pub paid_cents: i64,
    /// Credit notes issued this month (as a positive amount).
    pub credited_cents: i64,
    /// Of the invoices issued this month, what is still open now.
    pub open_cents: i64,
    /// Of that open amount, what is past its due date now.
    pub overdue_cents: i64,
    /// Won value per deal source (`unknown` when the deal has none).
    pub won_by_source: BTreeMap<String, i64>,
}

/// The report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Revenue {
    /// Entries ordered by month, then currency.
    pub months: Vec<MonthRevenue>,
}

/// What is open of an invoice (total less payments and credit notes, never below 0), as SQL.
macro_rules! open_amount {
    () => {
        "CASE WHEN total_cents - paid_cents - credited_cents > 0 \
         THEN total_cents - paid_cents - credited_cents ELSE 0 END"
    };
}

/// The payments counted as paid revenue, as SQL from `FROM` through a `WHERE` condition: every
/// payment (`p`) with its invoice (`i`, whose currency is the payment's), except reversed
/// ones. An optional literal is joined in before the `WHERE` (the attribution report joins
/// the invoice's conversion); callers add conditions with `AND`. The revenue report, the top
/// clients and the attribution report all count paid revenue through this one definition, so
/// their totals cannot disagree.
macro_rules! paid_payments {
    ($($join:literal)?) => {
        concat!(
            "FROM invoice_payments p JOIN invoices i ON i.id = p.invoice_id ",
            $($join, " ",)?
            "WHERE NOT EXISTS (SELECT 1 FROM invoice_payment_reversals r WHERE r.payment_id = p.id)"
        )
    };
}
pub(crate) use paid_payments;

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
    // Due dates are stored as `YYYY-MM-DD`, which is how a date prints.
    let today = crate::input::Date::today().to_string();
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
            concat!(
                "SELECT p.paid_month AS month, i.currency AS currency, \
                 CAST(SUM(p.amount_cents) AS BIGINT) AS cents ",
                paid_payments!(),
                " GROUP BY p.paid_month, i.currency"
            ),
            &[],
        )
        .await?;
    let credited = db
        .fetch_all(
            "SELECT c.issue_month AS month, i.currency AS currency, \
             CAST(SUM(c.total_cents) AS BIGINT) AS cents \
             FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id \
             GROUP BY c.issue_month, i.currency",
            &[],
        )
        .await?;
    let open = db
        .fetch_all(
            concat!(
                "SELECT issue_month AS month, currency, CAST(SUM(",
                open_amount!(),
                ") AS BIGINT) AS cents FROM invoices \
                 WHERE issue_month IS NOT NULL AND status <> 'draft' GROUP BY issue_month, currency"
            ),
            &[],
        )
        .await?;
    let overdue = db
        .fetch_all(
            concat!(
                "SELECT issue_month AS month, currency, CAST(SUM(",
                open_amount!(),
                ") AS BIGINT) AS cents FROM invoices \
                 WHERE issue_month IS NOT NULL AND status <> 'draft' AND due_date < $1 \
                 GROUP BY issue_month, currency"
            ),
            params![today.as_str()],
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
    for (month, currency, _, cents) in amounts(&credited)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.credited_cents = e.credited_cents.saturating_add(cents);
        }
    }
    for (month, currency, _, cents) in amounts(&open)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.open_cents = e.open_cents.saturating_add(cents);
        }
    }
    for (month, currency, _, cents) in amounts(&overdue)? {
        if let Some(e) = entry(&mut by_key, in_range(&month), month, currency) {
            e.overdue_cents = e.overdue_cents.saturating_add(cents);
        }
    }
    Ok(Revenue {
        months: by_key.into_values().collect(),
    })
}

/// `GET /api/reports/top-clients` query.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct TopClientsQuery {
    /// First month, `YYYY-MM`.
    #[serde(default)]
    pub from: Optional<Month>,
    /// Last month, `YYYY-MM`.
    #[serde(default)]
    pub to: Optional<Month>,
    /// How many clients per currency (1 to 100, default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
}

/// One client's figures in one currency over the period.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, JsonSchema)]
pub struct TopClient {
    /// The client account.
    pub account_id: Uuid,
    /// Its name now.
    pub name: String,
    /// Currency of the amounts.
    pub currency: String,
    /// Totals of its invoices issued in the period.
    pub invoiced_cents: i64,
    /// Credit notes issued in the period on its invoices (positive).
    pub credited_cents: i64,
    /// Payments received in the period on its invoices (reversed ones left out).
    pub paid_cents: i64,
    /// What is open now of its invoices issued in the period.
    pub open_cents: i64,
}

/// The top clients report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TopClients {
    /// Per currency (alphabetical), the clients with the most invoiced in the period, most
    /// first.
    pub clients: Vec<TopClient>,
}

/// Clients by invoiced amount over the period, at most `limit` per currency.
pub async fn top_clients(db: &TenantDb, query: &TopClientsQuery) -> DomainResult<TopClients> {
    let mut p = Problems::new();
    let limit = query.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        p.add(
            "limit",
            Problem::new(ProblemCode::OutOfRange).worded("must be 1 to 100"),
        );
    }
    let query = query.clone();
    let fields = take!(p, query => from, to);
    let (from, to) = p.done(fields)?;
    let (from, to) = (from.map(|m| m.to_string()), to.map(|m| m.to_string()));
    let range = params![from.clone(), to.clone()];
    let sql = db.db();
    let invoiced = sql
        .fetch_all(
            concat!(
                "SELECT account_id, currency, CAST(SUM(total_cents) AS BIGINT) AS invoiced, \
                 CAST(SUM(",
                open_amount!(),
                ") AS BIGINT) AS open FROM invoices \
                 WHERE issue_month IS NOT NULL AND status <> 'draft' AND account_id IS NOT NULL \
                 AND ($1 IS NULL OR issue_month >= $1) AND ($2 IS NULL OR issue_month <= $2) \
                 GROUP BY account_id, currency"
            ),
            range,
        )
        .await?;
    let credited = sql
        .fetch_all(
            "SELECT i.account_id AS account_id, i.currency AS currency, \
             CAST(SUM(c.total_cents) AS BIGINT) AS cents \
             FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id \
             WHERE i.account_id IS NOT NULL \
             AND ($1 IS NULL OR c.issue_month >= $1) AND ($2 IS NULL OR c.issue_month <= $2) \
             GROUP BY i.account_id, i.currency",
            range,
        )
        .await?;
    let paid = sql
        .fetch_all(
            concat!(
                "SELECT i.account_id AS account_id, i.currency AS currency, \
                 CAST(SUM(p.amount_cents) AS BIGINT) AS cents ",
                paid_payments!(),
                " AND i.account_id IS NOT NULL \
                 AND ($1 IS NULL OR p.paid_month >= $1) AND ($2 IS NULL OR p.paid_month <= $2) \
                 GROUP BY i.account_id, i.currency"
            ),
            range,
        )
        .await?;
    let mut by_key: BTreeMap<(String, Uuid), TopClient> = BTreeMap::new();
    let key = |r: &Row| -> Result<(String, Uuid), StoreError> {
        Ok((r.get("currency")?, r.get("account_id")?))
    };
    let slot = |map: &mut BTreeMap<(String, Uuid), TopClient>, (currency, id): (String, Uuid)| {
        map.entry((currency.clone(), id))
            .or_insert_with(|| TopClient {
                account_id: id,
                currency,
                ..TopClient::default()
            })
            .clone()
    };
    for r in &invoiced {
        let k = key(r)?;
        let mut c = slot(&mut by_key, k.clone());
        c.invoiced_cents = r.get::<Option<i64>>("invoiced")?.unwrap_or(0);
        c.open_cents = r.get::<Option<i64>>("open")?.unwrap_or(0);
        by_key.insert(k, c);
    }
    for r in &credited {
        let k = key(r)?;
        let mut c = slot(&mut by_key, k.clone());
        c.credited_cents = r.get::<Option<i64>>("cents")?.unwrap_or(0);
        by_key.insert(k, c);
    }
    for r in &paid {
        let k = key(r)?;
        let mut c = slot(&mut by_key, k.clone());
        c.paid_cents = r.get::<Option<i64>>("cents")?.unwrap_or(0);
        by_key.insert(k, c);
    }
    let wanted: Vec<(String, Uuid)> = by_key
        .keys()
        .map(|(_, id)| ("account".to_owned(), *id))
        .collect();
    let names = crate::timeline::resolve_titles(db, &wanted).await?;
    let mut all: Vec<TopClient> = by_key.into_values().collect();
    for c in &mut all {
        c.name = names.get(&c.account_id).cloned().unwrap_or_default();
    }
    all.sort_by(|a, b| {
        a.currency
            .cmp(&b.currency)
            .then(b.invoiced_cents.cmp(&a.invoiced_cents))
            .then(a.name.cmp(&b.name))
    });
    let mut clients = Vec::new();
    let mut taken: BTreeMap<String, i64> = BTreeMap::new();
    for c in all {
        let n = taken.entry(c.currency.clone()).or_insert(0);
        if *n < limit {
            *n += 1;
            clients.push(c);
        }
    }
    Ok(TopClients { clients })
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
