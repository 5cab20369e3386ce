//! Invoices: drafts with lines whose totals the server computes (see [`crate::money`] for the
//! rounding rule), then `draft -> issued -> paid` (in [`crate::billing`]). Only a draft can
//! change: an issued invoice's lines, amounts and customer are fixed (`409 invoice_locked`).
//!
//! Quantities are kept in thousandths (`quantity_milli`) so hours like 1.5 are exact; on the
//! wire `quantity` is a JSON number with at most three decimals, 1 when left out. A line's VAT
//! rate is 2100 basis points (21 %) when left out.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{
    Date, Id, LineDescription, Notes, Optional, Patch, Problem, Sent, no_such, take,
};
pub use crate::invoice_parts::{InvoiceStatus, Line, Payment, Seller};
use crate::list::ListParams;
use crate::money::{self, Cents, Currency, Quantity, Totals, VatRate};
use crate::{accounts, deals};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// An invoice as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Invoice {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The number, once issued (`2026-0001`, with the company's prefix if set).
    pub number: Option<String>,
    /// Status.
    pub status: InvoiceStatus,
    /// Currency of every amount.
    pub currency: Currency,
    /// The customer.
    pub account_id: Option<Uuid>,
    /// The deal it bills.
    pub deal_id: Option<Uuid>,
    /// Free text printed on the invoice.
    pub notes: Option<String>,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// Sum of line nets.
    pub subtotal_cents: Cents,
    /// Sum of line VAT.
    pub vat_cents: Cents,
    /// Subtotal plus VAT.
    pub total_cents: Cents,
    /// Sum of payments.
    pub paid_cents: Cents,
    /// The seller as printed, once issued.
    pub seller: Option<Seller>,
    /// Payments, oldest first.
    pub payments: Vec<Payment>,
    /// When issued.
    pub issued_at: Option<Timestamp>,
    /// When paid in full.
    pub paid_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A line as sent by clients.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewLine {
    description: Sent<LineDescription>,
    /// 1 when left out.
    quantity: Option<Sent<Quantity>>,
    unit_cents: Sent<Cents>,
    /// 2100 (21 %) when left out.
    vat_rate_bp: Option<Sent<VatRate>>,
}

/// Most lines one invoice may hold.
pub const MAX_LINES: usize = 500;

/// `POST /api/invoices` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewInvoice {
    /// EUR when left out.
    currency: Option<Sent<Currency>>,
    #[serde(default)]
    account_id: Optional<Id>,
    #[serde(default)]
    deal_id: Optional<Id>,
    #[serde(default)]
    notes: Optional<Notes>,
    #[serde(default)]
    due_date: Optional<Date>,
    #[serde(default)]
    #[schemars(length(max = MAX_LINES))]
    lines: Vec<NewLine>,
}

/// `PATCH /api/invoices/{id}` body: only while draft; `lines` replaces all lines.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InvoicePatch {
    currency: Option<Sent<Currency>>,
    #[serde(default)]
    account_id: Patch<Sent<Id>>,
    #[serde(default)]
    deal_id: Patch<Sent<Id>>,
    #[serde(default)]
    notes: Patch<Sent<Notes>>,
    #[serde(default)]
    due_date: Patch<Sent<Date>>,
    #[schemars(length(max = MAX_LINES))]
    lines: Option<Vec<NewLine>>,
}

/// The lines and their totals; what is wrong is recorded in `p`, and the result is only
/// meaningful when nothing was.
fn parse_lines(p: &mut Problems, lines: Vec<NewLine>) -> (Vec<Line>, Totals) {
    if lines.len() > MAX_LINES {
        p.add("lines", Problem::too_many(MAX_LINES));
        return (Vec::new(), Totals::default());
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.into_iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let description = p.take(&f("description"), line.description);
        let quantity = p.take(&f("quantity"), line.quantity);
        let unit = p.take(&f("unit_cents"), line.unit_cents);
        let rate = p.take(&f("vat_rate_bp"), line.vat_rate_bp);
        let (Some(description), Some(quantity), Some(unit), Some(rate)) =
            (description, quantity, unit, rate)
        else {
            continue;
        };
        let quantity = quantity.unwrap_or(Quantity::ONE);
        let rate = rate.unwrap_or(VatRate::DEFAULT);
        let Some(amounts) = money::line_amounts(quantity, unit, rate) else {
            p.add(
                f("unit_cents"),
                Problem::total_too_large(money::MAX_CENTS).worded("the line amount is too large"),
            );
            continue;
        };
        out.push(Line {
            description: description.into(),
            quantity,
            unit_cents: unit,
            vat_rate_bp: rate,
            net_cents: amounts.net,
            vat_cents: amounts.vat,
        });
    }
    let amounts = out.iter().map(|l| money::LineAmounts {
        net: l.net_cents,
        vat: l.vat_cents,
    });
    match money::totals(amounts) {
        Some(t) => (out, t),
        None => {
            p.add(
                "lines",
                Problem::total_too_large(money::MAX_CENTS).worded("the invoice total is too large"),
            );
            (out, Totals::default())
        }
    }
}

fn decode_err(column: &str, reason: impl ToString) -> StoreError {
    StoreError::Decode {
        column: column.into(),
        reason: reason.to_string(),
    }
}

fn cents(row: &Row, column: &str) -> Result<Cents, StoreError> {
    Cents::new(row.get(column)?).map_err(|e| decode_err(column, e))
}

fn from_row(row: &Row) -> Result<Invoice, StoreError> {
    let status: String = row.get("status")?;
    let currency: String = row.get("currency")?;
    let issued_at: Option<Timestamp> = row.get("issued_at")?;
    Ok(Invoice {
        id: row.get("id")?,
        number: row.get("number")?,
        status: status
            .parse()
            .map_err(|e: silo_contract::UnknownValue| decode_err("status", e))?,
        currency: Currency::parse(&currency).map_err(|e| decode_err("currency", e))?,
        account_id: row.get("account_id")?,
        deal_id: row.get("deal_id")?,
        notes: row.get("notes")?,
        issue_date: row.get("issue_date")?,
        due_date: row.get("due_date")?,
        lines: Vec::new(),
        subtotal_cents: cents(row, "subtotal_cents")?,
        vat_cents: cents(row, "vat_cents")?,
        total_cents: cents(row, "total_cents")?,
        paid_cents: cents(row, "paid_cents")?,
        seller: match issued_at {
            Some(_) => Some(Seller {
                legal_name: row.get("seller_legal_name")?,
                address: row.get("seller_address")?,
                kvk_number: row.get("seller_kvk_number")?,
                vat_id: row.get("seller_vat_id")?,
                iban: row.get("seller_iban")?,
            }),
            None => None,
        },
        payments: Vec::new(),
        issued_at,
        paid_at: row.get("paid_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn line_from_row(row: &Row) -> Result<Line, StoreError> {
    Ok(Line {
        description: row.get("description")?,
        quantity: Quantity::from_milli(row.get("quantity_milli")?)
            .map_err(|e| decode_err("quantity_milli", e))?,
        unit_cents: cents(row, "unit_cents")?,
        vat_rate_bp: VatRate::new(row.get("vat_rate_bp")?)
            .map_err(|e| decode_err("vat_rate_bp", e))?,
        net_cents: cents(row, "net_cents")?,
        vat_cents: cents(row, "vat_cents")?,
    })
}

/// The invoice with its lines and payments, inside a transaction.
pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Invoice> {
    let row = tx
        .fetch_optional("SELECT * FROM invoices WHERE id = $1", params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut invoice = from_row(&row)?;
    let lines = tx
        .fetch_all(
            "SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
            params![id],
        )
        .await?;
    invoice.lines = lines.iter().map(line_from_row).collect::<Result<_, _>>()?;
    let payments = tx
        .fetch_all(
            "SELECT id, amount_cents, paid_at, method FROM invoice_payments \
             WHERE invoice_id = $1 ORDER BY id",
            params![id],
        )
        .await?;
    invoice.payments = payments
        .iter()
        .map(|r| {
            Ok(Payment {
                id: r.get("id")?,
                amount_cents: cents(r, "amount_cents")?,
                paid_at: r.get("paid_at")?,
                method: r.get("method")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(invoice)
}

async fn check_refs(tx: &mut Tx, account: Option<Uuid>, deal: Option<Uuid>) -> DomainResult<()> {
    let mut p = Problems::new();
    if let Some(id) = account
        && !accounts::exists(tx, id).await?
    {
        p.add("account_id", no_such("account"));
    }
    if let Some(id) = deal
        && !deals::exists(tx, id).await?
    {
        p.add("deal_id", no_such("deal"));
    }
    Ok(p.finish()?)
}

async fn write_lines(tx: &mut Tx, id: Uuid, lines: &[Line], totals: Totals) -> DomainResult<()> {
    tx.execute(
        "DELETE FROM invoice_lines WHERE invoice_id = $1",
        params![id],
    )
    .await?;
    for (position, l) in (1_i64..).zip(lines) {
        tx.execute(
            "INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, \
             unit_cents, vat_rate_bp, net_cents, vat_cents) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
    tx.execute(
        "UPDATE invoices SET subtotal_cents = $2, vat_cents = $3, total_cents = $4 WHERE id = $1",
        params![
            id,
            totals.subtotal.get(),
            totals.vat.get(),
            totals.total.get()
        ],
    )
    .await?;
    Ok(())
}

/// Appends an invoice's event: ids, status, number and amounts, never its lines or notes.
pub(crate) async fn announce(
    tx: &mut Tx,
    origin: &Origin,
    event: EventType,
    inv: &Invoice,
) -> DomainResult<()> {
    let data = json!({
        "id": inv.id,
        "status": inv.status,
        "number": inv.number,
        "currency": inv.currency,
        "total_cents": inv.total_cents,
        "paid_cents": inv.paid_cents,
        "account_id": inv.account_id,
    });
    emit(tx, origin, event, inv.id, data).await?;
    Ok(())
}

/// Creates a draft invoice.
pub async fn create(db: &TenantDb, new: NewInvoice, origin: &Origin) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let (lines, totals) = parse_lines(&mut p, new.lines);
    let fields = take!(p, new => currency, account_id, deal_id, notes, due_date);
    let (currency, account, deal, notes, due) = p.done(fields)?;
    let currency = currency.unwrap_or(Currency::EUR);
    let (account, deal) = (account.map(Id::get), deal.map(Id::get));
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    check_refs(&mut tx, account, deal).await?;
    tx.execute(
        "INSERT INTO invoices (id, status, currency, account_id, deal_id, notes, due_date, \
         created_at, updated_at) VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $7)",
        params![
            id,
            currency.as_str(),
            account,
            deal,
            notes.map(String::from),
            due.map(|d| d.to_string()),
            now
        ],
    )
    .await?;
    write_lines(&mut tx, id, &lines, totals).await?;
    let invoice = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::InvoiceCreated, &invoice).await?;
    tx.commit().await?;
    Ok(invoice)
}

/// One invoice with lines and payments.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Invoice> {
    let mut tx = db.db().begin().await?;
    let invoice = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(invoice)
}

/// A page of invoices (without lines and payments); `q` matches the number.
pub async fn list(db: &TenantDb, params: &ListParams) -> DomainResult<Vec<Invoice>> {
    let rows = db
        .db()
        .fetch_all(
            "SELECT * FROM invoices WHERE ($1 IS NULL OR id > $1) \
             AND ($2 IS NULL OR LOWER(number) LIKE $2 ESCAPE '\\') ORDER BY id LIMIT $3",
            &params.binds(),
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes a draft; an issued or paid invoice answers `409 invoice_locked`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: InvoicePatch,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let lines = patch.lines.map(|l| parse_lines(&mut p, l));
    let fields = take!(p, patch => currency, account_id, deal_id, notes, due_date);
    let (currency, account, deal, notes, due) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut inv = load(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvoiceLocked,
            format!("an {} invoice cannot change", inv.status.as_str()),
        ));
    }
    if let Some(v) = currency {
        inv.currency = v;
    }
    check_refs(
        &mut tx,
        account.set().map(|id| id.get()),
        deal.set().map(|id| id.get()),
    )
    .await?;
    account.apply(&mut inv.account_id);
    deal.apply(&mut inv.deal_id);
    notes.apply(&mut inv.notes);
    due.map(|d| d.to_string()).apply(&mut inv.due_date);
    tx.execute(
        "UPDATE invoices SET currency = $2, account_id = $3, deal_id = $4, notes = $5, \
         due_date = $6, updated_at = $7 WHERE id = $1 AND status = 'draft'",
        params![
            id,
            inv.currency.as_str(),
            inv.account_id,
            inv.deal_id,
            inv.notes.clone(),
            inv.due_date.clone(),
            Timestamp::now(),
        ],
    )
    .await?;
    if let Some((lines, totals)) = lines {
        write_lines(&mut tx, id, &lines, totals).await?;
    }
    let inv = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::InvoiceUpdated, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}
