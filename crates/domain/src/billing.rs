//! Issuing invoices and recording payments.
//!
//! Numbering: one counter row per calendar year (`invoice_counters`), created if missing and
//! incremented in the same transaction that issues the invoice. The transaction holds the
//! database's write lock on SQLite (`BEGIN IMMEDIATE`) and the counter row's lock on
//! PostgreSQL, so concurrent issues take consecutive numbers, and a failed issue rolls its
//! increment back: no gaps, no duplicates. The number is the company's prefix (verbatim), the
//! year of the issue date, and the sequence padded to four digits: `ACME-2026-0001`.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::input::{format_date, month_of, optional_date, optional_text, parse_date};
use crate::invoices::{Invoice, InvoiceStatus, load};
use crate::invoicing;
use crate::money::Cents;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_store::{TenantDb, Timestamp, params};
use time::{Date, Duration};
use uuid::Uuid;

/// `POST /api/invoices/{id}/issue` body (may be empty).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IssueRequest {
    /// Issue date, `YYYY-MM-DD`; today (UTC) when left out.
    issue_date: Option<String>,
}

/// `POST /api/invoices/{id}/payments` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewPayment {
    amount_cents: i64,
    /// Payment date `YYYY-MM-DD` or an RFC 3339 time; today (UTC) when left out.
    paid_at: Option<String>,
    method: Option<String>,
}

fn today() -> Date {
    Timestamp::now().datetime().date()
}

/// Formats an invoice number.
pub fn invoice_number(prefix: Option<&str>, year: i32, sequence: i64) -> String {
    format!("{}{year:04}-{sequence:04}", prefix.unwrap_or(""))
}

/// Issues a draft: takes the next number of the issue date's year, sets the due date from the
/// company's payment terms unless one was set, and copies the company's invoicing details onto
/// the invoice.
pub async fn issue(db: &TenantDb, id: Uuid, req: IssueRequest) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let issue_date = optional_date(&mut p, "issue_date", req.issue_date.as_deref());
    let issue_date = p.done(issue_date)?.unwrap_or_else(today);
    let mut tx = db.db().begin().await?;
    let inv = load(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("an {} invoice cannot be issued again", inv.status.as_str()),
        ));
    }
    if inv.lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "an invoice needs at least one line",
        ));
    }
    let seller = invoicing::load(&mut tx).await?;
    let year = i64::from(issue_date.year());
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
        issue_date.year(),
        sequence,
    );
    let due = match inv.due_date.as_deref() {
        Some(d) => parse_date(d).map_err(|e| DomainError::invalid("due_date", e))?,
        None => issue_date
            .checked_add(Duration::days(seller.payment_terms_days))
            .ok_or_else(|| DomainError::invalid("issue_date", "is out of range"))?,
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
            format_date(issue_date),
            month_of(issue_date),
            format_date(due),
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
    tx.commit().await?;
    Ok(inv)
}

fn payment_date(value: &str) -> Result<Date, &'static str> {
    parse_date(value).or_else(|_| {
        Timestamp::parse(value)
            .map(|t| t.datetime().date())
            .ok_or("must be a date as YYYY-MM-DD or an RFC 3339 time")
    })
}

/// Records a payment on an issued invoice; once payments reach the total it is paid.
pub async fn pay(db: &TenantDb, id: Uuid, payment: NewPayment) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let amount = p.check("amount_cents", Cents::positive(payment.amount_cents));
    let date = match payment.paid_at.as_deref().map(str::trim) {
        None | Some("") => Some(today()),
        Some(v) => p.check("paid_at", payment_date(v)),
    };
    let method = optional_text(&mut p, "method", payment.method.as_deref(), 100);
    let ((amount, date), method) = p.done(amount.zip(date).zip(method))?;
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
    let paid = inv
        .paid_cents
        .checked_add(amount)
        .ok_or_else(|| DomainError::invalid("amount_cents", "is too large"))?;
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO invoice_payments (id, invoice_id, amount_cents, paid_at, paid_month, method, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            Uuid::now_v7(),
            id,
            amount.get(),
            format_date(date),
            month_of(date),
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
