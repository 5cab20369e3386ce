#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! What the audit trail records, and who may read it.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn sensitive_actions_are_recorded_and_readable_by_auditors_only() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    app.add_member("acme", "vic@acme.example", Role::Viewer)
        .await;
    app.add_member("acme", "max@acme.example", Role::Marketing)
        .await;
    app.post(
        "/api/auth/login",
        None,
        json!({"email": "vic@acme.example", "password": "wrong wrong wrong"}),
    )
    .await;
    let viewer = app.login("vic@acme.example", None).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch("/api/company", Some(&viewer), json!({"name": "Hacked"}))
        .await
        .expect(403, "forbidden");
    let vic = payload(&viewer)["sub"].as_str().unwrap().to_owned();
    app.patch(
        &format!("/api/members/{vic}"),
        Some(&owner),
        json!({"role": "sales"}),
    )
    .await;
    app.patch(
        "/api/company",
        Some(&owner),
        json!({"name": "Acme Renamed"}),
    )
    .await;

    let control = app.tenancy.control();
    let acme = control
        .company(company.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let suspended = app
        .tenancy
        .set_status(&acme, silo_control::CompanyStatus::Suspended)
        .await
        .unwrap();
    app.get("/api/company", Some(&viewer))
        .await
        .expect(403, "company_suspended");
    app.tenancy
        .set_status(&suspended, silo_control::CompanyStatus::Active)
        .await
        .unwrap();

    let page = app.get("/api/audit?limit=100", Some(&owner)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let all = actions(&page.body);
    for expected in [
        "company.signup",
        "auth.login",
        "access.forbidden",
        "member.role",
        "company.update",
    ] {
        assert!(
            all.iter().any(|a| a == expected),
            "{expected} missing from {all:?}"
        );
    }
    let refusal = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "access.forbidden")
        .unwrap();
    assert_eq!(refusal["actor"], vic.as_str());
    assert_eq!(refusal["outcome"], "failure");
    assert_eq!(refusal["client_ip"], "127.0.0.1");
    assert!(refusal["request_id"].is_string());
    // Nothing in the trail carries names: the new company name is nowhere in it.
    assert!(!page.body.to_string().contains("Acme Renamed"));

    let filtered = app
        .get(
            &format!(
                "/api/audit?action=member.&actor={}",
                payload(&owner)["sub"].as_str().unwrap()
            ),
            Some(&owner),
        )
        .await;
    assert_eq!(actions(&filtered.body), vec!["member.role"]);
    let future = app
        .get("/api/audit?from=2999-01-01T00:00:00Z", Some(&owner))
        .await;
    assert!(future.body["items"].as_array().unwrap().is_empty());
    app.get("/api/audit?from=yesterday", Some(&owner))
        .await
        .expect(422, "invalid");

    let first = app.get("/api/audit?limit=2", Some(&owner)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/audit?limit=2&cursor={cursor}"), Some(&owner))
        .await;
    let ids = |p: &Value| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(ids(&first.body).iter().min() > ids(&second.body).iter().max());
    // Positions count this company's records only: the platform's volume is not for admins.
    assert!(first.body["items"][0].get("id").is_none(), "{}", first.body);
    let (other, _) = app.signup("Other", "olga@other.example").await;
    let theirs = app.get("/api/audit", Some(&other)).await;
    let seqs = ids(&theirs.body);
    assert!(!seqs.is_empty());
    assert_eq!(seqs.iter().min(), Some(&1), "{seqs:?}");
    assert_eq!(seqs.iter().max(), Some(&i64::try_from(seqs.len()).unwrap()));

    let marketing = app.login("max@acme.example", None).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/audit", Some(&marketing))
        .await
        .expect(403, "forbidden");

    let reports = app
        .tenancy
        .control()
        .verify_audit(Some(company.parse().unwrap()))
        .await
        .unwrap();
    assert!(reports[0].first_broken.is_none());
}

silo_testkit::backend_tests!(sensitive_actions_are_recorded_and_readable_by_auditors_only,);
