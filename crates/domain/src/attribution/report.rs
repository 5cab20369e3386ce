//! The reconciliation report: paid revenue per period by the source, medium and campaign of
//! the sale's first or last touch, with explicit "unattributed" and "no consent" rows so that
//! each currency's column adds up to the finance report's paid total for the same months, to
//! the cent.
//!
//! Paid revenue is exactly what [`crate::reports::revenue`] counts as `paid_cents` (the same SQL
//! fragment, [`crate::reports::paid_payments`]): every payment not reversed, by its payment
//! month, in its invoice's currency. Each payment is grouped by the `invoice_issued` conversion
//! of its invoice; an invoice without one, or with an `unattributed` one, counts in the
//! "unattributed" row, a `no_consent` one in the "no consent" row.

use super::Attribution;
use crate::error::{DomainResult, Problems};
use crate::input::{Choice, Month, Optional, Problem, ProblemCode};
use crate::reports::{self, RevenueQuery, paid_payments};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, TenantDb, params};
use std::collections::BTreeMap;

/// The longest period one report covers, in months (five years).
pub const MAX_MONTHS: i64 = 60;

silo_contract::string_enum! {
    /// Which touch a sale is credited to.
    pub enum TouchModel {
        /// The contact's first touchpoint.
        First = "first",
        /// The contact's last non-direct touchpoint (the last direct one if there is no other).
        Last = "last",
    }
}

silo_contract::string_enum! {
    /// The language of the PDF.
    pub enum ReportLanguage {
        /// English.
        En = "en",
        /// Dutch.
        Nl = "nl",
    }
}

/// `GET /api/attribution/report` query (and its CSV and PDF forms).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct ReportQuery {
    /// First month, `YYYY-MM` (required).
    // Required: its schema is a month's, never null (`check` refuses it missing).
    #[serde(default)]
    #[schemars(with = "crate::input::Sent<Month>", extend("x-silo-required" = true))]
    pub from: Optional<Month>,
    /// Last month, `YYYY-MM` (required; not before `from`, at most 60 months in all).
    // Required: its schema is a month's, never null (`check` refuses it missing).
    #[serde(default)]
    #[schemars(with = "crate::input::Sent<Month>", extend("x-silo-required" = true))]
    pub to: Optional<Month>,
    /// `first` or `last` touch (`last` when left out).
    #[serde(default)]
    pub model: Optional<Choice<TouchModel>>,
    /// The PDF's language, `en` or `nl` (the browser's `Accept-Language` when left out; the
    /// JSON and CSV answers ignore it).
    #[serde(default)]
    pub lang: Optional<Choice<ReportLanguage>>,
}

/// A checked query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First month.
    pub from: Month,
    /// Last month.
    pub to: Month,
    /// Which touch counts.
    pub model: TouchModel,
    /// The language asked for, if any.
    pub lang: Option<ReportLanguage>,
}

/// Months since year 0 of a month (`YYYY-MM` is how a month prints).
fn month_index(m: Month) -> i64 {
    let s = m.to_string();
    let year: i64 = s.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: i64 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    year * 12 + month - 1
}

impl ReportQuery {
    /// Checks the query: both months given, `from` not after `to`, at most [`MAX_MONTHS`].
    pub fn check(&self) -> DomainResult<Period> {
        let mut p = Problems::new();
        let q = self.clone();
        let from = p.take("from", q.from).flatten();
        let to = p.take("to", q.to).flatten();
        let model = p.take("model", q.model).flatten().map(Choice::get);
        let lang = p.take("lang", q.lang).flatten().map(Choice::get);
        if from.is_none() && !p.has("from") {
            p.add("from", Problem::new(ProblemCode::Required));
        }
        if to.is_none() && !p.has("to") {
            p.add("to", Problem::new(ProblemCode::Required));
        }
        if let (Some(f), Some(t)) = (from, to) {
            let months = month_index(t) - month_index(f) + 1;
            if months < 1 {
                p.add(
                    "to",
                    Problem::new(ProblemCode::Rule).worded("must not be before from"),
                );
            } else if months > MAX_MONTHS {
                // A rule across two fields: the schema can bound neither alone.
                p.add(
                    "to",
                    Problem::rule(format!("the period may cover at most {MAX_MONTHS} months")),
                );
            }
        }
        p.finish()?;
        match (from, to) {
            (Some(from), Some(to)) => Ok(Period {
                from,
                to,
                model: model.unwrap_or(TouchModel::Last),
                lang,
            }),
            _ => Err(crate::error::DomainError::invalid(
                "from",
                ProblemCode::Required,
            )),
        }
    }
}

/// One row of a currency's column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ReportRow {
    /// `attributed` (a source, medium and campaign), `unattributed` or `no_consent`.
    pub kind: Attribution,
    /// The touch's source (`utm_source` or the referrer's host); null outside `attributed`.
    pub source: Option<String>,
    /// The touch's medium.
    pub medium: Option<String>,
    /// The touch's campaign.
    pub campaign: Option<String>,
    /// Payments received in the period (reversed ones left out), in cents.
    pub paid_cents: i64,
    /// How many payments.
    pub payments: i64,
}

/// One currency's column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CurrencyReport {
    /// ISO 4217 code of every amount here.
    pub currency: String,
    /// Attributed rows (most paid first), then the `unattributed` and `no_consent` rows (always
    /// present, 0 when empty).
    pub rows: Vec<ReportRow>,
    /// The rows' sum.
    pub total_cents: i64,
    /// The revenue report's paid total for the same months and currency: equal to
    /// `total_cents` by definition, shown beside it for the reader to reconcile.
    pub finance_paid_cents: i64,
}

/// The reconciliation report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AttributionReport {
    /// First month, `YYYY-MM`.
    pub from: String,
    /// Last month, `YYYY-MM`.
    pub to: String,
    /// Which touch counts.
    pub model: TouchModel,
    /// One column per currency, alphabetical.
    pub currencies: Vec<CurrencyReport>,
}

/// One grouped row of the query: the currency, the conversion's attribution (none without a
/// conversion), its first and last source, medium and campaign, the amount and the count.
struct Grouped {
    currency: String,
    attribution: Option<String>,
    first: [Option<String>; 3],
    last: [Option<String>; 3],
    cents: i64,
    payments: i64,
}

fn grouped(r: &Row) -> Result<Grouped, StoreError> {
    Ok(Grouped {
        currency: r.get("currency")?,
        attribution: r.get("attribution")?,
        first: [
            r.get("first_source")?,
            r.get("first_medium")?,
            r.get("first_campaign")?,
        ],
        last: [
            r.get("last_source")?,
            r.get("last_medium")?,
            r.get("last_campaign")?,
        ],
        cents: r.get::<Option<i64>>("cents")?.unwrap_or(0),
        payments: r.get::<Option<i64>>("payments")?.unwrap_or(0),
    })
}

/// Key of a row within a currency: its kind, then source, medium and campaign.
type RowKey = (Attribution, [Option<String>; 3]);

/// Builds the report for a checked period.
pub async fn report(db: &TenantDb, period: &Period) -> DomainResult<AttributionReport> {
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT i.currency AS currency, c.attribution AS attribution, \
                 c.first_source AS first_source, c.first_medium AS first_medium, \
                 c.first_campaign AS first_campaign, c.last_source AS last_source, \
                 c.last_medium AS last_medium, c.last_campaign AS last_campaign, \
                 CAST(SUM(p.amount_cents) AS BIGINT) AS cents, \
                 CAST(COUNT(*) AS BIGINT) AS payments ",
                paid_payments!(
                    "LEFT JOIN conversions c ON c.kind = 'invoice_issued' AND c.subject_id = i.id"
                ),
                " AND p.paid_month >= $1 AND p.paid_month <= $2 \
                 GROUP BY i.currency, c.attribution, c.first_source, c.first_medium, \
                 c.first_campaign, c.last_source, c.last_medium, c.last_campaign"
            ),
            params![from.as_str(), to.as_str()],
        )
        .await?;
    let mut columns: BTreeMap<String, BTreeMap<RowKey, (i64, i64)>> = BTreeMap::new();
    for r in &rows {
        let g = grouped(r)?;
        let kind = match g.attribution.as_deref() {
            Some("attributed") => Attribution::Attributed,
            Some("no_consent") => Attribution::NoConsent,
            _ => Attribution::Unattributed,
        };
        let touch = match (kind, period.model) {
            (Attribution::Attributed, TouchModel::First) => g.first,
            (Attribution::Attributed, TouchModel::Last) => g.last,
            _ => [None, None, None],
        };
        let slot = columns
            .entry(g.currency)
            .or_default()
            .entry((kind, touch))
            .or_insert((0, 0));
        slot.0 = slot.0.saturating_add(g.cents);
        slot.1 = slot.1.saturating_add(g.payments);
    }
    let finance = finance_paid(db, period).await?;
    for (currency, paid) in &finance {
        if *paid != 0 {
            columns.entry(currency.clone()).or_default();
        }
    }
    let currencies = columns
        .into_iter()
        .map(|(currency, rows)| {
            let finance_paid_cents = finance.get(&currency).copied().unwrap_or(0);
            column(currency, rows, finance_paid_cents)
        })
        .collect();
    Ok(AttributionReport {
        from,
        to,
        model: period.model,
        currencies,
    })
}

/// The revenue report's paid total per currency over the period: the figure the column must
/// equal, taken from the finance report itself.
async fn finance_paid(db: &TenantDb, period: &Period) -> DomainResult<BTreeMap<String, i64>> {
    let query = RevenueQuery {
        from: Optional::new(Some(period.from.to_string())),
        to: Optional::new(Some(period.to.to_string())),
    };
    let revenue = reports::revenue(db, &query).await?;
    let mut paid: BTreeMap<String, i64> = BTreeMap::new();
    for m in revenue.months {
        let slot = paid.entry(m.currency).or_insert(0);
        *slot = slot.saturating_add(m.paid_cents);
    }
    Ok(paid)
}

/// One currency's rows in the order shown: attributed by amount (most first, then by name),
/// then unattributed and no consent.
fn column(
    currency: String,
    rows: BTreeMap<RowKey, (i64, i64)>,
    finance_paid_cents: i64,
) -> CurrencyReport {
    let mut attributed = Vec::new();
    let (mut unattributed, mut no_consent) = ((0, 0), (0, 0));
    for ((kind, [source, medium, campaign]), (paid_cents, payments)) in rows {
        match kind {
            Attribution::Attributed => attributed.push(ReportRow {
                kind,
                source,
                medium,
                campaign,
                paid_cents,
                payments,
            }),
            Attribution::Unattributed => unattributed = (paid_cents, payments),
            Attribution::NoConsent => no_consent = (paid_cents, payments),
        }
    }
    // Stable: equal amounts keep the map's order (by source, medium, campaign).
    attributed.sort_by_key(|r| std::cmp::Reverse(r.paid_cents));
    let fixed = |kind, (paid_cents, payments): (i64, i64)| ReportRow {
        kind,
        source: None,
        medium: None,
        campaign: None,
        paid_cents,
        payments,
    };
    attributed.push(fixed(Attribution::Unattributed, unattributed));
    attributed.push(fixed(Attribution::NoConsent, no_consent));
    let total_cents = attributed
        .iter()
        .fold(0_i64, |sum, r| sum.saturating_add(r.paid_cents));
    CurrencyReport {
        currency,
        rows: attributed,
        total_cents,
        finance_paid_cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str) -> ReportQuery {
        serde_json::from_value(serde_json::json!({"from": from, "to": to})).unwrap_or_default()
    }

    #[test]
    fn the_period_is_checked() {
        let ok = query("2026-01", "2026-03").check();
        assert_eq!(ok.map(|p| p.model).ok(), Some(TouchModel::Last));
        assert!(query("2026-03", "2026-03").check().is_ok());
        assert!(
            query("2026-04", "2026-03").check().is_err(),
            "from after to"
        );
        assert!(query("2021-01", "2025-12").check().is_ok(), "60 months");
        assert!(query("2021-01", "2026-01").check().is_err(), "61 months");
        assert!(query("2026-13", "2026-12").check().is_err());
        assert!(ReportQuery::default().check().is_err(), "months required");
    }

    #[test]
    fn a_column_ends_with_the_unattributed_and_no_consent_rows_and_adds_up() {
        let mut rows = BTreeMap::new();
        let touch = |s: &str| [Some(s.to_owned()), Some("cpc".to_owned()), None];
        rows.insert((Attribution::Attributed, touch("google")), (1_000, 1));
        rows.insert((Attribution::Attributed, touch("meta")), (5_000, 2));
        rows.insert((Attribution::NoConsent, [None, None, None]), (7, 1));
        let c = column("EUR".into(), rows, 6_007);
        let kinds: Vec<_> = c.rows.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                Attribution::Attributed,
                Attribution::Attributed,
                Attribution::Unattributed,
                Attribution::NoConsent
            ]
        );
        assert_eq!(c.rows[0].source.as_deref(), Some("meta"));
        assert_eq!((c.rows[2].paid_cents, c.rows[2].payments), (0, 0));
        assert_eq!(c.total_cents, 6_007);
    }
}
