//! The `silo` binary as an operator uses it: real processes, real files, real HTTP.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "correct horse battery";

fn silo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env("SILO_OWNER_PASSWORD", PASSWORD)
        .output()
        .expect("run silo")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn create(data: &Path, name: &str, slug: &str, email: &str) -> Output {
    silo(
        data,
        &[
            "company",
            "create",
            "--name",
            name,
            "--slug",
            slug,
            "--owner-email",
            email,
        ],
    )
}

fn list_json(data: &Path) -> Vec<serde_json::Value> {
    let out = ok(&silo(data, &["company", "list", "--json"]));
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn two_companies_two_files_and_a_refused_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
    ok(&create(data, "Bolt Studio", "bolt", "bob@bolt.example"));

    let dup = create(data, "Another Acme", "acme", "eve@evil.example");
    assert_eq!(dup.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&dup.stderr);
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one-line reason: {stderr}"
    );
    assert!(stderr.contains("taken"), "{stderr}");

    let companies = list_json(data);
    assert_eq!(companies.len(), 2);
    let mut expected_files = vec!["control.sqlite3".to_owned()];
    for c in &companies {
        assert_eq!(c["status"], "active");
        assert_eq!(c["plan"], "starter");
        assert_eq!(c["placement"]["backend"], "sqlite");
        assert_eq!(
            c["placement"]["schema_version"],
            silo_domain::schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Sqlite)
        );
        let id = c["id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        assert!(data.join("tenants").join(format!("{id}.sqlite3")).is_file());
        expected_files.push(format!("tenants/{id}.sqlite3"));
    }
    let tenant_files = std::fs::read_dir(data.join("tenants"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sqlite3")
        })
        .count();
    assert_eq!(
        tenant_files, 2,
        "one file per company, nothing for the refused duplicate"
    );
    assert!(data.join("control.sqlite3").is_file());
}

#[test]
fn slugs_emails_and_passwords_are_checked_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for args in [
        &[
            "company",
            "create",
            "--name",
            "X",
            "--slug",
            "Bad Slug",
            "--owner-email",
            "a@b.example",
        ][..],
        &[
            "company",
            "create",
            "--name",
            "X",
            "--slug",
            "good",
            "--owner-email",
            "not-an-email",
        ][..],
    ] {
        let out = silo(data, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    let short = Command::new(env!("CARGO_BIN_EXE_silo"))
        .args(["--data"])
        .arg(data)
        .args([
            "company",
            "create",
            "--name",
            "X",
            "--owner-email",
            "a@b.example",
        ])
        .env("SILO_OWNER_PASSWORD", "short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(list_json(data).is_empty());
    assert_eq!(std::fs::read_dir(data.join("tenants")).unwrap().count(), 0);
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["company", "frobnicate"][..],
        &["member", "add", "acme", "a@b.example", "emperor"][..],
        &[][..],
    ] {
        let out = silo(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let help = ok(&silo(dir.path(), &["company", "create", "--help"]));
    assert!(help.contains("--owner-email"));
}

#[test]
fn the_control_plane_holds_no_business_tables_and_tenants_no_company_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
    let id = list_json(data)[0]["id"].as_str().unwrap().to_owned();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use silo_store::sqlite::{PoolLimits, open_existing};
        let control = open_existing(&data.join("control.sqlite3"), PoolLimits::default())
            .await
            .unwrap();
        let tables = table_names(&control).await;
        for business in [
            "accounts",
            "contacts",
            "deals",
            "contracts",
            "invoices",
            "projects",
        ] {
            assert!(
                !tables.contains(&business.to_owned()),
                "control plane has {business}"
            );
        }
        assert!(tables.contains(&"companies".to_owned()));

        let tenant = open_existing(
            &data.join("tenants").join(format!("{id}.sqlite3")),
            PoolLimits::default(),
        )
        .await
        .unwrap();
        let tables = table_names(&tenant).await;
        assert!(tables.contains(&"contacts".to_owned()) && tables.contains(&"accounts".to_owned()));
        for table in tables {
            let sql = silo_store::Sql::assembled(format!(
                "SELECT name FROM pragma_table_info('{table}')"
            ));
            for column in tenant.fetch_all(sql, &[]).await.unwrap() {
                let name: String = column.get("name").unwrap();
                assert!(
                    name != "company_id" && name != "tenant_id",
                    "{table}.{name}"
                );
            }
        }
    });
}

async fn table_names(db: &silo_store::Db) -> Vec<String> {
    db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>("name").unwrap())
        .collect()
}

#[test]
fn suspend_resume_and_members() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
    assert!(ok(&silo(data, &["company", "suspend", "acme"])).contains("suspended"));
    assert_eq!(list_json(data)[0]["status"], "suspended");
    ok(&silo(data, &["company", "resume", "acme"]));
    assert_eq!(list_json(data)[0]["status"], "active");
    assert_eq!(
        silo(data, &["company", "suspend", "nope"]).status.code(),
        Some(1)
    );

    ok(&silo(
        data,
        &[
            "member",
            "add",
            "acme",
            "bob@acme.example",
            "sales",
            "--password",
            PASSWORD,
        ],
    ));
    let again = silo(
        data,
        &["member", "add", "acme", "BOB@acme.example", "viewer"],
    );
    assert_eq!(again.status.code(), Some(1), "already a member");
    let invited = ok(&silo(
        data,
        &["member", "add", "acme", "cy@acme.example", "viewer"],
    ));
    assert!(invited.contains("invitation token"), "{invited}");
}

#[test]
fn serve_answers_health_and_readiness_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut banner = Vec::new();
    let url = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        banner.push(line.clone());
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    let next = lines.next().unwrap().unwrap();
    assert!(next.contains("No companies yet"), "first-run help: {next}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let health: serde_json::Value = reqwest::get(format!("{url}/healthz"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        let ready = reqwest::get(format!("{url}/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200);
        let missing = reqwest::get(format!("{url}/nope")).await.unwrap();
        assert_eq!(missing.status(), 404);
        let body: serde_json::Value = missing.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    });

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}
