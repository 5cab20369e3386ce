//! A company's invoice mail (`invoice.mail` jobs): the invoice, a credit note or a payment
//! reminder, rendered from the company's own database with the PDF and the e-invoice attached,
//! and sent straight through SMTP (or written to the outbox without it). It never passes
//! through the control plane's mail queue: the documents are the company's data and stay out
//! of the deployment's shared tables. Nothing here logs a recipient, an amount or a name.

use crate::JobOutcome;
use silo_control::CompanyId;
use silo_domain::deliveries::{self, Prepared};
use silo_domain::invoice_documents::{self, Facts};
use silo_domain::invoices::InvoiceDeliveryKind;
use silo_domain::jobs::Job;
use silo_domain::parties::Language;
use silo_mail::templates::{self, InvoiceFacts, Lang};
use silo_mail::{Attachment, Mail, Mailer};
use silo_store::TenantDb;

fn lang(language: Language) -> Lang {
    match language {
        Language::Nl => Lang::Nl,
        Language::En => Lang::En,
    }
}

/// The message for a prepared delivery.
fn message(p: &Prepared) -> Result<Mail, String> {
    let facts: Facts = invoice_documents::facts(p);
    let content = {
        let f = InvoiceFacts {
            seller: &facts.seller,
            number: &facts.number,
            amount: &facts.amount,
            due_date: &facts.due_date,
            reference: &facts.reference,
            iban: &facts.iban,
            credited_invoice: facts.credited_invoice.as_deref(),
        };
        let lang = lang(facts.language);
        match p.delivery.kind {
            InvoiceDeliveryKind::Invoice => templates::invoice(lang, &f),
            InvoiceDeliveryKind::CreditNote => templates::credit_note(lang, &f),
            InvoiceDeliveryKind::Reminder => templates::payment_reminder(lang, &f),
        }
    };
    let files = invoice_documents::files(p).map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .fold(Mail::new(p.delivery.to.clone(), content), |mail, file| {
            mail.attach(Attachment {
                filename: file.filename,
                content_type: file.content_type.to_owned(),
                bytes: file.bytes,
            })
        }))
}

/// Runs one `invoice.mail` job.
pub(crate) async fn deliver(mailer: Option<&Mailer>, db: &TenantDb, job: &Job) -> JobOutcome {
    let Some(mailer) = mailer else {
        return JobOutcome::Retry("this worker has no mail settings".into());
    };
    let prepared = match deliveries::prepare(db, job.ref_id).await {
        Ok(Some(p)) => p,
        // Sent or given up by an earlier attempt, or gone with its invoice: nothing to do.
        Ok(None) | Err(silo_domain::DomainError::NotFound) => return JobOutcome::Done,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    let mail = match message(&prepared) {
        Ok(m) => m,
        Err(e) => return JobOutcome::Dead(e),
    };
    let built = match mailer.build(mail) {
        Ok(b) => b,
        // A recipient that is no address never becomes one.
        Err(e) => return JobOutcome::Dead(e.to_string()),
    };
    let sent = match mailer.smtp() {
        Some(transport) => transport.send(&built).await.map_err(|e| e.to_string()),
        None => mailer
            .write_outbox(built)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = sent {
        return JobOutcome::Retry(e);
    }
    // Sent: a failure to record it now would mail it again when the job runs again (at
    // least once), so it is retried until it is recorded.
    match deliveries::mark_sent(db, job.ref_id).await {
        Ok(()) => JobOutcome::Done,
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

/// Marks a delivery failed when its job is given up.
pub(crate) async fn given_up(db: &TenantDb, job: &Job, error: &str) {
    if let Err(e) = deliveries::mark_failed(db, job.ref_id, error).await {
        tracing::warn!(job = %job.id, error = %e, "cannot mark an invoice mail failed");
    }
}

/// Queues the company's payment reminders that are due today (UTC).
pub(crate) async fn queue_reminders(company: CompanyId, db: &TenantDb) {
    let today = silo_domain::input::Date::today();
    match deliveries::queue_due_reminders(db, today).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(%company, count = n, "payment reminders queued"),
        Err(e) => tracing::warn!(%company, error = %e, "cannot queue payment reminders"),
    }
}
