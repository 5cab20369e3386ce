//! Placement: where each company's tenant database lives and which schema version it has.

use crate::{CompanyId, ControlError, ControlPlane};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Row, Timestamp, Tx, params};

silo_contract::string_enum! {
    /// The storage engine holding a tenant database.
    pub enum Backend {
        /// A file under `<data>/tenants/`.
        Sqlite = "sqlite",
        /// A database on one of the configured PostgreSQL servers.
        Postgres = "postgres",
    }
}

/// Where one company's database is.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Placement {
    /// The company.
    pub company_id: CompanyId,
    /// The engine.
    pub backend: Backend,
    /// The server (`local` for SQLite).
    pub server: String,
    /// The database (SQLite: file name under `tenants/`).
    pub database_name: String,
    /// A reference to the credentials (never the credentials themselves).
    pub credentials_ref: Option<String>,
    /// The tenant schema version last recorded.
    pub schema_version: i64,
}

/// A placement to record for a new company.
#[derive(Clone, Debug)]
pub struct NewPlacement {
    /// The engine.
    pub backend: Backend,
    /// The server.
    pub server: String,
    /// The database name.
    pub database_name: String,
    /// A credentials reference.
    pub credentials_ref: Option<String>,
}

impl Placement {
    pub(crate) fn from_row(row: &Row, id_column: &str) -> Result<Placement, ControlError> {
        let backend: String = row.get("backend")?;
        let backend = Backend::parse(&backend)
            .ok_or_else(|| ControlError::Corrupt(format!("backend `{backend}`")))?;
        Ok(Placement {
            company_id: row.get(id_column)?,
            backend,
            server: row.get("server")?,
            database_name: row.get("database_name")?,
            credentials_ref: row.get("credentials_ref")?,
            schema_version: row.get("schema_version")?,
        })
    }
}

pub(crate) async fn insert_placement(
    tx: &mut Tx,
    p: &NewPlacementFor,
    now: Timestamp,
) -> Result<(), ControlError> {
    tx.execute(
        "INSERT INTO placements (company_id, backend, server, database_name, credentials_ref, schema_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
        params![p.company_id, p.placement.backend.as_str(), p.placement.server.as_str(), p.placement.database_name.as_str(), p.placement.credentials_ref.clone(), now],
    )
    .await?;
    Ok(())
}

/// A new placement bound to its company.
pub(crate) struct NewPlacementFor {
    pub(crate) company_id: CompanyId,
    pub(crate) placement: NewPlacement,
}

impl ControlPlane {
    /// Where a company's database lives.
    pub async fn placement(&self, company: CompanyId) -> Result<Option<Placement>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT company_id, backend, server, database_name, credentials_ref, schema_version FROM placements WHERE company_id = $1",
                params![company],
            )
            .await?;
        row.as_ref()
            .map(|r| Placement::from_row(r, "company_id"))
            .transpose()
    }

    /// How many companies that can be busy (active or being provisioned; suspended and erased
    /// ones aside) each server of `backend` holds, by server id.
    /// Servers holding none are absent.
    pub async fn placement_counts(
        &self,
        backend: Backend,
    ) -> Result<Vec<(String, i64)>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT p.server AS server, COUNT(*) AS n
                 FROM placements p JOIN companies c ON c.id = p.company_id
                 WHERE p.backend = $1 AND c.status IN ('active', 'provisioning')
                 GROUP BY p.server",
                params![backend.as_str()],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.get("server")?, r.get("n")?)))
            .collect()
    }

    /// Records the tenant schema version a company's database is at.
    pub async fn set_schema_version(
        &self,
        company: CompanyId,
        version: i64,
    ) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE placements SET schema_version = $1, updated_at = $2 WHERE company_id = $3",
                params![version, Timestamp::now(), company],
            )
            .await?;
        Ok(())
    }
}
