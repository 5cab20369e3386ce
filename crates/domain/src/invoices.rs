//! Invoices: drafts with lines whose totals the server computes (see [`crate::money`] for the
//! rounding rule), then `draft -> issued -> paid | credited` (issuing in [`crate::billing`],
//! payments in [`crate::payments`], credit notes in [`crate::credit_notes`]). Only a draft can
//! change or be deleted: an issued invoice's lines, amounts and parties are fixed
//! (`409 invoice_locked`); it is corrected by a credit note.
//!
//! Quantities are kept in thousandths (`quantity_milli`) so hours like 1.5 are exact; on the
//! wire `quantity` is a JSON number with at most three decimals, 1 when left out. A line's VAT
//! rate is 2100 basis points (21 %) when left out.

use crate::columns::{enum_column, optional_enum_column};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{
    Choice, Date, Id, LineDescription, Notes, Optional, Patch, Problem, Sent, no_such, take,
};
pub use crate::invoice_parts::{
    Buyer, CreditNoteSummary, InvoiceDelivery, InvoiceDeliveryKind, InvoiceDeliveryState,
    InvoiceStatus, Line, Payment, Seller,
};
use crate::list::ListParams;
use crate::money::{self, Cents, Currency, Quantity, Totals, VatRate};
use crate::parties::Language;
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
    /// Language of the invoice and its mail; on a draft, null means the client's.
    pub language: Option<Language>,
    /// The date of supply, when it differs from the issue date, `YYYY-MM-DD`.
    pub supply_date: Option<String>,
    /// VAT reverse-charged to the buyer (EU business customers): every line is at 0 %.
    pub reverse_charge: bool,
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
    /// Sum of the payments that stand (reversed ones left out).
    pub paid_cents: Cents,
    /// Sum of its credit notes (as a positive amount).
    pub credited_cents: Cents,
    /// What is left to pay: total less payments and credit notes, never below 0.
    pub open_cents: Cents,
    /// What was paid beyond the total (to refund or credit).
    pub overpaid_cents: Cents,
    /// The reference the client pays with, once issued.
    pub payment_reference: Option<String>,
    /// The seller as printed, once issued.
    pub seller: Option<Seller>,
    /// The buyer as printed, once issued.
    pub buyer: Option<Buyer>,
    /// Payments, oldest first (reversed ones included, marked).
    pub payments: Vec<Payment>,
    /// Credit notes, oldest first.
    pub credit_notes: Vec<CreditNoteSummary>,
    /// Mail sent or queued for it, oldest first.
    pub deliveries: Vec<InvoiceDelivery>,
    /// Whether it bills tracked time or a project's price: its lines, currency and client then
    /// follow from those (on single invoices; false in lists).
    pub bills_time: bool,
    /// When the invoice itself was last mailed.
    pub sent_at: Option<Timestamp>,
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
    /// 2100 (21 %) when left out; 0 on a reverse-charged invoice.
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
    /// The client's language when left out.
    #[serde(default)]
    language: Optional<Choice<Language>>,
    #[serde(default)]
    supply_date: Optional<Date>,
    /// False when left out.
    #[serde(default)]
    reverse_charge: Option<bool>,
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
    #[serde(default)]
    language: Patch<Sent<Choice<Language>>>,
    #[serde(default)]
    supply_date: Patch<Sent<Date>>,
    reverse_charge: Option<bool>,
    #[schemars(length(max = MAX_LINES))]
    lines: Option<Vec<NewLine>>,
}

/// `GET /api/invoices` filters besides the page.
#[derive(Clone, Copy, Debug, Default)]
pub struct InvoiceFilter {
    /// Only invoices in this status.
    pub status: Option<InvoiceStatus>,
    /// Only this client's invoices.
    pub account_id: Option<Uuid>,
}

/// The lines and their totals; what is wrong is recorded in `p`, and the result is only
/// meaningful when nothing was.
pub(crate) fn parse_lines(
    p: &mut Problems,
    lines: Vec<NewLine>,
    default_rate: VatRate,
) -> (Vec<Line>, Totals) {
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
        let rate = rate.unwrap_or(default_rate);
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

pub(crate) fn cents(row: &Row, column: &str) -> Result<Cents, StoreError> {
    Cents::new(row.get(column)?).map_err(|e| decode_err(column, e))
}

/// Like [`cents`], for a column that may be null.
pub(crate) fn optional_cents(row: &Row, column: &str) -> Result<Option<Cents>, StoreError> {
    row.get::<Option<i64>>(column)?
        .map(|v| Cents::new(v).map_err(|e| decode_err(column, e)))
        .transpose()
}

/// The VAT rate lines get when they name none.
pub(crate) fn default_rate(reverse_charge: bool) -> VatRate {
    if reverse_charge {
        VatRate::ZERO
    } else {
        VatRate::DEFAULT
    }
}

/// A reverse-charged invoice carries no VAT: each line that has a rate is a problem.
fn check_reverse_charge(p: &mut Problems, reverse_charge: bool, lines: &[Line], field: &str) {
    if !reverse_charge {
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        if line.vat_rate_bp.bp() != 0 {
            let name = if field == "lines" {
                format!("lines[{i}].vat_rate_bp")
            } else {
                field.to_owned()
            };
            p.add(
                name,
                Problem::rule("a reverse-charged invoice has no VAT: every line's rate must be 0"),
            );
            return;
        }
    }
}

/// The columns [`from_row`] reads. Named, not `*`: a statement cached before a migration added
/// columns would otherwise read rows with more columns than it describes.
macro_rules! columns {
    () => {
        "id, number, status, currency, account_id, deal_id, notes, language, supply_date, \
         reverse_charge, issue_date, due_date, subtotal_cents, vat_cents, total_cents, \
         paid_cents, credited_cents, payment_reference, seller_legal_name, seller_address, \
         seller_street, seller_postcode, seller_city, seller_country, seller_email, \
         seller_kvk_number, seller_vat_id, seller_iban, buyer_name, buyer_legal_name, \
         buyer_street, buyer_postcode, buyer_city, buyer_country, buyer_vat_id, \
         buyer_kvk_number, buyer_peppol_id, buyer_email, sent_at, issued_at, paid_at, \
         created_at, updated_at"
    };
}

fn from_row(row: &Row) -> Result<Invoice, StoreError> {
    let stored: InvoiceStatus = enum_column(row, "status")?;
    let currency: String = row.get("currency")?;
    let issued_at: Option<Timestamp> = row.get("issued_at")?;
    let total = cents(row, "total_cents")?;
    let paid = cents(row, "paid_cents")?;
    let credited = cents(row, "credited_cents")?;
    let settled = paid.get().saturating_add(credited.get());
    let status = match stored {
        InvoiceStatus::Paid if credited >= total => InvoiceStatus::Credited,
        other => other,
    };
    let seller = |col: &str| row.get::<Option<String>>(&format!("seller_{col}"));
    let buyer = |col: &str| row.get::<Option<String>>(&format!("buyer_{col}"));
    Ok(Invoice {
        id: row.get("id")?,
        number: row.get("number")?,
        status,
        currency: Currency::parse(&currency).map_err(|e| decode_err("currency", e))?,
        account_id: row.get("account_id")?,
        deal_id: row.get("deal_id")?,
        notes: row.get("notes")?,
        language: optional_enum_column(row, "language")?,
        supply_date: row.get("supply_date")?,
        reverse_charge: row.get("reverse_charge")?,
        issue_date: row.get("issue_date")?,
        due_date: row.get("due_date")?,
        lines: Vec::new(),
        subtotal_cents: cents(row, "subtotal_cents")?,
        vat_cents: cents(row, "vat_cents")?,
        total_cents: total,
        paid_cents: paid,
        credited_cents: credited,
        open_cents: Cents::new((total.get() - settled).max(0))
            .map_err(|e| decode_err("total_cents", e))?,
        overpaid_cents: Cents::new((settled - total.get()).max(0))
            .map_err(|e| decode_err("paid_cents", e))?,
        payment_reference: row.get("payment_reference")?,
        seller: match issued_at {
            Some(_) => Some(Seller {
                legal_name: seller("legal_name")?,
                address: seller("address")?,
                street: seller("street")?,
                postcode: seller("postcode")?,
                city: seller("city")?,
                country: seller("country")?,
                email: seller("email")?,
                kvk_number: seller("kvk_number")?,
                vat_id: seller("vat_id")?,
                iban: seller("iban")?,
            }),
            None => None,
        },
        buyer: match buyer("name")? {
            Some(name) => Some(Buyer {
                name,
                legal_name: buyer("legal_name")?,
                street: buyer("street")?,
                postcode: buyer("postcode")?,
                city: buyer("city")?,
                country: buyer("country")?,
                vat_id: buyer("vat_id")?,
                kvk_number: buyer("kvk_number")?,
                peppol_id: buyer("peppol_id")?,
                email: buyer("email")?,
            }),
            None => None,
        },
        payments: Vec::new(),
        credit_notes: Vec::new(),
        deliveries: Vec::new(),
        bills_time: false,
        sent_at: row.get("sent_at")?,
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

/// The invoice for a change: its row locked first (PostgreSQL runs writes at READ COMMITTED,
/// so two payments or credit notes at once would otherwise both check the balance before
/// either is counted; SQLite's writes hold the database lock already).
pub(crate) async fn load_for_change(tx: &mut Tx, id: Uuid) -> DomainResult<Invoice> {
    tx.execute(
        "UPDATE invoices SET updated_at = updated_at WHERE id = $1",
        params![id],
    )
    .await?;
    load(tx, id).await
}

/// The invoice's own row (parties, amounts, dates), without lines, payments, credit notes or
/// mail: what a credit note shows of the invoice it corrects.
pub(crate) async fn load_header(tx: &mut Tx, id: Uuid) -> DomainResult<Invoice> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM invoices WHERE id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// The invoice with its lines and payments, inside a transaction.
pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Invoice> {
    let mut invoice = load_header(tx, id).await?;
    let lines = tx
        .fetch_all(
            "SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
            params![id],
        )
        .await?;
    invoice.lines = lines.iter().map(line_from_row).collect::<Result<_, _>>()?;
    let payments = tx
        .fetch_all(
            "SELECT p.id, p.amount_cents, p.paid_at, p.method, p.reference, \
             r.created_at AS reversed_at, r.reason AS reversal_reason \
             FROM invoice_payments p LEFT JOIN invoice_payment_reversals r ON r.payment_id = p.id \
             WHERE p.invoice_id = $1 ORDER BY p.id",
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
                reference: r.get("reference")?,
                reversed_at: r.get("reversed_at")?,
                reversal_reason: r.get("reversal_reason")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let notes = tx
        .fetch_all(
            "SELECT id, number, issue_date, total_cents FROM credit_notes \
             WHERE invoice_id = $1 ORDER BY id",
            params![id],
        )
        .await?;
    invoice.credit_notes = notes
        .iter()
        .map(|r| {
            Ok(CreditNoteSummary {
                id: r.get("id")?,
                number: r.get("number")?,
                issue_date: r.get("issue_date")?,
                total_cents: -r.get::<i64>("total_cents")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    invoice.deliveries = crate::deliveries::for_invoice(tx, id).await?;
    invoice.bills_time = bills_time(tx, id).await?;
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

pub(crate) async fn write_lines(
    tx: &mut Tx,
    id: Uuid,
    lines: &[Line],
    totals: Totals,
) -> DomainResult<()> {
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
        "deal_id": inv.deal_id,
    });
    emit(tx, origin, event, inv.id, data).await?;
    Ok(())
}

/// What a new draft invoice says besides its lines.
pub(crate) struct DraftHeader {
    pub currency: Currency,
    pub account: Option<Uuid>,
    pub deal: Option<Uuid>,
    pub notes: Option<String>,
    pub due_date: Option<Date>,
    pub language: Option<Language>,
    pub supply_date: Option<Date>,
    pub reverse_charge: bool,
}

/// Inserts a draft invoice with its lines; answers its id.
pub(crate) async fn insert_draft(
    tx: &mut Tx,
    h: &DraftHeader,
    lines: &[Line],
    totals: Totals,
) -> DomainResult<Uuid> {
    let id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO invoices (id, status, currency, account_id, deal_id, notes, due_date, \
         language, supply_date, reverse_charge, created_at, updated_at) \
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        params![
            id,
            h.currency.as_str(),
            h.account,
            h.deal,
            h.notes.clone(),
            h.due_date.map(|d| d.to_string()),
            h.language.map(|l| l.as_str()),
            h.supply_date.map(|d| d.to_string()),
            h.reverse_charge,
            Timestamp::now()
        ],
    )
    .await?;
    write_lines(tx, id, lines, totals).await?;
    Ok(id)
}

/// Whether the draft bills tracked time or a project's price: its lines follow from those.
async fn bills_time(tx: &mut Tx, id: Uuid) -> DomainResult<bool> {
    let row = tx
        .fetch_optional(
            "SELECT 1 AS x FROM time_entries WHERE invoice_id = $1 \
             UNION ALL SELECT 1 AS x FROM project_charges WHERE invoice_id = $1 LIMIT 1",
            params![id],
        )
        .await?;
    Ok(row.is_some())
}

/// Creates a draft invoice.
pub async fn create(db: &TenantDb, new: NewInvoice, origin: &Origin) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let reverse_charge = new.reverse_charge.unwrap_or(false);
    let (lines, totals) = parse_lines(&mut p, new.lines, default_rate(reverse_charge));
    check_reverse_charge(&mut p, reverse_charge, &lines, "lines");
    let fields = take!(p, new => currency, account_id, deal_id, notes, due_date, language,
        supply_date);
    let (currency, account, deal, notes, due, language, supply) = p.done(fields)?;
    let currency = currency.unwrap_or(Currency::EUR);
    let (account, deal) = (account.map(Id::get), deal.map(Id::get));
    let mut tx = db.db().begin().await?;
    check_refs(&mut tx, account, deal).await?;
    let header = DraftHeader {
        currency,
        account,
        deal,
        notes: notes.map(String::from),
        due_date: due,
        language: language.map(Choice::get),
        supply_date: supply,
        reverse_charge,
    };
    let id = insert_draft(&mut tx, &header, &lines, totals).await?;
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
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: InvoiceFilter,
) -> DomainResult<Vec<Invoice>> {
    // The stored status is 'paid' for both settled states; `credited` is told apart by amount.
    let (stored, settled_by) = match filter.status {
        None => (None, None),
        Some(InvoiceStatus::Paid) => (Some("paid"), Some("paid")),
        Some(InvoiceStatus::Credited) => (Some("paid"), Some("credited")),
        Some(s) => (Some(s.as_str()), None),
    };
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " FROM invoices WHERE ($1 IS NULL OR id > $1) \
             AND ($2 IS NULL OR LOWER(number) LIKE $2 ESCAPE '\\') \
             AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR account_id = $5) \
             AND ($6 IS NULL OR ($6 = 'credited' AND credited_cents >= total_cents) \
                  OR ($6 = 'paid' AND credited_cents < total_cents)) \
             ORDER BY id LIMIT $3"
            ),
            &[
                after,
                pattern,
                limit,
                stored.into(),
                filter.account_id.map(|u| u.to_string()).into(),
                settled_by.into(),
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The draft with `id`, locked for change; an issued one answers `409 invoice_locked`.
async fn draft(tx: &mut Tx, id: Uuid) -> DomainResult<Invoice> {
    let inv = load_for_change(tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvoiceLocked,
            format!(
                "an {} invoice cannot change; correct it with a credit note",
                inv.status.as_str()
            ),
        ));
    }
    Ok(inv)
}

/// Changes a draft; an issued or paid invoice answers `409 invoice_locked`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: InvoicePatch,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut tx = db.db().begin().await?;
    let mut inv = draft(&mut tx, id).await?;
    if (patch.lines.is_some() || patch.currency.is_some() || !patch.account_id.is_unchanged())
        && bills_time(&mut tx, id).await?
    {
        return Err(DomainError::conflict(
            ErrorCode::InvoiceBillsTime,
            "the draft bills tracked time or a project's price: its lines, currency and client \
             follow from those (delete the draft to release them and make it again)",
        ));
    }
    let mut p = Problems::new();
    let reverse_charge = patch.reverse_charge.unwrap_or(inv.reverse_charge);
    let lines = patch
        .lines
        .map(|l| parse_lines(&mut p, l, default_rate(reverse_charge)));
    match &lines {
        Some((lines, _)) => check_reverse_charge(&mut p, reverse_charge, lines, "lines"),
        None => check_reverse_charge(&mut p, reverse_charge, &inv.lines, "reverse_charge"),
    }
    let fields = take!(p, patch => currency, account_id, deal_id, notes, due_date, language,
        supply_date);
    let (currency, account, deal, notes, due, language, supply) = p.done(fields)?;
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
    language.map(Choice::get).apply(&mut inv.language);
    supply.map(|d| d.to_string()).apply(&mut inv.supply_date);
    tx.execute(
        "UPDATE invoices SET currency = $2, account_id = $3, deal_id = $4, notes = $5, \
         due_date = $6, language = $7, supply_date = $8, reverse_charge = $9, updated_at = $10 \
         WHERE id = $1 AND status = 'draft'",
        params![
            id,
            inv.currency.as_str(),
            inv.account_id,
            inv.deal_id,
            inv.notes.clone(),
            inv.due_date.clone(),
            inv.language.map(|l| l.as_str()),
            inv.supply_date.clone(),
            reverse_charge,
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

/// Deletes a draft (it never had a number, so no gap is left); an issued invoice answers
/// `409 invoice_locked`.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let inv = draft(&mut tx, id).await?;
    // The time and project charges it billed can be invoiced again.
    tx.execute(
        "UPDATE time_entries SET status = 'approved', invoice_id = NULL, invoice_line = NULL \
         WHERE invoice_id = $1",
        params![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM project_charges WHERE invoice_id = $1",
        params![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM invoice_lines WHERE invoice_id = $1",
        params![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM invoices WHERE id = $1 AND status = 'draft'",
        params![id],
    )
    .await?;
    announce(&mut tx, origin, EventType::InvoiceDeleted, &inv).await?;
    tx.commit().await?;
    Ok(())
}
