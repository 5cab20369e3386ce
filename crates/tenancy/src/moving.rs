//! Moving a company's database to another server.
//!
//! (1) The placement is marked `moving_to`: from the next request on, the company answers 503
//! `tenant_unavailable` (the request path checks the marker on every request) and cached pools
//! are dropped. (2) The source is fenced: new sessions refused and open ones ended, so a
//! request that passed the check just before cannot write into a database already read.
//! (3) Rows are copied in one transaction and counted. (4) The placement switches to the new
//! server and the marker lifts, in one statement. (5) The old database is dropped. A failure
//! before (4) unfences the source, drops the copy and lifts the marker: nothing changed.

use crate::placer::Placer;
use crate::{Tenancy, TenancyError};
use silo_control::{Company, CompanyStatus};

impl Tenancy {
    /// Moves a company's database to tenant server `to` (`host:port`); returns rows copied.
    pub async fn move_company(&self, company: &Company, to: &str) -> Result<usize, TenancyError> {
        let Placer::Postgres(pg) = &self.placer else {
            return Err(TenancyError::Refused(
                "moving between servers needs the PostgreSQL backend".into(),
            ));
        };
        if !matches!(
            company.status,
            CompanyStatus::Active | CompanyStatus::Suspended
        ) {
            return Err(TenancyError::NotActive(company.status));
        }
        let control = self.control();
        let placement = control
            .placement(company.id)
            .await?
            .ok_or_else(|| TenancyError::Refused("the company has no placement".into()))?;
        if placement.server == to {
            return Err(TenancyError::Refused(format!(
                "the database is already on {to}"
            )));
        }
        match control.moving_to(company.id).await? {
            // An interrupted move to the same server starts over; the copy is never used
            // before the placement switches.
            Some(running) if running == to => {}
            Some(running) => {
                return Err(TenancyError::Refused(format!(
                    "a move to {running} is unfinished; run it again with --to {running}"
                )));
            }
            None => control.begin_move(company.id, to).await?,
        }
        self.pools.evict(company.id).await;
        let limits = self.pools.settings().pool_limits();
        match pg.copy_to(control, company, to, limits).await {
            Ok(rows) => {
                control.finish_move(company.id, to).await?;
                self.pools.evict(company.id).await;
                pg.drop_on(&placement.server, company.id).await?;
                Ok(rows)
            }
            Err(e) => {
                control.abort_move(company.id).await?;
                Err(e)
            }
        }
    }
}
