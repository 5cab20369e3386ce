//! The client's invoices in the portal: issued ones only (never a draft), of the caller's
//! client only, with how to pay them and their documents. Another client's invoice, a draft
//! and a missing one all answer `NotFound`.

use super::{Part, PortalDb};
use crate::error::{DomainError, DomainResult};
use crate::invoice_parts::{InvoiceStatus, Line};
use crate::invoices::{self, Invoice};
use crate::money::{Cents, Currency};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Timestamp, Tx, params};
use uuid::Uuid;

/// An invoice in the portal's list.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalInvoiceSummary {
    /// Id.
    pub id: Uuid,
    /// Its number.
    pub number: Option<String>,
    /// `issued`, `paid` or `credited`.
    pub status: InvoiceStatus,
    /// Currency of every amount.
    pub currency: Currency,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Total including VAT.
    pub total_cents: Cents,
    /// Still to pay.
    pub open_cents: Cents,
}

/// How to pay an invoice.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalPayment {
    /// The agency's account to pay into (as printed on the invoice).
    pub iban: Option<String>,
    /// The bank's BIC, when the agency's details hold one (they do not yet: always null).
    pub bic: Option<String>,
    /// The reference to quote.
    pub reference: Option<String>,
    /// Pay by, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Still to pay.
    pub open_cents: Cents,
}

/// An invoice as the client sees it in the portal.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalInvoice {
    /// Id.
    pub id: Uuid,
    /// Its number.
    pub number: Option<String>,
    /// `issued`, `paid` or `credited`.
    pub status: InvoiceStatus,
    /// Currency of every amount.
    pub currency: Currency,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Date of supply when it differs from the issue date.
    pub supply_date: Option<String>,
    /// VAT reverse-charged to the client.
    pub reverse_charge: bool,
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// Sum of line nets.
    pub subtotal_cents: Cents,
    /// Sum of line VAT.
    pub vat_cents: Cents,
    /// Subtotal plus VAT.
    pub total_cents: Cents,
    /// Paid so far.
    pub paid_cents: Cents,
    /// Credited by credit notes.
    pub credited_cents: Cents,
    /// Still to pay.
    pub open_cents: Cents,
    /// The text printed on it.
    pub notes: Option<String>,
    /// When it was paid in full.
    pub paid_at: Option<Timestamp>,
    /// How to pay it.
    pub payment: PortalPayment,
}

fn summary(i: &Invoice) -> PortalInvoiceSummary {
    PortalInvoiceSummary {
        id: i.id,
        number: i.number.clone(),
        status: i.status,
        currency: i.currency,
        issue_date: i.issue_date.clone(),
        due_date: i.due_date.clone(),
        total_cents: i.total_cents,
        open_cents: i.open_cents,
    }
}

/// The client's issued invoice `id`, or `NotFound`.
async fn scoped(tx: &mut Tx, portal: &PortalDb, id: Uuid) -> DomainResult<Invoice> {
    tx.fetch_optional(
        "SELECT id FROM invoices WHERE id = $1 AND account_id = $2 AND status <> 'draft'",
        params![id, portal.account()],
    )
    .await?
    .ok_or(DomainError::NotFound)?;
    invoices::load(tx, id).await
}

/// The client's issued invoices, newest first.
pub async fn list(portal: &PortalDb) -> DomainResult<Vec<PortalInvoiceSummary>> {
    portal.require(Part::Invoices)?;
    let mut tx = portal.db().db().begin().await?;
    let rows = tx
        .fetch_all(
            "SELECT id FROM invoices WHERE account_id = $1 AND status <> 'draft' \
             ORDER BY id DESC",
            params![portal.account()],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let invoice = invoices::load_header(&mut tx, row.get("id")?).await?;
        out.push(summary(&invoice));
    }
    tx.commit().await?;
    Ok(out)
}

/// One of the client's issued invoices, with its lines and how to pay it.
pub async fn get(portal: &PortalDb, id: Uuid) -> DomainResult<PortalInvoice> {
    portal.require(Part::Invoices)?;
    let mut tx = portal.db().db().begin().await?;
    let i = scoped(&mut tx, portal, id).await?;
    let current_iban = crate::invoicing::load(&mut tx).await?.iban;
    tx.commit().await?;
    let iban = i
        .seller
        .as_ref()
        .and_then(|s| s.iban.clone())
        .or(current_iban);
    Ok(PortalInvoice {
        payment: PortalPayment {
            iban,
            bic: None,
            reference: i.payment_reference.clone().or_else(|| i.number.clone()),
            due_date: i.due_date.clone(),
            open_cents: i.open_cents,
        },
        id: i.id,
        number: i.number,
        status: i.status,
        currency: i.currency,
        issue_date: i.issue_date,
        due_date: i.due_date,
        supply_date: i.supply_date,
        reverse_charge: i.reverse_charge,
        lines: i.lines,
        subtotal_cents: i.subtotal_cents,
        vat_cents: i.vat_cents,
        total_cents: i.total_cents,
        paid_cents: i.paid_cents,
        credited_cents: i.credited_cents,
        open_cents: i.open_cents,
        notes: i.notes,
        paid_at: i.paid_at,
    })
}

/// One of the client's issued invoices as a document (with the agency's logo), for its PDF
/// and e-invoice: the same rendering as the agency's own downloads.
pub async fn document(portal: &PortalDb, id: Uuid) -> DomainResult<silo_documents::Document> {
    portal.require(Part::Invoices)?;
    let mut tx = portal.db().db().begin().await?;
    let i = scoped(&mut tx, portal, id).await?;
    tx.commit().await?;
    let logo = crate::branding::get_logo(portal.db()).await?;
    crate::invoice_documents::invoice_document(&i, logo)
}
