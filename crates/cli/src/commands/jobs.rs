//! `silo jobs list|retry|drop`: background jobs, read from each company's own database through
//! the tenancy layer, and (`--mail`) the deployment's mail queue in the control plane. Messages
//! are shown by id, state and attempts: never a recipient, subject or body.

use super::find_company;
use crate::cli::{JobsCommand, StorageArgs};
use anyhow::{Context, bail};
use silo_contract::{AuditAction, JobState};
use silo_control::{AuditEvent, Company, CompanyStatus, MailChangeError, MailState};
use silo_domain::jobs;
use silo_store::Timestamp;
use silo_tenancy::Tenancy;

pub async fn run(storage: &StorageArgs, cmd: JobsCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let result = match cmd {
        JobsCommand::List {
            company,
            mail,
            state,
            limit,
            json,
        } => list(&tenancy, company, mail, state, limit, json).await,
        JobsCommand::Retry { company, mail, job } => match company {
            Some(company) if !mail => change(&tenancy, &company, &job, true).await,
            _ => change_mail(&tenancy, &job, true).await,
        },
        JobsCommand::Drop { company, mail, job } => match company {
            Some(company) if !mail => change(&tenancy, &company, &job, false).await,
            _ => change_mail(&tenancy, &job, false).await,
        },
    };
    tenancy.close().await;
    result
}

async fn list(
    tenancy: &Tenancy,
    company: Option<String>,
    mail_only: bool,
    state: Option<String>,
    limit: i64,
    json: bool,
) -> anyhow::Result<()> {
    let mail_state = state.as_deref().and_then(MailState::parse);
    let job_state = state.as_deref().and_then(JobState::parse);
    if let Some(s) = &state {
        let mail_names: Vec<&str> = MailState::ALL.iter().map(|s| s.as_str()).collect();
        if mail_only && mail_state.is_none() {
            bail!("--state must be one of {} for mail", mail_names.join(", "));
        }
        if (mail_state.is_none() || company.is_some()) && job_state.is_none() {
            bail!(
                "--state must be one of {} (mail: {}), not {s:?}",
                JobState::NAMES.join(", "),
                mail_names.join(", ")
            );
        }
    }
    let mail = if company.is_none() {
        Some(list_mail(tenancy, state.is_some(), mail_state, limit, json).await?)
    } else {
        None
    };
    // A state only messages have (`sent`) lists no jobs.
    if mail_only || (state.is_some() && job_state.is_none()) {
        if let Some(mail) = mail.filter(|_| json) {
            println!("{}", serde_json::to_string_pretty(&mail)?);
        }
        return Ok(());
    }
    let state = job_state;
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
    if let Some(mail) = mail.filter(|_| json) {
        out.push(mail);
    }
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

/// Prints the mail queue's counts and messages (unless `json`), and returns them as JSON.
/// `filtered`: a `--state` was given; `state`: it, if it is a message state (a job state such as
/// `running` shows no messages).
async fn list_mail(
    tenancy: &Tenancy,
    filtered: bool,
    state: Option<MailState>,
    limit: i64,
    json: bool,
) -> anyhow::Result<serde_json::Value> {
    let control = tenancy.control();
    let counts = control.mail_counts().await?;
    let items = if filtered && state.is_none() {
        Vec::new()
    } else {
        control.list_mail(state, limit.clamp(1, 1000)).await?
    };
    if !json {
        println!(
            "mail queue: {} pending, {} sent, {} dead, {} dropped",
            counts.pending, counts.sent, counts.dead, counts.dropped
        );
        for mail in &items {
            println!(
                "  {}  {:<8} attempts {:<3} due {}  {}{}",
                mail.id,
                mail.state.as_str(),
                mail.attempts,
                mail.due_at,
                if mail.state == MailState::Dead && !mail.has_body {
                    "(body cleared) "
                } else {
                    ""
                },
                mail.last_error.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(serde_json::json!({ "mail_queue": { "counts": counts, "messages": items } }))
}

/// Retries or drops a message of the mail queue. Not audited per company: mail belongs to
/// none; the operator's change is recorded in the deployment's trail.
async fn change_mail(tenancy: &Tenancy, id: &str, retry: bool) -> anyhow::Result<()> {
    let id: uuid::Uuid = id.parse().context("the message id is not a UUID")?;
    let control = tenancy.control();
    let result = if retry {
        control.retry_mail(id).await
    } else {
        control.drop_mail(id).await
    };
    let mail = match result {
        Ok(mail) => mail,
        Err(MailChangeError::NotFound) => bail!("the mail queue has no message {id}"),
        Err(e) => bail!("{e}"),
    };
    let action = if retry {
        AuditAction::JobRetry
    } else {
        AuditAction::JobDrop
    };
    control
        .record(AuditEvent {
            company: None,
            actor: None,
            action,
            target: Some(format!("mail:{}", mail.id)),
            outcome: silo_control::Outcome::Success,
            client_ip: None,
            request_id: None,
            event_id: None,
        })
        .await?;
    println!("message {} is {} now", mail.id, mail.state.as_str());
    Ok(())
}
