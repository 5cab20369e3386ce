//! What every table of a company's database holds about people, declared once. The subject
//! search, its report, erasure and the registry test read this list; a table or a column that
//! looks personal and is not here fails `every_personal_looking_column_is_registered`.

/// What one column holds about a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// An e-mail address: matched exactly (case-insensitive); erased to `erased@erased.invalid`.
    Email,
    /// A phone number: matched on its digits and `+`; erased to `[erased]`.
    Phone,
    /// A person's name: matched exactly (case-insensitive); erased to `[erased]`.
    Name,
    /// Postal or registration details of a person: erased to `[erased]`, never matched on.
    Address,
    /// A network address, device or online identifier (IP, user agent, click ids): set to
    /// NULL, never matched on.
    Online,
    /// Free text that may mention anyone: searched for the identifiers given; the mentions are
    /// replaced with `[erased]`.
    Text,
    /// Text the person wrote themselves (a message, a comment): searched like [`Holds::Text`],
    /// and replaced entirely by `[erased]` on the person's own rows.
    Authored,
    /// The id of a contact.
    Contact,
    /// The id of a portal user.
    PortalUser,
    /// The id of a staff identity (people live in the control plane; the company's database
    /// holds only their random ids).
    Staff,
    /// The id of a tracked visitor.
    Visitor,
    /// The id of any of these: a staff identity, a portal user or a contact (event subjects
    /// and actors).
    Anyone,
}

impl Holds {
    /// Whether it is one of the person's identifiers, replaced on the person's own rows.
    pub fn identifies(self) -> bool {
        matches!(
            self,
            Holds::Email | Holds::Phone | Holds::Name | Holds::Address | Holds::Online
        )
    }

    /// Whether it is searched as text for the identifiers given.
    pub fn is_text(self) -> bool {
        matches!(self, Holds::Text | Holds::Authored)
    }
}

/// What erasure does to the person's own rows of a table (rows that only mention them have
/// the mentions replaced, whatever this says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// The rows go.
    Delete,
    /// The rows stay as business records; their identifying columns are replaced and their
    /// text redacted.
    Anonymise,
}

/// Columns of some rows the law requires to keep unchanged, and why.
#[derive(Clone, Copy, Debug)]
pub struct Retained {
    /// Which rows: an SQL condition on the table's own columns.
    pub when: &'static str,
    /// The columns kept on those rows.
    pub columns: &'static [&'static str],
    /// The legal ground, as the report and the docs state it.
    pub ground: &'static str,
}

/// Retention of issued invoices: Article 52 AWR (seven years) and Article 35a Wet OB (the
/// buyer's name and address and the description of the supply are required on an invoice).
const FISCAL: &str =
    "issued invoice: kept unchanged for seven years (art. 52 AWR, art. 35a Wet OB)";
/// A signed contract is the evidence of an agreement (AVG art. 17(3)(e)).
const SIGNED: &str = "signed contract: the signer's name and the signed text are kept as evidence (AVG art. 17(3)(e))";

/// One table that holds something about people.
#[derive(Clone, Copy, Debug)]
pub struct Holding {
    /// The table.
    pub table: &'static str,
    /// What it is, in English and Dutch (the report's section heading).
    pub label: (&'static str, &'static str),
    /// Its key columns (rows are named by them in the report and changed by them in erasure).
    pub key: &'static [&'static str],
    /// The personal columns and what they hold.
    pub columns: &'static [(&'static str, Holds)],
    /// What erasure does to the person's own rows.
    pub erasure: Erasure,
    /// Extra assignments on the person's own rows when anonymised (`status = 'removed'`);
    /// `$1` is the time of the erasure.
    pub also_set: Option<&'static str>,
    /// Columns the law keeps on some rows.
    pub retained: Option<Retained>,
}

/// A table's entry: what it holds about people, or why it holds nothing.
#[derive(Clone, Copy, Debug)]
pub enum Entry {
    /// It holds personal data.
    Holds(Holding),
    /// It holds none; why.
    Nothing(&'static str),
}

/// Columns whose names look personal but are not, per table, with the reason.
pub const NOT_PERSONAL: &[(&str, &str, &str)] = &[
    (
        "accounts",
        "street",
        "the client business's registered address",
    ),
    (
        "accounts",
        "postcode",
        "the client business's registered address",
    ),
    (
        "accounts",
        "city",
        "the client business's registered address",
    ),
    ("accounts", "website", "the client business's website"),
    ("deals", "source", "a lead channel"),
    (
        "contracts",
        "document_sha256",
        "a hash of the contract text",
    ),
    ("invoices", "seller_legal_name", "the agency's own details"),
    ("invoices", "seller_address", "the agency's own details"),
    ("invoices", "seller_street", "the agency's own details"),
    ("invoices", "seller_postcode", "the agency's own details"),
    ("invoices", "seller_city", "the agency's own details"),
    ("invoices", "seller_email", "the agency's own details"),
    ("invoice_payments", "method", "a payment method"),
    (
        "invoice_deliveries",
        "error",
        "the mail server's answer about the agency's message",
    ),
    ("outbox", "request_id", "a request id"),
    (
        "jobs",
        "last_error",
        "a technical error of a background job",
    ),
    (
        "contract_signatures",
        "consent_text",
        "the agency's own wording shown to every signer",
    ),
    (
        "contract_signatures",
        "document_sha256",
        "a hash of the signed text",
    ),
    (
        "contract_signatures",
        "pdf_sha256",
        "a hash of the signed PDF",
    ),
    (
        "contract_documents",
        "bytes",
        "the signed PDF: kept with the contract as its evidence (AVG art. 17(3)(e)); not searched",
    ),
    (
        "files",
        "bytes",
        "the file's content: not searched; listed through its uploader and name",
    ),
    ("files", "content_type", "a media type"),
    ("tracking_events", "referrer_host", "a website's host name"),
    ("touchpoints", "referrer_host", "a website's host name"),
    ("event_daily", "name", "an event name in daily counts"),
    ("tracking_events", "name", "an event name"),
    ("services", "name", "a kind of work"),
    ("sites", "name", "the client's website"),
    ("destinations", "name", "an ad-platform connection"),
    (
        "webhook_endpoints",
        "description",
        "the agency's integration settings",
    ),
    (
        "company_invoicing",
        "legal_name",
        "the agency's own details",
    ),
    ("company_invoicing", "address", "the agency's own details"),
    ("company_invoicing", "street", "the agency's own details"),
    ("company_invoicing", "postcode", "the agency's own details"),
    ("company_invoicing", "city", "the agency's own details"),
    ("company_invoicing", "email", "the agency's own details"),
    (
        "conversion_deliveries",
        "last_error",
        "the ad platform's answer",
    ),
    (
        "destinations",
        "credentials_hint",
        "the end of an API credential",
    ),
    (
        "invoices",
        "payment_reference",
        "a payment reference Silo makes from the invoice number",
    ),
    (
        "outbox",
        "actor_kind",
        "whether actor_id is a staff identity or a portal user",
    ),
    (
        "subject_requests",
        "identified_by",
        "the kinds of identifier given, never their values",
    ),
    (
        "webhook_endpoints",
        "disabled_reason",
        "why Silo disabled the endpoint",
    ),
];

use Erasure::{Anonymise, Delete};
use Holds::*;

const fn holds(
    table: &'static str,
    label: (&'static str, &'static str),
    key: &'static [&'static str],
    columns: &'static [(&'static str, Holds)],
    erasure: Erasure,
) -> Entry {
    Entry::Holds(Holding {
        table,
        label,
        key,
        columns,
        erasure,
        also_set: None,
        retained: None,
    })
}

const fn retaining(entry: Entry, retained: Retained) -> Entry {
    match entry {
        Entry::Holds(h) => Entry::Holds(Holding {
            retained: Some(retained),
            ..h
        }),
        other => other,
    }
}

const fn also(entry: Entry, set: &'static str) -> Entry {
    match entry {
        Entry::Holds(h) => Entry::Holds(Holding {
            also_set: Some(set),
            ..h
        }),
        other => other,
    }
}

const ID: &[&str] = &["id"];

/// Every table of a company's database, in [`silo_schema::TENANT_TABLES`] order.
pub const REGISTRY: &[(&str, Entry)] = &[
    (
        "accounts",
        holds(
            "accounts",
            ("Client accounts", "Klantaccounts"),
            ID,
            &[
                ("name", Text),
                ("legal_name", Text),
                ("invoice_email", Email),
            ],
            Anonymise,
        ),
    ),
    (
        "contacts",
        holds(
            "contacts",
            ("Contacts", "Contactpersonen"),
            ID,
            &[
                ("id", Contact),
                ("name", Name),
                ("email", Email),
                ("phone", Phone),
            ],
            Delete,
        ),
    ),
    (
        "deals",
        holds(
            "deals",
            ("Deals", "Deals"),
            ID,
            &[
                ("title", Text),
                ("contact_id", Contact),
                ("owner_id", Staff),
            ],
            Anonymise,
        ),
    ),
    (
        "deal_stage_changes",
        holds(
            "deal_stage_changes",
            ("Deal stage changes", "Dealfasewijzigingen"),
            ID,
            &[("changed_by", Staff)],
            Anonymise,
        ),
    ),
    (
        "contracts",
        retaining(
            holds(
                "contracts",
                ("Contracts", "Contracten"),
                ID,
                &[
                    ("title", Text),
                    ("body", Text),
                    ("signer_name", Name),
                    ("signer_email", Email),
                    ("signer_address", Address),
                ],
                Anonymise,
            ),
            Retained {
                when: "status = 'signed'",
                columns: &["title", "body", "signer_name"],
                ground: SIGNED,
            },
        ),
    ),
    (
        "company_invoicing",
        Entry::Nothing("the agency's own invoicing details"),
    ),
    (
        "invoice_counters",
        Entry::Nothing("invoice number counters"),
    ),
    (
        "invoices",
        retaining(
            holds(
                "invoices",
                ("Invoices", "Facturen"),
                ID,
                &[
                    ("notes", Text),
                    ("buyer_name", Name),
                    ("buyer_legal_name", Name),
                    ("buyer_street", Address),
                    ("buyer_postcode", Address),
                    ("buyer_city", Address),
                    ("buyer_country", Address),
                    ("buyer_vat_id", Address),
                    ("buyer_kvk_number", Address),
                    ("buyer_peppol_id", Address),
                    ("buyer_email", Email),
                ],
                Anonymise,
            ),
            Retained {
                when: "status <> 'draft'",
                columns: &[
                    "notes",
                    "buyer_name",
                    "buyer_legal_name",
                    "buyer_street",
                    "buyer_postcode",
                    "buyer_city",
                    "buyer_country",
                    "buyer_vat_id",
                    "buyer_kvk_number",
                    "buyer_peppol_id",
                ],
                ground: FISCAL,
            },
        ),
    ),
    (
        "invoice_lines",
        retaining(
            holds(
                "invoice_lines",
                ("Invoice lines", "Factuurregels"),
                &["invoice_id", "position"],
                &[("description", Text)],
                Anonymise,
            ),
            Retained {
                when: "invoice_id IN (SELECT id FROM invoices WHERE status <> 'draft')",
                columns: &["description"],
                ground: FISCAL,
            },
        ),
    ),
    (
        "invoice_payments",
        holds(
            "invoice_payments",
            ("Payments", "Betalingen"),
            ID,
            &[("reference", Text)],
            Anonymise,
        ),
    ),
    (
        "invoice_payment_reversals",
        holds(
            "invoice_payment_reversals",
            ("Payment reversals", "Teruggedraaide betalingen"),
            &["payment_id"],
            &[("reason", Text), ("reversed_by", Staff)],
            Anonymise,
        ),
    ),
    (
        "credit_note_counters",
        Entry::Nothing("credit note number counters"),
    ),
    (
        "credit_notes",
        retaining(
            holds(
                "credit_notes",
                ("Credit notes", "Creditnota's"),
                ID,
                &[("reason", Text), ("created_by", Staff)],
                Anonymise,
            ),
            Retained {
                when: "1 = 1",
                columns: &["reason"],
                ground: FISCAL,
            },
        ),
    ),
    (
        "credit_note_lines",
        retaining(
            holds(
                "credit_note_lines",
                ("Credit note lines", "Creditnotaregels"),
                &["credit_note_id", "position"],
                &[("description", Text)],
                Anonymise,
            ),
            Retained {
                when: "1 = 1",
                columns: &["description"],
                ground: FISCAL,
            },
        ),
    ),
    (
        "invoice_deliveries",
        holds(
            "invoice_deliveries",
            ("Invoice mail", "Factuurmail"),
            ID,
            &[("recipient", Email), ("queued_by", Staff)],
            Anonymise,
        ),
    ),
    (
        "outbox",
        holds(
            "outbox",
            (
                "Events (the company's history)",
                "Gebeurtenissen (de geschiedenis van het bedrijf)",
            ),
            ID,
            &[
                ("subject_id", Anyone),
                ("actor_id", Anyone),
                ("data", Text),
                ("client_ip", Online),
            ],
            Anonymise,
        ),
    ),
    (
        "jobs",
        Entry::Nothing("background work: kinds, record ids and states"),
    ),
    (
        "webhook_endpoints",
        Entry::Nothing("the agency's webhook endpoints"),
    ),
    (
        "webhook_endpoint_events",
        Entry::Nothing("event names an endpoint receives"),
    ),
    (
        "webhook_deliveries",
        holds(
            "webhook_deliveries",
            ("Webhook deliveries", "Webhookafleveringen"),
            ID,
            &[("last_response", Text), ("last_error", Text)],
            Anonymise,
        ),
    ),
    (
        "webhook_attempts",
        holds(
            "webhook_attempts",
            ("Webhook attempts", "Webhookpogingen"),
            ID,
            &[("response", Text), ("error", Text)],
            Anonymise,
        ),
    ),
    ("company_logo", Entry::Nothing("the agency's logo")),
    (
        "time_settings",
        Entry::Nothing("how the company runs its time"),
    ),
    ("services", Entry::Nothing("kinds of work and their rates")),
    (
        "projects",
        holds(
            "projects",
            ("Projects", "Projecten"),
            ID,
            &[("name", Text), ("description", Text)],
            Anonymise,
        ),
    ),
    (
        "project_members",
        holds(
            "project_members",
            ("Project members", "Projectleden"),
            &["project_id", "person_id"],
            &[("person_id", Staff)],
            Delete,
        ),
    ),
    (
        "tasks",
        holds(
            "tasks",
            ("Tasks", "Taken"),
            ID,
            &[
                ("title", Text),
                ("description", Text),
                ("assignee_id", Staff),
            ],
            Anonymise,
        ),
    ),
    (
        "time_entries",
        holds(
            "time_entries",
            ("Time entries", "Tijdregistraties"),
            ID,
            &[
                ("person_id", Staff),
                ("description", Text),
                ("approved_by", Staff),
            ],
            Anonymise,
        ),
    ),
    (
        "timers",
        holds(
            "timers",
            ("Running timers", "Lopende timers"),
            &["person_id"],
            &[("person_id", Staff), ("description", Text)],
            Delete,
        ),
    ),
    (
        "project_charges",
        retaining(
            holds(
                "project_charges",
                ("Project charges", "Projectkosten"),
                ID,
                &[("description", Text)],
                Anonymise,
            ),
            Retained {
                when: "1 = 1",
                columns: &["description"],
                ground: FISCAL,
            },
        ),
    ),
    ("budget_alerts", Entry::Nothing("budget thresholds reached")),
    (
        "person_capacity",
        holds(
            "person_capacity",
            ("Capacity", "Capaciteit"),
            &["person_id", "effective_from"],
            &[("person_id", Staff)],
            Delete,
        ),
    ),
    (
        "time_off",
        holds(
            "time_off",
            ("Time off", "Verlof"),
            ID,
            &[("person_id", Staff), ("note", Authored)],
            Delete,
        ),
    ),
    (
        "portal_access",
        Entry::Nothing("what each client sees in the portal"),
    ),
    ("portal_address", Entry::Nothing("the portal's address key")),
    (
        "portal_users",
        also(
            holds(
                "portal_users",
                ("Portal users", "Portaalgebruikers"),
                ID,
                &[
                    ("id", PortalUser),
                    ("contact_id", Contact),
                    ("email", Email),
                    ("name", Name),
                    ("invited_by", Anyone),
                ],
                Anonymise,
            ),
            "status = 'removed', updated_at = $1",
        ),
    ),
    (
        "portal_login_links",
        holds(
            "portal_login_links",
            ("Portal sign-in links", "Portaalinloglinks"),
            ID,
            &[("portal_user_id", PortalUser)],
            Delete,
        ),
    ),
    (
        "portal_sessions",
        holds(
            "portal_sessions",
            ("Portal sessions", "Portaalsessies"),
            ID,
            &[
                ("portal_user_id", PortalUser),
                ("preview_by", Staff),
                ("client_ip", Online),
                ("user_agent", Online),
            ],
            Delete,
        ),
    ),
    (
        "signing_links",
        also(
            holds(
                "signing_links",
                ("Signing links", "Ondertekeningslinks"),
                ID,
                &[
                    ("signer_name", Name),
                    ("signer_email", Email),
                    ("portal_user_id", PortalUser),
                    ("created_by", Staff),
                ],
                Anonymise,
            ),
            "revoked_at = COALESCE(revoked_at, $1)",
        ),
    ),
    (
        "contract_signatures",
        retaining(
            holds(
                "contract_signatures",
                ("Signatures", "Handtekeningen"),
                &["contract_id"],
                &[
                    ("signer_name", Name),
                    ("signer_email", Email),
                    ("client_ip", Online),
                    ("user_agent", Online),
                    ("portal_user_id", PortalUser),
                    ("recorded_by", Staff),
                ],
                Anonymise,
            ),
            Retained {
                when: "1 = 1",
                columns: &["signer_name"],
                ground: SIGNED,
            },
        ),
    ),
    (
        "files",
        holds(
            "files",
            ("Files", "Bestanden"),
            ID,
            &[
                ("name", Text),
                ("uploaded_by_staff", Staff),
                ("uploaded_by_portal", PortalUser),
            ],
            Anonymise,
        ),
    ),
    (
        "contract_documents",
        Entry::Nothing("signed PDFs, kept as the signature's evidence (see NOT_PERSONAL)"),
    ),
    (
        "approvals",
        holds(
            "approvals",
            ("Approvals", "Goedkeuringen"),
            ID,
            &[
                ("title", Text),
                ("note", Text),
                ("requested_by", Staff),
                ("decided_by", PortalUser),
                ("decision_comment", Authored),
            ],
            Anonymise,
        ),
    ),
    (
        "message_threads",
        holds(
            "message_threads",
            ("Conversations", "Gesprekken"),
            ID,
            &[("subject", Text)],
            Anonymise,
        ),
    ),
    (
        "messages",
        holds(
            "messages",
            ("Messages", "Berichten"),
            ID,
            &[
                ("staff_author_id", Staff),
                ("portal_author_id", PortalUser),
                ("body", Authored),
            ],
            Anonymise,
        ),
    ),
    (
        "attribution_settings",
        Entry::Nothing("how long raw events are kept"),
    ),
    ("sites", Entry::Nothing("the clients' tracked websites")),
    (
        "visitors",
        holds(
            "visitors",
            ("Website visitors", "Websitebezoekers"),
            ID,
            &[("id", Visitor), ("contact_id", Contact)],
            Delete,
        ),
    ),
    (
        "tracking_events",
        holds(
            "tracking_events",
            ("Website events", "Websitegebeurtenissen"),
            ID,
            &[
                ("visitor_id", Visitor),
                ("contact_id", Contact),
                ("page", Text),
                ("click_ids", Online),
                ("visit_hash", Online),
            ],
            Delete,
        ),
    ),
    ("event_daily", Entry::Nothing("daily counts without people")),
    (
        "consent_records",
        holds(
            "consent_records",
            ("Consent records", "Toestemmingen"),
            ID,
            &[
                ("visitor_id", Visitor),
                ("visit_hash", Online),
                ("tcf_string", Online),
            ],
            Delete,
        ),
    ),
    (
        "touchpoints",
        holds(
            "touchpoints",
            ("Touchpoints", "Contactmomenten"),
            ID,
            &[
                ("visitor_id", Visitor),
                ("contact_id", Contact),
                ("click_ids", Online),
            ],
            Delete,
        ),
    ),
    ("destinations", Entry::Nothing("ad-platform connections")),
    (
        "conversions",
        holds(
            "conversions",
            ("Conversions", "Conversies"),
            ID,
            &[("contact_id", Contact), ("subject_id", Anyone)],
            Anonymise,
        ),
    ),
    (
        "conversion_deliveries",
        Entry::Nothing("delivery states of conversions"),
    ),
    (
        "subject_requests",
        holds(
            "subject_requests",
            ("Data requests", "Gegevensverzoeken"),
            ID,
            &[("requested_by", Staff)],
            Anonymise,
        ),
    ),
    (
        "retention_settings",
        Entry::Nothing("how long records are kept"),
    ),
];

/// The registry's holdings, in table order.
pub fn holdings() -> impl Iterator<Item = &'static Holding> {
    REGISTRY.iter().filter_map(|(_, e)| match e {
        Entry::Holds(h) => Some(h),
        Entry::Nothing(_) => None,
    })
}
