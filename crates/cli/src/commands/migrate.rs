//! `silo migrate`: the control plane, then every company's database, a few at a time.

use crate::cli::StorageArgs;
use anyhow::bail;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use silo_control::{AuditAction, AuditEvent, Outcome};
use std::io::IsTerminal as _;
use std::sync::Arc;
use tokio::task::JoinSet;

pub async fn run(storage: &StorageArgs, concurrency: usize) -> anyhow::Result<()> {
    // Opening the storage applies the control plane's migrations first.
    let tenancy = Arc::new(crate::storage::open(storage).await?);
    let result = migrate_all(&tenancy, concurrency).await;
    tenancy.close().await;
    result
}

async fn migrate_all(
    tenancy: &Arc<silo_tenancy::Tenancy>,
    concurrency: usize,
) -> anyhow::Result<()> {
    let companies = tenancy.fleet().await?;
    let total = companies.len();
    println!("control plane up to date; migrating {total} companies, {concurrency} at a time");
    // A bar for people at a terminal; plain lines for logs and scripts.
    let interactive = std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if interactive {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let say = |line: String| {
        if interactive {
            bar.println(line);
        } else {
            eprintln!("{line}");
        }
    };
    let mut queue = companies.into_iter();
    let mut running = JoinSet::new();
    let mut failed = 0usize;
    loop {
        while running.len() < concurrency {
            let Some(company) = queue.next() else { break };
            let tenancy = tenancy.clone();
            running.spawn(async move {
                let outcome = tenancy.migrate_company(&company).await;
                (company, outcome)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (company, outcome) = joined?;
        bar.inc(1);
        let mut event = AuditEvent::operator(company.id, AuditAction::CompanyMigrate);
        match outcome {
            // Nothing changed: nothing to audit.
            Ok(done) if done.from == done.to => {
                say(format!("{}: at {}", company.slug, done.to));
                continue;
            }
            Ok(done) => say(format!(
                "{}: migrated {} -> {}",
                company.slug, done.from, done.to
            )),
            Err(e) => {
                failed += 1;
                event.outcome = Outcome::Failure;
                say(format!("{}: FAILED: {e}", company.slug));
            }
        }
        tenancy.control().record(event).await?;
    }
    bar.finish_and_clear();
    if failed > 0 {
        bail!(
            "{failed} of {total} companies failed to migrate; fix them and run `silo migrate` again"
        );
    }
    println!("all {total} companies are up to date");
    Ok(())
}
