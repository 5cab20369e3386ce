#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Every company-scoped route declares its permission in the route table.

use silo_server::{Access, ROUTES};

/// Routes that legitimately need no company: public ones and identity-level ones.
const NOT_COMPANY_SCOPED: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/openapi.json",
    "/api/docs",
    "/.well-known/jwks.json",
    "/api/signup",
    "/api/auth/verify-email",
    "/api/auth/login",
    "/api/auth/invite-info",
    "/api/auth/accept-invite",
    "/api/auth/password-reset",
    "/api/auth/password-reset/confirm",
    "/api/auth/password",
    "/api/auth/logout-all",
    "/api/invitations/{id}/accept",
    "/api/invitations/{id}/decline",
    "/api/auth/switch",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/2fa/setup",
    "/api/auth/2fa/confirm",
    "/api/auth/2fa/disable",
    "/api/auth/2fa/recovery-codes",
    "/api/me",
];

#[test]
fn every_api_route_outside_the_allow_list_is_company_scoped_with_a_permission() {
    assert!(!ROUTES.is_empty());
    for route in ROUTES {
        if NOT_COMPANY_SCOPED.contains(&route.path) {
            assert!(
                !matches!(route.access, Access::Company(_)),
                "{} {}",
                route.method,
                route.path
            );
        } else {
            assert!(
                matches!(route.access, Access::Company(_)),
                "{} {} must declare a permission",
                route.method,
                route.path
            );
        }
    }
}

#[test]
fn no_route_is_declared_twice() {
    let mut seen = std::collections::HashSet::new();
    for route in ROUTES {
        assert!(
            seen.insert((route.method.clone(), route.path)),
            "{} {}",
            route.method,
            route.path
        );
    }
}

#[test]
fn every_route_is_in_the_openapi_document() {
    assert_eq!(silo_server::openapi::undocumented(), Vec::<String>::new());
    let doc = silo_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    for route in ROUTES {
        let method = route.method.as_str().to_ascii_lowercase();
        assert!(
            doc["paths"][route.path][&method].is_object(),
            "{} {}",
            route.method,
            route.path
        );
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
    let contacts = &doc["paths"]["/api/contacts"]["post"];
    assert_eq!(contacts["x-silo-permission"], "crm.write");
    assert!(contacts["requestBody"].is_object() && contacts["responses"]["201"].is_object());
}
