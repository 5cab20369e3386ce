//! Contacts: people at accounts, with the plan's contact limit enforced on create.

use crate::accounts;
use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Id, Name, Optional, Patch, Phone, Sent, no_such, take};
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::Email;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A contact as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Contact {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Email address, lower-cased.
    pub email: Option<String>,
    /// Phone number as entered.
    pub phone: Option<String>,
    /// The account the person works at.
    pub account_id: Option<Uuid>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/contacts` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewContact {
    name: Sent<Name>,
    #[serde(default)]
    email: Optional<Email>,
    #[serde(default)]
    phone: Optional<Phone>,
    #[serde(default)]
    account_id: Optional<Id>,
}

/// `PATCH /api/contacts/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ContactPatch {
    name: Option<Sent<Name>>,
    #[serde(default)]
    email: Patch<Sent<Email>>,
    #[serde(default)]
    phone: Patch<Sent<Phone>>,
    #[serde(default)]
    account_id: Patch<Sent<Id>>,
}

fn from_row(row: &Row) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: row.get("id")?,
        name: row.get("name")?,
        email: row.get("email")?,
        phone: row.get("phone")?,
        account_id: row.get("account_id")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

async fn check_account(tx: &mut Tx, account: Option<Uuid>) -> DomainResult<()> {
    match account {
        Some(id) if !accounts::exists(tx, id).await? => {
            Err(DomainError::invalid("account_id", no_such("account")))
        }
        _ => Ok(()),
    }
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewContact = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => name, email, phone);
    p.done(fields)?;
    Ok(())
}

/// Creates a contact unless the company already holds `max_contacts` (then
/// [`DomainError::Limit`] and nothing is written). Counting and inserting share one write
/// transaction, so concurrent creates cannot both slip under the limit.
pub async fn create(
    db: &TenantDb,
    new: NewContact,
    max_contacts: Option<i64>,
    origin: &Origin,
) -> DomainResult<Contact> {
    let mut p = Problems::new();
    let fields = take!(p, new => name, email, phone, account_id);
    let (name, email, phone, account) = p.done(fields)?;
    let account = account.map(Id::get);
    let mut tx = db.db().begin().await?;
    if let Some(max) = max_contacts {
        tx.execute(
            "UPDATE write_locks SET name = name WHERE name = 'contacts'",
            &[],
        )
        .await?;
        let count: i64 = tx
            .fetch_one("SELECT COUNT(*) AS n FROM contacts", &[])
            .await?
            .get("n")?;
        if count >= max {
            return Err(DomainError::Limit(format!(
                "the plan allows {max} contacts"
            )));
        }
    }
    check_account(&mut tx, account).await?;
    let now = Timestamp::now();
    let row = tx
        .fetch_one(
            "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             RETURNING id, name, email, phone, account_id, created_at, updated_at",
            params![
                Uuid::now_v7(),
                String::from(name),
                email.map(String::from),
                phone.map(String::from),
                account,
                now
            ],
        )
        .await?;
    let contact = from_row(&row)?;
    let data = json!({ "id": contact.id, "account_id": contact.account_id });
    emit(&mut tx, origin, EventType::ContactCreated, contact.id, data).await?;
    tx.commit().await?;
    Ok(contact)
}

/// How many contacts the company holds (plan limits are measured against this).
pub async fn count(db: &TenantDb) -> DomainResult<i64> {
    Ok(db
        .db()
        .fetch_one("SELECT COUNT(*) AS n FROM contacts", &[])
        .await?
        .get("n")?)
}

/// One contact.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Contact> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT id, name, email, phone, account_id, created_at, updated_at \
             FROM contacts WHERE id = $1",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// A page of contacts; `q` matches the name or email.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    account: Option<Uuid>,
) -> DomainResult<Vec<Contact>> {
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            "SELECT id, name, email, phone, account_id, created_at, updated_at FROM contacts \
             WHERE ($1 IS NULL OR id > $1) \
             AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(email) LIKE $2 ESCAPE '\\') \
             AND ($4 IS NULL OR account_id = $4) ORDER BY id LIMIT $3",
            &[after, pattern, limit, account.map(|u| u.to_string()).into()],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes the fields present in `patch`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: ContactPatch,
    origin: &Origin,
) -> DomainResult<Contact> {
    let mut p = Problems::new();
    let fields = take!(p, patch => name, email, phone, account_id);
    let (name, email, phone, account) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            "SELECT id, name, email, phone, account_id, created_at, updated_at \
             FROM contacts WHERE id = $1",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut c = from_row(&row)?;
    if let Some(v) = name {
        c.name = v.into();
    }
    email.apply(&mut c.email);
    phone.apply(&mut c.phone);
    check_account(&mut tx, account.set().map(|id| id.get())).await?;
    account.apply(&mut c.account_id);
    c.updated_at = Timestamp::now();
    tx.execute(
        "UPDATE contacts SET name = $2, email = $3, phone = $4, account_id = $5, updated_at = $6 \
         WHERE id = $1",
        params![
            id,
            &c.name,
            c.email.clone(),
            c.phone.clone(),
            c.account_id,
            c.updated_at
        ],
    )
    .await?;
    let data = json!({ "id": id, "account_id": c.account_id });
    emit(&mut tx, origin, EventType::ContactUpdated, id, data).await?;
    tx.commit().await?;
    Ok(c)
}

/// Deletes a contact; deals that named it stay, unlinked.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    // Before the row goes: its conversions still name it.
    crate::attribution::forwarding::drop_for_contact(&mut tx, id).await?;
    let n = tx
        .execute("DELETE FROM contacts WHERE id = $1", params![id])
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::ContactDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a contact exists.
/// The client a contact works for: `None` when there is no such contact, `Some(None)` when it
/// works for none.
pub(crate) async fn account_of(tx: &mut Tx, id: Uuid) -> DomainResult<Option<Option<Uuid>>> {
    let row = tx
        .fetch_optional("SELECT account_id FROM contacts WHERE id = $1", params![id])
        .await?;
    Ok(row.map(|r| r.get("account_id")).transpose()?)
}
