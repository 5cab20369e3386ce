//! Payments on issued invoices: recorded one by one, never above the open balance unless the
//! person says it is an overpayment, and reversed by a record of its own (the payment stays).
//! After each change the invoice's balance and status are computed again from what stands, in
//! [`settle`].

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::Origin;
use crate::input::{Date, Input, Optional, PaymentMethod, Problem, ProblemCode, Sent, Text, take};
use crate::invoices::{Invoice, InvoiceStatus, announce, load, load_for_change};
use crate::money::{MAX_CENTS, PositiveCents};
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use silo_contract::EventType;
use silo_store::{TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A payment's reference (the bank's or the payer's).
pub type PaymentReference = Text<200>;
/// Why a payment was reversed.
pub type ReversalReason = Text<500>;

/// `POST /api/invoices/{id}/payments` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewPayment {
    amount_cents: Sent<PositiveCents>,
    /// Payment date `YYYY-MM-DD` or an RFC 3339 time; today (UTC) when left out.
    #[serde(default)]
    paid_at: Optional<PaymentDate>,
    #[serde(default)]
    method: Optional<PaymentMethod>,
    #[serde(default)]
    reference: Optional<PaymentReference>,
    /// Record an amount above the open balance as an overpayment (to refund or credit);
    /// without it such a payment is refused.
    #[serde(default)]
    allow_overpayment: Option<bool>,
}

/// `POST /api/invoices/{id}/payments/{payment_id}/reverse` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Reversal {
    #[serde(default)]
    reason: Optional<ReversalReason>,
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

/// Computes the invoice's paid and credited amounts from the payments that stand and its
/// credit notes, and its status from them: settled (`paid` as stored) once nothing is open,
/// `issued` otherwise. Answers the invoice as it now is.
pub(crate) async fn settle(tx: &mut Tx, id: Uuid, now: Timestamp) -> DomainResult<Invoice> {
    let sums = tx
        .fetch_one(
            "SELECT \
             (SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM invoice_payments p \
              WHERE p.invoice_id = $1 AND NOT EXISTS \
              (SELECT 1 FROM invoice_payment_reversals r WHERE r.payment_id = p.id)) AS paid, \
             (SELECT CAST(COALESCE(SUM(c.total_cents), 0) AS BIGINT) FROM credit_notes c \
              WHERE c.invoice_id = $1) AS credited",
            params![id],
        )
        .await?;
    let paid: i64 = sums.get("paid")?;
    let credited: i64 = sums.get("credited")?;
    let inv = load(tx, id).await?;
    let settled = paid.saturating_add(credited) >= inv.total_cents.get();
    let paid_at = match (settled, inv.paid_at) {
        (true, Some(at)) => Some(at),
        (true, None) => Some(now),
        (false, _) => None,
    };
    tx.execute(
        "UPDATE invoices SET paid_cents = $2, credited_cents = $3, status = $4, paid_at = $5, \
         updated_at = $6 WHERE id = $1 AND status <> 'draft'",
        params![
            id,
            paid,
            credited,
            if settled { "paid" } else { "issued" },
            paid_at,
            now,
        ],
    )
    .await?;
    load(tx, id).await
}

/// The payment rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let payment: NewPayment = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, payment => amount_cents, paid_at, method, reference);
    p.done(fields)?;
    Ok(())
}

/// Records a payment on an open invoice; once nothing is open it is paid.
pub async fn pay(
    db: &TenantDb,
    id: Uuid,
    payment: NewPayment,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let allow_overpayment = payment.allow_overpayment.unwrap_or(false);
    let mut p = Problems::new();
    let fields = take!(p, payment => amount_cents, paid_at, method, reference);
    let (PositiveCents(amount), date, method, reference) = p.done(fields)?;
    let date = date.map_or_else(Date::today, |d| d.0);
    let mut tx = db.db().begin().await?;
    let inv = load_for_change(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Issued {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!(
                "a payment cannot be recorded on a {} invoice",
                inv.status.as_str()
            ),
        ));
    }
    if inv.paid_cents.checked_add(amount).is_none() {
        return Err(DomainError::invalid(
            "amount_cents",
            Problem::total_too_large(MAX_CENTS)
                .worded("the payments would exceed the largest amount"),
        ));
    }
    if amount > inv.open_cents && !allow_overpayment {
        return Err(DomainError::conflict(
            ErrorCode::PaymentExceedsBalance,
            format!(
                "the payment of {} cents is more than the open balance of {} cents; \
                 send allow_overpayment to record it as an overpayment",
                amount.get(),
                inv.open_cents.get()
            ),
        ));
    }
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO invoice_payments (id, invoice_id, amount_cents, paid_at, paid_month, method, \
         reference, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            Uuid::now_v7(),
            id,
            amount.get(),
            date.to_string(),
            date.month().to_string(),
            method.map(String::from),
            reference.map(String::from),
            now
        ],
    )
    .await?;
    let inv = settle(&mut tx, id, now).await?;
    let event = if inv.status == InvoiceStatus::Issued {
        EventType::InvoicePaymentRecorded
    } else {
        EventType::InvoicePaid
    };
    announce(&mut tx, origin, event, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Reverses a payment (a bounced transfer, a refund, a payment booked on the wrong invoice):
/// a reversal record is added, the payment stays listed and no longer counts, and a paid
/// invoice is open again.
pub async fn reverse(
    db: &TenantDb,
    id: Uuid,
    payment_id: Uuid,
    reversal: Reversal,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let fields = take!(p, reversal => reason);
    let (reason,) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let inv = load_for_change(&mut tx, id).await?;
    let Some(payment) = inv.payments.iter().find(|p| p.id == payment_id) else {
        return Err(DomainError::NotFound);
    };
    if payment.reversed_at.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the payment was reversed already",
        ));
    }
    let now = Timestamp::now();
    let day = Date::from_time(now.datetime().date());
    tx.execute(
        "INSERT INTO invoice_payment_reversals (payment_id, invoice_id, reason, reversed_at, \
         reversed_month, reversed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            payment_id,
            id,
            reason.map(String::from),
            day.to_string(),
            day.month().to_string(),
            origin.actor,
            now
        ],
    )
    .await?;
    let inv = settle(&mut tx, id, now).await?;
    announce(&mut tx, origin, EventType::InvoicePaymentReversed, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}
