//! The company's own invoicing details, kept in its tenant database and printed on every
//! invoice it issues (copied onto the invoice at issue, so later edits do not rewrite history),
//! and when its payment reminders go out.

use crate::company_ids::{Iban, InvoicePrefix, KvkNumber, VatId};
use crate::error::{DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Email, Input, Name, Patch, Problem, ProblemCode, Sent, json_schema, take};
use crate::parties::{City, Country, Postcode, Street};
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// Payment terms when none are set.
pub const DEFAULT_PAYMENT_TERMS_DAYS: i64 = 30;

/// Days from an invoice's issue to its due date: 0 to 365.
pub type PaymentTerms = Integer<0, 365>;

/// Most reminder steps a company may set.
pub const MAX_REMINDER_STEPS: usize = 5;

/// When payment reminders go out: whole days after the due date, increasing, each 1 to 365
/// (`[7, 21]`); empty for none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReminderDays(Vec<i64>);

impl ReminderDays {
    /// The steps, in order.
    pub fn days(&self) -> &[i64] {
        &self.0
    }

    /// As stored: comma-separated.
    fn stored(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    fn from_stored(text: Option<&str>) -> ReminderDays {
        ReminderDays(
            text.unwrap_or("")
                .split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect(),
        )
    }
}

impl Input for ReminderDays {
    type Raw = Vec<silo_contract::input::WholeNumber>;

    fn parse(raw: Self::Raw) -> Result<Self, Problem> {
        if raw.len() > MAX_REMINDER_STEPS {
            return Err(Problem::too_many(MAX_REMINDER_STEPS));
        }
        let days: Vec<i64> = raw.into_iter().map(|d| d.0).collect();
        if days.iter().any(|d| !(1..=365).contains(d)) {
            return Err(Problem::out_of_range(Some(1), Some(365)));
        }
        if days.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Problem::new(ProblemCode::Rule).worded("must increase from step to step"));
        }
        Ok(ReminderDays(days))
    }

    fn schema() -> Schema {
        json_schema(serde_json::json!({
            "type": "array",
            "maxItems": MAX_REMINDER_STEPS,
            "items": {"type": "integer", "minimum": 1, "maximum": 365},
        }))
    }
}

/// The company's invoicing details.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Invoicing {
    /// Legal name (`Acme Digital B.V.`).
    pub legal_name: Option<String>,
    /// Free-text postal address as stored before addresses had parts; read only, printed
    /// nowhere once `street` is set.
    pub address: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Where clients reply to invoice mail; printed on invoices.
    pub email: Option<String>,
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
    /// Payment reminders: days after the due date.
    pub reminder_days: Vec<i64>,
}

/// `PATCH /api/company/invoicing` body: only fields present change; null clears (the payment
/// terms go back to 30 days).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InvoicingPatch {
    #[serde(default)]
    legal_name: Patch<Sent<Name>>,
    #[serde(default)]
    street: Patch<Sent<Street>>,
    #[serde(default)]
    postcode: Patch<Sent<Postcode>>,
    #[serde(default)]
    city: Patch<Sent<City>>,
    #[serde(default)]
    country: Patch<Sent<Country>>,
    #[serde(default)]
    email: Patch<Sent<Email>>,
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
    #[serde(default)]
    reminder_days: Patch<Sent<ReminderDays>>,
}

fn from_row(row: &Row) -> Result<Invoicing, StoreError> {
    Ok(Invoicing {
        legal_name: row.get("legal_name")?,
        address: row.get("address")?,
        street: row.get("street")?,
        postcode: row.get("postcode")?,
        city: row.get("city")?,
        country: row.get("country")?,
        email: row.get("email")?,
        kvk_number: row.get("kvk_number")?,
        vat_id: row.get("vat_id")?,
        iban: row.get("iban")?,
        invoice_prefix: row.get("invoice_prefix")?,
        payment_terms_days: row.get("payment_terms_days")?,
        reminder_days: ReminderDays::from_stored(
            row.get::<Option<String>>("reminder_days")?.as_deref(),
        )
        .0,
    })
}

/// The details inside a transaction (defaults when never set).
pub(crate) async fn load(tx: &mut Tx) -> DomainResult<Invoicing> {
    let row = tx
        .fetch_optional(
            "SELECT legal_name, address, street, postcode, city, country, email, kvk_number, \
             vat_id, iban, invoice_prefix, payment_terms_days, reminder_days \
             FROM company_invoicing WHERE singleton = 1",
            &[],
        )
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
    let fields = take!(p, patch => legal_name, street, postcode, city, country, email,
        kvk_number, vat_id, iban, invoice_prefix, payment_terms_days, reminder_days);
    let (
        legal_name,
        street,
        postcode,
        city,
        country,
        email,
        kvk,
        vat_id,
        iban,
        prefix,
        terms,
        reminders,
    ) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut d = load(&mut tx).await?;
    legal_name.apply(&mut d.legal_name);
    street.apply(&mut d.street);
    postcode.apply(&mut d.postcode);
    city.apply(&mut d.city);
    country.apply(&mut d.country);
    email.apply(&mut d.email);
    kvk.apply(&mut d.kvk_number);
    vat_id.apply(&mut d.vat_id);
    iban.apply(&mut d.iban);
    prefix.apply(&mut d.invoice_prefix);
    match terms {
        Patch::Unchanged => {}
        Patch::Clear => d.payment_terms_days = DEFAULT_PAYMENT_TERMS_DAYS,
        Patch::Set(days) => d.payment_terms_days = days.get(),
    }
    match reminders {
        Patch::Unchanged => {}
        Patch::Clear => d.reminder_days.clear(),
        Patch::Set(days) => d.reminder_days = days.0,
    }
    tx.execute(
        "INSERT INTO company_invoicing (singleton, legal_name, address, kvk_number, vat_id, iban, \
         invoice_prefix, payment_terms_days, updated_at, street, postcode, city, country, email, \
         reminder_days) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (singleton) DO UPDATE SET legal_name = $1, address = $2, kvk_number = $3, \
         vat_id = $4, iban = $5, invoice_prefix = $6, payment_terms_days = $7, updated_at = $8, \
         street = $9, postcode = $10, city = $11, country = $12, email = $13, reminder_days = $14",
        params![
            d.legal_name.clone(),
            d.address.clone(),
            d.kvk_number.clone(),
            d.vat_id.clone(),
            d.iban.clone(),
            d.invoice_prefix.clone(),
            d.payment_terms_days,
            Timestamp::now(),
            d.street.clone(),
            d.postcode.clone(),
            d.city.clone(),
            d.country.clone(),
            d.email.clone(),
            ReminderDays(d.reminder_days.clone()).stored(),
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
