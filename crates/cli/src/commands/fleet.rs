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
use std::io::{BufRead as _, BufReader, BufWriter, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
    // The tombstone keeps no name or slug; the operator's own reference is echoed instead.
    println!(
        "{reference} ({}) is erased; its database, sessions, memberships and invitations are gone, and so are the people who belonged to no other company",
        tombstone.id
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
    max_size: u64,
) -> anyhow::Result<()> {
    let slug = slug
        .map(|s| Slug::parse(&s).map_err(|e| anyhow::anyhow!("--slug {e}")))
        .transpose()?;
    if let Some(name) = &name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        bail!("--name must be 1 to 200 characters");
    }
    let (reader, over, gzip) =
        open_archive(file, max_size).with_context(|| format!("cannot read {}", file.display()))?;
    let imported = tenancy
        .import_reader(reader, name, slug, mail.invitation_ttl())
        .await;
    if over.load(Ordering::Relaxed) {
        bail!(
            "{}: the archive holds more than {max_size} bytes of JSON{}; refused (raise \
             --max-size if it is genuine)",
            file.display(),
            if gzip { " once inflated" } else { "" }
        );
    }
    let imported = imported.with_context(|| format!("cannot import {}", file.display()))?;
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

/// Writes the archive beside `out` in a new file (created exclusively, owner-only) and renames
/// it into place, so the data never goes through an existing file or a symbolic link, and a
/// reader never sees half an archive. `out` itself being a symbolic link is refused.
fn write_archive(archive: &Archive, out: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => {
            bail!("it is a symbolic link; give the path of a regular file")
        }
        Ok(m) if !m.is_file() => bail!("it exists and is not a regular file"),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    let name = out
        .file_name()
        .context("the path names no file")?
        .to_string_lossy();
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    // create_new is O_CREAT|O_EXCL: it neither opens an existing file nor follows a link.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        // The archive holds a company's business data: readable by the operator only.
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(&temp)?;
    let written = write_json(archive, out, file).and_then(|()| Ok(std::fs::rename(&temp, out)?));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn write_json(archive: &Archive, out: &Path, file: std::fs::File) -> anyhow::Result<()> {
    let mut writer = BufWriter::new(file);
    if out.extension().is_some_and(|e| e == "gz") {
        let mut gz = GzEncoder::new(writer, Compression::default());
        serde_json::to_writer(&mut gz, archive)?;
        writer = gz.finish()?;
    } else {
        serde_json::to_writer(&mut writer, archive)?;
    }
    writer
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .sync_all()?;
    Ok(())
}

/// Opens an archive as a stream (the file, inflated if gzip) that fails once more than
/// `max_bytes` of JSON come out: a small file that inflates without end (a decompression bomb)
/// is refused after `max_bytes`, and the import holds a row at a time, not the file. Also
/// returns the flag the reader sets when it refused, and whether the file is gzip.
fn open_archive(
    path: &Path,
    max_bytes: u64,
) -> anyhow::Result<(ArchiveReader, Arc<AtomicBool>, bool)> {
    let mut file = BufReader::new(std::fs::File::open(path)?);
    // gzip by its magic number, whatever the file is called.
    let gzip = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let source: Box<dyn Read + Send> = if gzip {
        Box::new(GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let over = Arc::new(AtomicBool::new(false));
    let capped = Capped {
        inner: source,
        left: max_bytes,
        over: over.clone(),
    };
    Ok((BufReader::new(capped), over, gzip))
}

/// An archive file as the import reads it: inflated if gzip, capped, buffered.
type ArchiveReader = BufReader<Capped<Box<dyn Read + Send>>>;

/// A reader that fails once more than `left` bytes have been read through it.
struct Capped<R> {
    inner: R,
    left: u64,
    over: Arc<AtomicBool>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte beyond the cap is asked for, to tell "exactly at the cap" from "over it".
        let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            self.over.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("archive size limit exceeded"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
