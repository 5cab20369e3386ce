//! The route table: every route, its handler and what it requires, in one place.

use crate::error::ApiError;
use crate::handlers::{
    accounts, audit, auth, company, contacts, contracts, deals, health, invitations, invoices,
    invoicing, members, password, reports, session, signup, two_factor,
};
use crate::{AppState, ServerConfig};
use crate::{observe, openapi, web};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::http::{HeaderValue, header};
use axum::routing::{MethodFilter, MethodRouter, on};
use silo_roles::Permission;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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

/// One route of the table.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern (axum syntax).
    pub path: &'static str,
    /// What the caller needs.
    pub access: Access,
}

macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path, $access:expr;)*) => {
        /// Every route with its access rule, for tests and documentation.
        pub static ROUTES: &[RouteSpec] = &[
            $(RouteSpec { method: Method::$method, path: $path, access: $access },)*
        ];

        fn table(router: Router<AppState>) -> Router<AppState> {
            router
            $(.route($path, with_access(on(filter(&Method::$method), $handler), $access)))*
        }
    };
}

route_table! {
    GET "/healthz" => health::healthz, Access::Public;
    GET "/readyz" => health::readyz, Access::Public;
    GET "/metrics" => observe::metrics, Access::Public;
    GET "/api/openapi.json" => openapi::openapi_json, Access::Public;
    GET "/api/docs" => openapi::docs_page, Access::Public;
    GET "/.well-known/jwks.json" => auth::jwks, Access::Public;
    POST "/api/signup" => signup::signup, Access::Public;
    POST "/api/auth/verify-email" => signup::verify_email, Access::Public;
    POST "/api/auth/login" => auth::login, Access::Public;
    POST "/api/auth/invite-info" => invitations::invite_info, Access::Public;
    POST "/api/auth/accept-invite" => invitations::accept_invite, Access::Public;
    POST "/api/auth/password-reset" => password::request_reset, Access::Public;
    POST "/api/auth/password-reset/confirm" => password::confirm_reset, Access::Public;
    POST "/api/auth/password" => password::change, Access::Identity;
    POST "/api/auth/logout-all" => password::logout_all, Access::Identity;
    POST "/api/invitations/{id}/accept" => invitations::accept, Access::Identity;
    POST "/api/invitations/{id}/decline" => invitations::decline, Access::Identity;
    POST "/api/auth/switch" => auth::switch, Access::Identity;
    POST "/api/auth/refresh" => session::refresh, Access::Public;
    POST "/api/auth/logout" => session::logout, Access::Public;
    POST "/api/auth/2fa/setup" => two_factor::setup, Access::Identity;
    POST "/api/auth/2fa/confirm" => two_factor::confirm, Access::Identity;
    POST "/api/auth/2fa/disable" => two_factor::disable, Access::Identity;
    POST "/api/auth/2fa/recovery-codes" => two_factor::recovery_codes, Access::Identity;
    GET "/api/me" => auth::me, Access::Identity;
    GET "/api/company" => company::get, Access::Company(Permission::CompanyRead);
    PATCH "/api/company" => company::patch, Access::Company(Permission::CompanyUpdate);
    DELETE "/api/company" => company::erase, Access::Company(Permission::CompanyDelete);
    GET "/api/members" => members::list, Access::Company(Permission::MembersRead);
    POST "/api/members" => members::add, Access::Company(Permission::MembersManage);
    GET "/api/members/invitations" => members::invitations, Access::Company(Permission::MembersRead);
    POST "/api/members/invitations/{id}/resend" => members::resend, Access::Company(Permission::MembersManage);
    DELETE "/api/members/invitations/{id}" => members::revoke, Access::Company(Permission::MembersManage);
    PATCH "/api/members/{identity_id}" => members::change_role, Access::Company(Permission::MembersManage);
    DELETE "/api/members/{identity_id}" => members::remove, Access::Company(Permission::MembersManage);
    GET "/api/audit" => audit::list, Access::Company(Permission::AuditRead);
    GET "/api/company/invoicing" => invoicing::get, Access::Company(Permission::CompanyRead);
    PATCH "/api/company/invoicing" => invoicing::update, Access::Company(Permission::CompanyUpdate);
    GET "/api/accounts" => accounts::list, Access::Company(Permission::CrmRead);
    POST "/api/accounts" => accounts::create, Access::Company(Permission::CrmWrite);
    GET "/api/accounts/{id}" => accounts::get, Access::Company(Permission::CrmRead);
    PATCH "/api/accounts/{id}" => accounts::update, Access::Company(Permission::CrmWrite);
    DELETE "/api/accounts/{id}" => accounts::delete, Access::Company(Permission::CrmWrite);
    GET "/api/contacts" => contacts::list, Access::Company(Permission::CrmRead);
    POST "/api/contacts" => contacts::create, Access::Company(Permission::CrmWrite);
    GET "/api/contacts/{id}" => contacts::get, Access::Company(Permission::CrmRead);
    PATCH "/api/contacts/{id}" => contacts::update, Access::Company(Permission::CrmWrite);
    DELETE "/api/contacts/{id}" => contacts::delete, Access::Company(Permission::CrmWrite);
    GET "/api/deals" => deals::list, Access::Company(Permission::DealsRead);
    POST "/api/deals" => deals::create, Access::Company(Permission::DealsWrite);
    GET "/api/deals/{id}" => deals::get, Access::Company(Permission::DealsRead);
    PATCH "/api/deals/{id}" => deals::update, Access::Company(Permission::DealsWrite);
    DELETE "/api/deals/{id}" => deals::delete, Access::Company(Permission::DealsWrite);
    GET "/api/contracts" => contracts::list, Access::Company(Permission::ContractsRead);
    POST "/api/contracts" => contracts::create, Access::Company(Permission::ContractsWrite);
    GET "/api/contracts/{id}" => contracts::get, Access::Company(Permission::ContractsRead);
    PATCH "/api/contracts/{id}" => contracts::update, Access::Company(Permission::ContractsWrite);
    POST "/api/contracts/{id}/send" => contracts::send, Access::Company(Permission::ContractsWrite);
    POST "/api/contracts/{id}/sign" => contracts::sign, Access::Company(Permission::ContractsWrite);
    GET "/api/invoices" => invoices::list, Access::Company(Permission::InvoicesRead);
    POST "/api/invoices" => invoices::create, Access::Company(Permission::InvoicesWrite);
    GET "/api/invoices/{id}" => invoices::get, Access::Company(Permission::InvoicesRead);
    PATCH "/api/invoices/{id}" => invoices::update, Access::Company(Permission::InvoicesWrite);
    POST "/api/invoices/{id}/issue" => invoices::issue, Access::Company(Permission::InvoicesWrite);
    POST "/api/invoices/{id}/payments" => invoices::pay, Access::Company(Permission::InvoicesWrite);
    GET "/api/reports/revenue" => reports::revenue, Access::Company(Permission::ReportsRead);
}

fn filter(method: &Method) -> MethodFilter {
    MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET)
}

/// Attaches the route's access rule so the request-binding extractors enforce exactly what the
/// table says.
fn with_access(route: MethodRouter<AppState>, access: Access) -> MethodRouter<AppState> {
    route.layer(axum::Extension(access))
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
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(PropagateRequestIdLayer::x_request_id())
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
