//! An invoice or credit note as documents: the facts its mail states, and its files (the PDF
//! and the UBL e-invoice, rendered by `silo-documents` from what the invoice stored when it was
//! issued: both parties as they were then).

use crate::credit_notes::CreditNote;
use crate::deliveries::Prepared;
use crate::error::{DomainError, DomainResult, ErrorCode};
use crate::invoice_parts::{Buyer, InvoiceDeliveryKind, InvoiceStatus, Line, Seller};
use crate::invoices::Invoice;
use crate::parties::Language;
use silo_documents::{self as docs, Document, Kind, Party};

/// What an invoice mail states, formatted in its language.
#[derive(Clone, Debug)]
pub struct Facts {
    /// The language.
    pub language: Language,
    /// The seller's legal name.
    pub seller: String,
    /// The document's number.
    pub number: String,
    /// The total, or for a reminder what is open.
    pub amount: String,
    /// The due date.
    pub due_date: String,
    /// The payment reference.
    pub reference: String,
    /// The seller's IBAN.
    pub iban: String,
    /// For a credit note, the invoice it corrects.
    pub credited_invoice: Option<String>,
}

/// One file of a document.
#[derive(Clone, Debug)]
pub struct File {
    /// Its name (`2026-0001.pdf`).
    pub filename: String,
    /// Its media type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

fn doc_language(l: Language) -> docs::Language {
    match l {
        Language::Nl => docs::Language::Nl,
        Language::En => docs::Language::En,
    }
}

/// An amount as people of `language` write it (`€ 1.234,56`, `€1,234.56`).
pub fn amount(cents: i64, currency: &str, language: Language) -> String {
    docs::format_amount(cents, currency, doc_language(language))
}

/// A `YYYY-MM-DD` date as people of `language` write it; anything else as it is.
pub fn date(iso: &str, language: Language) -> String {
    match crate::input::Date::parse(iso) {
        Ok(d) => docs::format_date(d.get(), doc_language(language)),
        Err(_) => iso.to_owned(),
    }
}

/// The facts a prepared delivery's mail states.
pub fn facts(p: &Prepared) -> Facts {
    let inv = &p.invoice;
    let language = inv.language.unwrap_or(Language::Nl);
    let seller = inv.seller.as_ref();
    let currency = inv.currency.as_str();
    let (number, cents) = match (&p.credit_note, p.delivery.kind) {
        (Some(note), _) => (note.number.clone(), note.total_cents),
        (None, InvoiceDeliveryKind::Reminder) => {
            (inv.number.clone().unwrap_or_default(), inv.open_cents.get())
        }
        (None, _) => (
            inv.number.clone().unwrap_or_default(),
            inv.total_cents.get(),
        ),
    };
    Facts {
        language,
        seller: seller
            .and_then(|s| s.legal_name.clone())
            .unwrap_or_default(),
        number,
        amount: amount(cents, currency, language),
        due_date: date(inv.due_date.as_deref().unwrap_or_default(), language),
        reference: inv.payment_reference.clone().unwrap_or_default(),
        iban: seller.and_then(|s| s.iban.clone()).unwrap_or_default(),
        credited_invoice: p.credit_note.as_ref().map(|n| n.invoice_number.clone()),
    }
}

/// A stored document that does not render: the data broke a rule the renderer checks.
fn unrenderable(e: docs::DocumentError) -> DomainError {
    DomainError::conflict(
        ErrorCode::InvalidTransition,
        format!("the document cannot be rendered: {e}"),
    )
}

fn iso_date(field: &str, value: Option<&str>) -> DomainResult<Option<time::Date>> {
    value
        .map(|v| {
            crate::input::Date::parse(v)
                .map(|d| d.get())
                .map_err(|p| DomainError::invalid(field, p))
        })
        .transpose()
}

fn seller_party(s: &Seller) -> Party {
    Party {
        name: s.legal_name.clone().unwrap_or_default(),
        street: s
            .street
            .clone()
            .or_else(|| s.address.clone())
            .unwrap_or_default(),
        postcode: s.postcode.clone().unwrap_or_default(),
        city: s.city.clone().unwrap_or_default(),
        country: s.country.clone().unwrap_or_else(|| "NL".into()),
        vat_id: s.vat_id.clone(),
        kvk_number: s.kvk_number.clone(),
        peppol_id: None,
        email: s.email.clone(),
    }
}

fn buyer_party(b: &Buyer) -> Party {
    Party {
        name: b.printed_name().to_owned(),
        street: b.street.clone().unwrap_or_default(),
        postcode: b.postcode.clone().unwrap_or_default(),
        city: b.city.clone().unwrap_or_default(),
        country: b.country.clone().unwrap_or_default(),
        vat_id: b.vat_id.clone(),
        kvk_number: b.kvk_number.clone(),
        peppol_id: b.peppol_id.clone(),
        email: b.email.clone(),
    }
}

fn doc_lines(lines: &[Line]) -> Vec<docs::Line> {
    lines
        .iter()
        .map(|l| docs::Line {
            description: l.description.clone(),
            quantity_milli: l.quantity.milli(),
            unit_cents: l.unit_cents.get(),
            vat_rate_bp: l.vat_rate_bp.bp(),
            net_cents: l.net_cents.get(),
            vat_cents: l.vat_cents.get(),
        })
        .collect()
}

/// The invoice as a document, with `logo`; a draft has none (`409 invalid_transition`).
pub fn invoice_document(inv: &Invoice, logo: Option<docs::Logo>) -> DomainResult<Document> {
    let (Some(number), Some(seller), Some(buyer)) = (&inv.number, &inv.seller, &inv.buyer) else {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            match inv.status {
                InvoiceStatus::Draft => "a draft has no document until it is issued",
                _ => "this invoice was issued before invoices kept their buyer; it has no document",
            },
        ));
    };
    let issue_date = iso_date("issue_date", inv.issue_date.as_deref())?.ok_or_else(|| {
        DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the invoice has no issue date",
        )
    })?;
    let due_date = iso_date("due_date", inv.due_date.as_deref())?;
    let terms = due_date.map_or(0, |d| (d - issue_date).whole_days());
    Ok(Document {
        kind: Kind::Invoice,
        language: doc_language(inv.language.unwrap_or(Language::Nl)),
        number: number.clone(),
        issue_date,
        due_date,
        supply_date: iso_date("supply_date", inv.supply_date.as_deref())?,
        currency: inv.currency.as_str().to_owned(),
        seller: seller_party(seller),
        seller_iban: seller.iban.clone().unwrap_or_default(),
        buyer: buyer_party(buyer),
        lines: doc_lines(&inv.lines),
        subtotal_cents: inv.subtotal_cents.get(),
        vat_cents: inv.vat_cents.get(),
        total_cents: inv.total_cents.get(),
        paid_cents: inv.paid_cents.get().min(inv.total_cents.get()),
        reverse_charge: inv.reverse_charge,
        payment_terms_days: terms,
        payment_reference: inv
            .payment_reference
            .clone()
            .unwrap_or_else(|| number.clone()),
        notes: inv.notes.clone(),
        credited_invoice: None,
        reason: None,
        logo,
    })
}

/// The credit note as a document (amounts as magnitudes, as the renderer wants them).
pub fn credit_note_document(
    note: &CreditNote,
    inv: &Invoice,
    logo: Option<docs::Logo>,
) -> DomainResult<Document> {
    let mut doc = invoice_document(inv, logo)?;
    let issue_date = iso_date("issue_date", Some(&note.issue_date))?.unwrap_or(doc.issue_date);
    doc.kind = Kind::CreditNote;
    doc.credited_invoice = Some((note.invoice_number.clone(), doc.issue_date));
    doc.number = note.number.clone();
    doc.issue_date = issue_date;
    doc.due_date = None;
    doc.supply_date = None;
    doc.lines = doc_lines(&note.magnitudes());
    doc.subtotal_cents = -note.subtotal_cents;
    doc.vat_cents = -note.vat_cents;
    doc.total_cents = -note.total_cents;
    doc.paid_cents = 0;
    doc.reason = Some(note.reason.clone());
    doc.notes = None;
    Ok(doc)
}

/// A document's PDF.
pub fn pdf(doc: &Document) -> DomainResult<Vec<u8>> {
    match docs::pdf(doc) {
        // The logo's header was checked when it was uploaded, not every byte of it: a logo
        // that cannot be drawn leaves it out rather than stopping every invoice.
        Err(_) if doc.logo.is_some() => {
            let without = Document {
                logo: None,
                ..doc.clone()
            };
            docs::pdf(&without).map_err(unrenderable)
        }
        other => other.map_err(unrenderable),
    }
}

/// A document's UBL e-invoice.
pub fn ubl(doc: &Document) -> DomainResult<String> {
    docs::ubl(doc).map_err(unrenderable)
}

/// The base of a document's file names: its number, with anything but letters, digits, `-`,
/// `_` and `.` as `-`.
pub fn file_stem(doc: &Document) -> String {
    doc.number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A document's file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The PDF, for people.
    Pdf,
    /// The UBL e-invoice, for bookkeeping software and Peppol.
    Ubl,
}

/// `doc` as a file in `format`, named after its number.
pub fn file(doc: &Document, format: Format) -> DomainResult<File> {
    let stem = file_stem(doc);
    Ok(match format {
        Format::Pdf => File {
            filename: format!("{stem}.pdf"),
            content_type: "application/pdf",
            bytes: pdf(doc)?,
        },
        Format::Ubl => File {
            filename: format!("{stem}.xml"),
            content_type: "application/xml",
            bytes: ubl(doc)?.into_bytes(),
        },
    })
}

/// The files a prepared delivery carries: the document's PDF and UBL (the invoice's own for a
/// reminder).
pub fn files(p: &Prepared) -> DomainResult<Vec<File>> {
    let doc = match &p.credit_note {
        Some(note) => credit_note_document(note, &p.invoice, p.logo.clone())?,
        None => invoice_document(&p.invoice, p.logo.clone())?,
    };
    Ok(vec![file(&doc, Format::Pdf)?, file(&doc, Format::Ubl)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_each_language_writes_them() {
        assert_eq!(amount(123_456, "EUR", Language::Nl), "€ 1.234,56");
        assert_eq!(amount(123_456, "EUR", Language::En), "€1,234.56");
        assert_eq!(amount(-5, "EUR", Language::Nl), "-€ 0,05");
        assert_eq!(amount(99, "EUR", Language::En), "€0.99");
    }

    #[test]
    fn dates_with_month_names() {
        assert_eq!(date("2026-11-30", Language::Nl), "30 november 2026");
        assert_eq!(date("2026-03-01", Language::En), "1 March 2026");
        assert_eq!(date("soon", Language::En), "soon");
    }
}
