//! The route table: every route in one declaration (method, path, handler, who may call it,
//! what it does, its request and response types, its success status and whether it is a
//! paginated list). The router, the OpenAPI document ([`crate::openapi`]), the generated API
//! reference and TypeScript types, and the tests all read [`ROUTES`].

use crate::error::ApiError;
use crate::handlers::{
    accounts, attribution_report, audit, auth, branding, collab, collect, company, contacts,
    contracts, conversions, deals, destinations, health, invitations, invoices, invoicing, me,
    members, password, portal_admin, portal_collab, portal_colleagues, portal_documents,
    portal_sign_in, privacy, projects, reports, session, signing, signup, sites, team, time,
    timeline, two_factor, webhooks,
};
use crate::pagination::{Page, PageQuery};
use crate::{AppState, ServerConfig};
use crate::{observe, openapi, web};
use axum::Router;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{DefaultBodyLimit, RawPathParams, Request};
use axum::http::Method;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use silo_control::{Company, Invitation, Member};
use silo_domain::attribution::sites as attr_sites;
use silo_domain::portal::Part;
use silo_domain::{billing, reports as revenue, webhooks as hooks};
use silo_roles::Permission;
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, login, signup, JWKS).
    Public,
    /// Any valid token, bound to a company or not.
    Identity,
    /// A token bound to a company whose member's role grants the permission.
    Company(Permission),
    /// A portal session of one of the company's clients (never a staff token) whose role
    /// and client reach the part of the portal.
    Portal(Part),
}

impl Access {
    /// How the access rule reads in documentation: `public`, `any token` or the permission.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Identity => "any token",
            Access::Company(p) => p.as_str(),
            Access::Portal(part) => match part {
                Part::Home => "portal session",
                Part::Contracts => "portal session: contracts",
                Part::Invoices => "portal session: invoices",
                Part::Projects => "portal session: projects",
                Part::Files => "portal session: files",
                Part::Approvals => "portal session: approvals",
                Part::Messages => "portal session: messages",
                Part::Colleagues => "portal session: colleagues (client admins)",
            },
        }
    }
}

/// Registers a body type's JSON schema with a generator and answers the schema (a `$ref` for
/// named types).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// One route of the table.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern (axum syntax; every `{param}` is a UUID but `{site_key}`, a site's
    /// public key).
    pub path: &'static str,
    /// The handler, as `module::function`: the operation's id.
    pub handler: &'static str,
    /// What the caller needs.
    pub access: Access,
    /// One line for people.
    pub summary: &'static str,
    /// A header the route requires with the value `1` (`header NAME` in the table): the
    /// cookie routes' guard against cross-site requests.
    pub header: Option<&'static str>,
    /// The success status.
    pub status: u16,
    /// The query string's type: on paginated lists (`, list` in the table) [`PageQuery`]
    /// (`limit`, `cursor`, `q`) unless the row names its own (`, list(Filters)`); on other
    /// routes the row's `, query(Type)`.
    pub query: Option<SchemaFn>,
    /// Whether it is a paginated list (`, list` or `, list(Filters)`).
    pub list: bool,
    /// The JSON request body's type, if the route takes one.
    pub request: Option<SchemaFn>,
    /// The media types of a request body taken as raw bytes instead of JSON (`, body
    /// "image/png" | "image/jpeg"` in the table); empty for JSON bodies and none.
    pub body: &'static [&'static str],
    /// The JSON success answer's type, if the answer has a JSON body.
    pub response: Option<SchemaFn>,
    /// The media types of a file answer (`file "application/pdf"` in the table, several as
    /// `file "image/png" | "image/jpeg"`): a download instead of JSON; empty for JSON.
    pub files: &'static [&'static str],
}

impl RouteSpec {
    /// The names of the path's parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// Whether it is a paginated list.
    pub fn is_list(&self) -> bool {
        self.list
    }

    /// The operation id: the handler with `.` for `::` (`contacts.create`).
    pub fn operation_id(&self) -> String {
        self.handler.replace("::", ".")
    }
}

macro_rules! schema_fn {
    () => {
        None
    };
    ($t:ty) => {
        Some(schema_of::<$t> as SchemaFn)
    };
}

macro_rules! header {
    () => {
        None
    };
    ($header:expr) => {
        Some($header)
    };
}

macro_rules! query_fn {
    () => {
        None
    };
    (list) => {
        Some(schema_of::<PageQuery> as SchemaFn)
    };
    (list($t:ty)) => {
        Some(schema_of::<$t> as SchemaFn)
    };
    (query($t:ty)) => {
        Some(schema_of::<$t> as SchemaFn)
    };
}

macro_rules! is_list {
    () => {
        false
    };
    (list) => {
        true
    };
    (query) => {
        false
    };
}

macro_rules! access {
    (Company $p:ident) => {
        Access::Company(Permission::$p)
    };
    (Portal $p:ident) => {
        Access::Portal(Part::$p)
    };
    ($access:ident) => {
        Access::$access
    };
}

macro_rules! route_table {
    ($(
        $method:ident $path:literal $handler:path,
        $access:ident $(($permission:ident))?,
        $summary:literal
        $(, header $header:expr)?
        $(, in $req:ty)?
        $(, body $($body:literal)|+)?
        => $status:literal $(file $($file:literal)|+)? $(out $res:ty)? $(, $list:ident $(($query:ty))?)?;
    )*) => {
        /// Every route, in one declaration each.
        pub static ROUTES: &[RouteSpec] = &[
            $(RouteSpec {
                method: Method::$method,
                path: $path,
                handler: stringify!($handler),
                access: access!($access $($permission)?),
                summary: $summary,
                header: header!($($header)?),
                status: $status,
                query: query_fn!($($list $(($query))?)?),
                list: is_list!($($list)?),
                request: schema_fn!($($req)?),
                body: &[$($($body),+)?],
                response: schema_fn!($($res)?),
                files: &[$($($file),+)?],
            },)*
        ];

        fn table(router: Router<AppState>, config: &ServerConfig) -> Router<AppState> {
            router
            $(.route(
                $path,
                with_body_limit(
                    with_access(
                        on(filter(&Method::$method), $handler),
                        access!($access $($permission)?),
                        $path,
                    ),
                    &[$($($body),+)?],
                    config,
                ),
            ))*
        }
    };
}

// Each row: METHOD "path" handler, access, "summary"[, header NAME][, in RequestType]
// [, body "media/type" | "media/type"...] => status
// [file "media/type" | "media/type"... | out ResponseType][, list[(QueryType)] | , query(QueryType)];
route_table! {
    GET "/healthz" health::healthz, Public,
        "The process is up" => 200 out health::Status;
    GET "/readyz" health::readyz, Public,
        "The control plane answers" => 200 out health::Status;
    GET "/api/openapi.json" openapi::openapi_json, Public,
        "This document" => 200 out serde_json::Value;
    GET "/api/docs" openapi::docs_page, Public,
        "The API reference page" => 200;
    GET "/.well-known/jwks.json" auth::jwks, Public,
        "Public keys that verify access tokens" => 200 out serde_json::Value;
    POST "/api/signup" signup::signup, Public,
        "Ask for a company with yourself as its owner: a verification link goes to the address (the answer is the same for every address)",
        in signup::SignupRequest => 202 out signup::SignupAccepted;
    POST "/api/auth/verify-email" signup::verify_email, Public,
        "Use a signup's verification link: creates the company and logs in",
        in signup::VerifyEmailRequest => 201 out auth::TokenResponse;
    POST "/api/auth/login" auth::login, Public,
        "Log in (with `code` when two-factor is on); binds to a company when one is named or there is only one",
        in auth::LoginRequest => 200 out auth::TokenResponse;
    POST "/api/auth/invite-info" invitations::invite_info, Public,
        "What an invitation link offers, without using it",
        in invitations::TokenRequest => 200 out invitations::InviteInfo;
    POST "/api/auth/accept-invite" invitations::accept_invite, Public,
        "Accept an invitation through its link: a new person chooses a password and is logged in; a known person keeps theirs and logs in as usual",
        in invitations::AcceptInviteRequest
        => 200 out openapi::OneOf<auth::TokenResponse, invitations::AcceptedLoginRequired>;
    POST "/api/auth/password-reset" password::request_reset, Public,
        "Mail a single-use password reset link (the answer is the same for every address)",
        in password::ResetRequest => 202 out password::ResetRequested;
    POST "/api/auth/password-reset/confirm" password::confirm_reset, Public,
        "Set a new password with a reset link; ends every session",
        in password::ResetConfirm => 204;
    POST "/api/auth/password" password::change, Identity,
        "Change your password; ends your other sessions",
        in password::ChangePassword => 204;
    POST "/api/auth/logout-all" password::logout_all, Identity,
        "End every session and access token of yours" => 204;
    POST "/api/invitations/{id}/accept" invitations::accept, Identity,
        "Accept one of your invitations; answers a token bound to that company"
        => 200 out auth::TokenResponse;
    POST "/api/invitations/{id}/decline" invitations::decline, Identity,
        "Decline one of your invitations" => 204;
    POST "/api/auth/switch" auth::switch, Identity,
        "A token bound to another company of yours",
        in auth::SwitchRequest => 200 out auth::TokenResponse;
    POST "/api/auth/refresh" session::refresh, Public,
        "A new access token for the session cookie (needs the header X-Silo-Refresh: 1); replaces the cookie",
        header session::CSRF_HEADER => 200 out auth::TokenResponse;
    POST "/api/auth/logout" session::logout, Public,
        "End the cookie's session and its access tokens, and clear the cookie (needs the header X-Silo-Refresh: 1)",
        header session::CSRF_HEADER => 204;
    POST "/api/auth/2fa/setup" two_factor::setup, Identity,
        "Start two-factor set-up (with your password): a new secret for your authenticator app, pending until confirmed",
        in two_factor::SetupRequest => 200 out two_factor::SetupResponse;
    POST "/api/auth/2fa/confirm" two_factor::confirm, Identity,
        "Turn two-factor on with a first code; answers ten recovery codes, shown once",
        in two_factor::CodeRequest => 200 out two_factor::RecoveryCodes;
    POST "/api/auth/2fa/disable" two_factor::disable, Identity,
        "Turn two-factor off (password and a code or recovery code)",
        in two_factor::DisableRequest => 204;
    POST "/api/auth/2fa/recovery-codes" two_factor::recovery_codes, Identity,
        "A new set of recovery codes; the old ones stop working",
        in two_factor::CodeRequest => 200 out two_factor::RecoveryCodes;
    GET "/api/me" auth::me, Identity,
        "Who you are, where, and what you may do" => 200 out auth::Me;
    GET "/api/me/export" me::export, Identity,
        "Download everything Silo's registry holds about you (identity, memberships, sessions, invitations, audit records), as a JSON attachment"
        => 200 out silo_control::PersonalData;
    DELETE "/api/me" me::delete, Identity,
        "Delete your account (confirm with your password); refused with 409 last_owner, naming the companies, while you are a company's only owner",
        in me::DeleteAccount => 204;
    GET "/api/company" company::get, Company(CompanyRead),
        "Your company" => 200 out Company;
    PATCH "/api/company" company::patch, Company(CompanyUpdate),
        "Rename the company, change its plan (owners) or require two-factor of every member (owners)",
        in company::PatchCompany => 200 out Company;
    DELETE "/api/company" company::erase, Company(CompanyDelete),
        "Erase the company and its database for good (owners; confirm with the slug)",
        in company::EraseCompany => 200 out Company;
    GET "/api/members" members::list, Company(MembersRead),
        "The company's members" => 200 out Page<Member>, list;
    POST "/api/members" members::add, Company(MembersManage),
        "Invite an address in a role; the invitation goes by mail and grants nothing until accepted",
        in members::AddMember => 201 out members::Invited;
    GET "/api/members/invitations" members::invitations, Company(MembersRead),
        "The company's pending invitations" => 200 out Page<Invitation>, list;
    POST "/api/members/invitations/{id}/resend" members::resend, Company(MembersManage),
        "Send an invitation again with a new link and expiry" => 200 out Invitation;
    DELETE "/api/members/invitations/{id}" members::revoke, Company(MembersManage),
        "Withdraw a pending invitation" => 204;
    PATCH "/api/members/{identity_id}" members::change_role, Company(MembersManage),
        "Change a member's role",
        in members::ChangeRole => 200 out Member;
    DELETE "/api/members/{identity_id}" members::remove, Company(MembersManage),
        "Remove a member" => 204;
    GET "/api/audit" audit::list, Company(AuditRead),
        "The company's audit trail, newest first" => 200 out Page<audit::AuditEntry>, list(audit::AuditFilters);
    // people's data requests and retention (issue 26)
    POST "/api/privacy/report" privacy::report, Company(PrivacyManage),
        "Everything the company's database holds about a person, found by e-mail address, phone or name (AVG art. 15); recorded as an access request",
        in silo_domain::privacy::SubjectQuery => 200 out silo_domain::privacy::SubjectReport;
    POST "/api/privacy/report/pdf" privacy::report_pdf, Company(PrivacyManage),
        "The same report as a PDF for the person, in the language asked for (`lang`) or the browser's; recorded as an access request",
        in silo_domain::privacy::SubjectQuery => 200 file "application/pdf";
    POST "/api/privacy/erasure" privacy::erase, Company(PrivacyManage),
        "Erase what the company's database holds about a person (AVG art. 17): their records deleted or anonymised, mentions replaced, what the law keeps kept; answers the request's record (counts only)",
        in silo_domain::privacy::SubjectQuery => 200 out silo_domain::privacy::SubjectRequest;
    GET "/api/privacy/requests" privacy::requests, Company(PrivacyManage),
        "The company's data requests, newest first: who, when, which kinds of identifier and the counts per table (never the person)"
        => 200 out Page<silo_domain::privacy::SubjectRequest>, list;
    GET "/api/privacy/retention" privacy::retention, Company(PrivacyManage),
        "How long closed deals and raw website events are kept"
        => 200 out silo_domain::privacy::retention::RetentionSettings;
    PUT "/api/privacy/retention" privacy::put_retention, Company(PrivacyManage),
        "Change how long closed deals (1 to 240 months after closing, or null: for ever) and raw website events (1 to 120 months) are kept; a daily job applies it",
        in silo_domain::privacy::retention::RetentionInput
        => 200 out silo_domain::privacy::retention::RetentionSettings;
    GET "/api/company/invoicing" invoicing::get, Company(CompanyRead),
        "Invoicing details printed on invoices" => 200 out silo_domain::invoicing::Invoicing;
    PATCH "/api/company/invoicing" invoicing::update, Company(CompanyUpdate),
        "Change invoicing details",
        in silo_domain::invoicing::InvoicingPatch => 200 out silo_domain::invoicing::Invoicing;
    PUT "/api/company/logo" branding::put, Company(CompanyUpdate),
        "Upload the company's logo (the body is the PNG or JPEG image, at most 512 KiB); replaces the one before",
        body "image/png" | "image/jpeg" => 200 out silo_domain::branding::LogoInfo;
    GET "/api/company/logo" branding::get, Company(CompanyRead),
        "The company's logo as uploaded (404 when there is none)" => 200 file "image/png" | "image/jpeg";
    DELETE "/api/company/logo" branding::delete, Company(CompanyUpdate),
        "Remove the company's logo" => 204;
    GET "/api/accounts" accounts::list, Company(CrmRead),
        "Client organisations" => 200 out Page<silo_domain::accounts::Account>, list;
    POST "/api/accounts" accounts::create, Company(CrmWrite),
        "Create an account",
        in silo_domain::accounts::NewAccount => 201 out silo_domain::accounts::Account;
    GET "/api/accounts/{id}" accounts::get, Company(CrmRead),
        "One account" => 200 out silo_domain::accounts::Account;
    PATCH "/api/accounts/{id}" accounts::update, Company(CrmWrite),
        "Change an account",
        in silo_domain::accounts::AccountPatch => 200 out silo_domain::accounts::Account;
    DELETE "/api/accounts/{id}" accounts::delete, Company(CrmWrite),
        "Delete an account" => 204;
    GET "/api/accounts/{id}/timeline" timeline::account, Company(CrmRead),
        "What happened to a client, newest first (what the caller's role may read)" => 200 out Page<silo_domain::timeline::TimelineEntry>, list(timeline::TimelineQuery);
    GET "/api/contacts" contacts::list, Company(CrmRead),
        "People at client organisations" => 200 out Page<silo_domain::contacts::Contact>, list(contacts::ContactQuery);
    POST "/api/contacts" contacts::create, Company(CrmWrite),
        "Create a contact (within the plan's limit)",
        in silo_domain::contacts::NewContact => 201 out silo_domain::contacts::Contact;
    GET "/api/contacts/{id}" contacts::get, Company(CrmRead),
        "One contact" => 200 out silo_domain::contacts::Contact;
    PATCH "/api/contacts/{id}" contacts::update, Company(CrmWrite),
        "Change a contact",
        in silo_domain::contacts::ContactPatch => 200 out silo_domain::contacts::Contact;
    DELETE "/api/contacts/{id}" contacts::delete, Company(CrmWrite),
        "Delete a contact" => 204;
    GET "/api/pipeline" deals::pipeline, Company(DealsRead),
        "The pipeline's totals: count, value and weighted value per stage and currency"
        => 200 out Vec<silo_domain::deals::StageTotal>, query(deals::PipelineQuery);
    POST "/api/deals/{id}/reopen" deals::reopen, Company(DealsWrite),
        "Reopen a won or lost deal",
        in silo_domain::deals::Reopen => 200 out silo_domain::deals::Deal;
    GET "/api/contacts/{id}/timeline" timeline::contact, Company(CrmRead),
        "What happened to a contact, newest first" => 200 out Page<silo_domain::timeline::TimelineEntry>, list(timeline::TimelineQuery);
    GET "/api/deals/{id}/timeline" timeline::deal, Company(DealsRead),
        "What happened to a deal, newest first" => 200 out Page<silo_domain::timeline::TimelineEntry>, list(timeline::TimelineQuery);
    GET "/api/deals" deals::list, Company(DealsRead),
        "Deals, by stage, client, contact and owner" => 200 out Page<silo_domain::deals::Deal>, list(deals::DealQuery);
    POST "/api/deals" deals::create, Company(DealsWrite),
        "Create a deal",
        in silo_domain::deals::NewDeal => 201 out silo_domain::deals::Deal;
    GET "/api/deals/{id}" deals::get, Company(DealsRead),
        "One deal with its stage history" => 200 out silo_domain::deals::Deal;
    PATCH "/api/deals/{id}" deals::update, Company(DealsWrite),
        "Change a deal or move it to another stage",
        in silo_domain::deals::DealPatch => 200 out silo_domain::deals::Deal;
    DELETE "/api/deals/{id}" deals::delete, Company(DealsWrite),
        "Delete a deal" => 204;
    GET "/api/contracts" contracts::list, Company(ContractsRead),
        "Contracts, by client and deal" => 200 out Page<silo_domain::contracts::Contract>, list(contracts::ContractQuery);
    POST "/api/contracts" contracts::create, Company(ContractsWrite),
        "Draft a contract",
        in silo_domain::contracts::NewContract => 201 out silo_domain::contracts::Contract;
    GET "/api/contracts/{id}" contracts::get, Company(ContractsRead),
        "One contract" => 200 out silo_domain::contracts::Contract;
    PATCH "/api/contracts/{id}" contracts::update, Company(ContractsWrite),
        "Change a draft contract",
        in silo_domain::contracts::ContractPatch => 200 out silo_domain::contracts::Contract;
    POST "/api/contracts/{id}/send" contracts::send, Company(ContractsWrite),
        "Send a draft contract: its body is then fixed, and the signer gets a link by mail to read and sign it",
        in silo_domain::signing::SendContract => 200 out silo_domain::contracts::Contract;
    GET "/api/contracts/{id}/signing-links" contracts::signing_links, Company(ContractsRead),
        "The contract's signing links, newest first (never their tokens)" => 200 out Vec<silo_domain::signing::SigningLink>;
    POST "/api/contracts/{id}/signing-links" contracts::create_signing_link, Company(ContractsWrite),
        "Mail another signing link for a sent contract",
        in silo_domain::signing::SendContract => 201 out silo_domain::signing::SigningLink;
    POST "/api/contracts/{id}/signing-links/{link_id}/revoke" contracts::revoke_signing_link, Company(ContractsWrite),
        "Revoke a signing link: it stops working at once" => 200 out silo_domain::signing::SigningLink;
    PUT "/api/contracts/{id}/paper-signature" contracts::paper_signature, Company(ContractsWrite),
        "Record a signature given on paper: the body is the scan (a PDF, at most 10 MiB), kept as the signed document; marked as signed on paper",
        body "application/pdf" => 200 out silo_domain::contracts::Contract, query(silo_domain::signing::PaperSignature);
    GET "/api/contracts/{id}/signed-pdf" contracts::signed_pdf, Company(ContractsRead),
        "The signed contract as a PDF with its evidence page (or the scan of a paper signature); 404 until signed" => 200 file "application/pdf";
    GET "/api/invoices" invoices::list, Company(InvoicesRead),
        "Invoices, by status and client" => 200 out Page<silo_domain::invoices::Invoice>, list(invoices::InvoiceQuery);
    POST "/api/invoices" invoices::create, Company(InvoicesWrite),
        "Draft an invoice",
        in silo_domain::invoices::NewInvoice => 201 out silo_domain::invoices::Invoice;
    GET "/api/invoices/{id}" invoices::get, Company(InvoicesRead),
        "One invoice with lines and payments" => 200 out silo_domain::invoices::Invoice;
    PATCH "/api/invoices/{id}" invoices::update, Company(InvoicesWrite),
        "Change a draft invoice",
        in silo_domain::invoices::InvoicePatch => 200 out silo_domain::invoices::Invoice;
    DELETE "/api/invoices/{id}" invoices::delete, Company(InvoicesWrite),
        "Delete a draft invoice" => 204;
    GET "/api/invoices/{id}/readiness" invoices::readiness, Company(InvoicesRead),
        "What is missing before a draft can be issued" => 200 out billing::Readiness;
    POST "/api/invoices/{id}/issue" invoices::issue, Company(InvoicesWrite),
        "Issue a draft invoice: it gets the next number and keeps both parties' details",
        in billing::IssueRequest => 200 out silo_domain::invoices::Invoice;
    POST "/api/invoices/{id}/payments" invoices::pay, Company(InvoicesWrite),
        "Record a payment (never above the open balance unless it is an overpayment)",
        in silo_domain::payments::NewPayment => 201 out silo_domain::invoices::Invoice;
    POST "/api/invoices/{id}/payments/{payment_id}/reverse" invoices::reverse_payment, Company(InvoicesWrite),
        "Reverse a payment: a record of its own; the payment stays, no longer counted",
        in silo_domain::payments::Reversal => 200 out silo_domain::invoices::Invoice;
    POST "/api/invoices/{id}/credit-notes" invoices::credit, Company(InvoicesWrite),
        "Issue a credit note on an invoice, in full or for the lines sent",
        in silo_domain::credit_notes::NewCreditNote => 201 out silo_domain::credit_notes::CreditNote;
    POST "/api/invoices/{id}/send" invoices::send, Company(InvoicesWrite),
        "Mail the invoice with its PDF and e-invoice to the client (or the address sent)",
        in silo_domain::deliveries::SendRequest => 202 out silo_domain::invoices::InvoiceDelivery;
    POST "/api/invoices/{id}/remind" invoices::remind, Company(InvoicesWrite),
        "Mail a payment reminder now",
        in silo_domain::deliveries::SendRequest => 202 out silo_domain::invoices::InvoiceDelivery;
    POST "/api/credit-notes/{id}/send" invoices::send_credit_note, Company(InvoicesWrite),
        "Mail the credit note with its PDF and e-invoice to the client",
        in silo_domain::deliveries::SendRequest => 202 out silo_domain::invoices::InvoiceDelivery;
    GET "/api/invoices/{id}/pdf" invoices::pdf, Company(InvoicesRead),
        "The issued invoice as a PDF (Article 35a Wet OB)" => 200 file "application/pdf";
    GET "/api/invoices/{id}/ubl" invoices::ubl, Company(InvoicesRead),
        "The issued invoice as a Peppol BIS Billing 3.0 UBL e-invoice" => 200 file "application/xml";
    GET "/api/credit-notes/{id}/pdf" invoices::credit_note_pdf, Company(InvoicesRead),
        "The credit note as a PDF" => 200 file "application/pdf";
    GET "/api/credit-notes/{id}/ubl" invoices::credit_note_ubl, Company(InvoicesRead),
        "The credit note as a Peppol BIS Billing 3.0 UBL e-invoice" => 200 file "application/xml";
    GET "/api/credit-notes" invoices::credit_notes, Company(InvoicesRead),
        "Credit notes" => 200 out Page<silo_domain::credit_notes::CreditNote>, list(invoices::CreditNoteQuery);
    GET "/api/credit-notes/{id}" invoices::credit_note, Company(InvoicesRead),
        "One credit note" => 200 out silo_domain::credit_notes::CreditNote;
    GET "/api/services" projects::list_services, Company(ProjectsRead),
        "Services: the kinds of work time is logged as" => 200 out Page<silo_domain::services::Service>, list(projects::ServiceQuery);
    POST "/api/services" projects::create_service, Company(ProjectsWrite),
        "Add a service with its default rate",
        in silo_domain::services::NewService => 201 out silo_domain::services::Service;
    PATCH "/api/services/{id}" projects::update_service, Company(ProjectsWrite),
        "Change or archive a service",
        in silo_domain::services::ServicePatch => 200 out silo_domain::services::Service;
    GET "/api/projects" projects::list, Company(ProjectsRead),
        "Projects, with their budget burn" => 200 out Page<silo_domain::projects::Project>, list(projects::ProjectQuery);
    POST "/api/projects" projects::create, Company(ProjectsWrite),
        "Create a project for a client (optionally from a deal or contract)",
        in silo_domain::projects::NewProject => 201 out silo_domain::projects::Project;
    GET "/api/projects/{id}" projects::get, Company(ProjectsRead),
        "One project with its members and budget burn" => 200 out silo_domain::projects::Project;
    PATCH "/api/projects/{id}" projects::update, Company(ProjectsWrite),
        "Change a project",
        in silo_domain::projects::ProjectPatch => 200 out silo_domain::projects::Project;
    DELETE "/api/projects/{id}" projects::delete, Company(ProjectsWrite),
        "Delete a project without time or invoices" => 204;
    PUT "/api/projects/{id}/members/{person_id}" projects::set_member, Company(ProjectsWrite),
        "Put a member of the company on the project, with an optional rate there",
        in silo_domain::projects::MemberRate => 200 out silo_domain::projects::Project;
    DELETE "/api/projects/{id}/members/{person_id}" projects::remove_member, Company(ProjectsWrite),
        "Take a person off the project (their time stays)" => 200 out silo_domain::projects::Project;
    GET "/api/projects/{id}/budget" projects::budget, Company(ProjectsRead),
        "The project's budget burn now and per month (a retainer's over- and under-use)" => 200 out silo_domain::budgets::BudgetReport;
    POST "/api/projects/{id}/invoice" projects::invoice, Company(InvoicesWrite),
        "Invoice a fixed-price project's price (or a milestone part) or a retainer's month as a draft",
        in silo_domain::time_invoicing::ProjectInvoice => 201 out silo_domain::invoices::Invoice;
    GET "/api/tasks" projects::list_tasks, Company(ProjectsRead),
        "Tasks, by project, status and assignee" => 200 out Page<silo_domain::tasks::Task>, list(projects::TaskQuery);
    POST "/api/tasks" projects::create_task, Company(ProjectsWrite),
        "Create a task or subtask",
        in silo_domain::tasks::NewTask => 201 out silo_domain::tasks::Task;
    GET "/api/tasks/{id}" projects::get_task, Company(ProjectsRead),
        "One task" => 200 out silo_domain::tasks::Task;
    PATCH "/api/tasks/{id}" projects::update_task, Company(ProjectsWrite),
        "Change a task (status, assignee, position on the board)",
        in silo_domain::tasks::TaskPatch => 200 out silo_domain::tasks::Task;
    DELETE "/api/tasks/{id}" projects::delete_task, Company(ProjectsWrite),
        "Delete a task and its subtasks (not when time is logged on them)" => 204;
    GET "/api/time-entries" time::list, Company(TimeLog),
        "Time entries (only your own without time.read_all)" => 200 out Page<silo_domain::time_entries::TimeEntry>, list(time::TimeEntryQuery);
    POST "/api/time-entries" time::create, Company(TimeLog),
        "Log time as a draft (someone else's with time.approve)",
        in silo_domain::time_entries::NewTimeEntry => 201 out silo_domain::time_entries::TimeEntry;
    GET "/api/time-entries/{id}" time::get, Company(TimeLog),
        "One time entry" => 200 out silo_domain::time_entries::TimeEntry;
    PATCH "/api/time-entries/{id}" time::update, Company(TimeLog),
        "Change a time entry (approved ones with time.approve; invoiced ones not at all)",
        in silo_domain::time_entries::TimeEntryPatch => 200 out silo_domain::time_entries::TimeEntry;
    DELETE "/api/time-entries/{id}" time::delete, Company(TimeLog),
        "Delete a time entry that is not invoiced" => 204;
    POST "/api/time-entries/submit" time::submit, Company(TimeLog),
        "Submit your draft entries for approval (approves them when the company needs no approval)",
        in silo_domain::time_entries::EntryIds => 200 out time::Changed;
    POST "/api/time-entries/approve" time::approve, Company(TimeApprove),
        "Approve entries: their rates are fixed and they can be invoiced",
        in silo_domain::time_entries::EntryIds => 200 out time::Changed;
    POST "/api/time-entries/reject" time::reject, Company(TimeApprove),
        "Send submitted or approved entries back as drafts",
        in silo_domain::time_entries::Rejection => 200 out time::Changed;
    GET "/api/timesheet" time::timesheet, Company(TimeLog),
        "One person's week of time, Monday first" => 200 out silo_domain::time_entries::Timesheet, query(time::TimesheetQuery);
    GET "/api/timer" time::timer, Company(TimeLog),
        "Your running timer" => 200 out time::TimerState;
    POST "/api/timer/start" time::start_timer, Company(TimeLog),
        "Start your timer",
        in silo_domain::timers::StartTimer => 201 out silo_domain::timers::Timer;
    POST "/api/timer/stop" time::stop_timer, Company(TimeLog),
        "Stop your timer: its time becomes a draft entry",
        in silo_domain::timers::StopTimer => 201 out silo_domain::time_entries::TimeEntry;
    DELETE "/api/timer" time::discard_timer, Company(TimeLog),
        "Throw your running timer away" => 204;
    GET "/api/time-settings" time::settings, Company(TimeLog),
        "The company's time settings" => 200 out silo_domain::time_settings::TimeSettings;
    PATCH "/api/time-settings" time::update_settings, Company(TimeApprove),
        "Change approval, the lock date or the default billable target",
        in silo_domain::time_settings::TimeSettingsPatch => 200 out silo_domain::time_settings::TimeSettings;
    POST "/api/invoices/from-time/preview" time::preview_from_time, Company(InvoicesWrite),
        "What invoicing a client's approved time would make; writes nothing",
        in silo_domain::time_invoicing::FromTime => 200 out silo_domain::time_invoicing::FromTimePreview;
    POST "/api/invoices/from-time" time::invoice_from_time, Company(InvoicesWrite),
        "A draft invoice from a client's approved, billable, uninvoiced time, each entry linked to its line",
        in silo_domain::time_invoicing::FromTime => 201 out silo_domain::invoices::Invoice;
    GET "/api/reports/revenue" reports::revenue, Company(ReportsRead),
        "Invoiced, credited, paid, open, overdue and won per month and currency, won by source"
        => 200 out revenue::Revenue, query(revenue::RevenueQuery);
    GET "/api/reports/revenue/csv" reports::revenue_csv, Company(ReportsRead),
        "The revenue report as CSV" => 200 file "text/csv", query(revenue::RevenueQuery);
    GET "/api/reports/pipeline" reports::pipeline, Company(ReportsRead),
        "Every deal's count, value and weighted value per stage and currency"
        => 200 out Vec<silo_domain::deals::StageTotal>;
    GET "/api/reports/pipeline/csv" reports::pipeline_csv, Company(ReportsRead),
        "The pipeline report as CSV" => 200 file "text/csv";
    GET "/api/reports/top-clients" reports::top_clients, Company(ReportsRead),
        "The clients with the most invoiced in the period, per currency"
        => 200 out revenue::TopClients, query(revenue::TopClientsQuery);
    GET "/api/reports/top-clients/csv" reports::top_clients_csv, Company(ReportsRead),
        "The top clients report as CSV" => 200 file "text/csv", query(revenue::TopClientsQuery);
    // team (issue 20): capacity, time off, utilisation and project reports, exports.
    GET "/api/capacity" team::list_capacity, Company(TimeLog),
        "Capacity rows per person, oldest first (one's own without time.read_all; cost rates only with rates.read_cost)"
        => 200 out team::CapacityList, query(team::CapacityQuery);
    POST "/api/capacity" team::record_capacity, Company(TimeApprove),
        "Record a member's capacity from a date on (rows are history: the same person and date twice is 409 conflict; a cost rate needs rates.read_cost)",
        in silo_domain::team::NewCapacity => 201 out silo_domain::team::Capacity;
    GET "/api/time-off" team::list_time_off, Company(TimeLog),
        "Time off overlapping a period (one's own without time.read_all)"
        => 200 out team::TimeOffList, query(silo_domain::team::TimeOffQuery);
    POST "/api/time-off" team::create_time_off, Company(TimeLog),
        "Record time off: one's own, or any member's with time.approve",
        in silo_domain::team::NewTimeOff => 201 out silo_domain::team::TimeOff;
    DELETE "/api/time-off/{id}" team::delete_time_off, Company(TimeLog),
        "Delete time off: one's own, or anyone's with time.approve" => 204;
    GET "/api/reports/utilisation" team::utilisation, Company(TimeLog),
        "Capacity, time off, available, worked and billable time, billable utilisation and target attainment per person (one's own row without time.read_all)"
        => 200 out silo_domain::utilisation::Utilisation, query(silo_domain::utilisation::UtilisationQuery);
    GET "/api/reports/utilisation/csv" team::utilisation_csv, Company(TimeLog),
        "The utilisation report as CSV" => 200 file "text/csv", query(silo_domain::utilisation::UtilisationQuery);
    GET "/api/reports/projects" team::projects, Company(ProjectsRead),
        "Per project: budget, task estimates, actual and billable time, revenue, cost and margin (cost and margin null without rates.read_cost)"
        => 200 out silo_domain::utilisation::ProjectsReport, query(silo_domain::utilisation::ProjectsReportQuery);
    GET "/api/time-entries/csv" team::time_entries_csv, Company(TimeLog),
        "Time entries as CSV, with the list's filters and visibility (cost rate column only with rates.read_cost)"
        => 200 file "text/csv", query(team::TimeEntryCsvQuery);
    GET "/api/accounts/{id}/timesheet" team::account_timesheet, Company(TimeReadAll),
        "The client's approved billable time in a period as a PDF timesheet, in the client's language"
        => 200 file "application/pdf", query(silo_domain::time_exports::TimesheetQuery);
    // attribution (issue 22): the reconciliation report (report branch adds its rows here).
    GET "/api/attribution/report" attribution_report::report, Company(AttributionRead),
        "Paid revenue in a period by first or last touch (source, medium, campaign), with the unattributed and no-consent rows; each currency's total equals the revenue report's paid total"
        => 200 out silo_domain::attribution::report::AttributionReport, query(silo_domain::attribution::report::ReportQuery);
    GET "/api/attribution/report/csv" attribution_report::report_csv, Company(AttributionRead),
        "The attribution report as CSV" => 200 file "text/csv", query(silo_domain::attribution::report::ReportQuery);
    GET "/api/attribution/report/pdf" attribution_report::report_pdf, Company(AttributionRead),
        "The attribution report as a white-label PDF (the agency's logo and name), in the language asked for or the browser's"
        => 200 file "application/pdf", query(silo_domain::attribution::report::ReportQuery);
    // client portal (issue 21): sign-in, the portal user's own view, the agency's side.
    POST "/api/portal/auth/info" portal_sign_in::info, Public,
        "The agency's name and logo for its portal sign-in page (the key from the portal's address)",
        in portal_sign_in::AddressKey => 200 out portal_sign_in::PortalInfo;
    POST "/api/portal/auth/request-link" portal_sign_in::request_link, Public,
        "Mail a single-use sign-in link (20 minutes) to a portal user of the agency (the answer is the same for every address)",
        in portal_sign_in::LinkRequest => 202 out portal_sign_in::LinkRequested;
    POST "/api/portal/auth/link-info" portal_sign_in::link_info, Public,
        "Whether a sign-in link still works, without using it",
        in portal_sign_in::LinkToken => 200 out portal_sign_in::LinkInfo;
    POST "/api/portal/auth/consume" portal_sign_in::consume, Public,
        "Use a sign-in link (once): a portal session",
        in portal_sign_in::LinkToken => 200 out portal_sign_in::PortalSession;
    POST "/api/portal/auth/logout" portal_sign_in::logout, Portal(Home),
        "End this portal session" => 204;
    POST "/api/portal/auth/logout-all" portal_sign_in::logout_all, Portal(Home),
        "End every portal session of yours" => 204;
    GET "/api/portal/me" portal_sign_in::me, Portal(Home),
        "Who you are in the portal and which parts it shows you" => 200 out silo_domain::portal::PortalMe;
    GET "/api/portal/logo" portal_sign_in::logo, Portal(Home),
        "The agency's logo (404 when there is none)" => 200 file "image/png" | "image/jpeg";
    GET "/api/portal/colleagues" portal_colleagues::list, Portal(Colleagues),
        "Your client's portal users (client admins)" => 200 out Vec<silo_domain::portal::PortalUser>;
    POST "/api/portal/colleagues" portal_colleagues::invite, Portal(Colleagues),
        "Invite a colleague of your client to the portal (client admins)",
        in silo_domain::portal::users::NewPortalUser => 201 out silo_domain::portal::PortalUser;
    DELETE "/api/portal/colleagues/{id}" portal_colleagues::remove, Portal(Colleagues),
        "Remove a colleague from the portal (client admins; not yourself)" => 204;
    GET "/api/portal/contracts" portal_documents::contracts, Portal(Contracts),
        "Your client's sent and signed contracts, newest first" => 200 out Vec<silo_domain::portal::contracts::PortalContractSummary>;
    GET "/api/portal/contracts/{id}" portal_documents::contract, Portal(Contracts),
        "One of your client's contracts, with its text and the text's SHA-256" => 200 out silo_domain::portal::contracts::PortalContract;
    POST "/api/portal/contracts/{id}/sign" portal_documents::sign_contract, Portal(Contracts),
        "Sign a contract as yourself: your typed name, consent, and the SHA-256 of the text you read",
        in silo_domain::signing::SignFields => 200 out silo_domain::signing::Signed;
    GET "/api/portal/contracts/{id}/pdf" portal_documents::contract_pdf, Portal(Contracts),
        "The signed contract as a PDF with its evidence page (404 until signed)" => 200 file "application/pdf";
    GET "/api/portal/invoices" portal_documents::invoices, Portal(Invoices),
        "Your client's issued invoices, newest first (never drafts)" => 200 out Vec<silo_domain::portal::invoices::PortalInvoiceSummary>;
    GET "/api/portal/invoices/{id}" portal_documents::invoice, Portal(Invoices),
        "One of your client's invoices: status, amounts, dates, lines and how to pay it" => 200 out silo_domain::portal::invoices::PortalInvoice;
    GET "/api/portal/invoices/{id}/pdf" portal_documents::invoice_pdf, Portal(Invoices),
        "The invoice as a PDF" => 200 file "application/pdf";
    GET "/api/portal/invoices/{id}/ubl" portal_documents::invoice_ubl, Portal(Invoices),
        "The invoice as a Peppol BIS Billing 3.0 UBL e-invoice" => 200 file "application/xml";
    POST "/api/sign/view" signing::view, Public,
        "The contract a signing link asks to sign, without using the link",
        in signing::SigningToken => 200 out signing::SigningView;
    POST "/api/sign" signing::sign, Public,
        "Sign a contract by its link (once): the signer's typed name, consent and the SHA-256 of the text read",
        in signing::SignByLink => 200 out silo_domain::signing::Signed;
    GET "/api/company/portal" portal_admin::address, Company(PortalManage),
        "The client portal's sign-in address (public, like a site key)" => 200 out portal_admin::PortalAddress;
    POST "/api/company/portal/rotate" portal_admin::rotate, Company(PortalManage),
        "A new portal sign-in address; the old one stops working" => 200 out portal_admin::PortalAddress;
    GET "/api/accounts/{id}/portal" portal_admin::get, Company(PortalEngage),
        "A client's portal: the parts turned on and its portal users" => 200 out portal_admin::AccountPortal;
    PATCH "/api/accounts/{id}/portal" portal_admin::update, Company(PortalManage),
        "Turn parts of a client's portal on or off",
        in silo_domain::portal::access::PortalAccessPatch => 200 out portal_admin::AccountPortal;
    POST "/api/accounts/{id}/portal-users" portal_admin::invite, Company(PortalManage),
        "Invite a client's person to the portal: they get a sign-in link by mail",
        in silo_domain::portal::users::NewPortalUser => 201 out silo_domain::portal::PortalUser;
    PATCH "/api/portal-users/{id}" portal_admin::update_user, Company(PortalManage),
        "Change a portal user's name, role or language, or disable them (their sessions end)",
        in silo_domain::portal::users::PortalUserPatch => 200 out silo_domain::portal::PortalUser;
    DELETE "/api/portal-users/{id}" portal_admin::remove_user, Company(PortalManage),
        "Remove a portal user; their sessions end at once" => 204;
    POST "/api/accounts/{id}/portal/preview" portal_admin::preview, Company(PortalManage),
        "View a client's portal as they see it: a read-only portal session" => 201 out portal_admin::Preview;
    // client portal (issue 21): projects, files, approvals and messages, the client's side.
    GET "/api/portal/projects" portal_collab::list_projects, Portal(Projects),
        "Your projects: status, dates and how they are billed" => 200 out Vec<silo_domain::portal::projects::PortalProject>;
    GET "/api/portal/projects/{id}" portal_collab::get_project, Portal(Projects),
        "One of your projects with the tasks shared with you (their due dates are the timeline), and approved time and budget burn when the agency shows them"
        => 200 out silo_domain::portal::projects::PortalProjectDetail;
    GET "/api/portal/files" portal_collab::list_files, Portal(Files),
        "Files shared between you and the agency, newest first"
        => 200 out Vec<silo_domain::portal::files::PortalFile>, query(portal_collab::PortalFileQuery);
    POST "/api/portal/files" portal_collab::upload_file, Portal(Files),
        "Share a file with the agency (the body is the file, at most 10 MiB; PDF, PNG, JPEG, GIF, WebP, text, CSV, Word, Excel, PowerPoint or ZIP, read from the bytes)",
        body "application/octet-stream"
        => 201 out silo_domain::portal::files::PortalFile, query(portal_collab::PortalFileUpload);
    GET "/api/portal/files/{id}" portal_collab::download_file, Portal(Files),
        "Download one of your files" => 200 file "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "text/plain" | "text/csv" | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" | "application/vnd.openxmlformats-officedocument.presentationml.presentation" | "application/zip";
    GET "/api/portal/approvals" portal_collab::list_approvals, Portal(Approvals),
        "What the agency asked you to approve, newest first" => 200 out Vec<silo_domain::portal::approvals::PortalApproval>;
    GET "/api/portal/approvals/{id}" portal_collab::get_approval, Portal(Approvals),
        "One approval request" => 200 out silo_domain::portal::approvals::PortalApproval;
    GET "/api/portal/approvals/{id}/file" portal_collab::approval_file, Portal(Approvals),
        "Download the file an approval request is about" => 200 file "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "text/plain" | "text/csv" | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" | "application/vnd.openxmlformats-officedocument.presentationml.presentation" | "application/zip";
    POST "/api/portal/approvals/{id}/decide" portal_collab::decide_approval, Portal(Approvals),
        "Approve a pending request, or ask for changes with a comment",
        in silo_domain::portal::approvals::DecisionRequest => 200 out silo_domain::portal::approvals::PortalApproval;
    GET "/api/portal/threads" portal_collab::list_threads, Portal(Messages),
        "Your conversations with the agency, latest first" => 200 out Vec<silo_domain::portal::messages::PortalThread>;
    GET "/api/portal/threads/{id}/messages" portal_collab::thread_messages, Portal(Messages),
        "A conversation's messages, oldest first" => 200 out Vec<silo_domain::portal::messages::PortalMessage>;
    POST "/api/portal/threads/{id}/messages" portal_collab::post_message, Portal(Messages),
        "Write in a conversation; the agency is mailed",
        in silo_domain::portal::messages::PortalNewMessage => 201 out silo_domain::portal::messages::PortalMessage;
    // client portal (issue 21): files, approvals and messages, the agency's side.
    GET "/api/files" collab::list_files, Company(CrmRead),
        "Files shared with clients, newest first (of one client or project)"
        => 200 out Vec<silo_domain::files::SharedFile>, query(collab::FileQuery);
    POST "/api/files" collab::upload_file, Company(PortalEngage),
        "Share a file with a client (the body is the file, at most 10 MiB; PDF, PNG, JPEG, GIF, WebP, text, CSV, Word, Excel, PowerPoint or ZIP, read from the bytes)",
        body "application/octet-stream"
        => 201 out silo_domain::files::SharedFile, query(collab::FileUpload);
    GET "/api/files/{id}" collab::download_file, Company(CrmRead),
        "Download a shared file" => 200 file "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "text/plain" | "text/csv" | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" | "application/vnd.openxmlformats-officedocument.presentationml.presentation" | "application/zip";
    DELETE "/api/files/{id}" collab::delete_file, Company(PortalEngage),
        "Delete a shared file: its record stays, its bytes are dropped" => 204;
    GET "/api/approvals" collab::list_approvals, Company(PortalEngage),
        "Approval requests to clients, newest first" => 200 out Vec<silo_domain::approvals::Approval>, query(collab::ApprovalQuery);
    POST "/api/approvals" collab::request_approval, Company(PortalEngage),
        "Ask a client to approve a note or a file of theirs; their portal users are mailed",
        in silo_domain::approvals::NewApproval => 201 out silo_domain::approvals::Approval;
    GET "/api/approvals/{id}" collab::get_approval, Company(PortalEngage),
        "One approval request" => 200 out silo_domain::approvals::Approval;
    POST "/api/approvals/{id}/withdraw" collab::withdraw_approval, Company(PortalEngage),
        "Withdraw a pending approval request" => 200 out silo_domain::approvals::Approval;
    GET "/api/threads" collab::list_threads, Company(PortalEngage),
        "Conversations with clients, latest first" => 200 out Vec<silo_domain::messages::Thread>, query(collab::ThreadQuery);
    POST "/api/threads" collab::create_thread, Company(PortalEngage),
        "Start a conversation with a client (a first message mails their portal users)",
        in silo_domain::messages::NewThread => 201 out silo_domain::messages::Thread;
    GET "/api/threads/{id}/messages" collab::thread_messages, Company(PortalEngage),
        "A conversation's messages and internal notes, oldest first" => 200 out Vec<silo_domain::messages::Message>;
    POST "/api/threads/{id}/messages" collab::post_message, Company(PortalEngage),
        "Write to the client (their portal users are mailed a sign-in link) or add an internal note",
        in silo_domain::messages::NewMessage => 201 out silo_domain::messages::Message;
    // attribution (issue 22): tracked sites, their events, consent and touchpoints (collect
    // branch adds its rows here).
    GET "/api/sites" sites::list, Company(AttributionRead),
        "Tracked websites of clients (account_id: one client's)" => 200 out Page<attr_sites::Site>, list(sites::SiteQuery);
    POST "/api/sites" sites::create, Company(AttributionManage),
        "Track a client's website: its allowed origins, consent mode and a new public site key",
        in attr_sites::NewSite => 201 out attr_sites::Site;
    GET "/api/sites/{id}" sites::get, Company(AttributionRead),
        "One tracked site with its key and snippet" => 200 out attr_sites::Site;
    PATCH "/api/sites/{id}" sites::update, Company(AttributionManage),
        "Change a site's name, origins or consent settings, or turn collection on or off",
        in attr_sites::SitePatch => 200 out attr_sites::Site;
    DELETE "/api/sites/{id}" sites::delete, Company(AttributionManage),
        "Stop tracking a site: its key stops working" => 204;
    POST "/api/sites/{id}/rotate-key" sites::rotate_key, Company(AttributionManage),
        "A new site key; the old one stops working at once" => 200 out attr_sites::Site;
    GET "/api/sites/{id}/events" sites::events, Company(AttributionRead),
        "A site's collected events, newest first (what consent allowed to keep)"
        => 200 out Page<silo_domain::attribution::collect::TrackedEvent>, list;
    GET "/api/sites/{id}/consent" sites::consent_overview, Company(AttributionRead),
        "A site's consent decisions and events with and without consent over the last 30 days"
        => 200 out silo_domain::attribution::consent::ConsentOverview;
    GET "/api/sites/{id}/consent-records" sites::consent_records, Company(AttributionRead),
        "A site's consent ledger, newest first"
        => 200 out Page<silo_domain::attribution::consent::ConsentRecord>, list;
    GET "/api/contacts/{id}/touchpoints" sites::touchpoints, Company(AttributionRead),
        "Where a contact's visits came from, oldest first, with the first and last touch"
        => 200 out silo_domain::attribution::touchpoints::ContactTouchpoints;
    GET "/api/attribution/settings" sites::settings, Company(AttributionRead),
        "How long raw events are kept" => 200 out silo_domain::attribution::retention::AttributionSettings;
    PUT "/api/attribution/settings" sites::put_settings, Company(AttributionManage),
        "Change how long raw events are kept (1 to 120 months; daily aggregates stay)",
        in silo_domain::attribution::retention::AttributionSettingsInput
        => 200 out silo_domain::attribution::retention::AttributionSettings;
    GET "/s.js" collect::script, Public,
        "The attribution browser script (no dependencies; consent denied until the visitor decides)"
        => 200 file "application/javascript";
    POST "/e/{site_key}" collect::event, Public,
        "Collect one event from a tracked site (the site key, not a staff token; CORS per site; 64 KiB; 403 origin_not_allowed or site_disabled; 404 for a key that does not work)",
        in silo_domain::attribution::collect::EventInput => 202 out collect::Accepted;
    OPTIONS "/e/{site_key}" collect::preflight, Public,
        "CORS preflight of the collection endpoint, answered for the site's origins only" => 204;
    POST "/e/{site_key}/identify" collect::identify, Public,
        "A form submission on a tracked site: creates or updates the contact; links the visitor only with analytics consent",
        in silo_domain::attribution::identify::IdentifyInput => 202 out collect::Accepted;
    OPTIONS "/e/{site_key}/identify" collect::preflight_identify, Public,
        "CORS preflight of the form endpoint, answered for the site's origins only" => 204;
    GET "/api/webhooks" webhooks::list, Company(WebhooksManage),
        "Webhook endpoints (never with their secrets)" => 200 out Page<hooks::WebhookEndpoint>, list;
    POST "/api/webhooks" webhooks::create, Company(WebhooksManage),
        "Add a webhook endpoint; the answer shows its signing secret, this once",
        in hooks::NewWebhookEndpoint => 201 out hooks::WebhookEndpointSecret;
    GET "/api/webhooks/{id}" webhooks::get, Company(WebhooksManage),
        "One webhook endpoint" => 200 out hooks::WebhookEndpoint;
    PATCH "/api/webhooks/{id}" webhooks::update, Company(WebhooksManage),
        "Change a webhook endpoint's address, description or event types, or turn it on or off",
        in hooks::WebhookEndpointPatch => 200 out hooks::WebhookEndpoint;
    DELETE "/api/webhooks/{id}" webhooks::delete, Company(WebhooksManage),
        "Delete a webhook endpoint (its delivery log is kept); waiting deliveries are dropped" => 204;
    POST "/api/webhooks/{id}/rotate-secret" webhooks::rotate_secret, Company(WebhooksManage),
        "Replace the endpoint's signing secret; the old one keeps signing beside it for 24 hours; the answer shows the new one, this once"
        => 200 out hooks::WebhookEndpointSecret;
    POST "/api/webhooks/{id}/test" webhooks::send_test, Company(WebhooksManage),
        "Send a webhook.test event to this endpoint only" => 202 out hooks::WebhookDelivery;
    GET "/api/webhooks/{id}/deliveries" webhooks::deliveries, Company(WebhooksManage),
        "The endpoint's deliveries, newest first, with their latest attempts (q: event type)"
        => 200 out Page<hooks::WebhookDelivery>, list;
    POST "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver" webhooks::redeliver, Company(WebhooksManage),
        "Deliver a failed delivery again (to an enabled endpoint)" => 202 out hooks::WebhookDelivery;
    // attribution (issue 22): conversions and ad-platform destinations (forwarding branch adds
    // its rows here).
    GET "/api/conversions" conversions::list, Company(AttributionRead),
        "Conversions recorded from CRM facts (lead, deal won, invoice issued, invoice paid), newest first (q: order id)"
        => 200 out Page<silo_domain::attribution::conversions::Conversion>, list(conversions::ConversionQuery);
    GET "/api/destinations" destinations::list, Company(AttributionRead),
        "Ad-platform destinations (never with their credentials)"
        => 200 out Page<silo_domain::attribution::destinations::Destination>, list(destinations::DestinationQuery);
    POST "/api/destinations" destinations::create, Company(AttributionManage),
        "Add a client's ad-platform destination (meta: settings {pixel_id, test_event_code?}, credentials {access_token}; google_ads: settings {customer_id, conversion_action_id, login_customer_id?}, credentials {developer_token, access_token}); credentials are sealed and never shown again",
        in silo_domain::attribution::destinations::NewDestination => 201 out silo_domain::attribution::destinations::Destination;
    GET "/api/destinations/{id}" destinations::get, Company(AttributionRead),
        "One destination" => 200 out silo_domain::attribution::destinations::Destination;
    PATCH "/api/destinations/{id}" destinations::update, Company(AttributionManage),
        "Change a destination's name, kinds, settings, test mode, or turn it on or off",
        in silo_domain::attribution::destinations::DestinationPatch => 200 out silo_domain::attribution::destinations::Destination;
    DELETE "/api/destinations/{id}" destinations::delete, Company(AttributionManage),
        "Delete a destination: its credentials are erased, waiting deliveries dropped, its delivery log kept" => 204;
    PUT "/api/destinations/{id}/credentials" destinations::replace_credentials, Company(AttributionManage),
        "Replace a destination's credentials (sealed; the answer shows only a hint)",
        in silo_domain::attribution::destinations::NewCredentials => 200 out silo_domain::attribution::destinations::Destination;
    GET "/api/destinations/{id}/deliveries" destinations::deliveries, Company(AttributionRead),
        "The destination's deliveries, newest first (q: order id)"
        => 200 out Page<silo_domain::attribution::forwarding::ConversionDelivery>, list;
    POST "/api/destinations/{id}/deliveries/{delivery_id}/retry" destinations::retry, Company(AttributionManage),
        "Send a failed delivery again" => 202 out silo_domain::attribution::forwarding::ConversionDelivery;
    GET "/api/destinations/{id}/preview" destinations::preview, Company(AttributionRead),
        "The exact request that would send a conversion to this destination: hashed details, no credential"
        => 200 out silo_domain::attribution::forwarding::PlatformRequest, query(destinations::PreviewQuery);
}

fn filter(method: &Method) -> MethodFilter {
    MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET)
}

/// Attaches the route's access rule so the request-binding extractors enforce exactly what the
/// table says, and, on routes with path parameters, answers 404 `not_found` for a parameter
/// that is not a UUID before anything else reads the request (its body included): no record
/// has such an id.
fn with_access(
    route: MethodRouter<AppState>,
    access: Access,
    path: &'static str,
) -> MethodRouter<AppState> {
    let route = route.layer(axum::Extension(access));
    // Routes that take larger bodies than the default say so here (inner limits win).
    let route = match path {
        "/api/contracts/{id}/paper-signature" => route.layer(DefaultBodyLimit::max(
            silo_domain::signing::MAX_SCAN_BYTES + 1,
        )),
        // The public collection endpoints take small bodies only.
        p if p.starts_with(SITE_KEY_PREFIX) => route.layer(DefaultBodyLimit::max(
            silo_domain::attribution::collect::BODY_LIMIT,
        )),
        _ => route,
    };
    if path.contains('{') {
        route.layer(axum::middleware::from_fn(uuid_path_params))
    } else {
        route
    }
}

/// The media type of an upload route's body (`body "application/octet-stream"` in the table):
/// any file, its type read from the bytes. These routes take bodies up to the portal's file
/// limit (`PortalSettings::file_limit`, 10 MiB by default) instead of the server's body limit.
pub const UPLOAD: &str = "application/octet-stream";

/// Gives upload routes ([`UPLOAD`] bodies) the file limit of their own.
fn with_body_limit(
    route: MethodRouter<AppState>,
    body: &[&str],
    config: &ServerConfig,
) -> MethodRouter<AppState> {
    if body.contains(&UPLOAD) {
        route.layer(DefaultBodyLimit::max(config.portal.file_limit))
    } else {
        route
    }
}

/// The collection endpoints' paths: their one parameter, `site_key`, is a site's public key
/// (an entry token), not a UUID. It is checked for the shape of a token here and verified by
/// the handler; anything else answers 404 like an id that names no record.
pub const SITE_KEY_PREFIX: &str = "/e/{site_key}";
/// The path parameter that holds a site key.
pub const SITE_KEY_PARAM: &str = "site_key";
/// Longest site key accepted in a path.
const SITE_KEY_MAX: usize = 2048;

fn is_token_shaped(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= SITE_KEY_MAX
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// Every path parameter of the table is a UUID (but a site key, see [`SITE_KEY_PARAM`]);
/// anything else names no record.
async fn uuid_path_params(
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let all_uuids = params.is_ok_and(|params| {
        params.iter().all(|(name, value)| {
            if name == SITE_KEY_PARAM {
                is_token_shaped(value)
            } else {
                uuid::Uuid::try_parse(value).is_ok()
            }
        })
    });
    if all_uuids {
        next.run(request).await
    } else {
        ApiError::NotFound.into_response()
    }
}

pub(crate) fn router(state: AppState, config: &ServerConfig) -> Router {
    // `/metrics` is the operator's, not the API's: outside the table and the OpenAPI document,
    // and on this port only behind its own token (see [`observe::MetricsAccess`]).
    let mut routes = table(Router::new(), config);
    if config.metrics.token.is_some() {
        routes = routes.route("/metrics", get(observe::metrics_with_token));
    }
    let routes = routes
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .fallback(web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state);
    // The layers every answer gets wrap the routed app once, as one stack: layered onto the
    // routes themselves, each route would carry (and clone per request) a copy of each layer.
    Router::new().fallback_service(routes).layer(
        ServiceBuilder::new()
            // Browser-hardening headers on every answer, API and app alike.
            .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
            .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
            .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header_layer(
                header::CONTENT_SECURITY_POLICY,
                CONTENT_SECURITY_POLICY,
            ))
            // The request id (a client's, bounded and marked, or a new one), for the audit
            // records and log lines of the request and its answer's `X-Request-Id`.
            .layer(axum::middleware::from_fn(crate::request_id::set_request_id))
            .layer(DefaultBodyLimit::max(config.body_limit)),
    )
}

/// The content security policy of every answer: only our own scripts, styles and connections,
/// no inline code, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn header_layer(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// The router of the metrics listener (`--metrics-listen`): `/metrics` and nothing else.
pub(crate) fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(observe::metrics))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}
