//! Signed audit checkpoints catch what the hash chain alone cannot: a rewrite by someone who can
//! write the control database and recomputes every later hash and the head. On both backends.

use crate::open;
use silo_auth::KeySet;
use silo_control::{
    AuditAction, AuditEvent, CHECKPOINT_FORMAT, CheckpointError, CompanyId, ControlError,
    ControlPlane, Outcome, tamper,
};
use silo_store::Db;
use silo_testkit::TestStorage;

/// A second, raw handle on the control database: what an attacker with write access has.
async fn raw(storage: &TestStorage) -> Db {
    match &storage.pg {
        Some(pg) => pg.control_admin().await,
        None => silo_store::sqlite::open_existing(
            &storage.dir.path().join("control.sqlite3"),
            silo_store::sqlite::PoolLimits::default(),
        )
        .await
        .unwrap(),
    }
}

async fn add(plane: &ControlPlane, company: CompanyId, n: usize) {
    for i in 0..n {
        let mut event = AuditEvent::operator(company, AuditAction::ContactCreate);
        event.target = Some(format!("target-{i}"));
        plane.record(event).await.unwrap();
    }
}

async fn deployment_record(plane: &ControlPlane) {
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
}

async fn plane_with_records(storage: &TestStorage) -> (ControlPlane, CompanyId) {
    let plane = open(storage).await;
    let company = CompanyId::generate();
    add(&plane, company, 5).await;
    deployment_record(&plane).await;
    (plane, company)
}

async fn plain_verify_passes(plane: &ControlPlane) {
    let reports = plane.verify_audit(None).await.unwrap();
    assert!(
        reports.iter().all(|r| r.first_broken.is_none()),
        "{reports:?}"
    );
}

async fn a_checkpoint_signs_every_head_and_verifies() {
    let storage = TestStorage::new();
    let (plane, company) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let checkpoint = plane.create_checkpoint(&keys, false).await.unwrap();
    assert_eq!(checkpoint.id, 1);
    assert_eq!(checkpoint.chains, 2);
    assert_eq!(checkpoint.kid, keys.active_kid());
    checkpoint.verify_signature(&keys).unwrap();
    // The payload is the canonical text documented: format first, heads sorted by chain.
    assert!(
        checkpoint.payload.starts_with(&format!(
            "{{\"format\":\"{CHECKPOINT_FORMAT}\",\"id\":1,\"at\":\"{}\",\"kid\":\"{}\",\"heads\":[[\"-\",1,\"",
            checkpoint.at, checkpoint.kid
        )),
        "{}",
        checkpoint.payload
    );
    let heads = checkpoint.heads().unwrap();
    assert_eq!(heads[0].chain, "-");
    assert_eq!(heads[1].chain, company.to_string());
    assert_eq!(heads[1].seq, 5);
    let compared = plane
        .compare_with_checkpoint(&checkpoint, None)
        .await
        .unwrap();
    assert_eq!(compared.len(), 2);
    assert!(compared.iter().all(|c| c.problem.is_none()), "{compared:?}");
    let only = plane
        .compare_with_checkpoint(&checkpoint, Some(company))
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].chain, company.to_string());

    assert_eq!(
        plane.latest_checkpoint().await.unwrap(),
        Some(checkpoint.clone())
    );
    assert_eq!(plane.checkpoint(1).await.unwrap(), Some(checkpoint.clone()));
    assert_eq!(
        plane.checkpoints().await.unwrap(),
        vec![checkpoint.summary()]
    );
    // Another deployment's key does not vouch for it.
    let other = KeySet::generate().unwrap();
    assert!(matches!(
        checkpoint.verify_signature(&other),
        Err(CheckpointError::Signature {
            reason: silo_auth::SignatureError::UnknownKey(_),
            ..
        })
    ));
}

async fn checkpoints_are_made_only_when_a_head_moved_or_the_key_changed() {
    let storage = TestStorage::new();
    let plane = open(&storage).await;
    let dir = storage.dir.path().join("keys");
    let keys = KeySet::load_or_create(&dir).unwrap();
    assert_eq!(
        plane.checkpoint_if_changed(&keys).await.unwrap(),
        None,
        "no records, nothing to sign"
    );
    let company = CompanyId::generate();
    add(&plane, company, 2).await;
    let first = plane.checkpoint_if_changed(&keys).await.unwrap().unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(plane.checkpoint_if_changed(&keys).await.unwrap(), None);
    add(&plane, company, 1).await;
    let second = plane.checkpoint_if_changed(&keys).await.unwrap().unwrap();
    assert_eq!(second.id, 2);
    assert_eq!(second.heads().unwrap()[0].seq, 3);
    assert_eq!(plane.checkpoint_if_changed(&keys).await.unwrap(), None);

    // After a key rotation the same heads are signed again with the new key, so the old key
    // can be retired without leaving the newest checkpoint unverifiable.
    let old_kid = keys.active_kid().to_owned();
    let new_kid = KeySet::rotate(&dir).unwrap();
    let rotated = KeySet::load_or_create(&dir).unwrap();
    second.verify_signature(&rotated).unwrap();
    let third = plane
        .checkpoint_if_changed(&rotated)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.id, 3);
    assert_eq!(third.kid, new_kid);
    assert_eq!(third.heads().unwrap(), second.heads().unwrap());
    assert_eq!(plane.checkpoint_if_changed(&rotated).await.unwrap(), None);
    KeySet::retire(&dir, &old_kid).unwrap();
    let retired = KeySet::load_or_create(&dir).unwrap();
    third.verify_signature(&retired).unwrap();
    assert!(
        second.verify_signature(&retired).is_err(),
        "its key is gone"
    );
    let ids: Vec<i64> = plane
        .checkpoints()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);
}

async fn a_rewrite_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoint() {
    let storage = TestStorage::new();
    let (plane, company) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let checkpoint = plane.create_checkpoint(&keys, false).await.unwrap();
    add(&plane, company, 2).await;

    // The attacker changes record 3 and recomputes every later hash and the head.
    let attacker = open(&storage).await;
    tamper::rewrite_record(&attacker, &company.to_string(), 3, |record| {
        record.target = Some("someone-else".into());
    })
    .await
    .unwrap();
    plain_verify_passes(&plane).await;

    // The checkpoint, untouched and still validly signed, no longer matches.
    let stored = plane.latest_checkpoint().await.unwrap().unwrap();
    stored.verify_signature(&keys).unwrap();
    let compared = plane.compare_with_checkpoint(&stored, None).await.unwrap();
    let broken: Vec<_> = compared.iter().filter(|c| c.problem.is_some()).collect();
    assert_eq!(broken.len(), 1, "{compared:?}");
    assert_eq!(broken[0].chain, company.to_string());
    assert_eq!(broken[0].seq, 5);
    let problem = broken[0].problem.as_deref().unwrap();
    assert!(
        problem.contains("does not have the hash checkpoint 1 signed"),
        "{problem}"
    );

    // No later checkpoint signs over the rewrite, periodic or asked for; only a forced one.
    assert!(matches!(
        plane.checkpoint_if_changed(&keys).await,
        Err(ControlError::CheckpointMismatch(_))
    ));
    let refused = plane.create_checkpoint(&keys, false).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("record 5 no longer has the hash checkpoint 1 signed"),
        "{refused}"
    );
    assert_eq!(plane.checkpoints().await.unwrap().len(), 1);
    let forced = plane.create_checkpoint(&keys, true).await.unwrap();
    assert_eq!(forced.id, checkpoint.id + 1);

    // To hide the rewrite the attacker would have to re-sign: changing the stored checkpoint
    // to the new hash breaks its signature.
    let db = raw(&storage).await;
    let old_hash = checkpoint
        .heads()
        .unwrap()
        .into_iter()
        .find(|h| h.chain == company.to_string())
        .unwrap()
        .hash;
    let current_at_5 = db
        .fetch_one(
            "SELECT hash FROM audit_events WHERE chain = $1 AND seq = 5",
            silo_store::params![company.to_string()],
        )
        .await
        .unwrap()
        .get::<String>("hash")
        .unwrap();
    assert_ne!(current_at_5, old_hash);
    let forged_payload = checkpoint.payload.replace(&old_hash, &current_at_5);
    db.execute(
        "UPDATE audit_checkpoints SET payload = $1 WHERE id = 1",
        silo_store::params![forged_payload],
    )
    .await
    .unwrap();
    db.close().await;
    let forged = plane.checkpoint(1).await.unwrap().unwrap();
    assert!(
        plane
            .compare_with_checkpoint(&forged, None)
            .await
            .unwrap()
            .iter()
            .all(|c| c.problem.is_none()),
        "the forged heads match the rewritten chain"
    );
    assert!(matches!(
        forged.verify_signature(&keys),
        Err(CheckpointError::Signature {
            reason: silo_auth::SignatureError::Mismatch,
            ..
        })
    ));
}

async fn removed_records_with_a_moved_head_are_named() {
    let storage = TestStorage::new();
    let (plane, company) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let checkpoint = plane.create_checkpoint(&keys, false).await.unwrap();
    let attacker = open(&storage).await;
    tamper::truncate_chain(&attacker, &company.to_string(), 4)
        .await
        .unwrap();
    plain_verify_passes(&plane).await;
    let compared = plane
        .compare_with_checkpoint(&checkpoint, Some(company))
        .await
        .unwrap();
    let problem = compared[0].problem.as_deref().unwrap();
    assert!(
        problem.contains("shorter") && problem.contains("ends at record 3"),
        "{problem}"
    );
    // A whole chain removed, head and all, is named too.
    tamper::truncate_chain(&attacker, "-", 1).await.unwrap();
    let compared = plane
        .compare_with_checkpoint(&checkpoint, None)
        .await
        .unwrap();
    assert!(compared.iter().all(|c| c.problem.is_some()), "{compared:?}");
}

async fn an_altered_signature_or_field_fails() {
    let storage = TestStorage::new();
    let (plane, _) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let checkpoint = plane.create_checkpoint(&keys, false).await.unwrap();
    let db = raw(&storage).await;
    // One signature character changed (still base64url of 64 bytes).
    let mut signature = checkpoint.signature.clone().into_bytes();
    signature[5] = if signature[5] == b'A' { b'B' } else { b'A' };
    let signature = String::from_utf8(signature).unwrap();
    db.execute(
        "UPDATE audit_checkpoints SET signature = $1",
        silo_store::params![signature],
    )
    .await
    .unwrap();
    let altered = plane.latest_checkpoint().await.unwrap().unwrap();
    assert!(matches!(
        altered.verify_signature(&keys),
        Err(CheckpointError::Signature {
            reason: silo_auth::SignatureError::Mismatch,
            ..
        })
    ));
    // A signature that is not even one.
    db.execute("UPDATE audit_checkpoints SET signature = 'abc'", &[])
        .await
        .unwrap();
    let altered = plane.latest_checkpoint().await.unwrap().unwrap();
    assert!(altered.verify_signature(&keys).is_err());
    // The original signature, but the time beside the payload changed.
    db.execute(
        "UPDATE audit_checkpoints SET signature = $1, at = '2000-01-01T00:00:00.000000Z'",
        silo_store::params![checkpoint.signature.as_str()],
    )
    .await
    .unwrap();
    db.close().await;
    let altered = plane.latest_checkpoint().await.unwrap().unwrap();
    assert!(matches!(
        altered.verify_signature(&keys),
        Err(CheckpointError::Unreadable { .. })
    ));
}

async fn records_after_the_newest_checkpoint_are_only_as_safe_as_the_chain() {
    // What a checkpoint does not prove: a consistent rewrite of records it does not cover yet.
    let storage = TestStorage::new();
    let (plane, company) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let checkpoint = plane.create_checkpoint(&keys, false).await.unwrap();
    add(&plane, company, 2).await;
    let attacker = open(&storage).await;
    tamper::rewrite_record(&attacker, &company.to_string(), 7, |record| {
        record.target = Some("someone-else".into());
    })
    .await
    .unwrap();
    plain_verify_passes(&plane).await;
    assert!(
        plane
            .compare_with_checkpoint(&checkpoint, None)
            .await
            .unwrap()
            .iter()
            .all(|c| c.problem.is_none())
    );
}

/// Audit retention removes a company's oldest records and nothing younger; the chain still
/// verifies from where it now starts, a checkpoint that held a removed record still compares
/// and later ones are still made, the removal is itself recorded in the chain, and pruning a
/// second time starts after the first. A record removed by hand, with no pruning recorded, is
/// still caught.
async fn retention_prunes_the_oldest_records_and_the_trail_still_verifies() {
    let storage = TestStorage::new();
    let (plane, company) = plane_with_records(&storage).await;
    let keys = KeySet::generate().unwrap();
    let first = plane.create_checkpoint(&keys, false).await.unwrap();
    let cutoff = silo_store::Timestamp::now();
    add(&plane, company, 3).await;
    // Nothing older than the earliest record: nothing goes.
    let before_all = silo_store::Timestamp::parse("2000-01-01T00:00:00.000000Z").unwrap();
    assert_eq!(plane.prune_audit(company, before_all).await.unwrap(), 0);

    assert_eq!(plane.prune_audit(company, cutoff).await.unwrap(), 5);
    plain_verify_passes(&plane).await;
    let left = plane
        .audit_records(
            company,
            &silo_control::AuditQuery {
                action_prefix: None,
                actor: None,
                from: None,
                to: None,
                before_seq: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    let targets: Vec<Option<String>> = left.iter().map(|r| r.target.clone()).collect();
    assert_eq!(left.len(), 4, "{targets:?}");
    assert_eq!(left[0].action, "audit.prune");
    assert_eq!(
        left[0].target.as_deref(),
        Some(r#"{"records":5,"through_seq":5}"#)
    );
    assert!(
        left[1..]
            .iter()
            .all(|r| r.seq > 5 && r.action == "contact.create")
    );
    // The other chain is untouched.
    let reports = plane.verify_audit(None).await.unwrap();
    assert!(reports.iter().any(|r| r.chain == "-" && r.records == 1));
    // The checkpoint that signed record 5 still compares; a new one is made over the pruning.
    let compared = plane.compare_with_checkpoint(&first, None).await.unwrap();
    assert!(compared.iter().all(|c| c.problem.is_none()), "{compared:?}");
    let second = plane.create_checkpoint(&keys, false).await.unwrap();
    assert_eq!(second.id, 2);

    // Again, later: it starts after the first pruning; the newest record always stays.
    let later = silo_store::Timestamp::now();
    assert_eq!(plane.prune_audit(company, later).await.unwrap(), 3);
    plain_verify_passes(&plane).await;
    let compared = plane.compare_with_checkpoint(&second, None).await.unwrap();
    assert!(compared.iter().all(|c| c.problem.is_none()), "{compared:?}");
    assert!(plane.checkpoint_if_changed(&keys).await.unwrap().is_some());

    // Removing a record by hand is no pruning: the chain names the gap.
    add(&plane, company, 2).await;
    let db = raw(&storage).await;
    let newest: i64 = db
        .fetch_one(
            "SELECT MAX(seq) AS seq FROM audit_events WHERE chain = $1",
            silo_store::params![company.to_string()],
        )
        .await
        .unwrap()
        .get("seq")
        .unwrap();
    db.execute(
        "DELETE FROM audit_events WHERE chain = $1 AND seq = $2",
        silo_store::params![company.to_string(), newest - 1],
    )
    .await
    .unwrap();
    db.close().await;
    let reports = plane.verify_audit(Some(company)).await.unwrap();
    assert!(reports[0].first_broken.is_some(), "{reports:?}");
}

silo_testkit::backend_tests!(
    retention_prunes_the_oldest_records_and_the_trail_still_verifies,
    a_checkpoint_signs_every_head_and_verifies,
    checkpoints_are_made_only_when_a_head_moved_or_the_key_changed,
    a_rewrite_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoint,
    removed_records_with_a_moved_head_are_named,
    an_altered_signature_or_field_fails,
    records_after_the_newest_checkpoint_are_only_as_safe_as_the_chain,
);
