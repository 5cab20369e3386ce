//! The parts of an invoice: its status, lines, seller details and payments.

use crate::money::{Cents, Quantity, VatRate};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where an invoice is in its life.
    pub enum InvoiceStatus {
        /// Being written; the only state in which it can change.
        Draft = "draft",
        /// Numbered and sent; awaiting payment.
        Issued = "issued",
        /// Paid in full.
        Paid = "paid",
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
    /// Address.
    pub address: Option<String>,
    /// KvK number.
    pub kvk_number: Option<String>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// IBAN.
    pub iban: Option<String>,
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
}
