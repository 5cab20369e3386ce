#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The route table is the one declaration of every route: each route is served with the access
//! its row declares (checked over HTTP, route by route), appears in the OpenAPI document as
//! declared, and answers a path id that is not a UUID with 404.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;
use silo_roles::Role;
use silo_server::{Access, ROUTES, RouteSpec};

/// The route's path with every parameter filled by `id`.
fn concrete(route: &RouteSpec, id: &str) -> String {
    let mut path = route.path.to_owned();
    for name in route.path_params() {
        path = path.replace(&format!("{{{name}}}"), id);
    }
    path
}

async fn call(app: &TestApp, route: &RouteSpec, path: &str, token: Option<&str>) -> Reply {
    let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.url))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    app.send(req).await
}

#[test]
fn no_route_is_declared_twice_and_every_api_route_needs_more_than_nothing() {
    assert!(!ROUTES.is_empty());
    let mut seen = std::collections::HashSet::new();
    // The operation id names the generated client's function and types: two rows of one
    // handler would give two operations one name.
    let mut operations = std::collections::HashSet::new();
    for route in ROUTES {
        assert!(
            seen.insert((route.method.clone(), route.path)),
            "{} {}",
            route.method,
            route.path
        );
        assert!(
            operations.insert(route.operation_id()),
            "{} {}: operation id {} is taken",
            route.method,
            route.path,
            route.operation_id()
        );
        // Business data lives under company-scoped routes only: nothing public or merely
        // identity-level may answer with it.
        if let Some(response) = route.response {
            let mut generator = silo_server::openapi::generator();
            let schema = serde_json::to_value(response(&mut generator)).unwrap();
            let business = [
                "Account", "Contact", "Deal", "Contract", "Invoice", "Revenue",
            ];
            if !matches!(route.access, Access::Company(_) | Access::Portal(_)) {
                let text = schema.to_string();
                assert!(
                    !business.iter().any(|b| text.contains(&format!("/{b}\""))
                        || text.contains(&format!("/{b}Page\""))),
                    "{} {} answers business data without a company permission",
                    route.method,
                    route.path
                );
            }
        }
    }
}

#[test]
fn every_route_is_in_the_openapi_document_as_declared() {
    let doc = silo_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(operations, ROUTES.len(), "one operation per route");
    for route in ROUTES {
        let method = route.method.as_str().to_ascii_lowercase();
        let op = &doc["paths"][route.path][&method];
        let what = format!("{} {}", route.method, route.path);
        assert_eq!(op["summary"], route.summary, "{what}");
        assert_eq!(op["operationId"], route.operation_id(), "{what}");
        let success = &op["responses"][route.status.to_string()];
        assert!(success.is_object(), "{what}");
        assert_eq!(
            success["content"]["application/json"].is_object(),
            route.response.is_some(),
            "{what}"
        );
        for media in route.files {
            assert_eq!(
                success["content"][media]["schema"]["format"], "binary",
                "{what}"
            );
        }
        assert_eq!(
            op["requestBody"].is_object(),
            route.request.is_some() || !route.body.is_empty(),
            "{what}"
        );
        for media in route.body {
            assert_eq!(
                op["requestBody"]["content"][media]["schema"]["format"], "binary",
                "{what}"
            );
        }
        match route.access {
            Access::Public => assert_eq!(op["security"], json!([]), "{what}"),
            Access::Identity => {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{what}");
                assert!(op.get("x-silo-permission").is_none(), "{what}");
            }
            Access::Company(p) => {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{what}");
                assert_eq!(op["x-silo-permission"], p.as_str(), "{what}");
            }
            Access::Portal(part) => {
                assert_eq!(op["security"], json!([{"portal": []}]), "{what}");
                assert_eq!(op["x-silo-portal-part"], part.as_str(), "{what}");
                assert!(op.get("x-silo-permission").is_none(), "{what}");
            }
        }
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(params, route.path_params().collect::<Vec<_>>(), "{what}");
        let query: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        // A list pages with `limit`; a report may take a `limit` of its own.
        assert!(query.contains(&"limit") || !route.is_list(), "{what}");
        assert_eq!(query.contains(&"cursor"), route.is_list(), "{what}");
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
    let limit = doc["paths"]["/api/contacts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 200);
}

/// Every route, called over HTTP without a token, with a token bound to no company and with a
/// role that lacks the row's permission, is refused exactly as its access says; and a path id
/// that is not a UUID answers 404 whatever the body.
async fn every_route_enforces_the_access_of_its_row() {
    let app = spawn_app().await;
    let (_, _) = app.signup("Alpha", "ann@alpha.example").await;
    let (_, _) = app.signup("Beta", "bob@beta.example").await;
    app.add_member("beta", "ann@alpha.example", Role::Viewer)
        .await;
    let login = app.login("ann@alpha.example", None).await;
    assert!(login.body["company"].is_null(), "{}", login.body);
    let identity_only = login.body["token"].as_str().unwrap().to_owned();
    let mut role_tokens = Vec::new();
    for role in Role::ALL.iter().copied() {
        let email = format!("{}@beta.example", role.as_str());
        let token = if role == Role::Owner {
            app.login("bob@beta.example", None).await.body["token"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            app.member_token("beta", &email, role).await
        };
        role_tokens.push((role, token));
    }
    let owner = role_tokens
        .iter()
        .find(|(role, _)| *role == Role::Owner)
        .map(|(_, token)| token.clone())
        .unwrap();
    let any_id = uuid::Uuid::now_v7().to_string();
    let mut company_routes = 0;
    for route in ROUTES {
        let path = concrete(route, &any_id);
        let what = format!("{} {}", route.method, route.path);
        if route.access != Access::Public {
            let r = call(&app, route, &path, None).await;
            assert_eq!(r.status, 401, "{what} without a token: {}", r.body);
            assert_eq!(r.code(), "unauthenticated", "{what}");
        }
        if let Access::Company(permission) = route.access {
            company_routes += 1;
            call(&app, route, &path, Some(&identity_only))
                .await
                .expect(403, "no_company");
            for (role, token) in &role_tokens {
                if !role.can(permission) {
                    let r = call(&app, route, &path, Some(token)).await;
                    assert_eq!(
                        (r.status.as_u16(), r.code()),
                        (403, "forbidden"),
                        "{what} as {role}: {}",
                        r.body
                    );
                }
            }
        }
        if route.path_params().next().is_some() {
            for bad in ["not-a-uuid", "1", "%FF", "..%2Fcompany"] {
                let path = concrete(route, bad);
                let r = call(&app, route, &path, Some(&owner)).await;
                assert_eq!(
                    (r.status.as_u16(), r.code()),
                    (404, "not_found"),
                    "{what} with {bad}: {}",
                    r.body
                );
            }
        }
    }
    assert!(company_routes > 0);
    // Nothing was changed by any of it.
    let company = app.get("/api/company", Some(&owner)).await;
    assert_eq!(company.body["name"], "Beta", "{}", company.body);
}

silo_testkit::backend_tests!(every_route_enforces_the_access_of_its_row);

/// The shared-file downloads declare exactly the types an upload may have (the route table
/// needs them as literals; this keeps them one fact with `silo_domain::files::ALLOWED`).
#[test]
fn file_downloads_declare_the_accepted_types() {
    let accepted: Vec<&str> = silo_domain::files::ALLOWED
        .iter()
        .map(|(m, _)| *m)
        .collect();
    let downloads: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.path.ends_with("/files/{id}") || r.path.ends_with("/approvals/{id}/file"))
        .filter(|r| r.method == Method::GET)
        .collect();
    assert_eq!(downloads.len(), 3);
    for route in downloads {
        assert_eq!(route.files, accepted.as_slice(), "{}", route.path);
    }
}
