//! The one place that dispatches between the storage backends for tenant databases. Everything
//! above it (provisioning, the pool cache, the request path) is backend-neutral.

use crate::TenancyError;
use crate::pg_placement::PgPlacement;
use crate::sqlite_placement::SqlitePlacement;
use silo_control::{Company, CompanyId, ControlPlane, NewPlacement};
use silo_store::sqlite::PoolLimits;
use silo_store::{Db, Dialect};

/// What creating a company's database gave.
#[derive(Debug)]
pub(crate) enum Created {
    /// A new (or found) database and a pool on it, to migrate.
    Connected(Db),
    /// A database of the provisioning pool (PostgreSQL), already at this schema version.
    Claimed(i64),
}

/// Where tenant databases live.
#[derive(Debug)]
pub(crate) enum Placer {
    Sqlite(SqlitePlacement),
    Postgres(PgPlacement),
}

impl Placer {
    /// Decides where a new company goes; returns a builder for its placement record.
    pub(crate) async fn placement_for_new(
        &self,
        control: &ControlPlane,
    ) -> Result<Box<dyn FnOnce(CompanyId) -> NewPlacement + Send + '_>, TenancyError> {
        Ok(match self {
            Placer::Sqlite(s) => Box::new(|id| s.new_placement(id)),
            Placer::Postgres(p) => {
                let server = p.choose_server(control).await?;
                Box::new(move |id| PgPlacement::new_placement(server, id))
            }
        })
    }

    /// Creates (or finds, after an interrupted run) the company's database, empty, and
    /// connects to it; importing an archive calls this (it needs an empty database at the
    /// archive's schema).
    pub(crate) async fn create(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        match self {
            Placer::Sqlite(s) => s.create(company, limits).await,
            Placer::Postgres(p) => p.create(control, company, limits).await,
        }
    }

    /// Like [`Placer::create`], but on PostgreSQL a ready database of the provisioning pool
    /// is claimed when there is one; provisioning calls this.
    pub(crate) async fn create_or_claim(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Created, TenancyError> {
        match self {
            Placer::Sqlite(s) => Ok(Created::Connected(s.create(company, limits).await?)),
            Placer::Postgres(p) => p.create_or_claim(control, company, limits).await,
        }
    }

    /// Opens the company's existing database, never creating one.
    pub(crate) async fn open(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        match self {
            Placer::Sqlite(s) => s.open(company, limits).await,
            Placer::Postgres(p) => p.open(control, company, limits).await,
        }
    }

    /// Which connection budget a company's pool counts against: its tenant server's on
    /// PostgreSQL, the one budget on SQLite.
    pub(crate) async fn budget_of(
        &self,
        control: &ControlPlane,
        company: &Company,
    ) -> Result<usize, TenancyError> {
        match self {
            Placer::Sqlite(_) => Ok(0),
            Placer::Postgres(p) => p.server_index(control, company).await,
        }
    }

    /// Whether the database behind a (possibly cached) pool is still there, so a database
    /// lost under a running server stops serving at once, even to requests that would not
    /// query it (`GET /api/company` reads only the registry). SQLite: the file exists and looks
    /// whole (a pool would otherwise go on answering from an unlinked or overwritten file);
    /// PostgreSQL: the pool can still run a query (a dropped database ends its sessions and
    /// refuses new ones). That query is one round trip per request on PostgreSQL (see
    /// BENCHMARKS.md); the pool no longer adds a second one when a connection is checked out.
    pub(crate) async fn alive(&self, company: &Company, db: &Db) -> bool {
        match self {
            Placer::Sqlite(s) => s.present(company),
            Placer::Postgres(_) => db.fetch_one("SELECT 1 AS one", &[]).await.is_ok(),
        }
    }

    /// Removes the company's database for good.
    pub(crate) async fn drop_storage(
        &self,
        control: &ControlPlane,
        company: &Company,
    ) -> Result<(), TenancyError> {
        match self {
            Placer::Sqlite(s) => s.drop_storage(company),
            Placer::Postgres(p) => p.drop_storage(control, company).await,
        }
    }

    /// The engine tenant databases use in this deployment.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Placer::Sqlite(_) => Dialect::Sqlite,
            Placer::Postgres(_) => Dialect::Postgres,
        }
    }

    pub(crate) async fn close(&self) {
        if let Placer::Postgres(p) = self {
            p.close().await;
        }
    }
}
