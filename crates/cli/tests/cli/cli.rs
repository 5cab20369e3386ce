//! The `silo` binary as an operator uses it: real processes, real files, real HTTP.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use serde_json::json;
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
            silo_schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Sqlite)
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
    assert!(invited.contains("invited as viewer"), "{invited}");
    assert!(
        !invited.contains("token"),
        "no secret on the terminal: {invited}"
    );
    let token = mailed_token(data, "cy@acme.example", "accept-invite");
    assert_eq!(token.len(), 64, "the link went by mail");
}

/// The token of the newest `path` link mailed to `email` (the outbox of `<data>/mail`).
fn mailed_token(data: &Path, email: &str, path: &str) -> String {
    let mut mails: Vec<_> = std::fs::read_dir(data.join("mail/outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    mails.sort();
    let needle = format!("/{path}?token=");
    mails
        .iter()
        .rev()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .filter(|m| m.contains(&format!("To: {email}")))
        .find_map(|m| {
            let at = m.find(&needle)? + needle.len();
            Some(
                m[at..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect(),
            )
        })
        .unwrap_or_else(|| panic!("no {path} link mailed to {email}"))
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
    let url = crate::address_after(&mut lines, "listening on ", |l| banner.push(l.to_owned()));
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
        // Page paths belong to the browser app (or the page explaining how to build it).
        let page = reqwest::get(format!("{url}/nope")).await.unwrap();
        assert_eq!(page.status(), 200);
        let missing = reqwest::get(format!("{url}/api/nope")).await.unwrap();
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

#[test]
fn roles_json_matches_roles_md_and_codegen_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&ok(&silo(dir.path(), &["roles", "--json"]))).unwrap();
    // The product's decision, kept in the repository: every cell must match the registry.
    let table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/decisions/roles.md"
    ))
    .unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
    assert!(rows.len() >= 20, "the decision's matrix has its rows");
    for line in rows {
        // Each row of the markdown matrix: | `perm` | x | | ... |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let permission = cells[1].trim_matches('`');
        for (i, role) in [
            "owner",
            "admin",
            "manager",
            "sales",
            "marketing",
            "delivery",
            "finance",
            "viewer",
        ]
        .iter()
        .enumerate()
        {
            let entry = json["roles"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["role"] == *role)
                .unwrap();
            let granted = entry["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == permission);
            assert_eq!(granted, cells[2 + i] == "x", "{role} / {permission}");
        }
    }

    let root = dir.path().to_str().unwrap();
    let out = dir.path().join(silo_roles::typescript::TS_PATH);
    assert_eq!(
        silo(dir.path(), &["codegen", "--check", "--root", root])
            .status
            .code(),
        Some(1),
        "a missing generated file is stale"
    );
    ok(&silo(dir.path(), &["codegen", "--root", root]));
    ok(&silo(dir.path(), &["codegen", "--check", "--root", root]));
    let edited = std::fs::read_to_string(&out)
        .unwrap()
        .replace("\"viewer\",", "\"viewer\", \"superuser\",");
    std::fs::write(&out, edited).unwrap();
    assert_eq!(
        silo(dir.path(), &["codegen", "--check", "--root", root])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn audit_verify_names_the_first_altered_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
    ok(&silo(data, &["company", "suspend", "acme"]));
    ok(&silo(data, &["company", "resume", "acme"]));
    let report = ok(&silo(data, &["audit", "verify"]));
    assert!(report.contains("ok"), "{report}");
    ok(&silo(data, &["audit", "verify", "acme"]));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = silo_store::sqlite::open_existing(
            &data.join("control.sqlite3"),
            silo_store::sqlite::PoolLimits::default(),
        )
        .await
        .unwrap();
        db.execute(
            "UPDATE audit_events SET action = 'company.resume' WHERE action = 'company.suspend'",
            &[],
        )
        .await
        .unwrap();
        db.close().await;
    });
    let out = silo(data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("BROKEN") && stdout.contains("first broken record: id 2"),
        "{stdout}"
    );
}

/// Every directory under `data` (itself included) is `0700` and every file `0600`, databases'
/// `-wal` and `-shm` companions included, whatever the umask of the process that made them.
fn assert_owner_only(data: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut seen = (0, Vec::new());
    let mut pending = vec![data.to_owned()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            seen.0 += 1;
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
            seen.1
                .push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    for kind in [
        "control.sqlite3",
        "control.sqlite3-wal",
        "control.sqlite3-shm",
    ] {
        assert!(seen.1.iter().any(|f| f == kind), "{kind} in {:?}", seen.1);
    }
    assert!(
        seen.1
            .iter()
            .any(|f| f.ends_with(".sqlite3-wal") && f != "control.sqlite3-wal"),
        "a company's database was checked: {:?}",
        seen.1
    );
    assert!(seen.0 >= 3, "data, tenants and keys at least");
}

#[test]
fn json_request_logs_carry_ids_but_never_secrets_and_metrics_are_scraped() {
    let dir = tempfile::tempdir().unwrap();
    // A data directory silo makes itself, under a umask that would let everyone read it.
    let data = dir.path().join("data");
    let mut child = Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_METRICS_TOKEN")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = crate::address_after(&mut lines, "listening on ", |_| {});
    let metrics_url = crate::address_after(&mut lines, "Metrics are served on ", |_| {});
    assert!(metrics_url.ends_with("/metrics"), "{metrics_url}");
    let secret_password = "Sup3r-secret-passw0rd";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (token, metrics) = rt.block_on(async {
        silo_worker::webhook::install_crypto_provider();
        let client = reqwest::Client::new();
        let asked = client
            .post(format!("{url}/api/signup"))
            .json(&serde_json::json!({"company_name": "Secretive Company Name", "email": "ann@acme.example", "password": secret_password}))
            .send()
            .await
            .unwrap();
        assert_eq!(asked.status(), 202);
        let link = mailed_token(&data, "ann@acme.example", "verify-email");
        let signup: serde_json::Value = client
            .post(format!("{url}/api/auth/verify-email"))
            .json(&serde_json::json!({ "token": link }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = signup["token"].as_str().unwrap().to_owned();
        let me = client.get(format!("{url}/api/company")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(me.status(), 200);
        // Not on the public listener: a plain 404, not the app page and not the figures.
        let public = client.get(format!("{url}/metrics")).send().await.unwrap();
        assert_eq!(public.status(), 404);
        let metrics = client.get(&metrics_url).send().await.unwrap().text().await.unwrap();
        (token, metrics)
    });
    assert!(
        metrics.contains(
            r#"silo_http_requests_total{method="GET",route="/api/company",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("silo_http_request_duration_seconds_bucket"));
    assert!(
        metrics.contains("silo_companies_provisioned_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("silo_tenant_pools_open 1"), "{metrics}");
    assert!(
        metrics.contains("silo_tenant_connections_open "),
        "{metrics}"
    );
    assert!(
        metrics.contains("silo_tenant_migrations_total 0"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("secretive"),
        "no slugs or names as labels"
    );
    assert_owner_only(&data);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    child.wait().unwrap();
    let log = rest.join("\n");
    let request_lines: Vec<serde_json::Value> = rest
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "silo::request")
        .collect();
    let company_line = request_lines
        .iter()
        .find(|v| v["route"] == "/api/company")
        .expect("a line for /api/company");
    for field in [
        "request_id",
        "method",
        "status",
        "latency_ms",
        "identity",
        "company",
    ] {
        assert!(
            !company_line[field].is_null(),
            "{field} missing: {company_line}"
        );
    }
    assert!(!log.contains(secret_password), "password in the log");
    assert!(!log.contains(&token), "token in the log");
    assert!(
        !log.contains(token.split('.').nth(2).unwrap()),
        "token signature in the log"
    );
    assert!(
        !log.contains("Secretive Company Name"),
        "business content in the log"
    );
}

#[test]
fn settings_come_from_flags_then_environment_then_file_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("silo.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9999\"\nsignup = false\ntoken_ttl = 1200\nbody_limit = 5000\ndatabase_url = \"postgres://silo:hunter2@db.example/control\"\nmax_tenant_pools = 300\ntenant_connection_budget = 100\nsmtp_url = \"smtps://mailer:hunter3@smtp.example.com\"\nmail_from = \"File <file@acme.example>\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_silo"))
        .args([
            "--config",
            file.to_str().unwrap(),
            "config",
            "--body-limit",
            "10",
            "--tenant-connections-per-pool",
            "3",
        ])
        .env("SILO_TOKEN_TTL", "60")
        .env("SILO_TENANT_CONNECTION_BUDGET", "80")
        .env("SILO_MAIL_FROM", "Acme <noreply@acme.example>")
        .env_remove("SILO_SMTP_URL")
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_LISTEN")
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.contains("listen = \"127.0.0.1:9999\""),
        "file value: {text}"
    );
    assert!(text.contains("signup = false"), "{text}");
    assert!(
        text.contains("token_ttl = 60"),
        "environment beats the file: {text}"
    );
    assert!(
        text.contains("body_limit = 10"),
        "flags beat everything: {text}"
    );
    assert!(
        text.contains("postgres://silo:***@db.example/control"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
    assert!(text.contains("max_tenant_pools = 300"), "{text}");
    assert!(text.contains("tenant_connection_budget = 80"), "{text}");
    assert!(text.contains("tenant_connections_per_pool = 3"), "{text}");
    assert!(
        text.contains("smtp_url = \"smtps://mailer:***@smtp.example.com\""),
        "{text}"
    );
    assert!(!text.contains("hunter3"), "{text}");
    assert!(
        text.contains("mail_from = \"Acme <noreply@acme.example>\""),
        "environment beats the file: {text}"
    );

    std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\n").unwrap();
    let config = |env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
        cmd.args(["--config", file.to_str().unwrap(), "config"]);
        match env {
            Some(v) => cmd.env("SILO_TRUSTED_PROXIES", v),
            None => cmd.env_remove("SILO_TRUSTED_PROXIES"),
        };
        cmd.output().unwrap()
    };
    let text = ok(&config(None));
    assert!(
        text.contains("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1/32\"]"),
        "{text}"
    );
    let text = ok(&config(Some("127.0.0.1,fd00::/8")));
    assert!(
        text.contains("trusted_proxies = [\"127.0.0.1/32\", \"fd00::/8\"]"),
        "environment beats the file: {text}"
    );
    assert_eq!(config(Some("proxy.local")).status.code(), Some(2));
    std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/33\"]\n").unwrap();
    let bad = config(None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("trusted_proxies"));

    std::fs::write(&file, "max_tenant_pools = 0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_silo"))
        .args(["--config", file.to_str().unwrap(), "config"])
        .env_remove("SILO_MAX_TENANT_POOLS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "zero pools refused");

    std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_silo"))
        .args(["--config", file.to_str().unwrap(), "config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lisen"));
}

/// `silo` with no `SILO_*` variable from the test's own environment.
fn bare_silo() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SILO_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// The line `silo config` prints for `key`.
fn config_line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

#[test]
fn each_layer_overrides_the_one_before_default_file_environment_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("silo.toml");
    std::fs::write(
        &file,
        "token_ttl = 1200\ntenant_connection_budget = 100\ninvitation_ttl_days = 3\n",
    )
    .unwrap();
    // One setting of each group: serve's, the global storage's, mail's.
    let run = |with_file: bool, env: bool, flags: bool| {
        let mut cmd = bare_silo();
        if with_file {
            cmd.arg("--config").arg(&file);
        }
        cmd.arg("config");
        if env {
            cmd.env("SILO_TOKEN_TTL", "60")
                .env("SILO_TENANT_CONNECTION_BUDGET", "80")
                .env("SILO_INVITATION_TTL_DAYS", "2");
        }
        if flags {
            cmd.args([
                "--token-ttl",
                "30",
                "--tenant-connection-budget",
                "40",
                "--invitation-ttl-days",
                "1",
            ]);
        }
        ok(&cmd.output().unwrap())
    };
    let cases = [
        ((false, false, false), ["900", "", "7"], "default"),
        ((true, false, false), ["1200", "100", "3"], "config file"),
        ((true, true, false), ["60", "80", "2"], "environment"),
        ((true, true, true), ["30", "40", "1"], "flag"),
        ((false, true, false), ["60", "80", "2"], "environment"),
        ((false, false, true), ["30", "40", "1"], "flag"),
    ];
    for ((with_file, env, flags), values, origin) in cases {
        let text = run(with_file, env, flags);
        for (key, value) in [
            "token_ttl",
            "tenant_connection_budget",
            "invitation_ttl_days",
        ]
        .into_iter()
        .zip(values)
        {
            if value.is_empty() {
                assert!(text.contains(&format!("# {key} is not set")), "{text}");
                continue;
            }
            let line = config_line(&text, key);
            assert!(
                line.starts_with(&format!("{key} = {value} ")),
                "{with_file}/{env}/{flags}: {line}"
            );
            assert!(
                line.split('#').nth(1).unwrap().trim().starts_with(origin),
                "{with_file}/{env}/{flags}: {line}"
            );
        }
    }
    let text = run(true, true, true);
    assert!(config_line(&text, "token_ttl").ends_with("# flag --token-ttl"));
    assert!(
        config_line(&run(true, true, false), "invitation_ttl_days")
            .ends_with("# environment SILO_INVITATION_TTL_DAYS")
    );
}

/// The file applies to every command, not only `serve`: the data directory of `company
/// create`, the invitation lifetime of `member add`, each under its environment variable.
#[test]
fn the_config_file_reaches_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("from-file");
    let file = dir.path().join("silo.toml");
    std::fs::write(
        &file,
        format!(
            "data = {:?}\ninvitation_ttl_days = 3\n",
            data.to_str().unwrap()
        ),
    )
    .unwrap();
    let silo = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = bare_silo();
        cmd.arg("--config")
            .arg(&file)
            .args(args)
            .env("SILO_OWNER_PASSWORD", PASSWORD);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    ok(&silo(
        &[
            "company",
            "create",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--owner-email",
            "ann@acme.example",
        ],
        &[],
    ));
    assert!(data.join("control.sqlite3").exists(), "data from the file");
    let out = ok(&silo(
        &["member", "add", "acme", "bo@acme.example", "viewer"],
        &[],
    ));
    assert!(out.contains("valid 3 days"), "{out}");
    let out = ok(&silo(
        &["member", "add", "acme", "cy@acme.example", "viewer"],
        &[("SILO_INVITATION_TTL_DAYS", "5")],
    ));
    assert!(
        out.contains("valid 5 days"),
        "environment over the file: {out}"
    );
    let out = ok(&silo(
        &[
            "member",
            "add",
            "acme",
            "di@acme.example",
            "viewer",
            "--invitation-ttl-days",
            "6",
        ],
        &[("SILO_INVITATION_TTL_DAYS", "5")],
    ));
    assert!(
        out.contains("valid 6 days"),
        "flag over the environment: {out}"
    );
}

#[test]
fn an_unknown_or_mistyped_key_in_the_config_file_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("silo.toml");
    let run = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let out = bare_silo()
            .arg("--config")
            .arg(&file)
            .arg("--data")
            .arg(&data)
            .args(["company", "list"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(
            err.contains(file.to_str().unwrap()),
            "names the file: {err}"
        );
        err
    };
    let err = run("listen = \"127.0.0.1:1\"\nsmtp_host = \"mail.example\"\n");
    assert!(err.contains("unknown key `smtp_host`"), "{err}");
    assert!(err.contains("smtp_url"), "lists the keys: {err}");
    // A section is no setting either.
    assert!(run("[serve]\nlisten = \"127.0.0.1:1\"\n").contains("unknown key `serve`"));
    let err = run("token_ttl = \"soon\"\n");
    assert!(err.contains("token_ttl"), "{err}");
    let err = run("token_ttl = 60\nlisten = [\n");
    assert!(err.contains("line 2"), "{err}");
    // A secret in a wrong shape is named, never repeated.
    let err = run("tenant_servers = \"postgres://silo:hunter2@db.example/postgres\"\n");
    assert!(err.contains("tenant_servers"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(!data.exists(), "nothing was opened or created");
}

/// Every `--help` page, with every secret-bearing variable set: the values never show (the
/// variables' names do), while an ordinary variable's value does (so clap did read them).
#[test]
fn help_never_shows_the_value_of_a_secret() {
    const SECRET: &str = "hunter2secret";
    let secrets = [
        (
            "SILO_DATABASE_URL",
            format!("postgres://silo:{SECRET}@db/control"),
        ),
        (
            "SILO_TENANT_SERVERS",
            format!("postgres://silo:{SECRET}@db1/postgres"),
        ),
        ("SILO_TENANT_SECRET", format!("{SECRET}-{SECRET}")),
        (
            "SILO_SMTP_URL",
            format!("smtps://mailer:{SECRET}@smtp.example"),
        ),
        ("SILO_OWNER_PASSWORD", SECRET.to_owned()),
        ("SILO_MEMBER_PASSWORD", SECRET.to_owned()),
        ("SILO_METRICS_TOKEN", format!("{SECRET}-{SECRET}-{SECRET}")),
    ];
    let help = |path: &[String]| {
        let mut cmd = bare_silo();
        cmd.args(path)
            .arg("--help")
            .env("SILO_LISTEN", "127.0.0.1:4321");
        for (name, value) in &secrets {
            cmd.env(name, value);
        }
        ok(&cmd.output().unwrap())
    };
    let mut pages = 0;
    let mut pending: Vec<Vec<String>> = vec![vec![]];
    let mut seen_names = std::collections::BTreeSet::new();
    while let Some(path) = pending.pop() {
        let text = help(&path);
        pages += 1;
        assert!(
            !text.contains(SECRET),
            "silo {} --help: {text}",
            path.join(" ")
        );
        for (name, _) in &secrets {
            if text.contains(&format!("[env: {name}]")) {
                seen_names.insert(*name);
            }
        }
        // The subcommands listed under "Commands:", two-space indented.
        let commands = text
            .split("Commands:")
            .nth(1)
            .map(|rest| rest.split("\n\n").next().unwrap_or_default())
            .unwrap_or_default();
        for line in commands.lines() {
            if let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
                && name != "help"
            {
                let mut sub = path.clone();
                sub.push(name.to_owned());
                pending.push(sub);
            }
        }
        if path == ["serve"] {
            assert!(text.contains("[env: SILO_LISTEN=127.0.0.1:4321]"), "{text}");
        }
    }
    assert!(pages >= 20, "walked {pages} help pages");
    assert_eq!(seen_names.len(), secrets.len(), "{seen_names:?}");
}

/// Starts `silo serve` on a free port; answers the child and its address. The caller stops it.
fn serve(
    data: &Path,
) -> (
    std::process::Child,
    String,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = crate::address_after(&mut lines, "listening on ", |_| {});
    (child, url, lines)
}

fn identity_json(data: &Path, email: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&silo(data, &["identity", "show", email, "--json"]))).unwrap()
}

/// The operator's identity commands against a server running on the same data: what they
/// show, a two-factor reset, and a disabled identity refused on its next request (the server
/// sees the command's change through the registry file, though another process made it).
#[test]
fn identity_commands_act_on_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
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
    let (mut child, url, lines) = serve(data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    silo_worker::webhook::install_crypto_provider();
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut req = client.post(format!("{url}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        rt.block_on(async {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let cookie = res
                .headers()
                .get("set-cookie")
                .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned());
            (
                status,
                res.json::<serde_json::Value>().await.unwrap(),
                cookie,
            )
        })
    };
    let status = |path: &str, token: &str| {
        rt.block_on(async {
            client
                .get(format!("{url}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let login = json!({"email": "ann@acme.example", "password": PASSWORD});

    // Ann turns two-factor on.
    let (_, body, cookie) = post("/api/auth/login", None, login.clone());
    let token = body["token"].as_str().unwrap().to_owned();
    let cookie = cookie.unwrap();
    let (_, setup, _) = post(
        "/api/auth/2fa/setup",
        Some(&token),
        json!({ "password": PASSWORD }),
    );
    let secret_text = setup["secret"].as_str().unwrap().to_owned();
    let secret = silo_auth::totp::TotpSecret::from_base32(&secret_text).unwrap();
    let now = u64::try_from(silo_store::Timestamp::now().unix_seconds()).unwrap();
    let (code, confirmed, _) = post(
        "/api/auth/2fa/confirm",
        Some(&token),
        json!({"code": secret.code_at(now)}),
    );
    assert_eq!(code, 200, "{confirmed}");

    let list: serde_json::Value =
        serde_json::from_str(&ok(&silo(data, &["identity", "list", "--json"]))).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["email"], "ann@acme.example");
    assert_eq!(list[0]["two_factor"], true);
    assert_eq!(list[0]["memberships"], 1);
    assert_eq!(list[1]["two_factor"], false);
    let table = ok(&silo(data, &["identity", "list"]));
    assert!(table.contains("bob@acme.example"), "{table}");
    let ann = identity_json(data, "ANN@acme.example");
    assert_eq!(ann["status"], "active");
    assert_eq!(ann["memberships"][0]["slug"], "acme");
    assert_eq!(ann["memberships"][0]["role"], "owner");
    assert_eq!(ann["active_sessions"], 1);
    assert_eq!(ann["recovery_codes_left"], 10);
    let text = ok(&silo(data, &["identity", "show", "ann@acme.example"]));
    assert!(
        text.contains("two-factor:  on") && text.contains("acme"),
        "{text}"
    );

    // Reset: the password alone logs in again.
    let (status_code, body, _) = post("/api/auth/login", None, login.clone());
    assert_eq!(
        (status_code, body["error"]["code"].as_str()),
        (401, Some("two_factor_required"))
    );
    ok(&silo(data, &["identity", "reset-2fa", "ann@acme.example"]));
    assert!(ok(&silo(data, &["identity", "reset-2fa", "ann@acme.example"])).contains("nothing"));
    assert_eq!(identity_json(data, "ann@acme.example")["two_factor"], false);
    let (status_code, _, _) = post("/api/auth/login", None, login.clone());
    assert_eq!(status_code, 200);

    // Disable: the old access token and the session end; logging in is refused.
    assert_eq!(status("/api/company", &token), 200);
    ok(&silo(data, &["identity", "disable", "ann@acme.example"]));
    assert_eq!(status("/api/company", &token), 401);
    assert_eq!(status("/api/me", &token), 401);
    let refresh = rt.block_on(async {
        client
            .post(format!("{url}/api/auth/refresh"))
            .header("x-silo-refresh", "1")
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(refresh, 401);
    let (status_code, _, _) = post("/api/auth/login", None, login.clone());
    assert_eq!(status_code, 401);
    let ann = identity_json(data, "ann@acme.example");
    assert_eq!(
        (ann["status"].as_str(), ann["active_sessions"].as_i64()),
        (Some("disabled"), Some(0))
    );

    ok(&silo(data, &["identity", "enable", "ann@acme.example"]));
    let (status_code, body, _) = post("/api/auth/login", None, login);
    assert_eq!(status_code, 200, "{body}");
    assert_eq!(
        silo(data, &["identity", "show", "nobody@acme.example"])
            .status
            .code(),
        Some(1)
    );
    ok(&silo(data, &["audit", "verify"]));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    // The server's log never holds the secret or a recovery code.
    let log: Vec<String> = lines.map_while(Result::ok).collect();
    let log = log.join("\n");
    assert!(!log.contains(&secret_text), "{log}");
    for code in confirmed["recovery_codes"].as_array().unwrap() {
        assert!(!log.contains(code.as_str().unwrap()));
    }
}

/// With an SMTP server configured, `member add` queues its invitation in the mail queue (no
/// file, no waiting for the server); `silo jobs` shows the queue without a recipient and drops
/// or retries a message by id.
#[test]
fn with_smtp_an_invitation_is_queued_and_jobs_see_the_mail_queue() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme Digital", "acme", "ann@acme.example"));
    // Nothing listens there: the message stays queued.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let invited = ok(&silo(
        data,
        &[
            "member",
            "add",
            "acme",
            "cy@acme.example",
            "viewer",
            "--smtp-url",
            &smtp,
        ],
    ));
    assert!(invited.contains("queued for delivery"), "{invited}");
    assert!(!data.join("mail/outbox").exists() || mailed(data).is_empty());

    let listed = ok(&silo(data, &["jobs", "list", "--mail"]));
    assert!(
        listed.contains("mail queue: 1 pending, 0 sent, 0 dead, 0 dropped"),
        "{listed}"
    );
    assert!(!listed.contains("cy@"), "no recipient: {listed}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&silo(data, &["jobs", "list", "--mail", "--json"]))).unwrap();
    let messages = json["mail_queue"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["state"], "pending");
    assert_eq!(messages[0]["has_body"], true);
    let id = messages[0]["id"].as_str().unwrap().to_owned();
    // The full list starts with the mail queue, then the companies.
    let all = ok(&silo(data, &["jobs", "list"]));
    assert!(all.starts_with("mail queue: 1 pending"), "{all}");
    assert!(all.contains("acme ("), "{all}");

    let refused = silo(data, &["jobs", "retry", "--mail", &id]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("only a dead letter can be retried"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let dropped = ok(&silo(data, &["jobs", "drop", "--mail", &id]));
    assert!(dropped.contains("is dropped now"), "{dropped}");
    let listed = ok(&silo(
        data,
        &["jobs", "list", "--mail", "--state", "dropped"],
    ));
    assert!(listed.contains(&format!("{id}  dropped")), "{listed}");
    assert!(
        listed.contains("0 pending, 0 sent, 0 dead, 1 dropped"),
        "{listed}"
    );
    let unknown = silo(
        data,
        &[
            "jobs",
            "drop",
            "--mail",
            "0190b5a0-0000-7000-8000-000000000000",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        silo(data, &["jobs", "retry", &id]).status.code(),
        Some(2),
        "--company or --mail is required"
    );
}

/// The `.eml` files in `<data>/mail/outbox`.
fn mailed(data: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(data.join("mail/outbox"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn the_operator_moves_a_company_to_a_paid_plan() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&create(data, "Acme", "acme", "ann@acme.example"));
    let plan_of = |data: &Path| list_json(data)[0]["plan"].as_str().unwrap().to_owned();
    assert_eq!(plan_of(data), "starter");
    let unknown = silo(data, &["company", "plan", "acme", "platinum"]);
    assert!(!unknown.status.success());
    assert_eq!(plan_of(data), "starter");
    let moved = ok(&silo(data, &["company", "plan", "acme", "growth"]));
    assert!(moved.contains("growth"), "{moved}");
    assert_eq!(plan_of(data), "growth");
    let again = ok(&silo(data, &["company", "plan", "acme", "growth"]));
    assert!(again.contains("already"), "{again}");
    let audit = ok(&silo(data, &["audit", "verify"]));
    assert!(!audit.contains("BROKEN"), "{audit}");
}
