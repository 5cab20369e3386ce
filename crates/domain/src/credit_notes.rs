//! Credit notes: the only way to correct an issued invoice. Each is issued at once with the
//! next number of its own gap-free series per year (`CN-2026-0001`, after the company's
//! prefix), refers to its invoice, and carries that invoice's parties. In full (every line not
//! yet credited) or in part (the lines sent); never more than is left of the invoice. Amounts
//! are stored as magnitudes and shown negative.

use crate::billing::{Series, next_number};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Date, Optional, Problem, Sent, Text, take};
use crate::invoices::{self, Buyer, Invoice, InvoiceStatus, Line, NewLine, Seller, cents};
use crate::list::ListParams;
use crate::money::{self, Cents, Currency, LineAmounts, Quantity, Totals, VatRate};
use crate::parties::Language;
use crate::payments::settle;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Why a credit note was issued; printed on it.
pub type CreditReason = Text<500>;

/// A credit note line as shown: the unit price and amounts negative.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CreditLine {
    /// What is credited.
    pub description: String,
    /// How many.
    pub quantity: Quantity,
    /// Price of one, before VAT, negative.
    pub unit_cents: i64,
    /// VAT rate.
    pub vat_rate_bp: VatRate,
    /// Net amount, negative.
    pub net_cents: i64,
    /// VAT, negative.
    pub vat_cents: i64,
}

/// A credit note as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CreditNote {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Its number in the credit note series.
    pub number: String,
    /// The invoice it corrects.
    pub invoice_id: Uuid,
    /// That invoice's number.
    pub invoice_number: String,
    /// That invoice's issue date, `YYYY-MM-DD`.
    pub invoice_issue_date: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Why it was issued.
    pub reason: String,
    /// Currency of every amount.
    pub currency: Currency,
    /// Language of the document and its mail.
    pub language: Language,
    /// VAT reverse-charged (as on the invoice).
    pub reverse_charge: bool,
    /// The lines, in order.
    pub lines: Vec<CreditLine>,
    /// Sum of line nets, negative.
    pub subtotal_cents: i64,
    /// Sum of line VAT, negative.
    pub vat_cents: i64,
    /// Subtotal plus VAT, negative.
    pub total_cents: i64,
    /// The seller as on the invoice.
    pub seller: Option<Seller>,
    /// The buyer as on the invoice.
    pub buyer: Option<Buyer>,
    /// The invoice's payment reference.
    pub payment_reference: Option<String>,
    /// When it was last mailed.
    pub sent_at: Option<Timestamp>,
    /// Created (issued).
    pub created_at: Timestamp,
}

impl CreditNote {
    /// The lines with positive amounts, as a document prints them under a credit note's title.
    pub fn magnitudes(&self) -> Vec<Line> {
        self.lines
            .iter()
            .map(|l| Line {
                description: l.description.clone(),
                quantity: l.quantity,
                unit_cents: Cents::new(-l.unit_cents).unwrap_or_default(),
                vat_rate_bp: l.vat_rate_bp,
                net_cents: Cents::new(-l.net_cents).unwrap_or_default(),
                vat_cents: Cents::new(-l.vat_cents).unwrap_or_default(),
            })
            .collect()
    }
}

/// `POST /api/invoices/{id}/credit-notes` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewCreditNote {
    reason: Sent<CreditReason>,
    /// Today (UTC) when left out.
    #[serde(default)]
    issue_date: Optional<Date>,
    /// The lines to credit, with positive amounts; left out, everything not yet credited.
    #[schemars(length(min = 1, max = invoices::MAX_LINES))]
    lines: Option<Vec<NewLine>>,
}

/// `GET /api/credit-notes` filter besides the page.
#[derive(Clone, Copy, Debug, Default)]
pub struct CreditNoteFilter {
    /// Only the credit notes of this invoice.
    pub invoice_id: Option<Uuid>,
}

/// Formats a credit note number.
pub fn credit_note_number(prefix: Option<&str>, year: i32, sequence: i64) -> String {
    format!("{}CN-{year:04}-{sequence:04}", prefix.unwrap_or(""))
}

fn negate(c: Cents) -> i64 {
    -c.get()
}

fn line_from_row(row: &Row) -> Result<CreditLine, StoreError> {
    Ok(CreditLine {
        description: row.get("description")?,
        quantity: Quantity::from_milli(row.get("quantity_milli")?).map_err(|e| {
            StoreError::Decode {
                column: "quantity_milli".into(),
                reason: e.to_string(),
            }
        })?,
        unit_cents: negate(cents(row, "unit_cents")?),
        vat_rate_bp: VatRate::new(row.get("vat_rate_bp")?).map_err(|e| StoreError::Decode {
            column: "vat_rate_bp".into(),
            reason: e.to_string(),
        })?,
        net_cents: negate(cents(row, "net_cents")?),
        vat_cents: negate(cents(row, "vat_cents")?),
    })
}

/// The columns of a credit note's row, named (see `invoices.rs` on `*`).
const NOTE: &str = "SELECT id, number, invoice_id, reason, issue_date, subtotal_cents, vat_cents, \
    total_cents, sent_at, created_at FROM credit_notes";

async fn load_note(tx: &mut Tx, id: Uuid) -> DomainResult<CreditNote> {
    let row = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!("{NOTE} WHERE id = $1")),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let inv = invoices::load_header(tx, row.get("invoice_id")?).await?;
    note_from(tx, &row, &inv).await
}

/// A credit note from its row and the invoice it corrects (its header is enough).
async fn note_from(tx: &mut Tx, row: &Row, inv: &Invoice) -> DomainResult<CreditNote> {
    let id: Uuid = row.get("id")?;
    let lines = tx
        .fetch_all(
            "SELECT description, quantity_milli, unit_cents, vat_rate_bp, net_cents, vat_cents \
             FROM credit_note_lines WHERE credit_note_id = $1 ORDER BY position",
            params![id],
        )
        .await?;
    Ok(CreditNote {
        id,
        number: row.get("number")?,
        invoice_id: inv.id,
        invoice_number: inv.number.clone().unwrap_or_default(),
        invoice_issue_date: inv.issue_date.clone().unwrap_or_default(),
        issue_date: row.get("issue_date")?,
        reason: row.get("reason")?,
        currency: inv.currency,
        language: inv.language.unwrap_or(Language::Nl),
        reverse_charge: inv.reverse_charge,
        lines: lines.iter().map(line_from_row).collect::<Result<_, _>>()?,
        subtotal_cents: negate(cents(row, "subtotal_cents")?),
        vat_cents: negate(cents(row, "vat_cents")?),
        total_cents: negate(cents(row, "total_cents")?),
        seller: inv.seller.clone(),
        buyer: inv.buyer.clone(),
        payment_reference: inv.payment_reference.clone(),
        sent_at: row.get("sent_at")?,
        created_at: row.get("created_at")?,
    })
}

/// What is left to credit per VAT rate: the invoice's net and VAT per rate less its credit
/// notes'.
async fn left_per_rate(tx: &mut Tx, inv: &Invoice) -> DomainResult<BTreeMap<i64, LineAmounts>> {
    let mut left: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for l in &inv.lines {
        let e = left.entry(l.vat_rate_bp.bp()).or_default();
        e.0 += l.net_cents.get();
        e.1 += l.vat_cents.get();
    }
    let credited = tx
        .fetch_all(
            "SELECT l.vat_rate_bp, CAST(SUM(l.net_cents) AS BIGINT) AS net, \
             CAST(SUM(l.vat_cents) AS BIGINT) AS vat \
             FROM credit_note_lines l JOIN credit_notes c ON c.id = l.credit_note_id \
             WHERE c.invoice_id = $1 GROUP BY l.vat_rate_bp",
            params![inv.id],
        )
        .await?;
    for row in &credited {
        let e = left.entry(row.get("vat_rate_bp")?).or_default();
        e.0 -= row.get::<i64>("net")?;
        e.1 -= row.get::<i64>("vat")?;
    }
    Ok(left
        .into_iter()
        .filter(|(_, (net, vat))| *net > 0 || *vat > 0)
        .map(|(rate, (net, vat))| {
            (
                rate,
                LineAmounts {
                    net: Cents::new(net.max(0)).unwrap_or_default(),
                    vat: Cents::new(vat.max(0)).unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// The lines of a full credit: the invoice's own lines when nothing was credited yet, else
/// one line per VAT rate for what is left.
async fn full_credit(tx: &mut Tx, inv: &Invoice) -> DomainResult<Vec<Line>> {
    if inv.credited_cents == Cents::ZERO {
        return Ok(inv.lines.clone());
    }
    let number = inv.number.as_deref().unwrap_or_default();
    Ok(left_per_rate(tx, inv)
        .await?
        .into_iter()
        .filter_map(|(rate, amounts)| {
            Some(Line {
                description: format!("{number}: remaining amount"),
                quantity: Quantity::ONE,
                unit_cents: amounts.net,
                vat_rate_bp: VatRate::new(rate).ok()?,
                net_cents: amounts.net,
                vat_cents: amounts.vat,
            })
        })
        .collect())
}

/// Issues a credit note on an issued invoice.
pub async fn create(
    db: &TenantDb,
    invoice_id: Uuid,
    new: NewCreditNote,
    origin: &Origin,
) -> DomainResult<CreditNote> {
    let mut tx = db.db().begin().await?;
    let inv = invoices::load_for_change(&mut tx, invoice_id).await?;
    if inv.status == InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "a draft is changed or deleted, not credited",
        ));
    }
    let mut p = Problems::new();
    let rates: Vec<i64> = inv.lines.iter().map(|l| l.vat_rate_bp.bp()).collect();
    let lines = match new.lines {
        None => full_credit(&mut tx, &inv).await?,
        Some(lines) => {
            let default = inv
                .lines
                .first()
                .map_or(VatRate::DEFAULT, |l| l.vat_rate_bp);
            let (lines, _) = invoices::parse_lines(&mut p, lines, default);
            for (i, l) in lines.iter().enumerate() {
                if !rates.contains(&l.vat_rate_bp.bp()) {
                    p.add(
                        format!("lines[{i}].vat_rate_bp"),
                        Problem::rule("must be one of the invoice's VAT rates"),
                    );
                }
            }
            if lines.is_empty() {
                p.add("lines", Problem::too_few(1));
            }
            lines
        }
    };
    let fields = take!(p, new => reason, issue_date);
    let (reason, issue_date) = p.done(fields)?;
    let totals = money::totals(lines.iter().map(|l| LineAmounts {
        net: l.net_cents,
        vat: l.vat_cents,
    }))
    .unwrap_or(Totals {
        subtotal: Cents::new(money::MAX_CENTS).unwrap_or_default(),
        vat: Cents::ZERO,
        total: Cents::new(money::MAX_CENTS).unwrap_or_default(),
    });
    let left = inv.total_cents.get() - inv.credited_cents.get();
    if totals.total.get() > left || totals.total == Cents::ZERO {
        return Err(DomainError::conflict(
            ErrorCode::CreditExceedsInvoice,
            format!(
                "the credit note's total of {} cents is more than the {} cents left to credit",
                totals.total.get(),
                left.max(0)
            ),
        ));
    }
    let issue_date = issue_date.unwrap_or_else(Date::today);
    let year = issue_date.get().year();
    let sequence = next_number(&mut tx, Series::CreditNotes, i64::from(year)).await?;
    let prefix = crate::invoicing::load(&mut tx).await?.invoice_prefix;
    let number = credit_note_number(prefix.as_deref(), year, sequence);
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO credit_notes (id, number, invoice_id, reason, issue_date, issue_month, \
         subtotal_cents, vat_cents, total_cents, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        params![
            id,
            &number,
            invoice_id,
            String::from(reason),
            issue_date.to_string(),
            issue_date.month().to_string(),
            totals.subtotal.get(),
            totals.vat.get(),
            totals.total.get(),
            now,
            origin.actor,
        ],
    )
    .await?;
    for (position, l) in (1_i64..).zip(&lines) {
        tx.execute(
            "INSERT INTO credit_note_lines (credit_note_id, position, description, quantity_milli, \
             unit_cents, vat_rate_bp, net_cents, vat_cents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            params![
                id,
                position,
                &l.description,
                l.quantity.milli(),
                l.unit_cents.get(),
                l.vat_rate_bp.bp(),
                l.net_cents.get(),
                l.vat_cents.get(),
            ],
        )
        .await?;
    }
    settle(&mut tx, invoice_id, now).await?;
    let note = load_note(&mut tx, id).await?;
    emit(
        &mut tx,
        origin,
        EventType::CreditNoteIssued,
        id,
        json!({
            "id": id,
            "number": note.number,
            "invoice_id": invoice_id,
            "account_id": inv.account_id,
            "currency": note.currency,
            "total_cents": note.total_cents,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// One credit note.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<CreditNote> {
    let mut tx = db.db().begin_snapshot().await?;
    let note = load_note(&mut tx, id).await?;
    tx.commit().await?;
    Ok(note)
}

/// A page of credit notes, oldest first; `q` matches the number.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: CreditNoteFilter,
) -> DomainResult<Vec<CreditNote>> {
    let [after, pattern, limit] = params.binds();
    let mut tx = db.db().begin_snapshot().await?;
    let rows = tx
        .fetch_all(
            silo_store::Sql::assembled(format!(
                "{NOTE} WHERE ($1 IS NULL OR id > $1) \
                 AND ($2 IS NULL OR LOWER(number) LIKE $2 ESCAPE '\\') \
                 AND ($4 IS NULL OR invoice_id = $4) ORDER BY id LIMIT $3"
            )),
            &[
                after,
                pattern,
                limit,
                filter.invoice_id.map(|u| u.to_string()).into(),
            ],
        )
        .await?;
    // Several notes of one invoice read its header once.
    let mut invoices: HashMap<Uuid, Invoice> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let invoice_id: Uuid = row.get("invoice_id")?;
        let inv = match invoices.entry(invoice_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(invoices::load_header(&mut tx, invoice_id).await?),
        };
        out.push(note_from(&mut tx, row, inv).await?);
    }
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_their_own_series_name() {
        assert_eq!(credit_note_number(None, 2026, 1), "CN-2026-0001");
        assert_eq!(
            credit_note_number(Some("ACME-"), 2026, 7),
            "ACME-CN-2026-0007"
        );
    }
}
