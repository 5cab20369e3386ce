//! Tenant databases: provisioning, opening them through a bounded pool cache, and the data
//! directory layout.
//!
//! This is the only place that turns a company into a database handle. It never creates a
//! database except while provisioning, so a missing database is an error, not a fresh start.

mod error;
mod layout;
mod pools;
mod provision;

pub use error::TenancyError;
pub use layout::DataDir;
pub use pools::PoolSettings;

use pools::PoolCache;
use silo_control::{Company, CompanyStatus, ControlPlane};
use silo_domain::schema::TENANT_MIGRATIONS;
use silo_store::{TenantDb, applied_version, migrate, sqlite};

/// The registry together with the tenant databases it places.
#[derive(Debug)]
pub struct Tenancy {
    control: ControlPlane,
    data: DataDir,
    pools: PoolCache,
}

impl Tenancy {
    /// Opens the embedded (SQLite) deployment in `data`: the control plane file and the tenant
    /// files beside it.
    pub async fn open_sqlite(data: DataDir, settings: PoolSettings) -> Result<Self, TenancyError> {
        data.ensure()?;
        let control = ControlPlane::open_sqlite(&data.control_path()).await?;
        Ok(Tenancy {
            control,
            data,
            pools: PoolCache::new(settings),
        })
    }

    /// The registry.
    pub fn control(&self) -> &ControlPlane {
        &self.control
    }

    /// The data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.data
    }

    /// The database of an active company. Fails closed: a company that is not active, a
    /// missing or unreadable file, a file that is not a Silo tenant database, or one at a
    /// schema newer than this build are all [`TenancyError::Unavailable`] or
    /// [`TenancyError::NotActive`].
    pub async fn tenant_db(&self, company: &Company) -> Result<TenantDb, TenancyError> {
        if company.status != CompanyStatus::Active {
            return Err(TenancyError::NotActive(company.status));
        }
        let path = self.data.tenant_path(company.id);
        // A file removed under a running server must not keep serving through open handles.
        if !path.is_file() {
            self.pools.evict(company.id).await;
            return Err(TenancyError::Unavailable(format!(
                "tenant database of {} is missing",
                company.id
            )));
        }
        let settings = self.pools.settings();
        let db = self
            .pools
            .get_or_open(company.id, || async {
                let db = sqlite::open_existing(&path, settings.sqlite_limits()).await?;
                match applied_version(&db).await {
                    Ok(Some(version)) if version == TENANT_MIGRATIONS.latest(db.dialect()) => {
                        Ok(db)
                    }
                    Ok(Some(version)) if version < TENANT_MIGRATIONS.latest(db.dialect()) => {
                        // Older databases are brought up to date lazily on first use.
                        let now = migrate(&db, &TENANT_MIGRATIONS).await?;
                        self.control.set_schema_version(company.id, now).await?;
                        Ok(db)
                    }
                    Ok(Some(version)) => {
                        db.close().await;
                        Err(TenancyError::Unavailable(format!(
                            "tenant database of {} is at schema {version}, newer than this build",
                            company.id
                        )))
                    }
                    Ok(None) => {
                        db.close().await;
                        Err(TenancyError::Unavailable(format!(
                            "{} is not a Silo tenant database",
                            path.display()
                        )))
                    }
                    Err(e) => {
                        db.close().await;
                        Err(e.into())
                    }
                }
            })
            .await?;
        Ok(TenantDb::from_resolved(db))
    }

    /// Closes every pool.
    pub async fn close(&self) {
        self.pools.close_all().await;
        self.control.close().await;
    }

    /// Tenant pools open now (for tests and metrics).
    pub async fn open_pools(&self) -> usize {
        self.pools.len().await
    }
}
