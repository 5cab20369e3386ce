//! `/api/invoices` and `/api/credit-notes`: drafts, issuing with gapless numbers, payments
//! and their reversal, and credit notes.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use silo_documents::Document;
use silo_domain::billing::{self, IssueRequest, Readiness};
use silo_domain::credit_notes::{self, CreditNote, CreditNoteFilter, NewCreditNote};
use silo_domain::deliveries::{self, Mailing, SendRequest};
use silo_domain::invoice_documents::{self, Format};
use silo_domain::invoices::InvoiceDelivery;
use silo_domain::invoices::{
    self, Invoice, InvoiceFilter, InvoicePatch, InvoiceStatus, NewInvoice,
};
use silo_domain::payments::{self, NewPayment, Reversal};
use uuid::Uuid;

list_query! {
    /// `GET /api/invoices` query.
    InvoiceQuery {
        /// Only invoices in this status.
        status: Option<InvoiceStatus>,
        /// Only this client's invoices.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
    }
}

list_query! {
    /// `GET /api/credit-notes` query.
    CreditNoteQuery {
        /// Only this invoice's credit notes.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        invoice_id: Option<String>,
    }
}

/// `GET /api/invoices?limit=&cursor=&q=&status=&account_id=` (lines and payments only on
/// single invoices).
pub async fn list(
    tenant: Tenant,
    Query(f): Query<InvoiceQuery>,
) -> Result<Json<Page<Invoice>>, ApiError> {
    let filter = InvoiceFilter {
        status: f.status,
        account_id: id_filter("account_id", f.account_id.as_deref())?,
    };
    let (params, limit) = list_params(&f.page())?;
    let items = invoices::list(&tenant.db, &params, filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |i| {
        i.id.to_string()
    })))
}

/// `POST /api/invoices`: a draft.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewInvoice>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let invoice = invoices::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(invoice)))
}

/// `GET /api/invoices/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Invoice>, ApiError> {
    Ok(Json(invoices::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/invoices/{id}`: drafts only; 409 `invoice_locked` once issued.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<InvoicePatch>,
) -> Result<Json<Invoice>, ApiError> {
    let invoice = invoices::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(invoice))
}

/// `POST /api/invoices/{id}/issue` with an optional `{issue_date}` body.
pub async fn issue(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Invoice>, ApiError> {
    let req: IssueRequest = crate::json::optional_object(body)?;
    let invoice = billing::issue(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(invoice))
}

/// `POST /api/invoices/{id}/payments` `{amount_cents, paid_at?, method?}`: answers with the
/// invoice, `paid` once payments reach its total.
pub async fn pay(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewPayment>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let invoice = payments::pay(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(invoice)))
}

/// `DELETE /api/invoices/{id}`: drafts only.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    invoices::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/invoices/{id}/readiness`: what is missing before the draft can be issued.
pub async fn readiness(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Readiness>, ApiError> {
    Ok(Json(billing::readiness(&tenant.db, path_id(&id)?).await?))
}

/// `POST /api/invoices/{id}/payments/{payment_id}/reverse` `{reason?}`.
pub async fn reverse_payment(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, payment_id)): Path<(String, String)>,
    Json(req): Json<Reversal>,
) -> Result<Json<Invoice>, ApiError> {
    let invoice = payments::reverse(
        &tenant.db,
        path_id(&id)?,
        path_id(&payment_id)?,
        req,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(invoice))
}

/// `POST /api/invoices/{id}/credit-notes` `{reason, lines?, issue_date?}`.
pub async fn credit(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewCreditNote>,
) -> Result<(StatusCode, Json<CreditNote>), ApiError> {
    let note = credit_notes::create(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(note)))
}

/// `GET /api/credit-notes?limit=&cursor=&q=&invoice_id=`.
pub async fn credit_notes(
    tenant: Tenant,
    Query(f): Query<CreditNoteQuery>,
) -> Result<Json<Page<CreditNote>>, ApiError> {
    let filter = CreditNoteFilter {
        invoice_id: id_filter("invoice_id", f.invoice_id.as_deref())?,
    };
    let (params, limit) = list_params(&f.page())?;
    let items = credit_notes::list(&tenant.db, &params, filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |n| {
        n.id.to_string()
    })))
}

/// `GET /api/credit-notes/{id}`.
pub async fn credit_note(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<CreditNote>, ApiError> {
    Ok(Json(credit_notes::get(&tenant.db, path_id(&id)?).await?))
}

/// Queues an invoice mail; the body may be empty.
async fn mail(
    state: &AppState,
    tenant: &Tenant,
    invoice: Uuid,
    what: Mailing,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<InvoiceDelivery>), ApiError> {
    let req: SendRequest = crate::json::optional_object(body)?;
    let delivery = deliveries::queue(&tenant.db, invoice, what, req, &tenant.origin()).await?;
    after_write(state, tenant).await;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// `POST /api/invoices/{id}/send` `{to?}`: mails the invoice with its PDF and e-invoice.
pub async fn send(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<InvoiceDelivery>), ApiError> {
    mail(&state, &tenant, path_id(&id)?, Mailing::Invoice, body).await
}

/// `POST /api/invoices/{id}/remind` `{to?}`: mails a payment reminder now.
pub async fn remind(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<InvoiceDelivery>), ApiError> {
    mail(&state, &tenant, path_id(&id)?, Mailing::Reminder, body).await
}

/// `POST /api/credit-notes/{id}/send` `{to?}`: mails the credit note.
pub async fn send_credit_note(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<InvoiceDelivery>), ApiError> {
    let note = credit_notes::get(&tenant.db, path_id(&id)?).await?;
    mail(
        &state,
        &tenant,
        note.invoice_id,
        Mailing::CreditNote(note.id),
        body,
    )
    .await
}

/// A document file as a download under its own name.
pub(crate) fn download(file: invoice_documents::File) -> Response {
    super::attachment(&file.filename, file.content_type, file.bytes)
}

/// The invoice's document (with the company's logo).
async fn invoice_doc(tenant: &Tenant, id: &str) -> Result<Document, ApiError> {
    let invoice = invoices::get(&tenant.db, path_id(id)?).await?;
    let logo = branding_logo(tenant).await?;
    Ok(invoice_documents::invoice_document(&invoice, logo)?)
}

/// The credit note's document.
async fn credit_note_doc(tenant: &Tenant, id: &str) -> Result<Document, ApiError> {
    let note = credit_notes::get(&tenant.db, path_id(id)?).await?;
    let invoice = invoices::get(&tenant.db, note.invoice_id).await?;
    let logo = branding_logo(tenant).await?;
    Ok(invoice_documents::credit_note_document(
        &note, &invoice, logo,
    )?)
}

/// The company's logo for its documents.
async fn branding_logo(tenant: &Tenant) -> Result<Option<silo_documents::Logo>, ApiError> {
    Ok(silo_domain::branding::get_logo(&tenant.db).await?)
}

/// `GET /api/invoices/{id}/pdf`.
pub async fn pdf(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    let doc = invoice_doc(&tenant, &id).await?;
    Ok(download(invoice_documents::file(&doc, Format::Pdf)?))
}

/// `GET /api/invoices/{id}/ubl`.
pub async fn ubl(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    let doc = invoice_doc(&tenant, &id).await?;
    Ok(download(invoice_documents::file(&doc, Format::Ubl)?))
}

/// `GET /api/credit-notes/{id}/pdf`.
pub async fn credit_note_pdf(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    let doc = credit_note_doc(&tenant, &id).await?;
    Ok(download(invoice_documents::file(&doc, Format::Pdf)?))
}

/// `GET /api/credit-notes/{id}/ubl`.
pub async fn credit_note_ubl(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    let doc = credit_note_doc(&tenant, &id).await?;
    Ok(download(invoice_documents::file(&doc, Format::Ubl)?))
}
