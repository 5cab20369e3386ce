//! A signed contract's mail (`contract.mail` jobs): the signed PDF with its evidence page, to
//! the signer and to the agency (the company's invoicing e-mail address when it has one, else
//! the staff member who sent the contract). Rendered from the company's own database and sent
//! straight through SMTP (or written to the outbox without it), like invoice mail: the
//! document is the company's data and stays out of the deployment's shared mail queue. Sent at
//! least once: a retry after a failure sends both messages again. Nothing here logs a
//! recipient, a title or a name.

use crate::JobOutcome;
use silo_control::{CompanyId, IdentityId};
use silo_domain::jobs::Job;
use silo_domain::parties::Language;
use silo_domain::signing;
use silo_mail::templates::{self, Lang};
use silo_mail::{Attachment, Mail, Mailer};
use silo_store::TenantDb;
use silo_tenancy::Tenancy;

fn lang(language: Language) -> Lang {
    match language {
        Language::Nl => Lang::Nl,
        Language::En => Lang::En,
    }
}

async fn send(mailer: &Mailer, mail: Mail) -> Result<(), JobOutcome> {
    let built = mailer
        .build(mail)
        .map_err(|e| JobOutcome::Dead(e.to_string()))?;
    match mailer.smtp() {
        Some(transport) => transport
            .send(&built)
            .await
            .map_err(|e| JobOutcome::Retry(e.to_string())),
        None => mailer
            .write_outbox(built)
            .await
            .map(|_| ())
            .map_err(|e| JobOutcome::Retry(e.to_string())),
    }
}

/// Runs one `contract.mail` job (its `ref_id` is the contract).
pub(crate) async fn deliver(
    mailer: Option<&Mailer>,
    tenancy: &Tenancy,
    company: CompanyId,
    db: &TenantDb,
    job: &Job,
) -> JobOutcome {
    let Some(mailer) = mailer else {
        return JobOutcome::Retry("this worker has no mail settings".into());
    };
    let prepared = match signing::signed_mail(db, job.ref_id).await {
        Ok(Some(p)) => p,
        Ok(None) | Err(silo_domain::DomainError::NotFound) => return JobOutcome::Done,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    let control = tenancy.control();
    let agency_name = match control.company(company).await {
        Ok(Some(c)) => c.name,
        Ok(None) => return JobOutcome::Done,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    let agency_to = match (&prepared.agency_email, prepared.sent_by) {
        (Some(email), _) => Some(email.clone()),
        (None, Some(staff)) => match control.identity(IdentityId::from_uuid(staff)).await {
            Ok(identity) => identity.map(|i| i.email.as_str().to_owned()),
            Err(e) => return JobOutcome::Retry(e.to_string()),
        },
        (None, None) => None,
    };
    let attach = |mail: Mail| {
        mail.attach(Attachment {
            filename: prepared.filename.clone(),
            content_type: "application/pdf".to_owned(),
            bytes: prepared.pdf.clone(),
        })
    };
    let language = lang(prepared.language);
    if let Some(to) = &prepared.signer_email {
        let content = templates::signed_copy(language, &agency_name, &prepared.title);
        if let Err(outcome) = send(mailer, attach(Mail::new(to.clone(), content))).await {
            return outcome;
        }
    }
    if let Some(to) = agency_to {
        let content = templates::signed_notice(
            Lang::En,
            &prepared.title,
            &prepared.signer_name,
            prepared.client.as_deref(),
        );
        if let Err(outcome) = send(mailer, attach(Mail::new(to, content))).await {
            return outcome;
        }
    }
    JobOutcome::Done
}
