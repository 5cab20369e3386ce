#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Every company-scoped route declares its permission in the route table.

use silo_server::{Access, ROUTES};

/// Routes that legitimately need no company: public ones and identity-level ones.
const NOT_COMPANY_SCOPED: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/.well-known/jwks.json",
    "/api/signup",
    "/api/auth/login",
    "/api/auth/accept-invite",
    "/api/auth/switch",
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
