//! Accounts: the client organisations an agency works for, with what their invoices need:
//! legal name, address, VAT and KvK numbers, Peppol id, where invoices go, payment term and
//! language. An invoice copies these when it is issued, so later changes never rewrite it.

use crate::company_ids::{KvkNumber, VatId};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Email, Name, Optional, Patch, Sent, Website, take};
use crate::invoicing::PaymentTerms;
use crate::list::ListParams;
use crate::parties::{City, Country, Language, PeppolId, Postcode, Street};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// An account as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Account {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Web site.
    pub website: Option<String>,
    /// Legal name as registered (printed on invoices instead of `name` when set).
    pub legal_name: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// KvK number.
    pub kvk_number: Option<String>,
    /// Peppol participant id (`0106:12345678`).
    pub peppol_id: Option<String>,
    /// Where invoices and reminders are sent.
    pub invoice_email: Option<String>,
    /// Days to pay; the company's default when null.
    pub payment_terms_days: Option<i64>,
    /// Language of documents and mail; Dutch when null.
    pub language: Option<Language>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/accounts` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewAccount {
    name: Sent<Name>,
    #[serde(default)]
    website: Optional<Website>,
    #[serde(default)]
    legal_name: Optional<Name>,
    #[serde(default)]
    street: Optional<Street>,
    #[serde(default)]
    postcode: Optional<Postcode>,
    #[serde(default)]
    city: Optional<City>,
    #[serde(default)]
    country: Optional<Country>,
    #[serde(default)]
    vat_id: Optional<VatId>,
    #[serde(default)]
    kvk_number: Optional<KvkNumber>,
    #[serde(default)]
    peppol_id: Optional<PeppolId>,
    #[serde(default)]
    invoice_email: Optional<Email>,
    #[serde(default)]
    payment_terms_days: Optional<PaymentTerms>,
    #[serde(default)]
    language: Optional<Choice<Language>>,
}

/// `PATCH /api/accounts/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AccountPatch {
    name: Option<Sent<Name>>,
    #[serde(default)]
    website: Patch<Sent<Website>>,
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
    vat_id: Patch<Sent<VatId>>,
    #[serde(default)]
    kvk_number: Patch<Sent<KvkNumber>>,
    #[serde(default)]
    peppol_id: Patch<Sent<PeppolId>>,
    #[serde(default)]
    invoice_email: Patch<Sent<Email>>,
    #[serde(default)]
    payment_terms_days: Patch<Sent<PaymentTerms>>,
    #[serde(default)]
    language: Patch<Sent<Choice<Language>>>,
}

/// The columns [`from_row`] reads, in the order of [`write_params`].
macro_rules! columns {
    () => {
        "id, name, website, legal_name, street, postcode, city, country, vat_id, kvk_number, \
         peppol_id, invoice_email, payment_terms_days, language, created_at, updated_at"
    };
}

fn from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.get("id")?,
        name: row.get("name")?,
        website: row.get("website")?,
        legal_name: row.get("legal_name")?,
        street: row.get("street")?,
        postcode: row.get("postcode")?,
        city: row.get("city")?,
        country: row.get("country")?,
        vat_id: row.get("vat_id")?,
        kvk_number: row.get("kvk_number")?,
        peppol_id: row.get("peppol_id")?,
        invoice_email: row.get("invoice_email")?,
        payment_terms_days: row.get("payment_terms_days")?,
        language: crate::columns::optional_enum_column(row, "language")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewAccount = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => name, website, legal_name, street, postcode, city, country,
        vat_id, kvk_number, peppol_id, invoice_email, payment_terms_days, language);
    p.done(fields)?;
    Ok(())
}

/// Creates an account.
pub async fn create(db: &TenantDb, new: NewAccount, origin: &Origin) -> DomainResult<Account> {
    let mut p = Problems::new();
    let fields = take!(p, new => name, website, legal_name, street, postcode, city, country,
        vat_id, kvk_number, peppol_id, invoice_email, payment_terms_days, language);
    let (
        name,
        website,
        legal_name,
        street,
        postcode,
        city,
        country,
        vat_id,
        kvk,
        peppol,
        email,
        terms,
        language,
    ) = p.done(fields)?;
    let now = Timestamp::now();
    let account = Account {
        id: Uuid::now_v7(),
        name: name.into(),
        website: website.map(String::from),
        legal_name: legal_name.map(String::from),
        street: street.map(String::from),
        postcode: postcode.map(String::from),
        city: city.map(String::from),
        country: country.map(String::from),
        vat_id: vat_id.map(String::from),
        kvk_number: kvk.map(String::from),
        peppol_id: peppol.map(String::from),
        invoice_email: email.map(String::from),
        payment_terms_days: terms.map(|t| t.get()),
        language: language.map(Choice::get),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.db().begin().await?;
    tx.execute(
        concat!(
            "INSERT INTO accounts (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ),
        &write_params(&account),
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::AccountCreated,
        account.id,
        json!({ "id": account.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// The values of [`COLUMNS`], in order.
fn write_params(a: &Account) -> Vec<silo_store::Value> {
    params![
        a.id,
        &a.name,
        a.website.clone(),
        a.legal_name.clone(),
        a.street.clone(),
        a.postcode.clone(),
        a.city.clone(),
        a.country.clone(),
        a.vat_id.clone(),
        a.kvk_number.clone(),
        a.peppol_id.clone(),
        a.invoice_email.clone(),
        a.payment_terms_days,
        a.language.map(|l| l.as_str()),
        a.created_at,
        a.updated_at,
    ]
    .to_vec()
}

/// One account.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Account> {
    let row = db
        .db()
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// A page of accounts; `q` matches the name or web site.
pub async fn list(db: &TenantDb, params: &ListParams) -> DomainResult<Vec<Account>> {
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " FROM accounts WHERE ($1 IS NULL OR id > $1) \
                 AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' \
                 OR LOWER(legal_name) LIKE $2 ESCAPE '\\' OR LOWER(website) LIKE $2 ESCAPE '\\') \
                 ORDER BY id LIMIT $3"
            ),
            &params.binds(),
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes the fields present in `patch`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: AccountPatch,
    origin: &Origin,
) -> DomainResult<Account> {
    let mut p = Problems::new();
    let fields = take!(p, patch => name, website, legal_name, street, postcode, city, country,
        vat_id, kvk_number, peppol_id, invoice_email, payment_terms_days, language);
    let (
        name,
        website,
        legal_name,
        street,
        postcode,
        city,
        country,
        vat_id,
        kvk,
        peppol,
        email,
        terms,
        language,
    ) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut a = from_row(&row)?;
    if let Some(name) = name {
        a.name = name.into();
    }
    website.apply(&mut a.website);
    legal_name.apply(&mut a.legal_name);
    street.apply(&mut a.street);
    postcode.apply(&mut a.postcode);
    city.apply(&mut a.city);
    country.apply(&mut a.country);
    vat_id.apply(&mut a.vat_id);
    kvk.apply(&mut a.kvk_number);
    peppol.apply(&mut a.peppol_id);
    email.apply(&mut a.invoice_email);
    terms.map(|t| t.get()).apply(&mut a.payment_terms_days);
    language.map(Choice::get).apply(&mut a.language);
    a.updated_at = Timestamp::now();
    tx.execute(
        "UPDATE accounts SET name = $2, website = $3, legal_name = $4, street = $5, \
         postcode = $6, city = $7, country = $8, vat_id = $9, kvk_number = $10, peppol_id = $11, \
         invoice_email = $12, payment_terms_days = $13, language = $14, updated_at = $16 \
         WHERE id = $1 AND created_at = $15",
        &write_params(&a),
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::AccountUpdated,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// Deletes an account; its contacts, deals and contracts stay, unlinked. An account that has
/// invoices is kept (409): an invoice must keep its customer.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let invoices = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM invoices WHERE account_id = $1",
            params![id],
        )
        .await?;
    if invoices.get::<i64>("n")? > 0 {
        return Err(DomainError::conflict(
            ErrorCode::HasInvoices,
            "the account has invoices and cannot be deleted",
        ));
    }
    // Projects, portal users, what the client shared or decided, and its tracked sites and
    // ad-platform destinations (deleted ones too: their events and deliveries name them) stay
    // for the record: they name the account, so the account stays too.
    let kept = tx
        .fetch_one(
            "SELECT (SELECT COUNT(*) FROM projects WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM portal_users WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM files WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM approvals WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM message_threads WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM sites WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM destinations WHERE account_id = $1) AS n",
            params![id],
        )
        .await?;
    if kept.get::<i64>("n")? > 0 {
        return Err(DomainError::conflict(
            ErrorCode::Conflict,
            "the account has projects, a client portal (portal users, files, approvals or \
             messages), tracked sites or ad-platform destinations, which keep naming it; it \
             cannot be deleted",
        ));
    }
    let n = tx
        .execute("DELETE FROM accounts WHERE id = $1", params![id])
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::AccountDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The account inside a transaction, if it exists.
pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Option<Account>> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1"),
            params![id],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Whether an account exists; for checking references before writing them.
pub(crate) async fn exists(tx: &mut Tx, id: Uuid) -> DomainResult<bool> {
    Ok(tx
        .fetch_optional("SELECT 1 AS one FROM accounts WHERE id = $1", params![id])
        .await?
        .is_some())
}
