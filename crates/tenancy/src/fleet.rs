//! Fleet migrations: bringing one company's tenant database to this build's schema, for
//! `silo migrate`, which runs this over every company with bounded concurrency.

use crate::{Tenancy, TenancyError};
use silo_control::{Company, CompanyStatus};
use silo_schema::TENANT_MIGRATIONS;
use silo_store::{applied_version, migrate};

/// What migrating one company did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrateOutcome {
    /// The version before.
    pub from: i64,
    /// The version after (recorded in the placement).
    pub to: i64,
}

impl Tenancy {
    /// The companies whose databases `silo migrate` keeps up to date: active and suspended
    /// ones, oldest first.
    pub async fn fleet(&self) -> Result<Vec<Company>, TenancyError> {
        Ok(self
            .control()
            .list_companies()
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| matches!(c.status, CompanyStatus::Active | CompanyStatus::Suspended))
            .collect())
    }

    /// Brings a company's database to the latest tenant schema and records the version in its
    /// placement. Each migration commits with its record, so an interrupted run leaves whole
    /// versions and a rerun continues. A database that is missing, foreign or newer than this
    /// build is refused and left untouched.
    pub async fn migrate_company(&self, company: &Company) -> Result<MigrateOutcome, TenancyError> {
        if !matches!(
            company.status,
            CompanyStatus::Active | CompanyStatus::Suspended
        ) {
            return Err(TenancyError::NotActive(company.status));
        }
        if company.moving {
            return Err(TenancyError::Unavailable(
                "its database is being moved".into(),
            ));
        }
        // One connection: it runs one statement at a time, and a fleet run of N at once must
        // stay well under the servers' connection limits.
        let limits = silo_store::sqlite::PoolLimits {
            max_connections: 1,
            ..self.pools.settings().pool_limits()
        };
        let db = self.placer.open(self.control(), company, limits).await?;
        let result = async {
            let from = applied_version(&db)
                .await?
                .ok_or_else(|| TenancyError::Unavailable("not a Silo tenant database".into()))?;
            let to = migrate(&db, &TENANT_MIGRATIONS).await?;
            Ok::<_, TenancyError>(MigrateOutcome { from, to })
        }
        .await;
        db.close().await;
        let outcome = result?;
        self.control()
            .set_schema_version(company.id, outcome.to)
            .await?;
        Ok(outcome)
    }
}
