//! Browser sessions: every refresh token a session has replaced ends it when presented again,
//! however many rotations old, and the request path's view says when a token's session ended.
//! A database upgraded from the version that kept only the token replaced last still knows it.

use silo_control::{ControlPlane, Email, IdentityId, NewIdentity, SessionError};
use silo_store::{Timestamp, params};
use silo_testkit::TestStorage;
use std::time::Duration;

async fn person(plane: &ControlPlane, email: &str) -> IdentityId {
    plane
        .ensure_identity(&NewIdentity {
            email: Email::parse(email).unwrap(),
            name: email.into(),
            password_hash: Some("unused".into()),
        })
        .await
        .unwrap()
}

fn reused(result: Result<silo_control::RotatedSession, SessionError>) -> bool {
    matches!(result, Err(SessionError::Reused { .. }))
}

fn invalid(result: Result<silo_control::RotatedSession, SessionError>) -> bool {
    matches!(result, Err(SessionError::Invalid))
}

async fn any_spent_token_ends_its_session_and_no_other() {
    let storage = TestStorage::new();
    let plane = crate::open(&storage).await;
    let ann = person(&plane, "ann@acme.example").await;
    let laptop = plane.create_session(ann, None).await.unwrap();
    let phone = plane.create_session(ann, None).await.unwrap();
    let mut tokens = vec![laptop.token.clone()];
    for _ in 0..3 {
        let rotated = plane.rotate_session(tokens.last().unwrap()).await.unwrap();
        assert_eq!(
            rotated.id, laptop.id,
            "a session keeps its id across rotations"
        );
        tokens.push(rotated.token);
    }
    let open = plane
        .token_access(ann, None, Some(laptop.id))
        .await
        .unwrap();
    assert!(!open.session_ended);

    // Two rotations back, not only the one replaced last.
    assert!(reused(plane.rotate_session(&tokens[1]).await));
    assert!(invalid(plane.rotate_session(&tokens[3]).await));
    assert!(
        plane
            .token_access(ann, None, Some(laptop.id))
            .await
            .unwrap()
            .session_ended
    );
    // Presenting a spent token again once the session is over changes nothing more.
    assert!(invalid(plane.rotate_session(&tokens[0]).await));

    // The other session of the same person goes on.
    assert!(
        !plane
            .token_access(ann, None, Some(phone.id))
            .await
            .unwrap()
            .session_ended
    );
    let phone_next = plane.rotate_session(&phone.token).await.unwrap();
    // Logging out with a spent token of a session ends that session too.
    plane.revoke_session(&phone.token).await.unwrap();
    assert!(invalid(plane.rotate_session(&phone_next.token).await));
    assert!(
        plane
            .token_access(ann, None, Some(phone.id))
            .await
            .unwrap()
            .session_ended
    );

    // A session of someone else, or none at all, is no open session of this identity.
    let bob = person(&plane, "bob@bolt.example").await;
    let bobs = plane.create_session(bob, None).await.unwrap();
    assert!(
        plane
            .token_access(ann, None, Some(bobs.id))
            .await
            .unwrap()
            .session_ended
    );
    assert!(
        !plane
            .token_access(bob, None, Some(bobs.id))
            .await
            .unwrap()
            .session_ended
    );
    assert!(
        !plane
            .token_access(ann, None, None)
            .await
            .unwrap()
            .session_ended
    );
    plane.close().await;
}

silo_testkit::backend_tests!(any_spent_token_ends_its_session_and_no_other);

fn digest(token: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn an_upgraded_session_still_knows_the_token_it_replaced_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.sqlite3");
    let db = silo_store::sqlite::open_or_create(&path, silo_store::sqlite::PoolLimits::default())
        .await
        .unwrap();
    // The schema before spent tokens were kept, with one session rotated once.
    silo_store::migrate_to(&db, &silo_schema::CONTROL_MIGRATIONS, 10)
        .await
        .unwrap();
    let now = Timestamp::now();
    let later = Timestamp::from_datetime(now.datetime() + Duration::from_secs(3600));
    let identity = uuid::Uuid::now_v7();
    db.execute(
        "INSERT INTO identities (id, email, name, password_hash, status, created_at, updated_at, email_verified_at)
         VALUES ($1, 'ann@acme.example', 'Ann', 'unused', 'active', $2, $2, $2)",
        params![identity, now],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO sessions (id, token_hash, previous_hash, identity_id, created_at, last_used_at, expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $6)",
        params![
            uuid::Uuid::now_v7(),
            digest("current"),
            digest("previous"),
            identity,
            now,
            later
        ],
    )
    .await
    .unwrap();
    db.close().await;

    let plane = ControlPlane::open_sqlite(&path).await.unwrap();
    let next = plane.rotate_session("current").await.unwrap();
    assert!(reused(plane.rotate_session("previous").await));
    assert!(invalid(plane.rotate_session(&next.token).await));
    plane.close().await;
}
