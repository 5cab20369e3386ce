//! Issuing invoices and recording payments.
//!
//! Numbering: one counter row per calendar year (`invoice_counters`), created if missing and
//! incremented in the same transaction that issues the invoice. The transaction holds the
//! database's write lock on SQLite (`BEGIN IMMEDIATE`) and the counter row's lock on
//! PostgreSQL, so concurrent issues take consecutive numbers, and a failed issue rolls its
//! increment back: no gaps, no duplicates. The number is the company's prefix (verbatim), the
//! year of the issue date, and the sequence padded to four digits: `ACME-2026-0001`.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::Origin;
use crate::input::{Date, Input, Optional, PaymentMethod, Problem, ProblemCode, Sent, take};
use crate::invoices::{Invoice, InvoiceStatus, announce, load};
use crate::invoicing;
use crate::money::{MAX_CENTS, PositiveCents};
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use silo_contract::EventType;
use silo_store::{TenantDb, Timestamp, params};
use time::Duration;
use uuid::Uuid;

/// `POST /api/invoices/{id}/issue` body (may be empty).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IssueRequest {
    /// Issue date, `YYYY-MM-DD`; today (UTC) when left out.
    #[serde(default)]
    issue_date: Optional<Date>,
}

/// `POST /api/invoices/{id}/payments` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewPayment {
    amount_cents: Sent<PositiveCents>,
    /// Payment date `YYYY-MM-DD` or an RFC 3339 time; today (UTC) when left out.
    #[serde(default)]
    paid_at: Optional<PaymentDate>,
    #[serde(default)]
    method: Optional<PaymentMethod>,
}

/// The day a payment was made: a date, or an RFC 3339 time (its UTC day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentDate(Date);

impl Input for PaymentDate {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Date::parse(&raw)
            .or_else(|_| {
                Timestamp::parse(&raw)
                    .map(|t| Date::from_time(t.datetime().date()))
                    .ok_or_else(|| {
                        Problem::new(ProblemCode::NotDate)
                            .worded("must be a date as YYYY-MM-DD or an RFC 3339 time")
                    })
            })
            .map(PaymentDate)
    }

    fn schema() -> Schema {
        let mut date_time = Schema::default();
        date_time.insert("type".into(), "string".into());
        date_time.insert("format".into(), "date-time".into());
        let mut schema = Schema::default();
        schema.insert(
            "anyOf".into(),
            serde_json::json!([<Date as Input>::schema(), date_time]),
        );
        schema
    }

    silo_contract::empty_means_none!();
}

fn today() -> Date {
    Date::from_time(Timestamp::now().datetime().date())
}

/// Formats an invoice number.
pub fn invoice_number(prefix: Option<&str>, year: i32, sequence: i64) -> String {
    format!("{}{year:04}-{sequence:04}", prefix.unwrap_or(""))
}

/// Issues a draft: takes the next number of the issue date's year, sets the due date from the
/// company's payment terms unless one was set, and copies the company's invoicing details onto
/// the invoice.
pub async fn issue(
    db: &TenantDb,
    id: Uuid,
    req: IssueRequest,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let fields = take!(p, req => issue_date);
    let (issue_date,) = p.done(fields)?;
    let issue_date = issue_date.unwrap_or_else(today);
    let mut tx = db.db().begin().await?;
    let inv = load(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("an {} invoice cannot be issued again", inv.status.as_str()),
        ));
    }
    // A state of the stored draft, not of the request: 409, like issuing twice.
    if inv.lines.is_empty() {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "an invoice without lines cannot be issued; add a line first",
        ));
    }
    let seller = invoicing::load(&mut tx).await?;
    let year = i64::from(issue_date.get().year());
    tx.execute(
        "INSERT INTO invoice_counters (year, last) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING",
        params![year],
    )
    .await?;
    let sequence: i64 = tx
        .fetch_one(
            "UPDATE invoice_counters SET last = last + 1 WHERE year = $1 RETURNING last",
            params![year],
        )
        .await?
        .get("last")?;
    let number = invoice_number(
        seller.invoice_prefix.as_deref(),
        issue_date.get().year(),
        sequence,
    );
    let due = match inv.due_date.as_deref() {
        Some(d) => Date::parse(d).map_err(|e| DomainError::invalid("due_date", e))?,
        None => issue_date
            .get()
            .checked_add(Duration::days(seller.payment_terms_days))
            .map(Date::from_time)
            .ok_or_else(|| {
                DomainError::invalid("issue_date", Problem::new(ProblemCode::OutOfRange))
            })?,
    };
    let now = Timestamp::now();
    tx.execute(
        "UPDATE invoices SET status = 'issued', number = $2, issue_date = $3, issue_month = $4, \
         due_date = $5, seller_legal_name = $6, seller_address = $7, seller_kvk_number = $8, \
         seller_vat_id = $9, seller_iban = $10, issued_at = $11, updated_at = $11 \
         WHERE id = $1 AND status = 'draft'",
        params![
            id,
            number,
            issue_date.to_string(),
            issue_date.month().to_string(),
            due.to_string(),
            seller.legal_name,
            seller.address,
            seller.kvk_number,
            seller.vat_id,
            seller.iban,
            now,
        ],
    )
    .await?;
    let inv = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::InvoiceIssued, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Records a payment on an issued invoice; once payments reach the total it is paid.
pub async fn pay(
    db: &TenantDb,
    id: Uuid,
    payment: NewPayment,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let fields = take!(p, payment => amount_cents, paid_at, method);
    let (PositiveCents(amount), date, method) = p.done(fields)?;
    let date = date.map_or_else(today, |d| d.0);
    let method = method.map(String::from);
    let mut tx = db.db().begin().await?;
    let inv = load(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Issued {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!(
                "a payment cannot be recorded on a {} invoice",
                inv.status.as_str()
            ),
        ));
    }
    let paid = inv.paid_cents.checked_add(amount).ok_or_else(|| {
        DomainError::invalid(
            "amount_cents",
            Problem::total_too_large(MAX_CENTS)
                .worded("the payments would exceed the largest amount"),
        )
    })?;
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO invoice_payments (id, invoice_id, amount_cents, paid_at, paid_month, method, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            Uuid::now_v7(),
            id,
            amount.get(),
            date.to_string(),
            date.month().to_string(),
            method,
            now
        ],
    )
    .await?;
    let fully_paid = paid >= inv.total_cents;
    tx.execute(
        "UPDATE invoices SET paid_cents = $2, status = $3, paid_at = $4, updated_at = $5 \
         WHERE id = $1",
        params![
            id,
            paid.get(),
            if fully_paid { "paid" } else { "issued" },
            fully_paid.then(|| now.to_string()),
            now,
        ],
    )
    .await?;
    let inv = load(&mut tx, id).await?;
    let event = if fully_paid {
        EventType::InvoicePaid
    } else {
        EventType::InvoicePaymentRecorded
    };
    announce(&mut tx, origin, event, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_prefix_year_and_padded_sequence() {
        assert_eq!(invoice_number(None, 2026, 1), "2026-0001");
        assert_eq!(invoice_number(Some("ACME-"), 2026, 12), "ACME-2026-0012");
        assert_eq!(invoice_number(None, 2026, 12345), "2026-12345");
    }
}
