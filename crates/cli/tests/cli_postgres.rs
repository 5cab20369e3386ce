#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The `silo` binary on PostgreSQL: storage options, placement shown by `company list`, the
//! generated tenant secret. Tests needing a server skip without `SILO_TEST_POSTGRES_URL`.

use silo_testkit::{TestBackend, TestStorage};
use std::process::{Command, Output};

fn silo(storage: &TestStorage, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
    cmd.arg("--data")
        .arg(storage.dir.path())
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_TENANT_SECRET")
        .env("SILO_OWNER_PASSWORD", "correct horse battery");
    if let Some(pg) = &storage.pg {
        cmd.arg("--database-url").arg(&pg.control_url);
        for server in &pg.servers {
            cmd.arg("--tenant-server").arg(server);
        }
    }
    cmd.args(args).output().unwrap()
}

#[test]
fn a_database_url_without_tenant_servers_is_a_one_line_error() {
    let storage = TestStorage::on(&TestBackend::Sqlite);
    let out = Command::new(env!("CARGO_BIN_EXE_silo"))
        .args(["--database-url", "postgres://nobody@127.0.0.1:1/x"])
        .arg("--data")
        .arg(storage.dir.path())
        .env_remove("SILO_TENANT_SERVERS")
        .args(["company", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--tenant-server"), "{err}");
}

#[test]
fn companies_are_created_and_listed_with_their_placement() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    for (slug, email) in [("acme", "ann@acme.example"), ("bolt", "bob@bolt.example")] {
        let out = silo(
            &storage,
            &[
                "company",
                "create",
                "--name",
                slug,
                "--slug",
                slug,
                "--owner-email",
                email,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = silo(&storage, &["company", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    let TestBackend::Postgres(url) = &backend else {
        unreachable!()
    };
    let server = silo_store::postgres::PgServer::parse(url)
        .unwrap()
        .id()
        .to_owned();
    assert_eq!(list.len(), 2);
    for c in list {
        let p = &c["placement"];
        assert_eq!(p["backend"], "postgres");
        assert_eq!(p["server"], server.as_str());
        assert!(p["database_name"].as_str().unwrap().starts_with("silo_t_"));
        assert_eq!(c["status"], "active");
    }
    let table = silo(&storage, &["company", "list"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains(&format!("postgres:{server}")), "{table}");

    let secret = storage.dir.path().join("tenant-secret");
    let text = std::fs::read_to_string(&secret).unwrap();
    let everything = format!("{}{table}", String::from_utf8_lossy(&out.stdout));
    assert!(
        !everything.contains(text.trim()),
        "the secret is never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
