//! `silo audit verify|checkpoint|checkpoints`.

use super::find_company;
use crate::cli::{AuditCommand, SigningArgs, StorageArgs};
use anyhow::{Context, bail};
use silo_control::{ChainAgainstCheckpoint, Checkpoint, CompanyId};
use silo_tenancy::Tenancy;
use std::collections::BTreeMap;
use std::path::Path;

pub async fn run(storage: &StorageArgs, cmd: AuditCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let result = match cmd {
        AuditCommand::Verify {
            company,
            checkpoint,
            signing,
        } => verify(storage, &tenancy, company, checkpoint.as_deref(), &signing).await,
        AuditCommand::Checkpoint { force, signing } => {
            checkpoint(storage, &tenancy, force, &signing).await
        }
        AuditCommand::Checkpoints { json } => list(&tenancy, json).await,
    };
    tenancy.close().await;
    result
}

async fn verify(
    storage: &StorageArgs,
    tenancy: &Tenancy,
    company: Option<String>,
    file: Option<&Path>,
    signing: &SigningArgs,
) -> anyhow::Result<()> {
    let company: Option<CompanyId> = match company {
        Some(reference) => Some(find_company(tenancy, &reference).await?.id),
        None => None,
    };
    let control = tenancy.control();
    let reports = control.verify_audit(company).await?;
    let checkpoint = match file {
        Some(path) => Some(read_checkpoint_file(path)?),
        None => control.latest_checkpoint().await?,
    };
    let mut broken = 0;
    // Each chain the checkpoint holds, compared with the trail (when its signature holds).
    let mut compared: BTreeMap<String, ChainAgainstCheckpoint> = BTreeMap::new();
    let mut compared_with = None;
    match &checkpoint {
        None => println!(
            "note    no signed checkpoint yet: each chain is checked against itself only, which \
             a rewrite with recomputed hashes passes (run `silo audit checkpoint`)"
        ),
        Some(checkpoint) => {
            let keys = signing.key_set(storage, false)?;
            match checkpoint.verify_signature(&keys) {
                Ok(()) => {
                    println!(
                        "ok      checkpoint {} of {}: {}, signed by key {}",
                        checkpoint.id,
                        checkpoint.at,
                        chains(checkpoint.chains),
                        checkpoint.kid
                    );
                    for chain in control.compare_with_checkpoint(checkpoint, company).await? {
                        compared.insert(chain.chain.clone(), chain);
                    }
                    compared_with = Some(checkpoint.id);
                }
                Err(e) => {
                    broken += 1;
                    println!("BROKEN  {e}");
                }
            }
        }
    }
    for report in &reports {
        let against = compared.remove(&report.chain);
        let mut ok = true;
        if let Some((id, reason)) = &report.first_broken {
            ok = false;
            println!(
                "BROKEN  {}  first broken record: id {id}: {reason}",
                report.chain
            );
        }
        if let Some(ChainAgainstCheckpoint {
            problem: Some(problem),
            ..
        }) = &against
        {
            ok = false;
            println!(
                "BROKEN  {}  against the checkpoint: {problem}",
                report.chain
            );
        }
        if ok {
            let covered = match (compared_with, &against) {
                (Some(id), Some(against)) => {
                    format!(", matches checkpoint {id} up to record {}", against.seq)
                }
                (Some(id), None) => format!(", none in checkpoint {id} (newer)"),
                (None, _) if checkpoint.is_some() => {
                    ", not compared with the checkpoint (it does not verify)".to_owned()
                }
                (None, _) => String::new(),
            };
            println!(
                "ok      {}  {} records{covered}",
                report.chain, report.records
            );
        } else {
            broken += 1;
        }
    }
    // A chain the checkpoint holds that is gone from the trail altogether.
    for (chain, against) in compared {
        broken += 1;
        let problem = against
            .problem
            .unwrap_or_else(|| "the chain is gone".to_owned());
        println!("BROKEN  {chain}  against the checkpoint: {problem}");
    }
    if broken > 0 {
        bail!(
            "the audit trail does not verify: {broken} problem(s) in {} chain(s) checked",
            reports.len()
        );
    }
    Ok(())
}

/// "1 chain", "2 chains".
fn chains(n: i64) -> String {
    if n == 1 {
        "1 chain".to_owned()
    } else {
        format!("{n} chains")
    }
}

/// An exported checkpoint: one object, or the list `silo audit checkpoints --json` writes
/// (the newest in it counts).
fn read_checkpoint_file(path: &Path) -> anyhow::Result<Checkpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let checkpoints: Vec<Checkpoint> = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|c| vec![c])
    }
    .with_context(|| format!("{} holds no exported checkpoint", path.display()))?;
    checkpoints
        .into_iter()
        .max_by_key(|c| c.id)
        .with_context(|| format!("{} holds no checkpoint", path.display()))
}

async fn checkpoint(
    storage: &StorageArgs,
    tenancy: &Tenancy,
    force: bool,
    signing: &SigningArgs,
) -> anyhow::Result<()> {
    let keys = signing.key_set(storage, true)?;
    let checkpoint = tenancy
        .control()
        .create_checkpoint(&keys, force)
        .await
        .map_err(|e| match e {
            silo_control::ControlError::CheckpointMismatch(_) => anyhow::anyhow!(
                "{e}. Nothing was signed: run `silo audit verify` to see what changed (or \
                 `silo audit checkpoint --force` to sign the trail as it is now)"
            ),
            other => other.into(),
        })?;
    println!(
        "checkpoint {} at {}: {}, signed by key {}",
        checkpoint.id,
        checkpoint.at,
        chains(checkpoint.chains),
        checkpoint.kid
    );
    Ok(())
}

async fn list(tenancy: &Tenancy, json: bool) -> anyhow::Result<()> {
    let control = tenancy.control();
    let summaries = control.checkpoints().await?;
    if !json {
        if summaries.is_empty() {
            println!("no checkpoints yet (`silo audit checkpoint` signs one)");
        }
        for c in summaries {
            println!(
                "{:>6}  {}  {:>12}  key {}",
                c.id,
                c.at,
                chains(c.chains),
                c.kid
            );
        }
        return Ok(());
    }
    // One checkpoint in memory at a time: each holds every chain's head.
    print!("[");
    let mut first = true;
    for summary in &summaries {
        let Some(checkpoint) = control.checkpoint(summary.id).await? else {
            continue;
        };
        let separator = if first { "" } else { "," };
        first = false;
        print!("{separator}\n  {}", serde_json::to_string(&checkpoint)?);
    }
    println!("{}]", if first { "" } else { "\n" });
    Ok(())
}
