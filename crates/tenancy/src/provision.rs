//! Provisioning: the only path that creates a tenant database.
//!
//! Three steps, each durable before the next: (1) register the company as `provisioning` with
//! its placement and owner membership, (2) create its database and run tenant migrations,
//! (3) mark it `active`. A crash after (1) or (2) leaves a company that serves nothing;
//! [`Tenancy::finish_provisioning`] (run by `silo serve` at start and by a repeated
//! `silo company create`) completes it. Step (2) is idempotent: it creates the file (or role
//! and database) if missing and migrates whatever is there.

use crate::placer::{Created, Placer};
use crate::{Tenancy, TenancyError};
use silo_control::{Company, CompanyStatus, NewCompany, NewIdentity};
use silo_schema::TENANT_MIGRATIONS;
use silo_store::migrate;

impl Tenancy {
    /// Creates a company, its database and its owner's membership; returns it active.
    pub async fn provision(
        &self,
        company: NewCompany,
        owner: NewIdentity,
    ) -> Result<Company, TenancyError> {
        let company = self.register(company, owner).await?;
        self.finish_provisioning(&company).await
    }

    /// Step 1: the registry entry, in `provisioning`.
    pub async fn register(
        &self,
        company: NewCompany,
        owner: NewIdentity,
    ) -> Result<Company, TenancyError> {
        let placement = self.placer.placement_for_new(self.control()).await?;
        let (company, _owner) = self
            .control()
            .register_company(company, owner, placement)
            .await?;
        tracing::info!(company = %company.id, "registered company, creating its database");
        Ok(company)
    }

    /// Step 2: the tenant database, created if missing and migrated to the latest version.
    /// Returns the schema version.
    pub async fn create_database(&self, company: &Company) -> Result<i64, TenancyError> {
        if company.status != CompanyStatus::Provisioning {
            return Err(TenancyError::NotActive(company.status));
        }
        let limits = self.pools.settings().pool_limits();
        // Connected as the tenant's own role on PostgreSQL, so its tables belong to it; a
        // database claimed from the provisioning pool was migrated so when it was prepared.
        match self
            .placer
            .create_or_claim(self.control(), company, limits)
            .await?
        {
            Created::Claimed(version) => Ok(version),
            Created::Connected(db) => {
                let version = migrate(&db, &TENANT_MIGRATIONS).await;
                db.close().await;
                Ok(version?)
            }
        }
    }

    /// Steps 2 and 3 for a company in `provisioning`: the database, then `active`.
    pub async fn finish_provisioning(&self, company: &Company) -> Result<Company, TenancyError> {
        let version = self.create_database(company).await?;
        let company = self.control().activate(company.id, version).await?;
        self.count_provisioned();
        tracing::info!(company = %company.id, "company active");
        Ok(company)
    }

    /// Completes every interrupted provisioning; returns the companies finished. One that
    /// cannot be finished is reported and left in `provisioning` (it serves nothing).
    pub async fn finish_interrupted(&self) -> Result<Vec<Company>, TenancyError> {
        let mut finished = Vec::new();
        for company in self.control().provisioning_companies().await? {
            match self.finish_provisioning(&company).await {
                Ok(c) => finished.push(c),
                Err(e) => {
                    tracing::error!(company = %company.id, error = %e, "cannot finish provisioning")
                }
            }
        }
        Ok(finished)
    }

    /// Tops up the provisioning pool of every PostgreSQL tenant server to `per_server` ready
    /// databases (the worker calls this; SQLite has no pool, a new file is cheap). Returns how
    /// many were made. A provisioning claims one of them instead of creating a database, and
    /// creates one when the pool is empty.
    pub async fn refill_provisioning_pool(&self, per_server: usize) -> Result<usize, TenancyError> {
        match &self.placer {
            Placer::Postgres(p) => p.refill(per_server).await,
            Placer::Sqlite(_) => Ok(0),
        }
    }

    /// Ready databases in each PostgreSQL tenant server's provisioning pool (empty on SQLite).
    pub async fn provisioning_pool(&self) -> Result<Vec<usize>, TenancyError> {
        match &self.placer {
            Placer::Postgres(p) => p.pooled().await,
            Placer::Sqlite(_) => Ok(Vec::new()),
        }
    }

    /// Suspends or resumes a company, and drops its pool when it stops serving.
    pub async fn set_status(
        &self,
        company: &Company,
        to: CompanyStatus,
    ) -> Result<Company, TenancyError> {
        let updated = self.control().set_status(company.id, to).await?;
        if to != CompanyStatus::Active {
            self.pools.evict(company.id).await;
        }
        Ok(updated)
    }
}
