//! The OpenAPI 3.1 document, built from the route table and the request and response types.
//!
//! Paths, methods and access come from [`crate::ROUTES`]; each route's summary and body types
//! come from [`DOCS`] below, whose schemas are derived from the Rust types with `schemars`. A
//! test fails when a route has no entry here.

use crate::handlers::{auth, company, invitations, members, password, signup, two_factor};
use crate::pagination::Page;
use crate::routes::{Access, ROUTES};
use axum::http::Method;
use axum::response::{Html, IntoResponse, Response};
use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use silo_control::{AuditRecord, Company, Member};
use silo_domain::{accounts, contacts, contracts, deals, invoices, invoicing, reports};

/// How one operation is documented.
pub struct OperationDoc {
    /// The method.
    pub method: Method,
    /// The path pattern, as in the route table.
    pub path: &'static str,
    /// One line for people.
    pub summary: &'static str,
    /// The success status.
    pub status: u16,
    /// Whether it is a paginated list (`limit`, `cursor`, `q`).
    pub list: bool,
    request: Option<Schema>,
    response: Option<Schema>,
}

macro_rules! docs {
    ($($method:ident $path:literal $summary:literal $(in $req:ty)? => $status:literal $(out $res:ty)? $(, $list:ident)?;)*) => {
        /// Every documented operation, with schemas registered in `generator`.
        pub fn operations(generator: &mut SchemaGenerator) -> Vec<OperationDoc> {
            vec![$(OperationDoc {
                method: Method::$method,
                path: $path,
                summary: $summary,
                status: $status,
                list: false $(|| stringify!($list) == "list")?,
                request: None $(.or(Some(generator.subschema_for::<$req>())))?,
                response: None $(.or(Some(generator.subschema_for::<$res>())))?,
            },)*]
        }
    };
}

docs! {
    GET "/healthz" "The process is up" => 200 out Value;
    GET "/readyz" "The control plane answers" => 200 out Value;
    GET "/metrics" "Prometheus metrics (text format)" => 200;
    GET "/.well-known/jwks.json" "Public keys that verify access tokens" => 200 out Value;
    GET "/api/openapi.json" "This document" => 200 out Value;
    GET "/api/docs" "The API reference page" => 200;
    POST "/api/signup" "Ask for a company with yourself as its owner: a verification link goes to the address (the answer is the same for every address)" in signup::SignupRequest => 202 out signup::SignupAccepted;
    POST "/api/auth/verify-email" "Use a signup's verification link: creates the company and logs in" in signup::VerifyEmailRequest => 201 out auth::TokenResponse;
    POST "/api/auth/login" "Log in (with `code` when two-factor is on); binds to a company when one is named or there is only one" in auth::LoginRequest => 200 out auth::TokenResponse;
    POST "/api/auth/invite-info" "What an invitation link offers, without using it" in invitations::TokenRequest => 200 out invitations::InviteInfo;
    POST "/api/auth/accept-invite" "Accept an invitation through its link: a new person chooses a password and is logged in; a known person keeps theirs and logs in as usual" in invitations::AcceptInviteRequest => 200 out auth::TokenResponse;
    POST "/api/auth/password-reset" "Mail a single-use password reset link (the answer is the same for every address)" in password::ResetRequest => 202 out password::ResetRequested;
    POST "/api/auth/password-reset/confirm" "Set a new password with a reset link; ends every session" in password::ResetConfirm => 204;
    POST "/api/auth/password" "Change your password; ends your other sessions" in password::ChangePassword => 204;
    POST "/api/auth/logout-all" "End every session and access token of yours" => 204;
    POST "/api/invitations/{id}/accept" "Accept one of your invitations; answers a token bound to that company" => 200 out auth::TokenResponse;
    POST "/api/invitations/{id}/decline" "Decline one of your invitations" => 204;
    POST "/api/auth/switch" "A token bound to another company of yours" in auth::SwitchRequest => 200 out auth::TokenResponse;
    POST "/api/auth/refresh" "A new access token for the session cookie (needs the header X-Silo-Refresh: 1); replaces the cookie" => 200 out auth::TokenResponse;
    POST "/api/auth/logout" "End the cookie's session and clear the cookie (needs the header X-Silo-Refresh: 1)" => 204;
    POST "/api/auth/2fa/setup" "Start two-factor set-up (with your password): a new secret for your authenticator app, pending until confirmed" in two_factor::SetupRequest => 200 out two_factor::SetupResponse;
    POST "/api/auth/2fa/confirm" "Turn two-factor on with a first code; answers ten recovery codes, shown once" in two_factor::CodeRequest => 200 out two_factor::RecoveryCodes;
    POST "/api/auth/2fa/disable" "Turn two-factor off (password and a code or recovery code)" in two_factor::DisableRequest => 204;
    POST "/api/auth/2fa/recovery-codes" "A new set of recovery codes; the old ones stop working" in two_factor::CodeRequest => 200 out two_factor::RecoveryCodes;
    GET "/api/me" "Who you are, where, and what you may do" => 200 out Value;
    GET "/api/company" "Your company" => 200 out Company;
    PATCH "/api/company" "Rename the company, change its plan (owners) or require two-factor of every member (owners)" in company::PatchCompany => 200 out Company;
    DELETE "/api/company" "Erase the company and its database for good (owners; confirm with the slug)" in company::EraseCompany => 200 out Company;
    GET "/api/members" "The company's members" => 200 out Page<Member>, list;
    POST "/api/members" "Invite an address in a role; the invitation goes by mail and grants nothing until accepted" in members::AddMember => 201 out members::Invited;
    GET "/api/members/invitations" "The company's pending invitations" => 200 out Page<silo_control::Invitation>, list;
    POST "/api/members/invitations/{id}/resend" "Send an invitation again with a new link and expiry" => 200 out silo_control::Invitation;
    DELETE "/api/members/invitations/{id}" "Withdraw a pending invitation" => 204;
    PATCH "/api/members/{identity_id}" "Change a member's role" in members::ChangeRole => 200 out Member;
    DELETE "/api/members/{identity_id}" "Remove a member" => 204;
    GET "/api/audit" "The company's audit trail, newest first" => 200 out Page<AuditRecord>, list;
    GET "/api/company/invoicing" "Invoicing details printed on invoices" => 200 out invoicing::Invoicing;
    PATCH "/api/company/invoicing" "Change invoicing details" in invoicing::InvoicingPatch => 200 out invoicing::Invoicing;
    GET "/api/accounts" "Client organisations" => 200 out Page<accounts::Account>, list;
    POST "/api/accounts" "Create an account" in accounts::NewAccount => 201 out accounts::Account;
    GET "/api/accounts/{id}" "One account" => 200 out accounts::Account;
    PATCH "/api/accounts/{id}" "Change an account" in accounts::AccountPatch => 200 out accounts::Account;
    DELETE "/api/accounts/{id}" "Delete an account" => 204;
    GET "/api/contacts" "People at client organisations" => 200 out Page<contacts::Contact>, list;
    POST "/api/contacts" "Create a contact (within the plan's limit)" in contacts::NewContact => 201 out contacts::Contact;
    GET "/api/contacts/{id}" "One contact" => 200 out contacts::Contact;
    PATCH "/api/contacts/{id}" "Change a contact" in contacts::ContactPatch => 200 out contacts::Contact;
    DELETE "/api/contacts/{id}" "Delete a contact" => 204;
    GET "/api/deals" "The pipeline" => 200 out Page<deals::Deal>, list;
    POST "/api/deals" "Create a deal" in deals::NewDeal => 201 out deals::Deal;
    GET "/api/deals/{id}" "One deal with its stage history" => 200 out deals::Deal;
    PATCH "/api/deals/{id}" "Change a deal or move it to another stage" in deals::DealPatch => 200 out deals::Deal;
    DELETE "/api/deals/{id}" "Delete a deal" => 204;
    GET "/api/contracts" "Contracts" => 200 out Page<contracts::Contract>, list;
    POST "/api/contracts" "Draft a contract" in contracts::NewContract => 201 out contracts::Contract;
    GET "/api/contracts/{id}" "One contract" => 200 out contracts::Contract;
    PATCH "/api/contracts/{id}" "Change a draft contract" in contracts::ContractPatch => 200 out contracts::Contract;
    POST "/api/contracts/{id}/send" "Send a draft contract; its body is then fixed" => 200 out contracts::Contract;
    POST "/api/contracts/{id}/sign" "Sign a sent contract" in contracts::Signature => 200 out contracts::Contract;
    GET "/api/invoices" "Invoices" => 200 out Page<invoices::Invoice>, list;
    POST "/api/invoices" "Draft an invoice" in invoices::NewInvoice => 201 out invoices::Invoice;
    GET "/api/invoices/{id}" "One invoice with lines and payments" => 200 out invoices::Invoice;
    PATCH "/api/invoices/{id}" "Change a draft invoice" in invoices::InvoicePatch => 200 out invoices::Invoice;
    POST "/api/invoices/{id}/issue" "Issue a draft invoice: it gets the next number" in silo_domain::billing::IssueRequest => 200 out invoices::Invoice;
    POST "/api/invoices/{id}/payments" "Record a payment" in silo_domain::billing::NewPayment => 201 out invoices::Invoice;
    GET "/api/reports/revenue" "Won, invoiced and paid per month, won by source" => 200 out reports::Revenue;
}

const ERROR_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "bad_request: the body is not JSON or not the expected shape",
    ),
    (
        401,
        "unauthenticated, invalid_credentials or two_factor_required",
    ),
    (
        403,
        "no_company, tenant_unresolved, company_suspended, not_a_member, two_factor_setup_required, forbidden, plan_limit",
    ),
    (404, "not_found"),
    (405, "method_not_allowed"),
    (409, "conflict and its specific codes (last_owner, ...)"),
    (413, "payload_too_large"),
    (422, "invalid, with fields"),
    (429, "rate_limited, with Retry-After"),
    (
        503,
        "tenant_unavailable, unavailable, or busy (with Retry-After)",
    ),
];

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        }}
    })
}

fn parameters(doc: &OperationDoc) -> Vec<Value> {
    let mut params: Vec<Value> = doc
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}))
        .collect();
    if doc.list {
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
        params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}));
        if doc.path == "/api/audit" {
            for name in ["action", "actor", "from", "to"] {
                params.push(json!({"name": name, "in": "query", "schema": {"type": "string"}}));
            }
        } else {
            params.push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
        }
    }
    params
}

fn operation(doc: &OperationDoc, access: Access) -> Value {
    let mut responses = Map::new();
    let success = match &doc.response {
        Some(schema) => {
            json!({"description": "success", "content": {"application/json": {"schema": schema}}})
        }
        None => json!({"description": "success"}),
    };
    responses.insert(doc.status.to_string(), success);
    for (status, description) in ERROR_STATUSES {
        responses.insert(
            status.to_string(),
            json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    let mut op = json!({
        "summary": doc.summary,
        "operationId": format!("{} {}", doc.method, doc.path),
        "parameters": parameters(doc),
        "responses": responses,
    });
    if let Some(schema) = &doc.request {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": schema}}});
    }
    match access {
        Access::Public => op["security"] = json!([]),
        Access::Identity => op["security"] = json!([{"bearer": []}]),
        Access::Company(p) => {
            op["security"] = json!([{"bearer": []}]);
            op["x-silo-permission"] = json!(p.as_str());
        }
    }
    op
}

/// The whole document.
pub fn document() -> Value {
    let settings =
        SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into());
    let mut generator = settings.into_generator();
    let docs = operations(&mut generator);
    let mut paths = Map::new();
    for route in ROUTES {
        let Some(doc) = docs
            .iter()
            .find(|d| d.method == route.method && d.path == route.path)
        else {
            continue;
        };
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation(doc, route.access);
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert("Error".into(), error_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Silo API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every company has its own database; a request reaches one only through the company_id claim of a verified token."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> axum::Json<Value> {
    axum::Json(document())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/docs`: a plain reference page rendered on the server (no scripts, no CDN).
pub async fn docs_page() -> Response {
    let doc = document();
    let mut rows = String::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let permission =
                    op["x-silo-permission"]
                        .as_str()
                        .unwrap_or(if op["security"] == json!([]) {
                            "public"
                        } else {
                            "any token"
                        });
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>\n",
                    method.to_ascii_uppercase(),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or("")),
                    escape(permission)
                ));
            }
        }
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Silo API reference</title></head><body>\
         <h1>Silo API reference</h1><p>The machine-readable document is at <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1). \
         Errors are <code>{{\"error\": {{\"code\", \"message\", \"fields\"?}}}}</code>.</p>\
         <table><thead><tr><th>method</th><th>path</th><th>what</th><th>needs</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    );
    Html(page).into_response()
}

/// Routes without documentation (for the test that keeps the document complete).
pub fn undocumented() -> Vec<String> {
    let mut generator = SchemaGenerator::default();
    let docs = operations(&mut generator);
    let mut missing: Vec<String> = ROUTES
        .iter()
        .filter(|r| {
            !docs
                .iter()
                .any(|d| d.method == r.method && d.path == r.path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    missing.extend(
        docs.iter()
            .filter(|d| {
                !ROUTES
                    .iter()
                    .any(|r| r.method == d.method && r.path == d.path)
            })
            .map(|d| format!("documented but not routed: {} {}", d.method, d.path)),
    );
    missing
}
