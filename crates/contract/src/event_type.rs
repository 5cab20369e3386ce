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
        /// A service (a kind of work) was added.
        ServiceCreated = "service.created",
        /// A service was changed or archived.
        ServiceUpdated = "service.updated",
        /// A project was created.
        ProjectCreated = "project.created",
        /// A project's details, status or members changed.
        ProjectUpdated = "project.updated",
        /// A project without time was deleted.
        ProjectDeleted = "project.deleted",
        /// A project's time reached 80 % of its hour or money budget (once per period).
        ProjectBudgetWarning = "project.budget_warning",
        /// A project's time reached 100 % of its hour or money budget (once per period).
        ProjectBudgetExceeded = "project.budget_exceeded",
        /// A task was created.
        TaskCreated = "task.created",
        /// A task changed.
        TaskUpdated = "task.updated",
        /// A task (and its subtasks) was deleted.
        TaskDeleted = "task.deleted",
        /// Time was logged.
        TimeEntryCreated = "time_entry.created",
        /// A time entry changed.
        TimeEntryUpdated = "time_entry.updated",
        /// A time entry was deleted.
        TimeEntryDeleted = "time_entry.deleted",
        /// A time entry was submitted for approval.
        TimeEntrySubmitted = "time_entry.submitted",
        /// A time entry was approved: its rates are fixed and it can be invoiced.
        TimeEntryApproved = "time_entry.approved",
        /// A submitted or approved time entry was sent back to its author as a draft.
        TimeEntryRejected = "time_entry.rejected",
        /// A person started a timer.
        TimerStarted = "timer.started",
        /// A person threw a running timer away.
        TimerDiscarded = "timer.discarded",
        /// The company's time settings (approval, lock date, billable target) changed.
        TimeSettingsUpdated = "time_settings.updated",
        // team (issue 20)
        /// A person's capacity (weekly hours, billable target, cost rate) was recorded from a
        /// date on.
        CapacityRecorded = "capacity.recorded",
        /// Time off was recorded for a person.
        TimeOffCreated = "time_off.created",
        /// Time off was deleted.
        TimeOffDeleted = "time_off.deleted",
        // client portal (issue 21)
        /// What a client's portal shows changed.
        PortalAccessUpdated = "portal_access.updated",
        /// A client's person was invited to the portal.
        PortalUserInvited = "portal_user.invited",
        /// A portal user's name, role or status changed.
        PortalUserUpdated = "portal_user.updated",
        /// A portal user was removed; their sessions ended.
        PortalUserRemoved = "portal_user.removed",
        /// A portal user signed in with a magic link.
        PortalUserSignedIn = "portal_user.signed_in",
        /// A portal user ended their sessions.
        PortalUserSignedOut = "portal_user.signed_out",
        /// The agency's portal sign-in address was replaced; the old one stopped working.
        PortalAddressRotated = "portal_address.rotated",
        /// A staff member opened a client's portal as the client sees it (read-only).
        PortalPreviewStarted = "portal_preview.started",
        /// A contract signing link was mailed to a signer.
        SigningLinkCreated = "signing_link.created",
        /// A contract signing link was revoked.
        SigningLinkRevoked = "signing_link.revoked",
        /// A file was shared with a client (by the agency or the client).
        FileUploaded = "file.uploaded",
        /// A shared file was deleted.
        FileDeleted = "file.deleted",
        /// A client was asked to approve a deliverable.
        ApprovalRequested = "approval.requested",
        /// A client approved a deliverable.
        ApprovalApproved = "approval.approved",
        /// A client asked for changes to a deliverable.
        ApprovalChangesRequested = "approval.changes_requested",
        /// The agency withdrew an approval request.
        ApprovalWithdrawn = "approval.withdrawn",
        /// A conversation with a client was started.
        MessageThreadCreated = "message_thread.created",
        /// A message (or an internal note) was posted in a conversation with a client.
        MessagePosted = "message.posted",
        // attribution (issue 22)
        /// A client's website was added for tracking.
        SiteCreated = "site.created",
        /// A tracked site's name, origins, consent settings or state changed.
        SiteUpdated = "site.updated",
        /// A tracked site was deleted; its key stopped working.
        SiteDeleted = "site.deleted",
        /// A tracked site's key was replaced; the old one stopped working.
        SiteKeyRotated = "site.key_rotated",
        /// The company's attribution settings (event retention) changed.
        AttributionSettingsUpdated = "attribution_settings.updated",
        /// An ad-platform destination was added.
        DestinationCreated = "destination.created",
        /// A destination's name, settings, kinds or state changed.
        DestinationUpdated = "destination.updated",
        /// A destination's credentials were replaced.
        DestinationCredentialsReplaced = "destination.credentials_replaced",
        /// A destination was deleted; nothing more is sent to it.
        DestinationDeleted = "destination.deleted",
        /// A conversion was recorded from a CRM fact (lead, deal won, invoice issued or paid).
        ConversionRecorded = "conversion.recorded",
        /// A failed or skipped conversion delivery was queued again by hand.
        ConversionDeliveryRetried = "conversion_delivery.retried",
        // people's data requests and retention (issue 26)
        /// A person's data request was answered with a report (data: the identifier kinds and
        /// the count per table, never the person).
        SubjectRequestAnswered = "subject_request.answered",
        /// What the company held about a person was erased (data: the identifier kinds and the
        /// count per table, never the person).
        SubjectRequestErased = "subject_request.erased",
        /// The retention settings changed.
        RetentionSettingsUpdated = "retention_settings.updated",
        /// The daily retention deleted records past the company's settings (data: counts).
        RetentionApplied = "retention.applied",
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
            E::ServiceCreated => AuditAction::ServiceCreate,
            E::ServiceUpdated => AuditAction::ServiceUpdate,
            E::ProjectCreated => AuditAction::ProjectCreate,
            E::ProjectUpdated => AuditAction::ProjectUpdate,
            E::ProjectDeleted => AuditAction::ProjectDelete,
            E::ProjectBudgetWarning | E::ProjectBudgetExceeded => AuditAction::ProjectBudgetAlert,
            E::TaskCreated => AuditAction::TaskCreate,
            E::TaskUpdated => AuditAction::TaskUpdate,
            E::TaskDeleted => AuditAction::TaskDelete,
            E::TimeEntryCreated => AuditAction::TimeEntryCreate,
            E::TimeEntryUpdated => AuditAction::TimeEntryUpdate,
            E::TimeEntryDeleted => AuditAction::TimeEntryDelete,
            E::TimeEntrySubmitted => AuditAction::TimeEntrySubmit,
            E::TimeEntryApproved => AuditAction::TimeEntryApprove,
            E::TimeEntryRejected => AuditAction::TimeEntryReject,
            E::TimerStarted => AuditAction::TimerStart,
            E::TimerDiscarded => AuditAction::TimerDiscard,
            E::TimeSettingsUpdated => AuditAction::TimeSettingsUpdate,
            // team (issue 20)
            E::CapacityRecorded => AuditAction::CapacityRecord,
            E::TimeOffCreated => AuditAction::TimeOffCreate,
            E::TimeOffDeleted => AuditAction::TimeOffDelete,
            // client portal (issue 21)
            E::PortalAccessUpdated => AuditAction::PortalAccessUpdate,
            E::PortalUserInvited => AuditAction::PortalUserInvite,
            E::PortalUserUpdated => AuditAction::PortalUserUpdate,
            E::PortalUserRemoved => AuditAction::PortalUserRemove,
            E::PortalUserSignedIn => AuditAction::PortalUserSignIn,
            E::PortalUserSignedOut => AuditAction::PortalUserSignOut,
            E::PortalAddressRotated => AuditAction::PortalAddressRotate,
            E::PortalPreviewStarted => AuditAction::PortalPreview,
            E::SigningLinkCreated => AuditAction::SigningLinkCreate,
            E::SigningLinkRevoked => AuditAction::SigningLinkRevoke,
            E::FileUploaded => AuditAction::FileUpload,
            E::FileDeleted => AuditAction::FileDelete,
            E::ApprovalRequested => AuditAction::ApprovalRequest,
            E::ApprovalApproved => AuditAction::ApprovalDecide,
            E::ApprovalChangesRequested => AuditAction::ApprovalDecide,
            E::ApprovalWithdrawn => AuditAction::ApprovalWithdraw,
            E::MessageThreadCreated => AuditAction::MessageThreadCreate,
            E::MessagePosted => AuditAction::MessagePost,
            // attribution (issue 22)
            E::SiteCreated => AuditAction::SiteCreate,
            E::SiteUpdated => AuditAction::SiteUpdate,
            E::SiteDeleted => AuditAction::SiteDelete,
            E::SiteKeyRotated => AuditAction::SiteKeyRotate,
            E::AttributionSettingsUpdated => AuditAction::AttributionSettingsUpdate,
            E::DestinationCreated => AuditAction::DestinationCreate,
            E::DestinationUpdated => AuditAction::DestinationUpdate,
            E::DestinationCredentialsReplaced => AuditAction::DestinationCredentials,
            E::DestinationDeleted => AuditAction::DestinationDelete,
            E::ConversionRecorded => AuditAction::ConversionRecord,
            E::ConversionDeliveryRetried => AuditAction::ConversionDeliveryRetry,
            E::SubjectRequestAnswered => AuditAction::SubjectRequestAnswer,
            E::SubjectRequestErased => AuditAction::SubjectRequestErase,
            E::RetentionSettingsUpdated => AuditAction::RetentionSettingsUpdate,
            E::RetentionApplied => AuditAction::RetentionApply,
        }
    }

    /// Whether webhook endpoints may subscribe to it (a test event goes only where it is sent;
    /// a redelivery is the company's own bookkeeping; people's data requests stay inside
    /// the company, their deleted contacts are announced as `contact.deleted`).
    pub fn subscribable(self) -> bool {
        !matches!(
            self,
            EventType::WebhookTest
                | EventType::WebhookDeliveryRedelivered
                | EventType::SubjectRequestAnswered
                | EventType::SubjectRequestErased
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
        /// Mail a signed contract's PDF to its signer and to the agency (a contract id).
        ContractMail = "contract.mail",
        /// Send conversions to an ad platform (a `conversion_deliveries` row; the run batches
        /// the destination's other due deliveries with it).
        ConversionDeliver = "conversion.deliver",
        /// Apply the attribution retention: delete raw events past the company's period
        /// (their daily counts stay) and yesterday's visit salt.
        AttributionRetention = "attribution.retention",
        /// Apply the company's retention settings: delete closed deals past their period.
        RetentionApply = "retention.apply",
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
