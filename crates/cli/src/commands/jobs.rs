//! `silo jobs list|retry|drop`: background jobs, read from each company's own database through
//! the tenancy layer.

use super::find_company;
use crate::cli::{JobsCommand, StorageArgs};
use anyhow::{Context, bail};
use silo_contract::{AuditAction, JobState};
use silo_control::{AuditEvent, Company, CompanyStatus};
use silo_domain::jobs;
use silo_store::Timestamp;
use silo_tenancy::Tenancy;

pub async fn run(storage: &StorageArgs, cmd: JobsCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let result = match cmd {
        JobsCommand::List {
            company,
            state,
            limit,
            json,
        } => list(&tenancy, company, state, limit, json).await,
        JobsCommand::Retry { company, job } => change(&tenancy, &company, &job, true).await,
        JobsCommand::Drop { company, job } => change(&tenancy, &company, &job, false).await,
    };
    tenancy.close().await;
    result
}

async fn list(
    tenancy: &Tenancy,
    company: Option<String>,
    state: Option<String>,
    limit: i64,
    json: bool,
) -> anyhow::Result<()> {
    let state =
        match state {
            Some(s) => Some(JobState::parse(&s).with_context(|| {
                format!("--state must be one of {}", JobState::NAMES.join(", "))
            })?),
            None => None,
        };
    let companies: Vec<Company> = match company {
        Some(reference) => vec![find_company(tenancy, &reference).await?],
        None => tenancy
            .control()
            .list_companies()
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| c.status == CompanyStatus::Active)
            .collect(),
    };
    let mut out = Vec::new();
    for company in companies {
        let db = match tenancy.tenant_db(&company).await {
            Ok(db) => db,
            Err(e) => {
                eprintln!("{} ({}): {e}", company.slug, company.id);
                continue;
            }
        };
        let counts = jobs::counts(&db).await?;
        let items = jobs::list(&db, state, None, limit.clamp(1, 1000)).await?;
        if json {
            out.push(serde_json::json!({
                "company": company.id,
                "slug": company.slug,
                "counts": counts,
                "jobs": items,
            }));
            continue;
        }
        println!(
            "{} ({}): {} pending, {} running, {} done, {} dead, {} dropped",
            company.slug,
            company.id,
            counts.pending,
            counts.running,
            counts.done,
            counts.dead,
            counts.dropped
        );
        for job in items {
            println!(
                "  {}  {:<8} {:<16} attempts {:<3} due {}  {}",
                job.id,
                job.state.as_str(),
                job.kind.as_str(),
                job.attempts,
                job.due_at,
                job.last_error.unwrap_or_default()
            );
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

async fn change(tenancy: &Tenancy, company: &str, job: &str, retry: bool) -> anyhow::Result<()> {
    let company = find_company(tenancy, company).await?;
    let id: uuid::Uuid = job.parse().context("the job id is not a UUID")?;
    let db = tenancy.tenant_db(&company).await?;
    let result = if retry {
        jobs::retry(&db, id).await
    } else {
        jobs::drop_job(&db, id).await
    };
    let job = match result {
        Ok(job) => job,
        Err(silo_domain::DomainError::NotFound) => {
            bail!("{company} has no job {id}", company = company.slug)
        }
        Err(e) => bail!("{e}"),
    };
    let action = if retry {
        AuditAction::JobRetry
    } else {
        AuditAction::JobDrop
    };
    let mut event = AuditEvent::operator(company.id, action);
    event.target = Some(job.id.to_string());
    tenancy.control().record(event).await?;
    if retry {
        tenancy.control().wake(company.id, Timestamp::now()).await?;
    }
    println!("job {} is {} now", job.id, job.state.as_str());
    Ok(())
}
