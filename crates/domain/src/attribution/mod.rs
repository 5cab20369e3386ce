//! Server-side attribution (issue 22), in the company's own database: the agency's clients'
//! tracked sites, first-party events collected with consent denied by default, the consent
//! ledger, touchpoints on the CRM, conversions from CRM facts, their forwarding to ad
//! platforms, and the reconciliation report.
//!
//! The rule everything here keeps: consent is enforced where data is collected, not where it is
//! sent. An identifier (visitor id, contact, click id) is stored only with the consent that
//! allows it ([`Consent`]), so nothing collected without it can be joined to a person later.

pub mod collect;
pub mod consent;
pub mod conversions;
pub mod destinations;
pub mod forwarding;
pub mod identify;
pub mod report;
pub mod retention;
pub mod sites;
pub mod touchpoints;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A visitor's consent as the collection endpoint enforced it (Google Consent Mode v2's four
/// signals; `Sec-GPC: 1` forces the three ad signals off). Everything is denied by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Consent {
    /// `analytics_storage`: a first-party visitor id, UTMs and touchpoints may be kept.
    pub analytics: bool,
    /// `ad_storage`: click ids may be kept and sent.
    pub ads: bool,
    /// `ad_user_data`: the person's (hashed) details may be sent to ad platforms.
    pub ad_user_data: bool,
    /// `ad_personalization`: the platforms may use it for personalised advertising.
    pub ad_personalization: bool,
}

impl Consent {
    /// Nothing granted: the state before any decision.
    pub const DENIED: Consent = Consent {
        analytics: false,
        ads: false,
        ad_user_data: false,
        ad_personalization: false,
    };

    /// The same consent with the ad signals off (a `Sec-GPC: 1` request).
    pub fn without_ads(self) -> Consent {
        Consent {
            ads: false,
            ad_user_data: false,
            ad_personalization: false,
            ..self
        }
    }
}

silo_contract::string_enum! {
    /// Where a consent decision came from.
    pub enum ConsentSource {
        /// No decision was made yet: everything denied.
        Default = "default",
        /// Silo's own banner.
        Banner = "banner",
        /// Google Consent Mode v2 signals on the page.
        Gcm = "gcm",
        /// An IAB TCF v2.2 string from the page's consent platform.
        Tcf = "tcf",
    }
}

silo_contract::string_enum! {
    /// The CRM facts that become conversions.
    pub enum ConversionKind {
        /// A contact created or updated from a form on a tracked site.
        Lead = "lead",
        /// A deal was won.
        DealWon = "deal_won",
        /// An invoice was issued.
        InvoiceIssued = "invoice_issued",
        /// An invoice was paid in full: the real sale.
        InvoicePaid = "invoice_paid",
    }
}

silo_contract::string_enum! {
    /// How a conversion is attributed.
    pub enum Attribution {
        /// To touchpoints of a visitor who gave analytics consent.
        Attributed = "attributed",
        /// No touchpoint is known for its contact (or it has no contact).
        Unattributed = "unattributed",
        /// Its contact came through a tracked site's form without analytics consent, so no
        /// touchpoint could be linked.
        NoConsent = "no_consent",
    }
}
