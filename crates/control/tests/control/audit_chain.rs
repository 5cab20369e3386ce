#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The audit hash chain detects changed, removed and reordered records.

use silo_control::{AuditAction, AuditEvent, CompanyId, ControlPlane, Outcome};
use silo_store::sqlite::{PoolLimits, open_existing};

async fn plane_with_records(dir: &tempfile::TempDir, n: usize) -> (ControlPlane, CompanyId) {
    let plane = ControlPlane::open_sqlite(&dir.path().join("control.sqlite3"))
        .await
        .unwrap();
    let company = CompanyId::generate();
    for i in 0..n {
        let mut event = AuditEvent::operator(
            company,
            if i % 2 == 0 {
                AuditAction::ContactCreate
            } else {
                AuditAction::DealUpdate
            },
        );
        event.target = Some(format!("target-{i}"));
        plane.record(event).await.unwrap();
    }
    plane
        .record(AuditEvent {
            company: None,
            actor: None,
            action: AuditAction::AuthLogin,
            target: None,
            outcome: Outcome::Failure,
            client_ip: Some("10.0.0.1".into()),
            request_id: None,
            event_id: None,
        })
        .await
        .unwrap();
    (plane, company)
}

async fn tamper(dir: &tempfile::TempDir, sql: &'static str) {
    let db = open_existing(&dir.path().join("control.sqlite3"), PoolLimits::default())
        .await
        .unwrap();
    db.execute(sql, &[]).await.unwrap();
    db.close().await;
}

async fn first_broken(plane: &ControlPlane, company: CompanyId) -> Option<(i64, String)> {
    let reports = plane.verify_audit(Some(company)).await.unwrap();
    assert_eq!(reports.len(), 1);
    reports[0].first_broken.clone()
}

#[tokio::test]
async fn an_untouched_trail_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 5).await;
    let reports = plane.verify_audit(None).await.unwrap();
    assert_eq!(
        reports.len(),
        2,
        "one chain for the company, one for records without a company"
    );
    assert!(
        reports.iter().all(|r| r.first_broken.is_none()),
        "{reports:?}"
    );
    assert_eq!(reports.iter().map(|r| r.records).sum::<i64>(), 6);
    assert!(first_broken(&plane, company).await.is_none());
}

#[tokio::test]
async fn a_changed_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 5).await;
    tamper(
        &dir,
        "UPDATE audit_events SET target = 'someone-else' WHERE seq = 3 AND chain <> '-'",
    )
    .await;
    let (id, reason) = first_broken(&plane, company).await.unwrap();
    assert_eq!(id, 3);
    assert!(reason.contains("changed"), "{reason}");
}

#[tokio::test]
async fn a_removed_record_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 5).await;
    tamper(
        &dir,
        "DELETE FROM audit_events WHERE seq = 2 AND chain <> '-'",
    )
    .await;
    let (id, reason) = first_broken(&plane, company).await.unwrap();
    assert_eq!(id, 3, "the record after the gap");
    assert!(reason.contains("removed"), "{reason}");
}

#[tokio::test]
async fn removing_the_newest_records_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 5).await;
    tamper(
        &dir,
        "DELETE FROM audit_events WHERE seq >= 4 AND chain <> '-'",
    )
    .await;
    let (_, reason) = first_broken(&plane, company).await.unwrap();
    assert!(reason.contains("head"), "{reason}");
}

#[tokio::test]
async fn reordered_records_break_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 5).await;
    tamper(&dir, "UPDATE audit_events SET seq = CASE seq WHEN 2 THEN 102 WHEN 3 THEN 2 END WHERE seq IN (2, 3) AND chain <> '-'").await;
    tamper(&dir, "UPDATE audit_events SET seq = 3 WHERE seq = 102").await;
    assert!(first_broken(&plane, company).await.is_some());
}

#[tokio::test]
async fn records_keep_appending_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (plane, company) = plane_with_records(&dir, 3).await;
    plane.close().await;
    let plane = ControlPlane::open_sqlite(&dir.path().join("control.sqlite3"))
        .await
        .unwrap();
    plane
        .record(AuditEvent::operator(company, AuditAction::CompanySuspend))
        .await
        .unwrap();
    assert!(first_broken(&plane, company).await.is_none());
    let q = silo_control::AuditQuery {
        limit: 10,
        ..Default::default()
    };
    let records = plane.audit_records(company, &q).await.unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].action, "company.suspend", "newest first");
    let q = silo_control::AuditQuery {
        action_prefix: Some("contact.".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(plane.audit_records(company, &q).await.unwrap().len(), 2);
    let q = silo_control::AuditQuery {
        action_prefix: Some("%".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        plane.audit_records(company, &q).await.unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
}
