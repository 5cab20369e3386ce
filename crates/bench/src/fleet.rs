//! A server with N companies, each with one contact and a token bound to it.

use anyhow::Context;
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_control::{Email, NewCompany, NewIdentity, Slug};
use silo_server::{Server, ServerConfig};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};
use silo_testkit::TestStorage;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One company as the load generator sees it.
#[derive(Clone)]
pub struct Target {
    /// `Authorization: Bearer` with a token bound to the company, built once so the load
    /// generator does not spend its share of the CPU formatting it per request.
    pub authorization: reqwest::header::HeaderValue,
    /// A contact id to read.
    pub contact: String,
}

/// A running server and its companies.
pub struct Fleet {
    /// Base URL.
    pub url: String,
    /// The companies.
    pub targets: Arc<Vec<Target>>,
    tenancy: Arc<Tenancy>,
    // Dropped last: removes the throw-away databases and files.
    _storage: TestStorage,
    probe: Probe,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Counts tenant connections from `pg_stat_activity` through an admin connection per tenant
/// server.
#[derive(Clone)]
pub struct Probe(Vec<silo_store::Db>);

impl Probe {
    /// Tenant connections open on PostgreSQL now, on each tenant server (`None` on SQLite).
    pub async fn pg_tenant_connections(&self) -> Option<Vec<i64>> {
        if self.0.is_empty() {
            return None;
        }
        let mut counts = Vec::new();
        for admin in &self.0 {
            let row = admin
                .fetch_one(
                    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename LIKE 'silo_t_%'",
                    &[],
                )
                .await
                .ok()?;
            counts.push(row.get::<i64>("n").ok()?);
        }
        Some(counts)
    }
}

/// Where the fleet's databases live, and the server's tenant pool bounds.
#[derive(Clone, Debug)]
pub struct Backend {
    /// Which engine.
    pub kind: BackendKind,
    /// Pool bounds for the server (the backend's defaults unless overridden).
    pub settings: PoolSettings,
    /// PostgreSQL tenant servers besides the control plane's (which is always one).
    pub more_servers: Vec<String>,
}

/// The storage engine of a run.
#[derive(Clone, Debug)]
pub enum BackendKind {
    /// Temp-dir SQLite files.
    Sqlite,
    /// A throw-away control database and tenant databases on this PostgreSQL server.
    Postgres(String),
}

impl Backend {
    /// SQLite with its default pool bounds.
    pub fn sqlite() -> Self {
        Backend {
            kind: BackendKind::Sqlite,
            settings: PoolSettings::sqlite_default(),
            more_servers: Vec::new(),
        }
    }

    /// PostgreSQL at `url` with its default pool bounds.
    pub fn postgres(url: String) -> Self {
        Backend {
            kind: BackendKind::Postgres(url),
            settings: PoolSettings::default(),
            more_servers: Vec::new(),
        }
    }

    pub fn storage(&self) -> TestStorage {
        match &self.kind {
            BackendKind::Sqlite => TestStorage::on(&silo_testkit::TestBackend::Sqlite),
            BackendKind::Postgres(url) => TestStorage::postgres_servers(
                url,
                std::iter::once(url.clone())
                    .chain(self.more_servers.iter().cloned())
                    .collect(),
            ),
        }
    }
}

pub fn owner() -> anyhow::Result<NewIdentity> {
    // Hashed once: the identity must be active (have a password) for its tokens to count.
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match HASH.get() {
        Some(h) => h.clone(),
        None => {
            let h = silo_auth::password::hash(&silo_auth::password::Password::new(
                "bench password, unused",
            ))?;
            HASH.get_or_init(|| h).clone()
        }
    };
    Ok(NewIdentity {
        email: Email::parse("bench@silo.example").map_err(anyhow::Error::msg)?,
        name: "Bench".into(),
        password_hash: Some(hash),
    })
}

pub fn company(i: usize) -> anyhow::Result<NewCompany> {
    Ok(NewCompany {
        name: format!("Bench {i}"),
        slug: Slug::parse(&format!("bench-{i}")).map_err(anyhow::Error::msg)?,
    })
}

impl Fleet {
    /// Starts a server on a fresh data directory with `n` companies.
    pub async fn start(backend: &Backend, n: usize) -> anyhow::Result<Fleet> {
        Self::start_with(backend, n, ServerConfig::default().company_concurrency).await
    }

    /// [`Fleet::start`] with each company's bound on requests in flight.
    pub async fn start_with(
        backend: &Backend,
        n: usize,
        company_concurrency: u32,
    ) -> anyhow::Result<Fleet> {
        let storage = backend.storage();
        let keys_dir = DataDir::new(storage.dir.path()).keys_dir();
        let tenancy = Arc::new(storage.open(backend.settings).await);
        let tokens = Tokens::new(
            KeySet::load_or_create(&keys_dir)?,
            TokenConfig {
                ttl: Duration::from_secs(3600),
                ..TokenConfig::default()
            },
        );
        let server_tokens = Tokens::new(KeySet::load_or_create(&keys_dir)?, TokenConfig::default());
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse()?,
            mail: silo_mail::MailSettings {
                dir: storage.dir.path().join("mail"),
                ..silo_mail::MailSettings::default()
            },
            // All load comes from one address: the collection limits would measure themselves.
            collect_limits: silo_server::CollectLimits {
                per_site: u32::MAX,
                per_address: u32::MAX,
                window: silo_server::CollectLimits::WINDOW,
            },
            company_concurrency,
            ..ServerConfig::default()
        };
        let server = Server::build(config, tenancy.clone(), server_tokens).await?;
        let url = format!("http://{}", server.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let mut targets = Vec::with_capacity(n);
        let started = Instant::now();
        for i in 0..n {
            let c = tenancy.provision(company(i)?, owner()?).await?;
            let identity = tenancy
                .control()
                .identity_by_email(&Email::parse("bench@silo.example").map_err(anyhow::Error::msg)?)
                .await?
                .context("bench identity")?;
            // A browser session per company, as a login makes: the request path then checks
            // the session too, as it does for every token the server issues.
            let session = tenancy
                .control()
                .create_session(identity.id, Some(c.id))
                .await?;
            let token = tokens
                .issue_in_session(identity.id.as_uuid(), Some(c.id.as_uuid()), session.id)?
                .token;
            let created: serde_json::Value = client
                .post(format!("{url}/api/contacts"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"name": format!("Contact {i}"), "email": format!("c{i}@bench.example")}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let contact = created["id"].as_str().context("contact id")?.to_owned();
            let authorization = format!("Bearer {token}").parse()?;
            targets.push(Target {
                authorization,
                contact,
            });
            if (i + 1) % 1000 == 0 {
                eprintln!(
                    "  set up {} of {n} companies ({:.0} s)",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let probe = Probe(match &storage.pg {
            Some(pg) => pg.server_admins().await,
            None => Vec::new(),
        });
        Ok(Fleet {
            url,
            targets: Arc::new(targets),
            tenancy,
            _storage: storage,
            probe,
            _stop: stop,
        })
    }

    /// The first company's database handle, for the baseline server.
    pub async fn first_tenant_db(&self) -> anyhow::Result<silo_store::TenantDb> {
        let companies = self.tenancy.control().list_companies().await?;
        let (company, _) = companies.first().context("no company")?;
        Ok(self.tenancy.tenant_db(company).await?)
    }

    /// A handle that counts open PostgreSQL tenant connections.
    pub fn probe(&self) -> Probe {
        self.probe.clone()
    }

    /// Most tenant connections the server opens (its budgets over all tenant servers).
    pub async fn connection_budget(&self) -> u64 {
        self.tenancy.stats().await.connection_budget
    }

    /// Tenant pools open in the server now.
    pub async fn open_pools(&self) -> usize {
        self.tenancy.open_pools().await
    }
}

/// Provisions `n` companies on fresh storage; returns each one's duration. With `pooled`, the
/// PostgreSQL provisioning pool is first filled with `n` databases (not timed).
pub async fn provision_timings(
    backend: &Backend,
    n: usize,
    pooled: bool,
) -> anyhow::Result<Vec<Duration>> {
    let storage = backend.storage();
    let tenancy = storage.open(backend.settings).await;
    if pooled {
        let started = Instant::now();
        let made = tenancy.refill_provisioning_pool(n).await?;
        eprintln!(
            "  filled the provisioning pool with {made} databases in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut timings = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        tenancy.provision(company(i)?, owner()?).await?;
        timings.push(started.elapsed());
    }
    tenancy.close().await;
    Ok(timings)
}

/// Provisions `n` SQLite companies, takes each back one tenant migration (as a database made by
/// an older build), then times the real `silo migrate`.
pub async fn migrate_timing(n: usize, concurrency: usize) -> anyhow::Result<(Duration, i32)> {
    let storage = Backend::sqlite().storage();
    let tenancy = storage.open(PoolSettings::sqlite_default()).await;
    let data = DataDir::new(storage.dir.path());
    let mut companies = Vec::with_capacity(n);
    for i in 0..n {
        companies.push(tenancy.provision(company(i)?, owner()?).await?);
    }
    tenancy.close().await;
    for c in &companies {
        let db =
            silo_store::sqlite::open_existing(&data.tenant_path(c.id), Default::default()).await?;
        db.execute("DROP TABLE write_locks", &[]).await?;
        db.execute("DELETE FROM silo_schema WHERE version = 3", &[])
            .await?;
        db.close().await;
    }
    let silo = std::env::current_exe()?.with_file_name("silo");
    let started = Instant::now();
    let status = std::process::Command::new(&silo)
        .arg("--data")
        .arg(storage.dir.path())
        .args(["migrate", "--concurrency", &concurrency.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", silo.display()))?;
    Ok((started.elapsed(), status.code().unwrap_or(-1)))
}
