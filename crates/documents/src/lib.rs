//! Invoice and credit note documents from plain data (and a client's timesheet as a PDF, see
//! [`timesheet_pdf`]; the attribution report, see [`attribution_report_pdf`]): a PDF that
//! carries what Article 35a of the Dutch VAT act (Wet OB) asks of an invoice, and a UBL 2.1 e-invoice following Peppol BIS
//! Billing 3.0 (EN 16931 with the Peppol and Dutch rules).
//!
//! Nothing here knows Silo's database: the caller maps its invoice (or credit note) onto a
//! [`Document`] and gets bytes back. The same input always gives the same bytes: the PDF has no
//! creation date and its file id is a hash of the content, the font is part of the crate.
//!
//! Amounts are whole cents. On a credit note the caller gives magnitudes (positive numbers):
//! the PDF prints them negative, the UBL `CreditNote` carries them positive, as Peppol wants.

mod attribution;
mod contract;
mod format;
mod pdf;
mod subject;
mod timesheet;
mod ubl;

pub use attribution::{
    AttributionCurrency, AttributionReportPdf, AttributionRow, attribution_report_pdf,
};
pub use contract::{SignatureEvidence, SignatureMethod, SignedContract, signed_contract_pdf};
pub use format::{amount as format_amount, date as format_date};
pub use subject::{SubjectRecord, SubjectReportPdf, SubjectSection, subject_report_pdf};
pub use timesheet::{Timesheet, TimesheetEntry, TimesheetProject, timesheet_pdf};

use std::collections::BTreeMap;

/// Invoice or credit note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An invoice (UBL `Invoice`, type code 380).
    Invoice,
    /// A credit note correcting an issued invoice (UBL `CreditNote`, type code 381).
    CreditNote,
}

/// The language the PDF is printed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// Dutch: `€ 1.234,56`, "Factuur", "btw verlegd".
    Nl,
    /// English: `€1,234.56`, "Invoice", "VAT reverse charged".
    En,
}

/// A seller or buyer as printed and as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// Legal name.
    pub name: String,
    /// Street and house number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code, upper case (`NL`, `DE`).
    pub country: String,
    /// VAT identification number with its country prefix (`NL123456789B01`).
    pub vat_id: Option<String>,
    /// Dutch Chamber of Commerce (KvK) number, 8 digits.
    pub kvk_number: Option<String>,
    /// Peppol participant id, `scheme:id` (`0106:12345678`).
    pub peppol_id: Option<String>,
    /// E-mail address for invoices.
    pub email: Option<String>,
}

/// One invoice line. Amounts are magnitudes (positive), also on a credit note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// What was supplied.
    pub description: String,
    /// Quantity in thousandths (1.5 hours is 1500).
    pub quantity_milli: i64,
    /// Price per unit, excluding VAT, in cents.
    pub unit_cents: i64,
    /// VAT rate in basis points (21 % is 2100).
    pub vat_rate_bp: i64,
    /// Line amount excluding VAT, in cents.
    pub net_cents: i64,
    /// VAT on the line, in cents.
    pub vat_cents: i64,
}

/// The company's logo, printed at the top of the PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    /// `image/png` or `image/jpeg` (the bytes decide; this is informative).
    pub content_type: String,
    /// The image file.
    pub bytes: Vec<u8>,
}

/// An invoice or credit note, ready to print and send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Invoice or credit note.
    pub kind: Kind,
    /// Language of the PDF.
    pub language: Language,
    /// Invoice (or credit note) number.
    pub number: String,
    /// Invoice date.
    pub issue_date: time::Date,
    /// Payment due date; `issue_date + payment_terms_days` when absent.
    pub due_date: Option<time::Date>,
    /// Date of supply, when it differs from the invoice date.
    pub supply_date: Option<time::Date>,
    /// ISO 4217 currency code (`EUR`).
    pub currency: String,
    /// The seller (the agency).
    pub seller: Party,
    /// The seller's IBAN, for payment by credit transfer.
    pub seller_iban: String,
    /// The buyer (the client).
    pub buyer: Party,
    /// The lines.
    pub lines: Vec<Line>,
    /// Sum of the lines' net amounts, in cents (a magnitude).
    pub subtotal_cents: i64,
    /// Sum of the lines' VAT, in cents (a magnitude).
    pub vat_cents: i64,
    /// Subtotal plus VAT, in cents (a magnitude).
    pub total_cents: i64,
    /// Already paid (prepaid amount); 0 on credit notes.
    pub paid_cents: i64,
    /// Intra-EU B2B reverse charge: every line at 0 %, printed "btw verlegd", category `AE`.
    pub reverse_charge: bool,
    /// Payment term in days.
    pub payment_terms_days: i64,
    /// Reference the buyer quotes when paying.
    pub payment_reference: String,
    /// Free text printed under the totals (and sent as the UBL note).
    pub notes: Option<String>,
    /// On a credit note: the credited invoice's number and date.
    pub credited_invoice: Option<(String, time::Date)>,
    /// On a credit note: why it was issued.
    pub reason: Option<String>,
    /// The seller's logo.
    pub logo: Option<Logo>,
}

/// Why a document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The totals do not add up from the lines (the document would contradict itself).
    #[error("the document's totals do not match its lines: {0}")]
    Totals(String),
    /// A reverse-charge document has a line with VAT.
    #[error("a reverse-charge document has a line with a VAT rate or VAT amount above 0")]
    ReverseChargeWithVat,
    /// A credit note without the invoice it credits.
    #[error("a credit note must name the invoice it credits")]
    MissingCreditedInvoice,
    /// A document without lines.
    #[error("a document needs at least one line")]
    NoLines,
    /// A negative quantity, price or amount (credit notes take magnitudes too).
    #[error("line {0} has a negative quantity, price or amount (give magnitudes)")]
    NegativeLine(usize),
    /// The logo is neither PNG nor JPEG, or cannot be read.
    #[error("the logo cannot be read as PNG or JPEG: {0}")]
    Logo(String),
    /// The PDF writer failed.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The XML writer failed.
    #[error("the UBL document could not be written: {0}")]
    Xml(String),
}

/// Renders the document as a PDF (A4, DejaVu Sans, several pages when the lines need them).
pub fn pdf(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    check(doc)?;
    pdf::render(doc)
}

/// Writes the document as a UBL 2.1 Peppol BIS Billing 3.0 `Invoice` or `CreditNote`.
pub fn ubl(doc: &Document) -> Result<String, DocumentError> {
    check(doc)?;
    ubl::write(doc)
}

/// VAT category (UNCL 5305) as Peppol uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    /// Standard (and reduced) rate.
    S,
    /// Zero rated.
    Z,
    /// Reverse charge.
    Ae,
}

impl Category {
    pub(crate) fn of(doc: &Document, line: &Line) -> Category {
        if doc.reverse_charge {
            Category::Ae
        } else if line.vat_rate_bp > 0 {
            Category::S
        } else {
            Category::Z
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Category::S => "S",
            Category::Z => "Z",
            Category::Ae => "AE",
        }
    }
}

/// One row of the VAT breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VatRow {
    pub category: Category,
    pub rate_bp: i64,
    pub taxable_cents: i64,
    pub vat_cents: i64,
}

/// The VAT breakdown per (category, rate), highest rate first.
pub(crate) fn vat_breakdown(doc: &Document) -> Vec<VatRow> {
    let mut rows: BTreeMap<(Category, std::cmp::Reverse<i64>), VatRow> = BTreeMap::new();
    for line in &doc.lines {
        let category = Category::of(doc, line);
        let row = rows
            .entry((category, std::cmp::Reverse(line.vat_rate_bp)))
            .or_insert(VatRow {
                category,
                rate_bp: line.vat_rate_bp,
                taxable_cents: 0,
                vat_cents: 0,
            });
        row.taxable_cents += line.net_cents;
        row.vat_cents += line.vat_cents;
    }
    rows.into_values().collect()
}

/// The prepaid amount as printed and sent: what was paid, at most the total (an overpayment
/// is refunded or credited elsewhere, it does not make the amount due negative).
pub(crate) fn prepaid(doc: &Document) -> i64 {
    doc.paid_cents.clamp(0, doc.total_cents)
}

/// The due date: the given one, else the issue date plus the payment term.
pub(crate) fn due_date(doc: &Document) -> time::Date {
    doc.due_date.unwrap_or_else(|| {
        doc.issue_date
            .checked_add(time::Duration::days(doc.payment_terms_days.max(0)))
            .unwrap_or(doc.issue_date)
    })
}

fn check(doc: &Document) -> Result<(), DocumentError> {
    if doc.lines.is_empty() {
        return Err(DocumentError::NoLines);
    }
    for (i, line) in doc.lines.iter().enumerate() {
        if line.quantity_milli < 0
            || line.unit_cents < 0
            || line.net_cents < 0
            || line.vat_cents < 0
            || line.vat_rate_bp < 0
        {
            return Err(DocumentError::NegativeLine(i + 1));
        }
        if doc.reverse_charge && (line.vat_rate_bp != 0 || line.vat_cents != 0) {
            return Err(DocumentError::ReverseChargeWithVat);
        }
    }
    let net: i64 = doc.lines.iter().map(|l| l.net_cents).sum();
    let vat: i64 = doc.lines.iter().map(|l| l.vat_cents).sum();
    if net != doc.subtotal_cents {
        return Err(DocumentError::Totals(format!(
            "subtotal {} but the lines add up to {net}",
            doc.subtotal_cents
        )));
    }
    if vat != doc.vat_cents {
        return Err(DocumentError::Totals(format!(
            "VAT {} but the lines' VAT adds up to {vat}",
            doc.vat_cents
        )));
    }
    if doc.subtotal_cents + doc.vat_cents != doc.total_cents {
        return Err(DocumentError::Totals(format!(
            "total {} is not subtotal {} plus VAT {}",
            doc.total_cents, doc.subtotal_cents, doc.vat_cents
        )));
    }
    if doc.paid_cents < 0 {
        return Err(DocumentError::Totals(format!(
            "paid {} is negative",
            doc.paid_cents
        )));
    }
    if doc.kind == Kind::CreditNote && doc.credited_invoice.is_none() {
        return Err(DocumentError::MissingCreditedInvoice);
    }
    Ok(())
}
