//! `silo company erase|export|import|move`: operating on a company's whole database.

use super::find_company;
use crate::cli::{MailArgs, StorageArgs};
use anyhow::{Context, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use silo_control::{AuditAction, AuditEvent, Eraser, Slug};
use silo_mail::{Lang, Mailer};
use silo_server::notify::{InvitationMail, Notifier};
use silo_tenancy::{Archive, Tenancy};
use silo_worker::Nudge;
use silo_worker::mail::Postbox;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

pub async fn erase(tenancy: &Tenancy, reference: &str, yes: bool) -> anyhow::Result<()> {
    if !yes {
        bail!("erasing `{reference}` deletes all its data for good; add --yes to confirm");
    }
    let company = find_company(tenancy, reference).await?;
    let tombstone = tenancy.erase(&company, Eraser::Operator).await?;
    tenancy
        .control()
        .record(AuditEvent::operator(company.id, AuditAction::CompanyErase))
        .await?;
    println!(
        "{} ({}) is erased; its database, memberships and invitations are gone",
        tombstone.slug, tombstone.id
    );
    Ok(())
}

pub async fn export(tenancy: &Tenancy, reference: &str, out: &Path) -> anyhow::Result<()> {
    let company = find_company(tenancy, reference).await?;
    let archive = tenancy.export(&company).await?;
    write_archive(&archive, out).with_context(|| format!("cannot write {}", out.display()))?;
    tenancy
        .control()
        .record(AuditEvent::operator(company.id, AuditAction::CompanyExport))
        .await?;
    let rows: usize = archive.tables.values().map(|t| t.rows.len()).sum();
    println!(
        "exported {} ({rows} rows, {} members, schema {}) to {}",
        company.slug,
        archive.members.len(),
        archive.tenant_schema_version,
        out.display()
    );
    Ok(())
}

pub async fn import(
    tenancy: &Tenancy,
    storage: &StorageArgs,
    mail: &MailArgs,
    file: &Path,
    name: Option<String>,
    slug: Option<String>,
) -> anyhow::Result<()> {
    let archive = read_archive(file).with_context(|| format!("cannot read {}", file.display()))?;
    let slug = slug
        .map(|s| Slug::parse(&s).map_err(|e| anyhow::anyhow!("--slug {e}")))
        .transpose()?;
    if let Some(name) = &name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        bail!("--name must be 1 to 200 characters");
    }
    let imported = tenancy
        .import(&archive, name, slug, mail.invitation_ttl())
        .await?;
    let company = &imported.company;
    tenancy
        .control()
        .record(AuditEvent::operator(company.id, AuditAction::CompanyImport))
        .await?;
    println!(
        "imported {} ({}) from {}",
        company.slug,
        company.id,
        file.display()
    );
    // Nobody is a member yet: each person proves their address and accepts by mail.
    let postbox = Postbox::new(
        Mailer::start(mail.mail_settings(storage))?,
        tenancy.control().clone(),
        Nudge::default(),
    );
    let public_url = mail.public_url_or(|| "http://127.0.0.1:8080".into());
    let notifier = Notifier {
        postbox: &postbox,
        public_url: &public_url,
    };
    for (invitation, token) in &imported.invitations {
        notifier
            .invitation(&InvitationMail {
                lang: Lang::En,
                to: &invitation.email,
                company: &company.name,
                inviter: "Silo",
                role: invitation.role,
                token,
                ttl: mail.invitation_ttl(),
            })
            .await?;
        println!(
            "{} is invited as {} (the invitation {})",
            invitation.email,
            invitation.role,
            super::how_mail_goes(&postbox)
        );
    }
    Ok(())
}

pub async fn move_to(tenancy: &Tenancy, reference: &str, to: &str) -> anyhow::Result<()> {
    let company = find_company(tenancy, reference).await?;
    let moved = tenancy.move_company(&company, to).await;
    let mut event = AuditEvent::operator(company.id, AuditAction::CompanyMove);
    if moved.is_err() {
        event.outcome = silo_control::Outcome::Failure;
    }
    tenancy.control().record(event).await?;
    let rows = moved?;
    println!(
        "moved {} to {to} ({rows} rows copied and counted)",
        company.slug
    );
    Ok(())
}

fn write_archive(archive: &Archive, out: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        // The archive holds a company's business data: readable by the operator only.
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = BufWriter::new(options.open(out)?);
    if out.extension().is_some_and(|e| e == "gz") {
        let mut gz = GzEncoder::new(file, Compression::default());
        serde_json::to_writer(&mut gz, archive)?;
        gz.finish()?.flush()?;
    } else {
        let mut file = file;
        serde_json::to_writer(&mut file, archive)?;
        file.flush()?;
    }
    Ok(())
}

fn read_archive(path: &Path) -> anyhow::Result<Archive> {
    let mut bytes = Vec::new();
    BufReader::new(std::fs::File::open(path)?).read_to_end(&mut bytes)?;
    // gzip by its magic number, whatever the file is called.
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        GzDecoder::new(bytes.as_slice()).read_to_end(&mut plain)?;
        bytes = plain;
    }
    serde_json::from_slice(&bytes).context("not a Silo export archive")
}
