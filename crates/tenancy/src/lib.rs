//! Tenant databases: provisioning, opening them through a bounded pool cache, erasure of their
//! storage, and the data directory layout.
//!
//! This is the only place that turns a company into a database handle. It never creates a
//! database except while provisioning, so a missing database is an error, not a fresh start.
//! The backend (SQLite files or PostgreSQL servers) is chosen once, when a [`Tenancy`] is
//! opened; the differences live in `sqlite_placement` and `pg_placement`.

mod archive;
mod erase;
mod error;
mod fleet;
mod import;
mod layout;
mod moving;
mod pg_placement;
mod placer;
mod pools;
mod provision;
mod secret;
mod sqlite_placement;

pub use archive::{
    ARCHIVE_FORMAT, ARCHIVE_VERSION, Archive, ArchiveCompany, ArchiveHeader, ArchiveMember,
    ArchivePart, ArchiveTable, parse_parts,
};
pub use error::TenancyError;
pub use fleet::MigrateOutcome;
pub use import::Imported;
pub use layout::DataDir;
pub use pools::PoolSettings;
pub use secret::TenantSecret;

use pg_placement::PgPlacement;
use placer::Placer;
use pools::PoolCache;
use silo_control::{Company, CompanyStatus, ControlPlane};
use silo_schema::TENANT_MIGRATIONS;
use silo_store::{Db, TenantDb, applied_version, migrate};
use sqlite_placement::SqlitePlacement;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name prefixes of the databases and roles of a deployment's provisioning pool on
/// PostgreSQL (being prepared, and ready), for tools that clean up after a deployment.
pub fn provisioning_pool_prefixes(secret: &TenantSecret) -> [String; 2] {
    let tag = secret.pool_tag();
    [
        pg_placement::preparing_prefix(&tag),
        pg_placement::ready_prefix(&tag),
    ]
}

/// The registry together with the tenant databases it places.
#[derive(Debug)]
pub struct Tenancy {
    control: ControlPlane,
    placer: Placer,
    pools: PoolCache,
    counters: Counters,
}

/// Event counts since start, for metrics.
#[derive(Debug, Default)]
struct Counters {
    provisioned: AtomicU64,
    lazy_migrations: AtomicU64,
}

/// A snapshot of the tenancy layer's state, for metrics.
#[derive(Clone, Copy, Debug)]
pub struct TenancyStats {
    /// Tenant pools open now.
    pub open_pools: usize,
    /// Tenant connections open now, over all cached pools.
    pub open_connections: u64,
    /// Most tenant connections this process opens, over all tenant servers.
    pub connection_budget: u64,
    /// Companies provisioned by this process.
    pub provisioned: u64,
    /// Tenant databases brought up to date on first use by this process.
    pub lazy_migrations: u64,
    /// Request-path registry reads answered from memory (the registry was unchanged).
    pub registry_cache_hits: u64,
    /// Opens refused because the connection budget stayed taken ([`TenancyError::Busy`]).
    pub budget_refusals: u64,
}

impl Tenancy {
    /// Opens the embedded (SQLite) deployment in `data`: the control plane file and the tenant
    /// files beside it.
    pub async fn open_sqlite(data: DataDir, settings: PoolSettings) -> Result<Self, TenancyError> {
        data.ensure()?;
        let control = ControlPlane::open_sqlite(&data.control_path()).await?;
        Ok(Tenancy {
            control,
            placer: Placer::Sqlite(SqlitePlacement::new(data)),
            pools: PoolCache::new(settings),
            counters: Counters::default(),
        })
    }

    /// Opens the PostgreSQL deployment: the control plane at `control_url` (its database is
    /// created when missing) and tenant databases on `tenant_servers`, URLs whose credentials
    /// may create databases and roles. Tenant role passwords are derived from `secret`.
    pub async fn open_postgres(
        control_url: &str,
        tenant_servers: &[String],
        secret: TenantSecret,
        settings: PoolSettings,
    ) -> Result<Self, TenancyError> {
        let placement = PgPlacement::new(tenant_servers, secret)?;
        let control = ControlPlane::open_postgres(control_url).await?;
        let budgets = placement.budgets(settings.connection_budget).await;
        Ok(Tenancy {
            control,
            placer: Placer::Postgres(placement),
            pools: PoolCache::with_budgets(settings, &budgets),
            counters: Counters::default(),
        })
    }

    /// The registry.
    pub fn control(&self) -> &ControlPlane {
        &self.control
    }

    /// The data directory of the embedded deployment; `None` on PostgreSQL.
    pub fn data_dir(&self) -> Option<&DataDir> {
        match &self.placer {
            Placer::Sqlite(s) => Some(&s.data),
            Placer::Postgres(_) => None,
        }
    }

    /// The database of an active company. Fails closed: a company that is not active, a
    /// missing or unreadable database, one that is not a Silo tenant database, or one at a
    /// schema newer than this build are all [`TenancyError::Unavailable`] or
    /// [`TenancyError::NotActive`].
    pub async fn tenant_db(&self, company: &Company) -> Result<TenantDb, TenancyError> {
        if company.status != CompanyStatus::Active {
            return Err(TenancyError::NotActive(company.status));
        }
        if company.moving {
            // Writes now could land in the copy's source after it was read: fail closed.
            self.pools.evict(company.id).await;
            return Err(TenancyError::Unavailable(format!(
                "the database of {} is being moved",
                company.id
            )));
        }
        let limits = self.pools.settings().pool_limits();
        let lease = self
            .pools
            .get_or_open(
                company.id,
                || self.placer.budget_of(&self.control, company),
                || async {
                    let db = self.placer.open(&self.control, company, limits).await?;
                    match self.check_schema(company, &db).await {
                        Ok(()) => Ok(db),
                        Err(e) => {
                            db.close().await;
                            Err(e)
                        }
                    }
                },
            )
            .await?;
        if !self.placer.alive(company, &lease.db).await {
            // Requests already on the pool keep it until they finish: a false alarm must not
            // turn into a burst of failures, and a real fault fails their own queries.
            self.pools.forget(company.id);
            return Err(TenancyError::Unavailable(format!(
                "tenant database of {} is missing or unreachable",
                company.id
            )));
        }
        let db = lease.db.clone();
        Ok(TenantDb::from_resolved_leased(db, lease as Arc<_>))
    }

    /// Accepts a database at this build's tenant schema, bringing an older one up to date.
    async fn check_schema(&self, company: &Company, db: &Db) -> Result<(), TenancyError> {
        let latest = TENANT_MIGRATIONS.latest(db.dialect());
        match applied_version(db).await? {
            Some(version) if version == latest => Ok(()),
            Some(version) if version < latest => {
                // Older databases are brought up to date lazily on first use.
                let now = migrate(db, &TENANT_MIGRATIONS).await?;
                self.control.set_schema_version(company.id, now).await?;
                self.counters
                    .lazy_migrations
                    .fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Some(version) => Err(TenancyError::Unavailable(format!(
                "tenant database of {} is at schema {version}, newer than this build",
                company.id
            ))),
            None => Err(TenancyError::Unavailable(format!(
                "the database of {} is not a Silo tenant database",
                company.id
            ))),
        }
    }

    /// Removes a company's tenant database for good (SQLite: the file with its WAL and
    /// shared-memory files; PostgreSQL: the database and its role). The registry entry is
    /// left to the caller, which records the erasure. Missing storage is not an error.
    pub async fn drop_tenant_storage(&self, company: &Company) -> Result<(), TenancyError> {
        self.pools.evict(company.id).await;
        self.placer.drop_storage(&self.control, company).await
    }

    /// Closes every pool.
    pub async fn close(&self) {
        self.pools.close_all().await;
        self.placer.close().await;
        self.control.close().await;
    }

    /// Tenant pools open now (for tests and metrics).
    pub async fn open_pools(&self) -> usize {
        self.pools.len().await
    }

    /// Pools, connections and event counts, for metrics.
    pub async fn stats(&self) -> TenancyStats {
        TenancyStats {
            open_pools: self.pools.len().await,
            open_connections: self.pools.open_connections(),
            connection_budget: self.pools.total_budget(),
            provisioned: self.counters.provisioned.load(Ordering::Relaxed),
            lazy_migrations: self.counters.lazy_migrations.load(Ordering::Relaxed),
            registry_cache_hits: self.control.access_cache_hits(),
            budget_refusals: self.pools.budget_refusals(),
        }
    }

    pub(crate) fn count_provisioned(&self) {
        self.counters.provisioned.fetch_add(1, Ordering::Relaxed);
    }
}
