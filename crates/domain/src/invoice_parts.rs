//! The parts of an invoice: its status, lines, the two parties as printed, payments, credit
//! notes and mail.

use crate::money::{Cents, Quantity, VatRate};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::Timestamp;
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where an invoice is in its life.
    pub enum InvoiceStatus {
        /// Being written; the only state in which it can change.
        Draft = "draft",
        /// Numbered and sent; awaiting payment.
        Issued = "issued",
        /// Paid in full (with any credit notes making up the rest).
        Paid = "paid",
        /// Credited in full: its credit notes cancel it. Stored as `paid` (settled); told
        /// apart by its credited amount.
        Credited = "credited",
    }
}

/// One invoice line with its computed amounts.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Line {
    /// What was delivered.
    pub description: String,
    /// How many.
    pub quantity: Quantity,
    /// Price of one, before VAT.
    pub unit_cents: Cents,
    /// VAT rate.
    pub vat_rate_bp: VatRate,
    /// `quantity × unit_cents`, rounded.
    pub net_cents: Cents,
    /// VAT on the net amount, rounded.
    pub vat_cents: Cents,
}

/// The seller's details as printed on the invoice, copied at issue.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Seller {
    /// Legal name.
    pub legal_name: Option<String>,
    /// Free-text address (invoices issued before addresses had parts).
    pub address: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// Contact e-mail address.
    pub email: Option<String>,
    /// KvK number.
    pub kvk_number: Option<String>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// IBAN.
    pub iban: Option<String>,
}

/// The buyer as printed on the invoice: the client account's details, copied at issue.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Buyer {
    /// The account's name.
    pub name: String,
    /// Legal name, when it differs from the name.
    pub legal_name: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// KvK number.
    pub kvk_number: Option<String>,
    /// Peppol participant id.
    pub peppol_id: Option<String>,
    /// Invoice e-mail address.
    pub email: Option<String>,
}

impl Buyer {
    /// The name printed: the legal name when there is one.
    pub fn printed_name(&self) -> &str {
        self.legal_name.as_deref().unwrap_or(&self.name)
    }
}

/// One recorded payment.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Payment {
    /// Id.
    pub id: Uuid,
    /// Amount.
    pub amount_cents: Cents,
    /// Payment date, `YYYY-MM-DD`.
    pub paid_at: String,
    /// How it was paid (bank transfer, card, ...).
    pub method: Option<String>,
    /// The bank's or payer's reference.
    pub reference: Option<String>,
    /// When it was reversed (it then no longer counts); null while it stands.
    pub reversed_at: Option<Timestamp>,
    /// Why it was reversed.
    pub reversal_reason: Option<String>,
}

/// A credit note as listed on its invoice.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CreditNoteSummary {
    /// Id.
    pub id: Uuid,
    /// Its number in the credit note series.
    pub number: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Total including VAT, negative.
    pub total_cents: i64,
}

silo_contract::string_enum! {
    /// What an invoice mail carries.
    pub enum InvoiceDeliveryKind {
        /// The invoice itself.
        Invoice = "invoice",
        /// A credit note on it.
        CreditNote = "credit_note",
        /// A payment reminder.
        Reminder = "reminder",
    }
}

silo_contract::string_enum! {
    /// Where an invoice mail is.
    pub enum InvoiceDeliveryState {
        /// Waiting for the worker.
        Queued = "queued",
        /// Handed to the mail server (or written to the mail folder).
        Sent = "sent",
        /// Given up after its attempts.
        Failed = "failed",
    }
}

/// One invoice mail.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct InvoiceDelivery {
    /// Id.
    pub id: Uuid,
    /// What it carries.
    pub kind: InvoiceDeliveryKind,
    /// The credit note it carries.
    pub credit_note_id: Option<Uuid>,
    /// The address.
    pub to: String,
    /// Where it is.
    pub state: InvoiceDeliveryState,
    /// An automatic reminder's step: days after the due date.
    pub step: Option<i64>,
    /// When it was asked for.
    pub queued_at: Timestamp,
    /// When it went out.
    pub sent_at: Option<Timestamp>,
}
