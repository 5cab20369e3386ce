//! Every domain event a company's writes produce, declared once. An event is appended to the
//! company's own outbox in the transaction of the write it describes; the audit trail, webhooks
//! and later modules read it from there. Names are `area.past_tense` and never change once
//! events carry them (webhook receivers filter on them).

use crate::AuditAction;

crate::string_enum! {
    /// What happened in a company, as its outbox records it.
    pub enum EventType {
        /// A client account was created.
        AccountCreated = "account.created",
        /// A client account was changed.
        AccountUpdated = "account.updated",
        /// A client account was deleted.
        AccountDeleted = "account.deleted",
        /// A contact was created.
        ContactCreated = "contact.created",
        /// A contact was changed.
        ContactUpdated = "contact.updated",
        /// A contact was deleted.
        ContactDeleted = "contact.deleted",
        /// A deal was created.
        DealCreated = "deal.created",
        /// A deal's details changed (not its stage).
        DealUpdated = "deal.updated",
        /// A deal moved to another open stage.
        DealStageChanged = "deal.stage_changed",
        /// A deal was won.
        DealWon = "deal.won",
        /// A deal was lost.
        DealLost = "deal.lost",
        /// A won or lost deal was reopened.
        DealReopened = "deal.reopened",
        /// A deal was deleted.
        DealDeleted = "deal.deleted",
        /// A contract was drafted.
        ContractCreated = "contract.created",
        /// A draft contract was changed.
        ContractUpdated = "contract.updated",
        /// A contract was sent for signature.
        ContractSent = "contract.sent",
        /// A contract was signed.
        ContractSigned = "contract.signed",
        /// A draft invoice was created.
        InvoiceCreated = "invoice.created",
        /// A draft invoice was changed.
        InvoiceUpdated = "invoice.updated",
        /// An invoice was issued with its definitive number.
        InvoiceIssued = "invoice.issued",
        /// A payment was recorded on an invoice that is still not fully paid.
        InvoicePaymentRecorded = "invoice.payment_recorded",
        /// An invoice was paid in full.
        InvoicePaid = "invoice.paid",
        /// A draft invoice was deleted.
        InvoiceDeleted = "invoice.deleted",
        /// A payment was reversed (it no longer counts; the invoice is open again if it was
        /// paid).
        InvoicePaymentReversed = "invoice.payment_reversed",
        /// A credit note was issued on an invoice.
        CreditNoteIssued = "credit_note.issued",
        /// A person asked for an invoice, credit note or reminder to be mailed.
        InvoiceMailQueued = "invoice.mail_queued",
        /// An invoice, credit note or reminder mail went out.
        InvoiceMailSent = "invoice.mail_sent",
        /// The company's invoicing details changed.
        InvoicingUpdated = "invoicing.updated",
        /// The company's logo was uploaded or replaced.
        CompanyLogoUpdated = "company_logo.updated",
        /// The company's logo was removed.
        CompanyLogoDeleted = "company_logo.deleted",
        /// A webhook endpoint was added.
        WebhookEndpointCreated = "webhook_endpoint.created",
        /// A webhook endpoint was changed (events, address, enabled).
        WebhookEndpointUpdated = "webhook_endpoint.updated",
        /// A webhook endpoint's secret was replaced.
        WebhookEndpointSecretRotated = "webhook_endpoint.secret_rotated",
        /// A webhook endpoint was deleted.
        WebhookEndpointDeleted = "webhook_endpoint.deleted",
        /// A test event asked for by a person; delivered only to the endpoint it names.
        WebhookTest = "webhook.test",
        /// A person queued a failed webhook delivery again (not sent to endpoints).
        WebhookDeliveryRedelivered = "webhook_delivery.redelivered",
    }
}

impl EventType {
    /// The audit action recorded for this event, so the trail keeps the names its records
    /// already carry.
    pub fn audit_action(self) -> AuditAction {
        use EventType as E;
        match self {
            E::AccountCreated => AuditAction::AccountCreate,
            E::AccountUpdated => AuditAction::AccountUpdate,
            E::AccountDeleted => AuditAction::AccountDelete,
            E::ContactCreated => AuditAction::ContactCreate,
            E::ContactUpdated => AuditAction::ContactUpdate,
            E::ContactDeleted => AuditAction::ContactDelete,
            E::DealCreated => AuditAction::DealCreate,
            E::DealUpdated | E::DealStageChanged | E::DealWon | E::DealLost | E::DealReopened => {
                AuditAction::DealUpdate
            }
            E::DealDeleted => AuditAction::DealDelete,
            E::ContractCreated => AuditAction::ContractCreate,
            E::ContractUpdated => AuditAction::ContractUpdate,
            E::ContractSent => AuditAction::ContractSend,
            E::ContractSigned => AuditAction::ContractSign,
            E::InvoiceCreated => AuditAction::InvoiceCreate,
            E::InvoiceUpdated => AuditAction::InvoiceUpdate,
            E::InvoiceIssued => AuditAction::InvoiceIssue,
            E::InvoicePaymentRecorded | E::InvoicePaid => AuditAction::InvoicePayment,
            E::InvoiceDeleted => AuditAction::InvoiceDelete,
            E::InvoicePaymentReversed => AuditAction::InvoicePaymentReverse,
            E::CreditNoteIssued => AuditAction::CreditNoteIssue,
            E::InvoiceMailQueued => AuditAction::InvoiceSend,
            E::InvoiceMailSent => AuditAction::InvoiceMailSent,
            E::InvoicingUpdated => AuditAction::CompanyInvoicing,
            E::CompanyLogoUpdated => AuditAction::CompanyLogo,
            E::CompanyLogoDeleted => AuditAction::CompanyLogoDelete,
            E::WebhookEndpointCreated => AuditAction::WebhookCreate,
            E::WebhookEndpointUpdated => AuditAction::WebhookUpdate,
            E::WebhookEndpointSecretRotated => AuditAction::WebhookRotateSecret,
            E::WebhookEndpointDeleted => AuditAction::WebhookDelete,
            E::WebhookTest => AuditAction::WebhookTest,
            E::WebhookDeliveryRedelivered => AuditAction::WebhookRedeliver,
        }
    }

    /// Whether webhook endpoints may subscribe to it (a test event goes only where it is sent;
    /// a redelivery is the company's own bookkeeping).
    pub fn subscribable(self) -> bool {
        !matches!(
            self,
            EventType::WebhookTest | EventType::WebhookDeliveryRedelivered
        )
    }
}

crate::string_enum! {
    /// Kinds of background job, run by the worker in the company's own database.
    pub enum JobKind {
        /// Deliver one event to one webhook endpoint.
        WebhookDeliver = "webhook.deliver",
        /// Mail one invoice, credit note or reminder (an `invoice_deliveries` row).
        InvoiceMail = "invoice.mail",
    }
}

crate::string_enum! {
    /// Where a background job stands.
    pub enum JobState {
        /// Waiting until it is due (new, or retrying after a failure).
        Pending = "pending",
        /// Claimed by a worker whose lease has not run out.
        Running = "running",
        /// Done.
        Done = "done",
        /// Failed as often as allowed; kept for inspection, retried only by hand.
        Dead = "dead",
        /// Dropped by an operator or a person; kept, never run.
        Dropped = "dropped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_area_dot_past_tense() {
        for event in EventType::ALL {
            let (area, what) = event.as_str().split_once('.').expect("a dot");
            for part in [area, what] {
                assert!(
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{event}"
                );
            }
            assert!(!event.doc().is_empty());
        }
    }

    #[test]
    fn every_event_names_an_audit_action_of_its_area() {
        for event in EventType::ALL {
            let action = event.audit_action().as_str();
            let area = event.as_str().split('.').next().unwrap_or_default();
            let action_area = action.split('.').next().unwrap_or_default();
            // webhook_endpoint.* and webhook.test are audited as webhook.*; invoicing as company.
            assert!(
                area.starts_with(action_area) || (area == "invoicing" && action_area == "company"),
                "{event} is audited as {action}"
            );
        }
    }
}
