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

/// `silo identity` on PostgreSQL: the overview, a two-factor reset and disabling, read back from
/// the registry.
#[test]
fn identity_commands_on_postgres() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let run = |args: &[&str]| {
        let out = silo(&storage, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "company",
        "create",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--owner-email",
        "ann@acme.example",
    ]);
    let pg = storage.pg.as_ref().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let control = silo_control::ControlPlane::open_postgres(&pg.control_url)
            .await
            .unwrap();
        let ann = control
            .identity_by_email(&silo_control::Email::parse("ann@acme.example").unwrap())
            .await
            .unwrap()
            .unwrap();
        let pending = control.begin_two_factor(ann.id).await.unwrap();
        let now = u64::try_from(silo_store::Timestamp::now().unix_seconds()).unwrap();
        control
            .confirm_two_factor(ann.id, &pending.secret.code_at(now))
            .await
            .unwrap();
        control.create_session(ann.id, None).await.unwrap();
        control.close().await;
    });
    let show = |email: &str| -> serde_json::Value {
        serde_json::from_str(&run(&["identity", "show", email, "--json"])).unwrap()
    };
    let ann = show("ann@acme.example");
    assert_eq!(ann["two_factor"], true);
    assert_eq!(ann["active_sessions"], 1);
    assert_eq!(ann["memberships"][0]["role"], "owner");
    let list: serde_json::Value =
        serde_json::from_str(&run(&["identity", "list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    run(&["identity", "reset-2fa", "ann@acme.example"]);
    assert_eq!(show("ann@acme.example")["two_factor"], false);
    run(&["identity", "disable", "ann@acme.example"]);
    let ann = show("ann@acme.example");
    assert_eq!(ann["status"], "disabled");
    assert_eq!(ann["active_sessions"], 0);
    run(&["identity", "enable", "ann@acme.example"]);
    assert_eq!(show("ann@acme.example")["status"], "active");
    assert_eq!(
        silo(&storage, &["identity", "disable", "nobody@acme.example"])
            .status
            .code(),
        Some(1)
    );
    run(&["audit", "verify"]);
}

/// The PostgreSQL settings from a config file alone: the deployment is chosen by it, the
/// tenant secret in it is used (none is generated), and `silo config` masks that secret.
#[test]
fn a_config_file_alone_selects_postgres() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let pg = storage.pg.as_ref().unwrap();
    const SECRET: &str = "a tenant secret from the file";
    let file = storage.dir.path().join("silo.toml");
    let servers: Vec<String> = pg.servers.iter().map(|s| format!("{s:?}")).collect();
    std::fs::write(
        &file,
        format!(
            "data = {:?}\ndatabase_url = {:?}\ntenant_servers = [{}]\ntenant_secret = {SECRET:?}\n",
            storage.dir.path().to_str().unwrap(),
            pg.control_url,
            servers.join(", "),
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SILO_") {
                cmd.env_remove(name);
            }
        }
        let out = cmd
            .arg("--config")
            .arg(&file)
            .args(args)
            .env("SILO_OWNER_PASSWORD", "correct horse battery")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "company",
        "create",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--owner-email",
        "ann@acme.example",
    ]);
    let list: serde_json::Value =
        serde_json::from_str(&run(&["company", "list", "--json"])).unwrap();
    assert_eq!(list[0]["placement"]["backend"], "postgres");
    assert!(
        !storage.dir.path().join("tenant-secret").exists(),
        "the file's secret is used, none generated"
    );
    let config = run(&["config"]);
    assert!(!config.contains(SECRET), "{config}");
    let line = config
        .lines()
        .find(|l| l.starts_with("tenant_secret = "))
        .unwrap();
    assert!(line.starts_with("tenant_secret = \"***\""), "{line}");
    assert!(line.ends_with("# config file"), "{line}");
    assert!(config.contains("# signup is not set"), "{config}");
}
