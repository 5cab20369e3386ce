//! `web/src/generated/contract.ts`: the contract of `silo-contract` (error codes with their
//! statuses, field problem codes, audit actions) and the other closed sets of wire strings the
//! web app shows or filters by, each declared once in its own crate.

use silo_control::{CompanyStatus, IdentityStatus, InvitationStatus, Outcome, Plan};
use silo_domain::contracts::ContractStatus;
use silo_domain::invoices::InvoiceStatus;
use silo_domain::pipeline::Stage;
use silo_domain::webhooks::{DeliveryState, DisabledReason, subscribable_events};

/// The module's text.
pub fn generate() -> String {
    let mut module = silo_contract::typescript::contract_module(
        "crates/contract and the wire enums of crates/domain and crates/control",
    );
    module
        .string_enum::<Stage>("STAGES")
        .string_enum::<ContractStatus>("CONTRACT_STATUSES")
        .string_enum::<InvoiceStatus>("INVOICE_STATUSES")
        .string_enum::<Plan>("PLANS")
        .string_enum::<CompanyStatus>("COMPANY_STATUSES")
        .string_enum::<InvitationStatus>("INVITATION_STATUSES")
        .string_enum::<IdentityStatus>("IDENTITY_STATUSES")
        .string_enum::<Outcome>("OUTCOMES")
        .string_enum::<silo_contract::EventType>("EVENT_TYPES")
        .subset(
            "WEBHOOK_EVENT_TYPES",
            "The event types a webhook endpoint may subscribe to.",
            &subscribable_events(),
        )
        .string_enum::<DeliveryState>("WEBHOOK_DELIVERY_STATES")
        .string_enum::<DisabledReason>("WEBHOOK_DISABLED_REASONS")
        .constant(
            "PASSWORD_MIN_LENGTH",
            silo_auth::password::MIN_LEN,
            "The fewest characters a new password may have.",
        )
        .constant(
            "PASSWORD_MAX_LENGTH",
            silo_auth::password::MAX_LEN,
            "The most characters a password may have.",
        );
    module.finish()
}
