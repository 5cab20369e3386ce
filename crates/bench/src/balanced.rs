//! Several servers behind a load balancer: real `silo serve` processes (the binary next to this
//! one; build it with `cargo build --release -p silo`) on one control plane, HAProxy (Debian's
//! `haproxy`) in front, the load generator sending to HAProxy. Runs one server directly (no
//! balancer: what HAProxy itself costs), one behind HAProxy, then two behind HAProxy.
//!
//! On PostgreSQL the companies are spread over two tenant servers: the cluster named twice (its
//! URL as given and with `127.0.0.1` written `localhost`), which Silo places as two servers.

use crate::fleet::{Backend, BackendKind, Target, company, owner};
use crate::load::{LoadSettings, Mix, RunResult};
use anyhow::{Context, bail};
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_control::Email;
use silo_tenancy::{DataDir, Tenancy, TenantSecret};
use silo_testkit::TestStorage;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Kills a child process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The storage options every `silo` process of the run gets.
fn storage_args(storage: &TestStorage) -> Vec<String> {
    let mut args = vec![
        "--data".to_owned(),
        storage.dir.path().display().to_string(),
    ];
    if let Some(pg) = &storage.pg {
        args.push("--database-url".into());
        args.push(pg.control_url.clone());
        for server in &pg.servers {
            args.push("--tenant-server".into());
            args.push(server.clone());
        }
    }
    args
}

/// Starts `silo serve` on a free port with the run's pool bounds (each process has its own);
/// answers the process and its base URL.
fn serve(
    silo: &Path,
    storage: &TestStorage,
    pools: &silo_tenancy::PoolSettings,
) -> anyhow::Result<(Killed, String)> {
    let mut child = Command::new(silo)
        .args(storage_args(storage))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-interval",
            "0",
        ])
        .args([
            "--max-tenant-pools".to_owned(),
            pools.max_pools.to_string(),
            "--tenant-connections-per-pool".to_owned(),
            pools.connections_per_pool.to_string(),
            "--tenant-connection-budget".to_owned(),
            pools.connection_budget.to_string(),
        ])
        // One log line per request would measure the log; start-up lines stay.
        .env("RUST_LOG", "info,silo::request=warn")
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_TENANT_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", silo.display()))?;
    let stderr = child.stderr.take().context("stderr")?;
    let child = Killed(child);
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let Some(line) = lines.next() else {
            bail!("silo serve ended before it listened");
        };
        let line = line?;
        if let Some(rest) = line.split("listening on ").nth(1) {
            let url = rest.split_whitespace().next().unwrap_or_default();
            break url.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok((child, url))
}

/// HAProxy's configuration: round robin over the servers, keep-alive on both sides.
fn haproxy_config(listen: &str, servers: &[String]) -> String {
    let mut config = format!(
        "global\n    maxconn 4096\n\
         defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    \
         timeout server 60s\n    option forwardfor\n\
         frontend silo\n    bind {listen}\n    default_backend servers\n\
         backend servers\n    balance roundrobin\n"
    );
    for (i, url) in servers.iter().enumerate() {
        let address = url.trim_start_matches("http://");
        config.push_str(&format!("    server s{i} {address}\n"));
    }
    config
}

/// Starts HAProxy in front of `servers`; answers once it accepts connections.
async fn haproxy(dir: &Path, servers: &[String]) -> anyhow::Result<(Killed, String)> {
    let port = silo_testkit::smtp::free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = dir.join(format!("haproxy-{}.cfg", servers.len()));
    std::fs::write(&config, haproxy_config(&listen, servers))?;
    let bin = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .unwrap_or("haproxy");
    let child = Killed(
        Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run haproxy (apt-get install haproxy)")?,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(&listen).await.is_err() {
        if Instant::now() > deadline {
            bail!("haproxy did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok((child, format!("http://{listen}")))
}

/// Storage for the run; on PostgreSQL with the cluster as two tenant servers.
fn storage(backend: &Backend) -> TestStorage {
    match &backend.kind {
        BackendKind::Sqlite => TestStorage::on(&silo_testkit::TestBackend::Sqlite),
        BackendKind::Postgres(url) => {
            let alias = url.replacen("127.0.0.1", "localhost", 1);
            let mut servers = vec![url.clone()];
            if alias != *url {
                servers.push(alias);
            }
            TestStorage::postgres_servers(url, servers)
        }
    }
}

/// The three runs' results: one server directly, one behind HAProxy, two behind HAProxy.
pub struct Balanced {
    /// `(label, result)` per run.
    pub rows: Vec<(String, RunResult)>,
}

/// Provisions `n` companies on storage the `silo` processes can open (the tenant secret from
/// the data directory); answers the storage and a token bound to each company.
async fn provision(backend: &Backend, n: usize) -> anyhow::Result<(TestStorage, Vec<String>)> {
    let storage = storage(backend);
    let data = DataDir::new(storage.dir.path());
    let tenancy = match &storage.pg {
        None => Tenancy::open_sqlite(data.clone(), backend.settings).await?,
        Some(pg) => {
            let secret = TenantSecret::load_or_create(&data.root().join("tenant-secret"))?;
            Tenancy::open_postgres(&pg.control_url, &pg.servers, secret, backend.settings).await?
        }
    };
    let tokens = Tokens::new(
        KeySet::load_or_create(&data.keys_dir())?,
        TokenConfig {
            ttl: Duration::from_secs(3600),
            ..TokenConfig::default()
        },
    );
    let email = Email::parse("bench@silo.example").map_err(anyhow::Error::msg)?;
    let mut tokens_by_company = Vec::with_capacity(n);
    for i in 0..n {
        let c = tenancy.provision(company(i)?, owner()?).await?;
        let identity = tenancy
            .control()
            .identity_by_email(&email)
            .await?
            .context("bench identity")?;
        let session = tenancy
            .control()
            .create_session(identity.id, Some(c.id))
            .await?;
        let token = tokens
            .issue_in_session(identity.id.as_uuid(), Some(c.id.as_uuid()), session.id)?
            .token;
        tokens_by_company.push(token);
        if (i + 1) % 1000 == 0 {
            println!("  set up {} of {n} companies", i + 1);
        }
    }
    tenancy.close().await;
    Ok((storage, tokens_by_company))
}

/// The `silo` binary next to this one.
fn silo_binary() -> anyhow::Result<std::path::PathBuf> {
    Ok(std::env::current_exe()?.with_file_name("silo"))
}

/// A process's resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
fn resident_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")
}

/// Resident memory of one real `silo serve` (the run's pool bounds, otherwise its defaults):
/// once started, and after one request to each of `n` companies (`GET /api/contacts`, which
/// opens the company's database). Only the server is measured: the load generator and the
/// set-up run in this process.
pub async fn serve_memory(backend: &Backend, n: usize) -> anyhow::Result<(u64, u64, usize)> {
    silo_worker::webhook::install_crypto_provider();
    let (storage, tokens) = provision(backend, n).await?;
    let (server, url) = serve(&silo_binary()?, &storage, &backend.settings)?;
    let started = resident_kib(server.0.id())?;
    let client = reqwest::Client::new();
    for token in &tokens {
        client
            .get(format!("{url}/api/contacts?limit=1"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
    }
    Ok((started, resident_kib(server.0.id())?, n))
}

/// Provisions `n` companies, starts two `silo serve` and measures the three runs.
pub async fn run(backend: &Backend, n: usize, load: &LoadSettings) -> anyhow::Result<Balanced> {
    // reqwest's TLS takes the process's crypto provider; no in-process server installs it here.
    silo_worker::webhook::install_crypto_provider();
    let silo = silo_binary()?;
    let (storage, tokens_by_company) = provision(backend, n).await?;

    let (_one, first) = serve(&silo, &storage, &backend.settings)?;
    let (_two, second) = serve(&silo, &storage, &backend.settings)?;
    let client = reqwest::Client::new();
    let mut targets = Vec::with_capacity(n);
    for (i, token) in tokens_by_company.iter().enumerate() {
        let created: serde_json::Value = client
            .post(format!("{first}/api/contacts"))
            .bearer_auth(token)
            .json(&serde_json::json!({"name": format!("Contact {i}")}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        targets.push(Target {
            authorization: format!("Bearer {token}").parse()?,
            contact: created["id"].as_str().context("contact id")?.to_owned(),
        });
    }
    let targets = Arc::new(targets);

    let mut rows = Vec::new();
    let direct = crate::load::run_on(&first, targets.clone(), load, Mix::Reads).await?;
    rows.push(("1 server, direct (no balancer)".to_owned(), direct));
    for count in [1usize, 2] {
        let servers: Vec<String> = [first.clone(), second.clone()]
            .into_iter()
            .take(count)
            .collect();
        let (_lb, url) = haproxy(storage.dir.path(), &servers).await?;
        let result = crate::load::run_on(&url, targets.clone(), load, Mix::Reads).await?;
        rows.push((format!("{count} server(s) behind HAProxy"), result));
    }
    Ok(Balanced { rows })
}
