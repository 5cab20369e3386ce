//! `silo audit checkpoint|checkpoints|verify` and the checkpoints `silo serve` signs, on both
//! backends: a rewrite with recomputed hashes passes the chain but fails against a checkpoint.

use silo_control::{CompanyId, ControlPlane, tamper};
use silo_store::Db;
use silo_testkit::TestStorage;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn command(storage: &TestStorage) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
    cmd.arg("--data")
        .arg(storage.dir.path())
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_TENANT_SECRET")
        .env_remove("SILO_SIGNING_KEY_FILE")
        .env("SILO_OWNER_PASSWORD", "correct horse battery");
    if let Some(pg) = &storage.pg {
        cmd.arg("--database-url").arg(&pg.control_url);
        for server in &pg.servers {
            cmd.arg("--tenant-server").arg(server);
        }
    }
    cmd
}

fn silo(storage: &TestStorage, args: &[&str]) -> Output {
    command(storage).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> (String, String) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn control(storage: &TestStorage) -> ControlPlane {
    match &storage.pg {
        None => ControlPlane::open_sqlite(&storage.dir.path().join("control.sqlite3"))
            .await
            .unwrap(),
        Some(pg) => ControlPlane::open_postgres(&pg.control_url).await.unwrap(),
    }
}

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

/// A company with a few records in its chain; its id.
fn company_with_records(storage: &TestStorage) -> CompanyId {
    ok(&silo(
        storage,
        &[
            "company",
            "create",
            "--name",
            "Acme Digital",
            "--slug",
            "acme",
            "--owner-email",
            "ann@acme.example",
        ],
    ));
    ok(&silo(storage, &["company", "suspend", "acme"]));
    ok(&silo(storage, &["company", "resume", "acme"]));
    let list: serde_json::Value =
        serde_json::from_str(&ok(&silo(storage, &["company", "list", "--json"]))).unwrap();
    list[0]["id"].as_str().unwrap().parse().unwrap()
}

async fn verify_fails_against_a_checkpoint_after_a_consistent_rewrite() {
    let storage = TestStorage::new();
    let company = company_with_records(&storage);
    let before = ok(&silo(&storage, &["audit", "verify"]));
    assert!(before.contains("no signed checkpoint yet"), "{before}");

    let made = ok(&silo(&storage, &["audit", "checkpoint"]));
    assert!(made.starts_with("checkpoint 1 at "), "{made}");
    let listed = ok(&silo(&storage, &["audit", "checkpoints"]));
    assert!(listed.contains("1 chain"), "{listed}");
    let exported = ok(&silo(&storage, &["audit", "checkpoints", "--json"]));
    let export: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(export.as_array().unwrap().len(), 1);
    assert!(
        export[0]["payload"]
            .as_str()
            .unwrap()
            .contains(&company.to_string())
    );
    let file = storage.dir.path().join("exported-checkpoints.json");
    std::fs::write(&file, &exported).unwrap();

    let clean = ok(&silo(&storage, &["audit", "verify"]));
    assert!(clean.contains("ok      checkpoint 1 of "), "{clean}");
    assert!(
        clean.contains("matches checkpoint 1 up to record"),
        "{clean}"
    );

    // An attacker with write access to the control database, but not the key, turns the
    // suspension into something else and recomputes every later hash and the chain's head.
    let attacker = control(&storage).await;
    tamper::rewrite_record(&attacker, &company.to_string(), 2, |record| {
        assert_eq!(record.action, "company.suspend");
        record.action = "company.update".into();
    })
    .await
    .unwrap();
    let plain = attacker.verify_audit(None).await.unwrap();
    assert!(plain.iter().all(|r| r.first_broken.is_none()), "{plain:?}");
    attacker.close().await;

    for args in [&["audit", "verify"][..], &["audit", "verify", "acme"]] {
        let (stdout, stderr) = failed(&silo(&storage, args));
        assert!(
            stdout.contains(&format!(
                "BROKEN  {company}  against the checkpoint: record 3"
            )) && stdout.contains("does not have the hash checkpoint 1 signed"),
            "{stdout}"
        );
        assert!(!stdout.contains("first broken record"), "{stdout}");
        assert!(stderr.contains("does not verify"), "{stderr}");
    }
    // No new checkpoint is signed over the rewrite.
    let (_, stderr) = failed(&silo(&storage, &["audit", "checkpoint"]));
    assert!(
        stderr.contains("no longer matches the newest checkpoint"),
        "{stderr}"
    );

    // Deleting the checkpoints hides the rewrite from the trail alone, not from an exported
    // copy.
    let db = raw(&storage).await;
    db.execute("DELETE FROM audit_checkpoints", &[])
        .await
        .unwrap();
    db.close().await;
    let blind = ok(&silo(&storage, &["audit", "verify"]));
    assert!(blind.contains("no signed checkpoint yet"), "{blind}");
    let (stdout, _) = failed(&silo(
        &storage,
        &["audit", "verify", "--checkpoint", file.to_str().unwrap()],
    ));
    assert!(
        stdout.contains("against the checkpoint: record 3"),
        "{stdout}"
    );
}

async fn verify_fails_when_a_checkpoint_signature_was_altered() {
    let storage = TestStorage::new();
    company_with_records(&storage);
    ok(&silo(&storage, &["audit", "checkpoint"]));
    let db = raw(&storage).await;
    let signature: String = db
        .fetch_one("SELECT signature FROM audit_checkpoints", &[])
        .await
        .unwrap()
        .get("signature")
        .unwrap();
    let mut altered = signature.into_bytes();
    altered[0] = if altered[0] == b'A' { b'B' } else { b'A' };
    db.execute(
        "UPDATE audit_checkpoints SET signature = $1",
        silo_store::params![String::from_utf8(altered).unwrap()],
    )
    .await
    .unwrap();
    db.close().await;
    let (stdout, _) = failed(&silo(&storage, &["audit", "verify"]));
    assert!(
        stdout.contains("BROKEN  checkpoint 1: the signature does not verify"),
        "{stdout}"
    );
    // Keys from elsewhere do not vouch for it either.
    let other = tempfile::tempdir().unwrap();
    let pem = pem_file(other.path());
    let (stdout, _) = failed(&silo(
        &storage,
        &[
            "audit",
            "verify",
            "--signing-key-file",
            pem.to_str().unwrap(),
        ],
    ));
    assert!(stdout.contains("no verification key with kid"), "{stdout}");
}

async fn serve_signs_checkpoints_at_its_interval() {
    let storage = TestStorage::new();
    let company = company_with_records(&storage);
    let mut child = command(&storage)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-interval",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let plane = control(&storage).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while plane.latest_checkpoint().await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "no checkpoint signed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing moves, so nothing more is signed; a new record is signed at the next interval.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(plane.checkpoints().await.unwrap().len(), 1);
    plane
        .record(silo_control::AuditEvent::operator(
            company,
            silo_control::AuditAction::CompanyExport,
        ))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while plane.checkpoints().await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no second checkpoint");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    plane.close().await;
    let out = ok(&silo(&storage, &["audit", "verify"]));
    assert!(out.contains("ok      checkpoint 2 of "), "{out}");
}

/// The RFC 8410 example key, as a PEM file in `dir`.
fn pem_file(dir: &std::path::Path) -> std::path::PathBuf {
    let pem = dir.join("signing.pem");
    std::fs::write(
        &pem,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    pem
}

#[tokio::test]
async fn a_signing_key_file_from_the_config_file_signs_and_verifies_checkpoints() {
    let storage = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    company_with_records(&storage);
    let pem = pem_file(storage.dir.path());
    let config = storage.dir.path().join("silo.toml");
    std::fs::write(
        &config,
        format!("signing_key_file = {:?}\n", pem.to_str().unwrap()),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    ok(&silo(
        &storage,
        &["--config", config, "audit", "checkpoint"],
    ));
    let kid = silo_auth::KeySet::from_pem(&std::fs::read_to_string(&pem).unwrap())
        .unwrap()
        .active_kid()
        .to_owned();
    let listed = ok(&silo(&storage, &["audit", "checkpoints"]));
    assert!(listed.contains(&kid), "{listed}");
    ok(&silo(&storage, &["--config", config, "audit", "verify"]));
    // The data directory's keys do not know that key.
    ok(&silo(&storage, &["keys", "list"]));
    let (stdout, _) = failed(&silo(&storage, &["audit", "verify"]));
    assert!(stdout.contains("no verification key with kid"), "{stdout}");
}

#[tokio::test]
async fn the_key_of_the_newest_checkpoint_is_retired_only_after_a_new_one() {
    let storage = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    company_with_records(&storage);
    ok(&silo(&storage, &["audit", "checkpoint"]));
    let old = ok(&silo(&storage, &["keys", "list"]))
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    ok(&silo(&storage, &["keys", "rotate"]));
    // The rotation is in the trail, and the old key still verifies the checkpoint.
    let out = ok(&silo(&storage, &["audit", "verify"]));
    assert!(out.contains("none in checkpoint 1 (newer)"), "{out}");
    let (_, stderr) = failed(&silo(&storage, &["keys", "retire", &old]));
    assert!(
        stderr.contains("signed the newest audit checkpoint"),
        "{stderr}"
    );
    ok(&silo(&storage, &["audit", "checkpoint"]));
    ok(&silo(&storage, &["keys", "retire", &old]));
    let out = ok(&silo(&storage, &["audit", "verify"]));
    assert!(out.contains("ok      checkpoint 2 of "), "{out}");
}

#[tokio::test]
async fn serve_signs_no_checkpoint_with_an_interval_of_zero() {
    use std::io::BufRead as _;
    let storage = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    company_with_records(&storage);
    let mut child = command(&storage)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-interval",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    while !lines.next().unwrap().unwrap().contains("listening on") {}
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let plane = control(&storage).await;
    assert!(plane.checkpoints().await.unwrap().is_empty());
    plane.close().await;
    child.kill().unwrap();
    child.wait().unwrap();
}

silo_testkit::backend_tests!(
    verify_fails_against_a_checkpoint_after_a_consistent_rewrite,
    verify_fails_when_a_checkpoint_signature_was_altered,
    serve_signs_checkpoints_at_its_interval,
);
