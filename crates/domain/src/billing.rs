//! Issuing invoices: what must be complete first (the seller's and the buyer's details that
//! Article 35a of the Dutch VAT act and the Peppol rules require), the number, and the copy of
//! both parties onto the invoice.
//!
//! Numbering: one counter row per calendar year (`invoice_counters`), created if missing and
//! incremented in the same transaction that issues the invoice. The transaction holds the
//! database's write lock on SQLite (`BEGIN IMMEDIATE`) and the counter row's lock on
//! PostgreSQL, so concurrent issues take consecutive numbers, and a failed issue rolls its
//! increment back: no gaps, no duplicates. The number is the company's prefix (verbatim), the
//! year of the issue date, and the sequence padded to four digits: `ACME-2026-0001`.

use crate::accounts::{self, Account};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::Origin;
use crate::input::{Date, Optional, Problem, ProblemCode, take};
use crate::invoices::{Invoice, InvoiceStatus, announce, load};
use crate::invoicing::{self, Invoicing};
use crate::parties::{Country, Language};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::EventType;
use silo_store::{TenantDb, Timestamp, Tx, params};
use time::Duration;
use uuid::Uuid;

/// `POST /api/invoices/{id}/issue` body (may be empty).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IssueRequest {
    /// Issue date, `YYYY-MM-DD`; today (UTC) when left out.
    #[serde(default)]
    issue_date: Optional<Date>,
}

/// Whether a draft can be issued, and if not, what is missing.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Readiness {
    /// Nothing is missing.
    pub ready: bool,
    /// The missing details, as field paths: `account_id`, `lines`, `seller.<field>` (the
    /// company's invoicing details), `buyer.<field>` (the client account's details).
    pub missing: Vec<String>,
}

/// What is missing before `inv` may be issued with `seller`'s details to `buyer`.
fn missing(inv: &Invoice, seller: &Invoicing, buyer: Option<&Account>) -> Vec<String> {
    let mut out = Vec::new();
    let mut need = |present: bool, field: &str| {
        if !present {
            out.push(field.to_owned());
        }
    };
    need(!inv.lines.is_empty(), "lines");
    need(seller.legal_name.is_some(), "seller.legal_name");
    need(seller.street.is_some(), "seller.street");
    need(seller.postcode.is_some(), "seller.postcode");
    need(seller.city.is_some(), "seller.city");
    need(seller.country.is_some(), "seller.country");
    need(seller.vat_id.is_some(), "seller.vat_id");
    need(seller.iban.is_some(), "seller.iban");
    let seller_country = seller
        .country
        .as_deref()
        .and_then(|c| Country::parse(c).ok());
    // A Dutch seller is known by its KvK number (and Peppol's NL rules require it).
    if seller_country.is_none_or(|c| c == Country::NL) {
        need(seller.kvk_number.is_some(), "seller.kvk_number");
    }
    let Some(buyer) = buyer else {
        need(false, "account_id");
        out.sort();
        return out;
    };
    need(buyer.street.is_some(), "buyer.street");
    need(buyer.postcode.is_some(), "buyer.postcode");
    need(buyer.city.is_some(), "buyer.city");
    need(buyer.country.is_some(), "buyer.country");
    let buyer_country = buyer
        .country
        .as_deref()
        .and_then(|c| Country::parse(c).ok());
    // An e-invoice needs the buyer's Peppol address: its Peppol id, else its KvK number (a
    // Dutch buyer) or its VAT id (a country Peppol has a VAT scheme for: not SE or NO).
    let vat_scheme = buyer_country.is_some_and(|c| !matches!(c.as_str(), "SE" | "NO"));
    let reachable = buyer.peppol_id.is_some()
        || (buyer_country == Some(Country::NL) && buyer.kvk_number.is_some())
        || (vat_scheme && buyer.vat_id.is_some());
    if !reachable {
        let field = match buyer_country {
            Some(Country::NL) => "buyer.kvk_number",
            Some(_) if vat_scheme => "buyer.vat_id",
            _ => "buyer.peppol_id",
        };
        need(false, field);
    }
    if inv.reverse_charge {
        need(buyer.vat_id.is_some(), "buyer.vat_id");
        // Reverse charge is for a business in another EU member state.
        need(
            buyer_country.is_some_and(|c| c.in_eu() && Some(c) != seller_country),
            "buyer.country",
        );
    }
    out.sort();
    out.dedup();
    out
}

async fn buyer_of(tx: &mut Tx, inv: &Invoice) -> DomainResult<Option<Account>> {
    match inv.account_id {
        Some(id) => accounts::load(tx, id).await,
        None => Ok(None),
    }
}

/// Whether the draft `id` can be issued now; an issued invoice answers
/// `409 invalid_transition`.
pub async fn readiness(db: &TenantDb, id: Uuid) -> DomainResult<Readiness> {
    let mut tx = db.db().begin_snapshot().await?;
    let inv = load(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("an {} invoice was issued already", inv.status.as_str()),
        ));
    }
    let seller = invoicing::load(&mut tx).await?;
    let buyer = buyer_of(&mut tx, &inv).await?;
    let missing = missing(&inv, &seller, buyer.as_ref());
    tx.commit().await?;
    Ok(Readiness {
        ready: missing.is_empty(),
        missing,
    })
}

/// Formats an invoice number.
pub fn invoice_number(prefix: Option<&str>, year: i32, sequence: i64) -> String {
    format!("{}{year:04}-{sequence:04}", prefix.unwrap_or(""))
}

/// Issues a draft: takes the next number of the issue date's year, sets the due date from the
/// company's payment terms unless one was set, and copies the company's invoicing details onto
/// the invoice.
pub async fn issue(
    db: &TenantDb,
    id: Uuid,
    req: IssueRequest,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let fields = take!(p, req => issue_date);
    let (issue_date,) = p.done(fields)?;
    let issue_date = issue_date.unwrap_or_else(Date::today);
    let mut tx = db.db().begin().await?;
    let inv = crate::invoices::load_for_change(&mut tx, id).await?;
    if inv.status != InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("an {} invoice cannot be issued again", inv.status.as_str()),
        ));
    }
    let seller = invoicing::load(&mut tx).await?;
    let buyer = buyer_of(&mut tx, &inv).await?;
    let missing = missing(&inv, &seller, buyer.as_ref());
    if !missing.is_empty() {
        let mut p = Problems::new();
        for field in missing {
            p.add(
                field,
                Problem::new(ProblemCode::MissingDetail)
                    .worded("is needed before the invoice is issued"),
            );
        }
        p.finish()?;
    }
    let Some(buyer) = buyer else {
        return Err(DomainError::invalid(
            "account_id",
            Problem::new(ProblemCode::MissingDetail),
        ));
    };
    let year = i64::from(issue_date.get().year());
    let sequence = next_number(&mut tx, Series::Invoices, year).await?;
    let number = invoice_number(
        seller.invoice_prefix.as_deref(),
        issue_date.get().year(),
        sequence,
    );
    let terms = buyer
        .payment_terms_days
        .unwrap_or(seller.payment_terms_days);
    let due = match inv.due_date.as_deref() {
        Some(d) => Date::parse(d).map_err(|e| DomainError::invalid("due_date", e))?,
        None => issue_date
            .get()
            .checked_add(Duration::days(terms))
            .map(Date::from_time)
            .ok_or_else(|| {
                DomainError::invalid("issue_date", Problem::new(ProblemCode::OutOfRange))
            })?,
    };
    let language = inv.language.or(buyer.language).unwrap_or(Language::Nl);
    let now = Timestamp::now();
    tx.execute(
        "UPDATE invoices SET status = 'issued', number = $2, issue_date = $3, issue_month = $4, \
         due_date = $5, seller_legal_name = $6, seller_address = $7, seller_kvk_number = $8, \
         seller_vat_id = $9, seller_iban = $10, issued_at = $11, updated_at = $11, \
         payment_reference = $2, language = $12, seller_street = $13, seller_postcode = $14, \
         seller_city = $15, seller_country = $16, seller_email = $17, buyer_name = $18, \
         buyer_legal_name = $19, buyer_street = $20, buyer_postcode = $21, buyer_city = $22, \
         buyer_country = $23, buyer_vat_id = $24, buyer_kvk_number = $25, buyer_peppol_id = $26, \
         buyer_email = $27 WHERE id = $1 AND status = 'draft'",
        params![
            id,
            number,
            issue_date.to_string(),
            issue_date.month().to_string(),
            due.to_string(),
            seller.legal_name,
            seller.address,
            seller.kvk_number,
            seller.vat_id,
            seller.iban,
            now,
            language.as_str(),
            seller.street,
            seller.postcode,
            seller.city,
            seller.country,
            seller.email,
            buyer.name,
            buyer.legal_name,
            buyer.street,
            buyer.postcode,
            buyer.city,
            buyer.country,
            buyer.vat_id,
            buyer.kvk_number,
            buyer.peppol_id,
            buyer.invoice_email,
        ],
    )
    .await?;
    let inv = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::InvoiceIssued, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// A gap-free numbering series.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Series {
    /// Invoice numbers.
    Invoices,
    /// Credit note numbers.
    CreditNotes,
}

/// The next number of `year` in `series`, inside the transaction that uses it.
pub(crate) async fn next_number(tx: &mut Tx, series: Series, year: i64) -> DomainResult<i64> {
    let (insert, bump) = match series {
        Series::CreditNotes => (
            "INSERT INTO credit_note_counters (year, last) VALUES ($1, 0) \
             ON CONFLICT (year) DO NOTHING",
            "UPDATE credit_note_counters SET last = last + 1 WHERE year = $1 RETURNING last",
        ),
        Series::Invoices => (
            "INSERT INTO invoice_counters (year, last) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING",
            "UPDATE invoice_counters SET last = last + 1 WHERE year = $1 RETURNING last",
        ),
    };
    tx.execute(insert, params![year]).await?;
    Ok(tx.fetch_one(bump, params![year]).await?.get("last")?)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_prefix_year_and_padded_sequence() {
        assert_eq!(invoice_number(None, 2026, 1), "2026-0001");
        assert_eq!(invoice_number(Some("ACME-"), 2026, 12), "ACME-2026-0012");
        assert_eq!(invoice_number(None, 2026, 12345), "2026-12345");
    }
}
