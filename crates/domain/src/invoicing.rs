//! The company's own invoicing details, kept in its tenant database and printed on every
//! invoice it issues (copied onto the invoice at issue, so later edits do not rewrite history).

use crate::error::{DomainResult, Problems};
use crate::input::{Patch, long_text, optional_text, present};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};

/// Payment terms when none are set.
pub const DEFAULT_PAYMENT_TERMS_DAYS: i64 = 30;

/// The company's invoicing details.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Invoicing {
    /// Legal name (`Acme Digital B.V.`).
    pub legal_name: Option<String>,
    /// Postal address, may span lines.
    pub address: Option<String>,
    /// Chamber of commerce (KvK) number: 8 digits.
    pub kvk_number: Option<String>,
    /// VAT id (`NL123456789B01`).
    pub vat_id: Option<String>,
    /// IBAN, upper-case without spaces, checksum verified.
    pub iban: Option<String>,
    /// Put verbatim before every invoice number (`ACME-` gives `ACME-2026-0001`).
    pub invoice_prefix: Option<String>,
    /// Days from issue to due date.
    pub payment_terms_days: i64,
}

/// `PATCH /api/company/invoicing` body: only fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InvoicingPatch {
    #[serde(default, deserialize_with = "present")]
    legal_name: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    address: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    kvk_number: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    vat_id: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    iban: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    invoice_prefix: Patch<String>,
    #[serde(default, deserialize_with = "present")]
    payment_terms_days: Patch<i64>,
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

fn compact_upper(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// An IBAN: country letters, check digits, up to 30 alphanumerics, and a valid mod-97 checksum.
pub fn parse_iban(s: &str) -> Result<String, &'static str> {
    let iban = compact_upper(s);
    let shaped = (15..=34).contains(&iban.len())
        && iban.chars().all(|c| c.is_ascii_alphanumeric())
        && iban.chars().take(2).all(|c| c.is_ascii_uppercase())
        && iban.chars().skip(2).take(2).all(|c| c.is_ascii_digit());
    if !shaped {
        return Err("is not an IBAN");
    }
    let rotated = iban.chars().skip(4).chain(iban.chars().take(4));
    let mut rest: u32 = 0;
    for c in rotated {
        let Some(v) = c.to_digit(36) else {
            return Err("is not an IBAN");
        };
        rest = if v >= 10 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    if rest == 1 {
        Ok(iban)
    } else {
        Err("has a wrong IBAN checksum")
    }
}

/// A Dutch chamber of commerce number: eight digits.
pub fn parse_kvk(s: &str) -> Result<String, &'static str> {
    let kvk: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if kvk.len() == 8 && kvk.chars().all(|c| c.is_ascii_digit()) {
        Ok(kvk)
    } else {
        Err("must be eight digits")
    }
}

/// A VAT id: two country letters and 2 to 13 letters or digits.
pub fn parse_vat_id(s: &str) -> Result<String, &'static str> {
    let v = compact_upper(s);
    let ok = (4..=15).contains(&v.len())
        && v.chars().take(2).all(|c| c.is_ascii_uppercase())
        && v.chars().all(|c| c.is_ascii_alphanumeric());
    if ok { Ok(v) } else { Err("is not a VAT id") }
}

/// An invoice number prefix: up to 12 of letters, digits, `-`, `/`, `_` and `.`.
pub fn parse_prefix(s: &str) -> Result<String, &'static str> {
    let ok = s.len() <= 12
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("may hold at most 12 letters, digits, '-', '/', '_' or '.'")
    }
}

fn optional<T>(
    p: &mut Problems,
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Result<T, &'static str>,
) -> Option<Option<T>> {
    match v.map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => p.check(field, parse(v)).map(Some),
    }
}

/// Changes the details present in `patch`.
pub async fn update(db: &TenantDb, patch: InvoicingPatch) -> DomainResult<Invoicing> {
    let mut p = Problems::new();
    let legal_name = patch
        .legal_name
        .as_ref()
        .map(|v| optional_text(&mut p, "legal_name", v.as_deref(), 200));
    let address = patch
        .address
        .as_ref()
        .map(|v| match v.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(a) => long_text(&mut p, "address", a, 500).map(Some),
        });
    let kvk = patch
        .kvk_number
        .as_ref()
        .map(|v| optional(&mut p, "kvk_number", v.as_deref(), parse_kvk));
    let vat_id = patch
        .vat_id
        .as_ref()
        .map(|v| optional(&mut p, "vat_id", v.as_deref(), parse_vat_id));
    let iban = patch
        .iban
        .as_ref()
        .map(|v| optional(&mut p, "iban", v.as_deref(), parse_iban));
    let prefix = patch
        .invoice_prefix
        .as_ref()
        .map(|v| optional(&mut p, "invoice_prefix", v.as_deref(), parse_prefix));
    let terms = patch.payment_terms_days.map(|v| match v {
        None => Some(DEFAULT_PAYMENT_TERMS_DAYS),
        Some(d) if (0..=365).contains(&d) => Some(d),
        Some(_) => {
            p.add("payment_terms_days", "must be 0 to 365 days");
            None
        }
    });
    p.finish()?;
    let mut tx = db.db().begin().await?;
    let mut d = load(&mut tx).await?;
    let set = |slot: &mut Option<String>, v: Option<Option<Option<String>>>| {
        if let Some(Some(v)) = v {
            *slot = v;
        }
    };
    set(&mut d.legal_name, legal_name);
    set(&mut d.address, address);
    set(&mut d.kvk_number, kvk);
    set(&mut d.vat_id, vat_id);
    set(&mut d.iban, iban);
    set(&mut d.invoice_prefix, prefix);
    if let Some(Some(t)) = terms {
        d.payment_terms_days = t;
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
    tx.commit().await?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert_eq!(
            parse_iban("nl91 abna 0417 1643 00").as_deref(),
            Ok("NL91ABNA0417164300")
        );
        assert!(parse_iban("NL92ABNA0417164300").is_err());
        assert!(parse_iban("hello").is_err());
    }

    #[test]
    fn kvk_vat_and_prefix() {
        assert!(parse_kvk("12345678").is_ok());
        assert!(parse_kvk("1234567").is_err());
        assert_eq!(
            parse_vat_id("nl123456789b01").as_deref(),
            Ok("NL123456789B01")
        );
        assert!(parse_prefix("ACME-").is_ok());
        assert!(parse_prefix("a b").is_err());
    }
}
