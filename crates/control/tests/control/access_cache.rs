#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The request path's registry read may be answered from memory, but only while the registry
//! is unchanged: a change made through another handle on the same file (as another process,
//! such as the `silo` CLI, would make it) acts on the very next read.

use silo_control::{
    CompanyStatus, ControlPlane, Email, NewCompany, NewIdentity, NewPlacement, Slug,
};
use silo_roles::Role;

fn placement(id: silo_control::CompanyId) -> NewPlacement {
    NewPlacement {
        backend: silo_control::Backend::Sqlite,
        server: "local".into(),
        database_name: format!("{id}.sqlite3"),
        credentials_ref: None,
    }
}

fn person(email: &str) -> NewIdentity {
    NewIdentity {
        email: Email::parse(email).unwrap(),
        name: email.into(),
        password_hash: Some("unused".into()),
    }
}

#[tokio::test]
async fn revocations_from_another_handle_act_on_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.sqlite3");
    let server = ControlPlane::open_sqlite(&path).await.unwrap();
    let cli = ControlPlane::open_sqlite(&path).await.unwrap();

    let (company, owner) = server
        .register_company(
            NewCompany {
                name: "Acme".into(),
                slug: Slug::parse("acme").unwrap(),
            },
            person("owner@acme.example"),
            placement,
        )
        .await
        .unwrap();
    server.activate(company.id, 1).await.unwrap();
    let member = server
        .ensure_identity(&person("member@acme.example"))
        .await
        .unwrap();
    server
        .add_membership(member, company.id, Role::Admin)
        .await
        .unwrap();

    // Unchanged registry: the second read is served from memory.
    let first = server.access_view(member, company.id).await.unwrap();
    assert_eq!(first.role, Some(Role::Admin));
    let hits = server.access_cache_hits();
    let again = server.access_view(member, company.id).await.unwrap();
    assert_eq!(again.role, Some(Role::Admin));
    assert_eq!(
        server.access_cache_hits(),
        hits + 1,
        "an unchanged view is remembered"
    );

    // Demotion elsewhere: the next read sees it.
    cli.set_role(member, company.id, Role::Viewer)
        .await
        .unwrap();
    let view = server.access_view(member, company.id).await.unwrap();
    assert_eq!(view.role, Some(Role::Viewer));

    // Removal elsewhere.
    server.access_view(member, company.id).await.unwrap();
    cli.remove_membership(member, company.id).await.unwrap();
    let view = server.access_view(member, company.id).await.unwrap();
    assert_eq!(view.role, None);

    // Suspension elsewhere, seen by the owner's next read.
    let view = server.access_view(owner, company.id).await.unwrap();
    assert_eq!(view.company.unwrap().status, CompanyStatus::Active);
    cli.set_status(company.id, CompanyStatus::Suspended)
        .await
        .unwrap();
    let view = server.access_view(owner, company.id).await.unwrap();
    assert_eq!(view.company.unwrap().status, CompanyStatus::Suspended);

    // A change through the same handle acts too.
    server
        .set_status(company.id, CompanyStatus::Active)
        .await
        .unwrap();
    let view = server.access_view(owner, company.id).await.unwrap();
    assert_eq!(view.company.unwrap().status, CompanyStatus::Active);
}
