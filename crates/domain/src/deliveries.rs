//! Invoice mail: the invoice, a credit note or a payment reminder, each a row in
//! `invoice_deliveries` and a job the worker runs (`invoice.mail`). The row is the record of
//! what was sent to whom; an automatic reminder's step is unique per invoice, so each step goes
//! out once however often the reminder sweep runs.

use crate::accounts;
use crate::columns::enum_column;
use crate::credit_notes::{self, CreditNote};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Date, Email, Optional, Problem, ProblemCode, take};
use crate::invoice_parts::{
    InvoiceDelivery, InvoiceDeliveryKind, InvoiceDeliveryState, InvoiceStatus,
};
use crate::invoices::{Invoice, load};
use crate::jobs;
use crate::money::Cents;
use crate::parties::Language;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use silo_contract::{EventType, JobKind};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

fn from_row(row: &Row) -> Result<InvoiceDelivery, StoreError> {
    Ok(InvoiceDelivery {
        id: row.get("id")?,
        kind: enum_column(row, "kind")?,
        credit_note_id: row.get("credit_note_id")?,
        to: row.get("recipient")?,
        state: enum_column(row, "state")?,
        step: row.get("step")?,
        queued_at: row.get("queued_at")?,
        sent_at: row.get("sent_at")?,
    })
}

/// The invoice's mail, oldest first.
pub(crate) async fn for_invoice(
    tx: &mut Tx,
    invoice_id: Uuid,
) -> DomainResult<Vec<InvoiceDelivery>> {
    let rows = tx
        .fetch_all(
            "SELECT * FROM invoice_deliveries WHERE invoice_id = $1 ORDER BY id",
            params![invoice_id],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// What a person asks to mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mailing {
    /// The invoice.
    Invoice,
    /// A payment reminder now (not one of the automatic steps).
    Reminder,
    /// One of the invoice's credit notes.
    CreditNote(Uuid),
}

/// `POST /api/invoices/{id}/send` (and `/remind`, `/api/credit-notes/{id}/send`) body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SendRequest {
    /// The address; the client's invoice e-mail address when left out.
    #[serde(default)]
    to: Optional<Email>,
}

/// Everything the worker needs to write one invoice mail.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The mail.
    pub delivery: InvoiceDelivery,
    /// The invoice (the one a credit note corrects, for a credit note).
    pub invoice: Invoice,
    /// The credit note, for a credit note's mail.
    pub credit_note: Option<CreditNote>,
    /// The company's logo, for the PDF.
    pub logo: Option<silo_documents::Logo>,
}

async fn load_delivery(tx: &mut Tx, id: Uuid) -> DomainResult<(InvoiceDelivery, Uuid)> {
    let row = tx
        .fetch_optional(
            "SELECT * FROM invoice_deliveries WHERE id = $1",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((from_row(&row)?, row.get("invoice_id")?))
}

/// Inserts a delivery and the job that sends it, inside the caller's transaction.
async fn insert(
    tx: &mut Tx,
    inv: &Invoice,
    kind: InvoiceDeliveryKind,
    credit_note: Option<Uuid>,
    step: Option<i64>,
    to: &str,
    queued_by: Option<Uuid>,
) -> DomainResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO invoice_deliveries (id, invoice_id, credit_note_id, kind, step, recipient, \
         language, state, queued_at, queued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9)",
        params![
            id,
            inv.id,
            credit_note,
            kind.as_str(),
            step,
            to,
            inv.language.unwrap_or(Language::Nl).as_str(),
            now,
            queued_by,
        ],
    )
    .await?;
    jobs::enqueue(tx, JobKind::InvoiceMail, id, None, now).await?;
    Ok(id)
}

/// The client's current invoice address, else the one the invoice was issued to.
async fn client_address(tx: &mut Tx, inv: &Invoice) -> DomainResult<Option<String>> {
    let current = match inv.account_id {
        Some(account) => accounts::load(tx, account)
            .await?
            .and_then(|a| a.invoice_email),
        None => None,
    };
    Ok(current.or_else(|| inv.buyer.as_ref().and_then(|b| b.email.clone())))
}

/// Queues mail to the invoice's client (or `to`): the invoice, a reminder or a credit note.
pub async fn queue(
    db: &TenantDb,
    invoice_id: Uuid,
    what: Mailing,
    req: SendRequest,
    origin: &Origin,
) -> DomainResult<InvoiceDelivery> {
    let mut p = Problems::new();
    let fields = take!(p, req => to);
    let (to,) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let inv = load(&mut tx, invoice_id).await?;
    if inv.status == InvoiceStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "a draft is issued before it is sent",
        ));
    }
    let (kind, credit_note) = match what {
        Mailing::Invoice => (InvoiceDeliveryKind::Invoice, None),
        Mailing::Reminder => {
            if inv.open_cents == Cents::ZERO {
                return Err(DomainError::conflict(
                    ErrorCode::InvalidTransition,
                    "nothing is open on this invoice",
                ));
            }
            (InvoiceDeliveryKind::Reminder, None)
        }
        Mailing::CreditNote(id) => (InvoiceDeliveryKind::CreditNote, Some(id)),
    };
    let to = match to {
        Some(to) => String::from(to),
        None => client_address(&mut tx, &inv).await?.ok_or_else(|| {
            DomainError::invalid(
                "to",
                Problem::new(ProblemCode::MissingDetail)
                    .worded("the client has no invoice e-mail address; give one"),
            )
        })?,
    };
    let id = insert(&mut tx, &inv, kind, credit_note, None, &to, origin.actor).await?;
    let (delivery, _) = load_delivery(&mut tx, id).await?;
    announce(
        &mut tx,
        origin,
        EventType::InvoiceMailQueued,
        &inv,
        &delivery,
    )
    .await?;
    tx.commit().await?;
    Ok(delivery)
}

async fn announce(
    tx: &mut Tx,
    origin: &Origin,
    event: EventType,
    inv: &Invoice,
    d: &InvoiceDelivery,
) -> DomainResult<()> {
    let data = json!({
        "id": inv.id,
        "delivery_id": d.id,
        "kind": d.kind,
        "step": d.step,
        "credit_note_id": d.credit_note_id,
        "account_id": inv.account_id,
    });
    emit(tx, origin, event, inv.id, data).await?;
    Ok(())
}

/// The mail to write for delivery `id`, or `None` when it was sent already (by an earlier
/// attempt: nothing to do). A failed one is written again: its job was retried by hand.
pub async fn prepare(db: &TenantDb, id: Uuid) -> DomainResult<Option<Prepared>> {
    let mut tx = db.db().begin_snapshot().await?;
    let (delivery, invoice_id) = load_delivery(&mut tx, id).await?;
    if delivery.state == InvoiceDeliveryState::Sent {
        return Ok(None);
    }
    let invoice = load(&mut tx, invoice_id).await?;
    tx.commit().await?;
    let credit_note = match delivery.credit_note_id {
        Some(note) => Some(credit_notes::get(db, note).await?),
        None => None,
    };
    let logo = crate::branding::get_logo(db).await?;
    Ok(Some(Prepared {
        delivery,
        invoice,
        credit_note,
        logo,
    }))
}

/// Records that delivery `id` went out (once: a second call changes nothing).
pub async fn mark_sent(db: &TenantDb, id: Uuid) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    let n = tx
        .execute(
            "UPDATE invoice_deliveries SET state = 'sent', sent_at = $2, error = NULL \
             WHERE id = $1 AND state <> 'sent'",
            params![id, now],
        )
        .await?;
    if n == 0 {
        return Ok(());
    }
    let (delivery, invoice_id) = load_delivery(&mut tx, id).await?;
    match (delivery.kind, delivery.credit_note_id) {
        (InvoiceDeliveryKind::Invoice, _) => {
            tx.execute(
                "UPDATE invoices SET sent_at = $2 WHERE id = $1",
                params![invoice_id, now],
            )
            .await?;
        }
        (InvoiceDeliveryKind::CreditNote, Some(note)) => {
            tx.execute(
                "UPDATE credit_notes SET sent_at = $2 WHERE id = $1",
                params![note, now],
            )
            .await?;
        }
        _ => {}
    }
    let inv = load(&mut tx, invoice_id).await?;
    announce(
        &mut tx,
        &Origin::system(),
        EventType::InvoiceMailSent,
        &inv,
        &delivery,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records that delivery `id` was given up (its job is a dead letter).
pub async fn mark_failed(db: &TenantDb, id: Uuid, error: &str) -> DomainResult<()> {
    let error: String = error.chars().take(500).collect();
    db.db()
        .execute(
            "UPDATE invoice_deliveries SET state = 'failed', error = $2 \
             WHERE id = $1 AND state = 'queued'",
            params![id, error],
        )
        .await?;
    Ok(())
}

/// Queues the automatic payment reminders due on `today`: for each open invoice past its due
/// date, the latest reminder step reached, unless that step or a later one went out already
/// (a step missed while reminders were off is skipped, not sent late in a burst). The unique
/// step per invoice makes a second run, on any worker, queue nothing. Answers how many.
pub async fn queue_due_reminders(db: &TenantDb, today: Date) -> DomainResult<usize> {
    let mut tx = db.db().begin().await?;
    let steps = crate::invoicing::load(&mut tx).await?.reminder_days;
    let Some(first) = steps.first().copied() else {
        return Ok(0);
    };
    let latest_due = today
        .get()
        .checked_sub(time::Duration::days(first))
        .map(|d| Date::from_time(d).to_string());
    let rows = tx
        .fetch_all(
            "SELECT i.id, i.due_date, (SELECT MAX(d.step) FROM invoice_deliveries d \
             WHERE d.invoice_id = i.id) AS last_step FROM invoices i \
             WHERE i.status = 'issued' AND i.due_date <= $1 ORDER BY i.id",
            params![latest_due],
        )
        .await?;
    let mut queued = 0;
    for row in &rows {
        let Ok(due) = Date::parse(&row.get::<String>("due_date")?) else {
            continue;
        };
        let late = (today.get() - due.get()).whole_days();
        let Some(step) = steps.iter().copied().filter(|s| *s <= late).max() else {
            continue;
        };
        if row
            .get::<Option<i64>>("last_step")?
            .is_some_and(|last| last >= step)
        {
            continue;
        }
        let inv = load(&mut tx, row.get("id")?).await?;
        let Some(to) = client_address(&mut tx, &inv).await? else {
            continue;
        };
        let id = insert(
            &mut tx,
            &inv,
            InvoiceDeliveryKind::Reminder,
            None,
            Some(step),
            &to,
            None,
        )
        .await?;
        let (delivery, _) = load_delivery(&mut tx, id).await?;
        announce(
            &mut tx,
            &Origin::system(),
            EventType::InvoiceMailQueued,
            &inv,
            &delivery,
        )
        .await?;
        queued += 1;
    }
    tx.commit().await?;
    Ok(queued)
}
