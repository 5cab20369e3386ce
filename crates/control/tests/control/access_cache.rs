#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The request path's registry read may be answered from memory, but only while nothing it
//! depends on changed: a change made through another handle on the same registry (as another
//! process, such as the `silo` CLI or a second server, would make it) acts on the very next read.
//! On both backends; on PostgreSQL also when transactions commit in another order than they
//! changed the registry.

use crate::open;
use silo_control::{
    CompanyStatus, ControlPlane, Email, NewCompany, NewIdentity, NewPlacement, Slug,
};
use silo_roles::Role;
use silo_store::params;
use silo_testkit::TestStorage;

fn placement(id: silo_control::CompanyId) -> NewPlacement {
    NewPlacement {
        backend: silo_control::Backend::Sqlite,
        server: "local".into(),
        database_name: format!("{id}.sqlite3"),
        credentials_ref: None,
    }
}

/// Two handles on one registry of the current backend: the server's, and another's (a CLI
/// command or a second server).
async fn two_handles() -> (TestStorage, ControlPlane, ControlPlane) {
    let storage = TestStorage::new();
    let server = open(&storage).await;
    let other = open(&storage).await;
    (storage, server, other)
}

fn person(email: &str) -> NewIdentity {
    NewIdentity {
        email: Email::parse(email).unwrap(),
        name: email.into(),
        password_hash: Some("unused".into()),
    }
}

async fn revocations_from_another_handle_act_on_the_next_read() {
    let (_storage, server, cli) = two_handles().await;

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

async fn company(
    plane: &ControlPlane,
    slug: &str,
) -> (silo_control::CompanyId, silo_control::IdentityId) {
    let (company, owner) = plane
        .register_company(
            NewCompany {
                name: slug.into(),
                slug: Slug::parse(slug).unwrap(),
            },
            person(&format!("owner@{slug}.example")),
            placement,
        )
        .await
        .unwrap();
    plane.activate(company.id, 1).await.unwrap();
    (company.id, owner)
}

/// Whether the next read of this view is answered from memory (and what it says).
async fn cached(
    plane: &ControlPlane,
    identity: silo_control::IdentityId,
    company: silo_control::CompanyId,
) -> (bool, silo_control::AccessView) {
    let hits = plane.access_cache_hits();
    let view = plane.access_view(identity, company).await.unwrap();
    (plane.access_cache_hits() > hits, view)
}

async fn a_change_to_one_company_keeps_the_other_companies_views() {
    let (_storage, server, cli) = two_handles().await;
    let (acme, ann) = company(&server, "acme").await;
    let (beta, bob) = company(&server, "beta").await;
    let carol = server
        .ensure_identity(&person("carol@beta.example"))
        .await
        .unwrap();
    server
        .add_membership(carol, beta, Role::Sales)
        .await
        .unwrap();
    for (who, at) in [(ann, acme), (bob, beta), (carol, beta)] {
        server.access_view(who, at).await.unwrap();
        assert!(
            cached(&server, who, at).await.0,
            "remembered before any change"
        );
    }

    // Commits that concern no one's access (an audit record, written by another handle).
    cli.record(silo_control::AuditEvent {
        company: Some(beta),
        actor: None,
        action: silo_control::AuditAction::ContactCreate,
        target: None,
        outcome: silo_control::Outcome::Success,
        client_ip: None,
        request_id: None,
        event_id: None,
    })
    .await
    .unwrap();
    for (who, at) in [(ann, acme), (bob, beta), (carol, beta)] {
        assert!(
            cached(&server, who, at).await.0,
            "an audit record forgets no view"
        );
    }

    // Beta suspended elsewhere: beta's views are read again and see it; acme's stay.
    cli.set_status(beta, CompanyStatus::Suspended)
        .await
        .unwrap();
    let (hit, view) = cached(&server, bob, beta).await;
    assert!(!hit, "the changed company's view is read again");
    assert_eq!(view.company.unwrap().status, CompanyStatus::Suspended);
    let (hit, view) = cached(&server, carol, beta).await;
    assert!(!hit);
    assert_eq!(view.company.unwrap().status, CompanyStatus::Suspended);
    let (hit, view) = cached(&server, ann, acme).await;
    assert!(hit, "another company's view is kept");
    assert_eq!(view.company.unwrap().status, CompanyStatus::Active);

    // A change to one person (a new session for carol) forgets carol's views only.
    cli.create_session(carol, Some(beta)).await.unwrap();
    assert!(
        !cached(&server, carol, beta).await.0,
        "carol's view is read again"
    );
    assert!(
        cached(&server, bob, beta).await.0,
        "bob's view in the same company is kept"
    );
    assert!(cached(&server, ann, acme).await.0);
}

/// Companies acme and beta, and dan, an admin of acme whose view the server has read once.
async fn dan_in_acme(
    server: &ControlPlane,
) -> (
    silo_control::CompanyId,
    silo_control::CompanyId,
    silo_control::IdentityId,
) {
    let (acme, _) = company(server, "acme").await;
    let (beta, _) = company(server, "beta").await;
    let dan = server
        .ensure_identity(&person("dan@acme.example"))
        .await
        .unwrap();
    server.add_membership(dan, acme, Role::Admin).await.unwrap();
    server.access_view(dan, acme).await.unwrap();
    (acme, beta, dan)
}

async fn many_changes_at_once_still_act_on_the_next_read() {
    let (_storage, server, cli) = two_handles().await;
    let (acme, beta, dan) = dan_in_acme(&server).await;
    assert!(cached(&server, dan, acme).await.0);
    // More log entries than the cache reads in one go, with dan's demotion in the middle: the
    // cache cannot go through them one by one and must forget everything.
    for round in 0..600 {
        if round == 300 {
            cli.set_role(dan, acme, Role::Viewer).await.unwrap();
        }
        let status = if round % 2 == 0 {
            CompanyStatus::Suspended
        } else {
            CompanyStatus::Active
        };
        cli.set_status(beta, status).await.unwrap();
    }
    let (hit, view) = cached(&server, dan, acme).await;
    assert!(
        !hit,
        "too many changes to go through: everything is read again"
    );
    assert_eq!(view.role, Some(Role::Viewer));
    assert!(
        cached(&server, dan, acme).await.0,
        "and remembered again after"
    );
}

silo_testkit::backend_tests!(
    revocations_from_another_handle_act_on_the_next_read,
    a_change_to_one_company_keeps_the_other_companies_views,
    many_changes_at_once_still_act_on_the_next_read,
);

/// On PostgreSQL two transactions can change the registry in one order and commit in the other.
/// A demotion that changed its row first but commits after another change must still act on
/// the next read: the server that read the log in between must not take the later change's
/// number as "everything up to here".
#[tokio::test]
async fn a_change_committed_after_a_later_one_still_acts_on_the_next_read() {
    let Some(backend) = silo_testkit::TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let server = open(&storage).await;
    let (acme, beta, dan) = dan_in_acme(&server).await;
    assert!(cached(&server, dan, acme).await.0, "remembered");

    // The demotion is written first and left open; another change commits meanwhile.
    let admin = storage.control_db().await;
    let mut demotion = admin.begin().await.unwrap();
    demotion
        .execute(
            "UPDATE memberships SET role = 'viewer' WHERE identity_id = $1 AND company_id = $2",
            params![dan.to_string(), acme.to_string()],
        )
        .await
        .unwrap();
    server
        .set_status(beta, CompanyStatus::Suspended)
        .await
        .unwrap();
    // The server reads the log now: it sees beta's change, and dan's view still holds (the
    // demotion has not committed, so it is not the registry's state yet).
    let (hit, view) = cached(&server, dan, acme).await;
    assert!(hit, "the uncommitted demotion forgets nothing yet");
    assert_eq!(view.role, Some(Role::Admin));
    demotion.commit().await.unwrap();

    let (hit, view) = cached(&server, dan, acme).await;
    assert!(!hit, "the demotion committed last is seen on the next read");
    assert_eq!(view.role, Some(Role::Viewer));

    // Nothing is numbered twice or skipped: the log runs without gaps after the migration.
    let seqs: Vec<i64> = admin
        .fetch_all("SELECT seq FROM access_changes ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("seq").unwrap())
        .collect();
    let newest = admin
        .fetch_one("SELECT seq FROM access_version", &[])
        .await
        .unwrap()
        .get::<i64>("seq")
        .unwrap();
    assert_eq!(seqs.last(), Some(&newest));
    let tail = &seqs[seqs.len() - 5..];
    assert!(
        tail.windows(2).all(|w| w[1] == w[0] + 1),
        "numbered in commit order without gaps: {tail:?}"
    );
}
