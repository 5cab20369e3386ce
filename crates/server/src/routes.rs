//! The route table: every route in one declaration (method, path, handler, who may call it,
//! what it does, its request and response types, its success status and whether it is a
//! paginated list). The router, the OpenAPI document ([`crate::openapi`]), the generated API
//! reference and TypeScript types, and the tests all read [`ROUTES`].

use crate::error::ApiError;
use crate::handlers::{
    accounts, audit, auth, branding, company, contacts, contracts, deals, health, invitations,
    invoices, invoicing, members, password, reports, session, signup, timeline, two_factor,
    webhooks,
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
use axum::routing::{MethodFilter, MethodRouter, on};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use silo_control::{Company, Invitation, Member};
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
}

impl Access {
    /// How the access rule reads in documentation: `public`, `any token` or the permission.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Identity => "any token",
            Access::Company(p) => p.as_str(),
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
    /// The path pattern (axum syntax; every `{param}` is a UUID).
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
                access: Access::$access $((Permission::$permission))?,
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

        fn table(router: Router<AppState>) -> Router<AppState> {
            router
            $(.route(
                $path,
                with_access(
                    on(filter(&Method::$method), $handler),
                    Access::$access $((Permission::$permission))?,
                    $path,
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
    GET "/metrics" observe::metrics, Public,
        "Prometheus metrics (text format)" => 200;
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
        "End the cookie's session and clear the cookie (needs the header X-Silo-Refresh: 1)",
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
        "Send a draft contract; its body is then fixed" => 200 out silo_domain::contracts::Contract;
    POST "/api/contracts/{id}/sign" contracts::sign, Company(ContractsWrite),
        "Sign a sent contract",
        in silo_domain::contracts::Signature => 200 out silo_domain::contracts::Contract;
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
    if path.contains('{') {
        route.layer(axum::middleware::from_fn(uuid_path_params))
    } else {
        route
    }
}

/// Every path parameter of the table is a UUID; anything else names no record.
async fn uuid_path_params(
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let all_uuids = params.is_ok_and(|params| {
        params
            .iter()
            .all(|(_, value)| uuid::Uuid::try_parse(value).is_ok())
    });
    if all_uuids {
        next.run(request).await
    } else {
        ApiError::NotFound.into_response()
    }
}

pub(crate) fn router(state: AppState, config: &ServerConfig) -> Router {
    let routes = table(Router::new())
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
