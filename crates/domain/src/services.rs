//! Services: the kinds of work time is logged as (design, development, strategy), each with a
//! default hourly rate and whether its time is billable by default. Archived, never deleted,
//! because entries keep naming them.

use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Name, Optional, Patch, Sent, no_such, take};
use crate::list::ListParams;
use crate::money::Cents;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::{ErrorCode, EventType};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A service as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Service {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Name, unique in the company (ignoring case).
    pub name: String,
    /// Default hourly rate in cents; the project's rate applies when null.
    pub hourly_rate_cents: Option<Cents>,
    /// Whether time logged as this service is billable unless the entry says otherwise.
    pub billable: bool,
    /// Archived services are not offered for new time.
    pub archived: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/services` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewService {
    name: Sent<Name>,
    #[serde(default)]
    hourly_rate_cents: Optional<Cents>,
    /// True when left out.
    billable: Option<bool>,
}

/// `PATCH /api/services/{id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ServicePatch {
    name: Option<Sent<Name>>,
    #[serde(default)]
    hourly_rate_cents: Patch<Sent<Cents>>,
    billable: Option<bool>,
    archived: Option<bool>,
}

macro_rules! columns {
    () => {
        "id, name, hourly_rate_cents, billable, archived, created_at, updated_at"
    };
}

fn from_row(row: &Row) -> Result<Service, StoreError> {
    Ok(Service {
        id: row.get("id")?,
        name: row.get("name")?,
        hourly_rate_cents: crate::invoices::optional_cents(row, "hourly_rate_cents")?,
        billable: row.get("billable")?,
        archived: row.get("archived")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The service, inside a transaction; `None` when there is none with that id.
pub(crate) async fn find(tx: &mut Tx, id: Uuid) -> DomainResult<Option<Service>> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM services WHERE id = $1"),
            params![id],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The service an entry names: an unknown id is a problem on `field`.
pub(crate) async fn named(tx: &mut Tx, id: Uuid, field: &str) -> DomainResult<Service> {
    find(tx, id)
        .await?
        .ok_or_else(|| DomainError::invalid(field, no_such("service")))
}

async fn name_taken(tx: &mut Tx, name: &str, except: Option<Uuid>) -> DomainResult<()> {
    let row = tx
        .fetch_optional(
            "SELECT id FROM services WHERE LOWER(name) = LOWER($1) AND ($2 IS NULL OR id <> $2)",
            params![name, except],
        )
        .await?;
    match row {
        Some(_) => Err(DomainError::conflict(
            ErrorCode::Conflict,
            format!("a service named {name:?} exists already"),
        )),
        None => Ok(()),
    }
}

fn announce(s: &Service) -> serde_json::Value {
    json!({
        "id": s.id,
        "name": s.name,
        "hourly_rate_cents": s.hourly_rate_cents,
        "billable": s.billable,
        "archived": s.archived,
    })
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewService = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => name, hourly_rate_cents);
    p.done(fields)?;
    Ok(())
}

/// Adds a service.
pub async fn create(db: &TenantDb, new: NewService, origin: &Origin) -> DomainResult<Service> {
    let mut p = Problems::new();
    let billable = new.billable.unwrap_or(true);
    let fields = take!(p, new => name, hourly_rate_cents);
    let (name, rate) = p.done(fields)?;
    let name = String::from(name);
    let mut tx = db.db().begin().await?;
    name_taken(&mut tx, &name, None).await?;
    let now = Timestamp::now();
    let row = tx
        .fetch_one(
            concat!(
                "INSERT INTO services (id, name, hourly_rate_cents, billable, archived, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, FALSE, $5, $5) RETURNING ",
                columns!()
            ),
            params![Uuid::now_v7(), name, rate.map(Cents::get), billable, now],
        )
        .await?;
    let service = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::ServiceCreated,
        service.id,
        announce(&service),
    )
    .await?;
    tx.commit().await?;
    Ok(service)
}

/// A page of services by id; `q` matches the name; archived ones only when asked.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    include_archived: bool,
) -> DomainResult<Vec<Service>> {
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " FROM services WHERE ($1 IS NULL OR id > $1) \
                 AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\') \
                 AND ($4 OR NOT archived) ORDER BY id LIMIT $3"
            ),
            &[after, pattern, limit, include_archived.into()],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes a service; entries already approved keep the rate they were approved with.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: ServicePatch,
    origin: &Origin,
) -> DomainResult<Service> {
    let mut p = Problems::new();
    let (billable, archived) = (patch.billable, patch.archived);
    let fields = take!(p, patch => name, hourly_rate_cents);
    let (name, rate) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut s = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    if let Some(name) = name {
        let name = String::from(name);
        name_taken(&mut tx, &name, Some(id)).await?;
        s.name = name;
    }
    rate.apply(&mut s.hourly_rate_cents);
    if let Some(b) = billable {
        s.billable = b;
    }
    if let Some(a) = archived {
        s.archived = a;
    }
    let row = tx
        .fetch_one(
            concat!(
                "UPDATE services SET name = $2, hourly_rate_cents = $3, billable = $4, \
                 archived = $5, updated_at = $6 WHERE id = $1 RETURNING ",
                columns!()
            ),
            params![
                id,
                s.name.clone(),
                s.hourly_rate_cents.map(Cents::get),
                s.billable,
                s.archived,
                Timestamp::now()
            ],
        )
        .await?;
    let service = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::ServiceUpdated,
        id,
        announce(&service),
    )
    .await?;
    tx.commit().await?;
    Ok(service)
}
