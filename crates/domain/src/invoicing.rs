//! The company's own invoicing details, kept in its tenant database and printed on every
//! invoice it issues (copied onto the invoice at issue, so later edits do not rewrite history).

use crate::company_ids::{Iban, InvoicePrefix, KvkNumber, VatId};
use crate::error::{DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Address, Name, Patch, Sent, take};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// Payment terms when none are set.
pub const DEFAULT_PAYMENT_TERMS_DAYS: i64 = 30;

/// Days from an invoice's issue to its due date: 0 to 365.
pub type PaymentTerms = Integer<0, 365>;

/// The company's invoicing details.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Invoicing {
    /// Legal name (`Acme Digital B.V.`).
    pub legal_name: Option<String>,
    /// Postal address, may span lines.
    pub address: Option<String>,
    /// Chamber of commerce (KvK) number: 8 digits.
    pub kvk_number: Option<String>,
    /// VAT id (`NL004495445B01`).
    pub vat_id: Option<String>,
    /// IBAN, upper-case without spaces, checksum verified.
    pub iban: Option<String>,
    /// Put verbatim before every invoice number (`ACME-` gives `ACME-2026-0001`).
    pub invoice_prefix: Option<String>,
    /// Days from issue to due date.
    pub payment_terms_days: i64,
}

/// `PATCH /api/company/invoicing` body: only fields present change; null clears (the payment
/// terms go back to 30 days).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InvoicingPatch {
    #[serde(default)]
    legal_name: Patch<Sent<Name>>,
    #[serde(default)]
    address: Patch<Sent<Address>>,
    #[serde(default)]
    kvk_number: Patch<Sent<KvkNumber>>,
    #[serde(default)]
    vat_id: Patch<Sent<VatId>>,
    #[serde(default)]
    iban: Patch<Sent<Iban>>,
    #[serde(default)]
    invoice_prefix: Patch<Sent<InvoicePrefix>>,
    #[serde(default)]
    payment_terms_days: Patch<Sent<PaymentTerms>>,
}

fn from_row(row: &Row) -> Result<Invoicing, StoreError> {
    Ok(Invoicing {
        legal_name: row.get("legal_name")?,
        address: row.get("address")?,
        kvk_number: row.get("kvk_number")?,
        vat_id: row.get("vat_id")?,
        iban: row.get("iban")?,
        invoice_prefix: row.get("invoice_prefix")?,
        payment_terms_days: row.get("payment_terms_days")?,
    })
}

/// The details inside a transaction (defaults when never set).
pub(crate) async fn load(tx: &mut Tx) -> DomainResult<Invoicing> {
    let row = tx
        .fetch_optional("SELECT * FROM company_invoicing WHERE singleton = 1", &[])
        .await?;
    Ok(match row {
        Some(row) => from_row(&row)?,
        None => Invoicing {
            payment_terms_days: DEFAULT_PAYMENT_TERMS_DAYS,
            ..Invoicing::default()
        },
    })
}

/// The company's invoicing details.
pub async fn get(db: &TenantDb) -> DomainResult<Invoicing> {
    let mut tx = db.db().begin().await?;
    let details = load(&mut tx).await?;
    tx.commit().await?;
    Ok(details)
}

/// Changes the details present in `patch`.
pub async fn update(
    db: &TenantDb,
    patch: InvoicingPatch,
    origin: &Origin,
) -> DomainResult<Invoicing> {
    let mut p = Problems::new();
    let fields = take!(p, patch => legal_name, address, kvk_number, vat_id, iban,
        invoice_prefix, payment_terms_days);
    let (legal_name, address, kvk, vat_id, iban, prefix, terms) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut d = load(&mut tx).await?;
    legal_name.apply(&mut d.legal_name);
    address.apply(&mut d.address);
    kvk.apply(&mut d.kvk_number);
    vat_id.apply(&mut d.vat_id);
    iban.apply(&mut d.iban);
    prefix.apply(&mut d.invoice_prefix);
    match terms {
        Patch::Unchanged => {}
        Patch::Clear => d.payment_terms_days = DEFAULT_PAYMENT_TERMS_DAYS,
        Patch::Set(days) => d.payment_terms_days = days.get(),
    }
    tx.execute(
        "INSERT INTO company_invoicing (singleton, legal_name, address, kvk_number, vat_id, iban, \
         invoice_prefix, payment_terms_days, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (singleton) DO UPDATE SET legal_name = $1, address = $2, kvk_number = $3, \
         vat_id = $4, iban = $5, invoice_prefix = $6, payment_terms_days = $7, updated_at = $8",
        params![
            d.legal_name.clone(),
            d.address.clone(),
            d.kvk_number.clone(),
            d.vat_id.clone(),
            d.iban.clone(),
            d.invoice_prefix.clone(),
            d.payment_terms_days,
            Timestamp::now(),
        ],
    )
    .await?;
    // The details belong to the company as a whole: the nil subject stands for it.
    let data = serde_json::json!({});
    emit(
        &mut tx,
        origin,
        EventType::InvoicingUpdated,
        Uuid::nil(),
        data,
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}
