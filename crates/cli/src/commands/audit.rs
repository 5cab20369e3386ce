//! `silo audit verify`.

use super::find_company;
use crate::cli::{AuditCommand, StorageArgs};
use anyhow::bail;

pub async fn run(storage: &StorageArgs, cmd: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { company } = cmd;
    let tenancy = crate::storage::open(storage).await?;
    let result = async {
        let company = match company {
            Some(reference) => Some(find_company(&tenancy, &reference).await?.id),
            None => None,
        };
        let reports = tenancy.control().verify_audit(company).await?;
        let mut broken = 0;
        for report in &reports {
            match &report.first_broken {
                None => println!("ok      {}  {} records", report.chain, report.records),
                Some((id, reason)) => {
                    broken += 1;
                    println!(
                        "BROKEN  {}  first broken record: id {id}: {reason}",
                        report.chain
                    );
                }
            }
        }
        if broken > 0 {
            bail!("{broken} of {} audit chains are broken", reports.len());
        }
        Ok(())
    }
    .await;
    tenancy.close().await;
    result
}
