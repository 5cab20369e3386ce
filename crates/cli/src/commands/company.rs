//! `silo company`: create, list, suspend and resume companies (erase, export, import and move
//! are in `fleet`).

use super::{find_company, hash_password};
use crate::cli::{CompanyCommand, StorageArgs};
use anyhow::{Context, bail};
use silo_control::{
    AuditAction, AuditEvent, CompanyStatus, ControlError, Email, NewCompany, NewIdentity, Plan,
    Slug,
};
use silo_tenancy::{Tenancy, TenancyError};

pub async fn run(storage: &StorageArgs, cmd: CompanyCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let result = match cmd {
        CompanyCommand::Create {
            name,
            slug,
            owner_email,
            owner_password,
            owner_name,
        } => {
            create(
                &tenancy,
                name,
                slug,
                owner_email,
                owner_password,
                owner_name,
            )
            .await
        }
        CompanyCommand::List { json } => list(&tenancy, json).await,
        CompanyCommand::Suspend { company } => {
            change_status(&tenancy, &company, CompanyStatus::Suspended).await
        }
        CompanyCommand::Resume { company } => {
            change_status(&tenancy, &company, CompanyStatus::Active).await
        }
        CompanyCommand::Plan { company, plan } => change_plan(&tenancy, &company, plan).await,
        CompanyCommand::Erase { company, yes } => {
            super::fleet::erase(&tenancy, &company, yes).await
        }
        CompanyCommand::Export { company, out } => {
            super::fleet::export(&tenancy, &company, &out).await
        }
        CompanyCommand::Import {
            file,
            name,
            slug,
            max_size,
            mail,
        } => super::fleet::import(&tenancy, storage, &mail, &file, name, slug, max_size).await,
        CompanyCommand::Move { company, to } => {
            super::fleet::move_to(&tenancy, &company, &to).await
        }
    };
    tenancy.close().await;
    result
}

async fn create(
    tenancy: &Tenancy,
    name: String,
    slug: Option<String>,
    owner_email: String,
    owner_password: Option<String>,
    owner_name: Option<String>,
) -> anyhow::Result<()> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("--name must be 1 to 200 characters");
    }
    let slug = match slug {
        Some(s) => Slug::parse(&s).map_err(|e| anyhow::anyhow!("--slug {e}"))?,
        None => {
            Slug::from_name(&name).context("cannot derive a slug from the name; give --slug")?
        }
    };
    let email = Email::parse(&owner_email).map_err(|e| anyhow::anyhow!("--owner-email {e}"))?;
    let existing = tenancy.control().identity_by_email(&email).await?;
    let password_hash = match (&existing, owner_password) {
        (Some(_), Some(_)) => {
            eprintln!("note: {email} already has an identity; its password is left unchanged");
            None
        }
        (Some(_), None) => None,
        (None, Some(p)) => Some(hash_password(&p)?),
        (None, None) => {
            bail!("{email} is new: give a password with --owner-password or SILO_OWNER_PASSWORD")
        }
    };
    let owner = NewIdentity {
        email: email.clone(),
        name: owner_name.unwrap_or_default(),
        password_hash,
    };
    let company = match tenancy
        .provision(
            NewCompany {
                name,
                slug: slug.clone(),
            },
            owner,
        )
        .await
    {
        Ok(company) => company,
        Err(TenancyError::Control(ControlError::SlugTaken(_))) => {
            // A re-run of a create that was interrupted finishes it instead of failing.
            let existing = tenancy.control().find_company(slug.as_str()).await?;
            match existing {
                Some(c) if c.status == CompanyStatus::Provisioning => {
                    eprintln!("note: finishing the interrupted creation of `{slug}`");
                    tenancy.finish_provisioning(&c).await?
                }
                _ => bail!("the slug `{slug}` is taken"),
            }
        }
        Err(e) => return Err(e.into()),
    };
    tenancy
        .control()
        .record(AuditEvent::operator(company.id, AuditAction::CompanyCreate))
        .await?;
    println!(
        "created company {} ({}) with owner {email}",
        company.slug, company.id
    );
    match tenancy.data_dir() {
        Some(data) => println!("database: {}", data.tenant_path(company.id).display()),
        None => {
            if let Some(p) = tenancy.control().placement(company.id).await? {
                println!("database: {} on {}", p.database_name, p.server);
            }
        }
    }
    Ok(())
}

async fn list(tenancy: &Tenancy, json: bool) -> anyhow::Result<()> {
    let companies = tenancy.control().list_companies().await?;
    if json {
        let items: Vec<serde_json::Value> = companies
            .iter()
            .map(|(c, p)| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["placement"] = serde_json::to_value(p).unwrap_or_default();
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if companies.is_empty() {
        println!(
            "no companies yet: create one with `silo company create --name NAME --owner-email EMAIL`"
        );
        return Ok(());
    }
    println!(
        "{:<36}  {:<20}  {:<12}  {:<8}  {:<7}  {:<24}  {:<44}  name",
        "id", "slug", "status", "plan", "schema", "server", "database"
    );
    for (c, p) in &companies {
        // Where the data lives; the credentials reference is left out of the table.
        let (schema, server, database) = match p {
            Some(p) => (
                p.schema_version.to_string(),
                format!("{}:{}", p.backend.as_str(), p.server),
                p.database_name.clone(),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<36}  {:<20}  {:<12}  {:<8}  {:<7}  {:<24}  {:<44}  {}",
            c.id.to_string(),
            c.slug.as_str(),
            c.status.as_str(),
            c.plan.as_str(),
            schema,
            server,
            database,
            c.name
        );
    }
    Ok(())
}

async fn change_plan(tenancy: &Tenancy, reference: &str, plan: Plan) -> anyhow::Result<()> {
    let company = find_company(tenancy, reference).await?;
    if company.plan == plan {
        println!("{} is already on the {plan} plan", company.slug);
        return Ok(());
    }
    let db = tenancy.tenant_db(&company).await?;
    silo_server::plans::check_fits(tenancy.control(), &db, &company, plan).await?;
    let updated = tenancy.control().set_plan(company.id, plan).await?;
    tenancy
        .control()
        .record(AuditEvent::operator(updated.id, AuditAction::CompanyPlan))
        .await?;
    println!("{} is now on the {plan} plan", updated.slug);
    Ok(())
}

async fn change_status(
    tenancy: &Tenancy,
    reference: &str,
    to: CompanyStatus,
) -> anyhow::Result<()> {
    let company = find_company(tenancy, reference).await?;
    if company.status == to {
        println!("{} is already {to}", company.slug);
        return Ok(());
    }
    let updated = tenancy.set_status(&company, to).await?;
    let action = if to == CompanyStatus::Suspended {
        AuditAction::CompanySuspend
    } else {
        AuditAction::CompanyResume
    };
    tenancy
        .control()
        .record(AuditEvent::operator(updated.id, action))
        .await?;
    println!("{} is now {}", updated.slug, updated.status);
    Ok(())
}
