//! Tenant databases as SQLite files: `<data>/tenants/<company-id>.sqlite3`.

use crate::{DataDir, TenancyError};
use silo_control::{Backend, Company, CompanyId, NewPlacement};
use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, StoreError};

/// Places every company in a file of its own under the data directory.
#[derive(Debug)]
pub(crate) struct SqlitePlacement {
    pub(crate) data: DataDir,
}

impl SqlitePlacement {
    pub(crate) fn new_placement(&self, id: CompanyId) -> NewPlacement {
        NewPlacement {
            backend: Backend::Sqlite,
            server: "local".into(),
            database_name: format!("{id}.sqlite3"),
            credentials_ref: None,
        }
    }

    /// Creates the file, or opens it when an interrupted run made it already (it was
    /// registered before it was made, so it is this company's own).
    pub(crate) async fn create(
        &self,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let path = self.data.tenant_path(company.id);
        match sqlite::create_new(&path, limits).await {
            Ok(db) => Ok(db),
            Err(StoreError::Conflict { .. }) => Ok(sqlite::open_existing(&path, limits).await?),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the file is still there: one removed under a running server must stop serving
    /// even through pools opened before.
    pub(crate) fn present(&self, company: &Company) -> bool {
        self.data.tenant_path(company.id).is_file()
    }

    /// Opens the existing file; a missing one is unavailable, never created.
    pub(crate) async fn open(
        &self,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        Ok(sqlite::open_existing(&self.data.tenant_path(company.id), limits).await?)
    }

    /// Removes the file with its WAL and shared-memory companions.
    pub(crate) fn drop_storage(&self, company: &Company) -> Result<(), TenancyError> {
        Ok(sqlite::remove_files(&self.data.tenant_path(company.id))?)
    }
}
