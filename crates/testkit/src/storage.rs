//! Throw-away storage for one test on either backend.

use crate::TestBackend;
use silo_control::Company;
use silo_store::postgres::{self, PgServer};
use silo_store::{Db, params};
use silo_tenancy::{DataDir, PoolSettings, Tenancy, TenantSecret};

/// Storage for one test: a temp directory (keys, SQLite files) and, on PostgreSQL, a uniquely
/// named control database whose tenant databases and roles are dropped with it.
pub struct TestStorage {
    /// The temp directory (the SQLite data directory; keys on both backends).
    pub dir: tempfile::TempDir,
    /// The PostgreSQL side, if that is the backend.
    pub pg: Option<PgEnv>,
}

/// A PostgreSQL control database and tenant servers for one test.
pub struct PgEnv {
    /// The control-plane URL (a database of its own, created on first open).
    pub control_url: String,
    /// Tenant server URLs.
    pub servers: Vec<String>,
    /// The secret tenant passwords derive from.
    pub secret: TenantSecret,
    /// Secrets of `silo` processes the test ran on the same data directory (their own
    /// `tenant-secret` file), whose provisioning pools are dropped too.
    more_secrets: Vec<TenantSecret>,
    admin_url: String,
    control_db: String,
}

/// `url` with its path (database name) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    format!("{}/{database}{query}", &base[..authority_end])
}

impl TestStorage {
    /// Storage on the current test's backend.
    pub fn new() -> Self {
        Self::on(&TestBackend::current())
    }

    /// Storage on `backend`.
    pub fn on(backend: &TestBackend) -> Self {
        let pg = match backend {
            TestBackend::Sqlite => None,
            TestBackend::Postgres(url) => Some(PgEnv::new(url, vec![url.clone()])),
        };
        TestStorage {
            dir: tempfile::tempdir().unwrap(),
            pg,
        }
    }

    /// Storage on PostgreSQL with several tenant servers.
    pub fn postgres_servers(control: &str, servers: Vec<String>) -> Self {
        TestStorage {
            dir: tempfile::tempdir().unwrap(),
            pg: Some(PgEnv::new(control, servers)),
        }
    }

    /// Opens (or, after a drop, reopens: a restart) the deployment.
    pub async fn open(&self, settings: PoolSettings) -> Tenancy {
        match &self.pg {
            None => Tenancy::open_sqlite(DataDir::new(self.dir.path()), settings)
                .await
                .unwrap(),
            Some(pg) => {
                Tenancy::open_postgres(&pg.control_url, &pg.servers, pg.secret.clone(), settings)
                    .await
                    .unwrap()
            }
        }
    }

    /// A pool of its own on the control database, as someone with write access to it has
    /// (for fault injection and tampering in tests).
    pub async fn control_db(&self) -> Db {
        match &self.pg {
            None => silo_store::sqlite::open_existing(
                &DataDir::new(self.dir.path()).control_path(),
                silo_store::sqlite::PoolLimits {
                    max_connections: 2,
                    idle_timeout: std::time::Duration::from_secs(60),
                    acquire_timeout: std::time::Duration::from_secs(10),
                },
            )
            .await
            .unwrap(),
            Some(pg) => pg.control_admin().await,
        }
    }

    /// Whether the company's tenant database exists.
    pub async fn database_exists(&self, tenancy: &Tenancy, company: &Company) -> bool {
        match &self.pg {
            None => self
                .dir
                .path()
                .join("tenants")
                .join(format!("{}.sqlite3", company.id))
                .exists(),
            Some(pg) => {
                let p = tenancy
                    .control()
                    .placement(company.id)
                    .await
                    .unwrap()
                    .unwrap();
                let admin = pg.admin_for(&p.server).await;
                let row = admin
                    .fetch_optional(
                        "SELECT 1 AS one FROM pg_database WHERE datname = $1",
                        params![p.database_name],
                    )
                    .await
                    .unwrap();
                admin.close().await;
                row.is_some()
            }
        }
    }

    /// Removes the company's database behind Silo's back, as a failed disk or operator would.
    pub async fn lose_database(&self, tenancy: &Tenancy, company: &Company) {
        match &self.pg {
            None => silo_store::sqlite::remove_files(
                &self
                    .dir
                    .path()
                    .join("tenants")
                    .join(format!("{}.sqlite3", company.id)),
            )
            .unwrap(),
            Some(pg) => {
                let p = tenancy
                    .control()
                    .placement(company.id)
                    .await
                    .unwrap()
                    .unwrap();
                let admin = pg.admin_for(&p.server).await;
                admin
                    .execute_raw(silo_store::Sql::assembled(format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        postgres::quote_ident(&p.database_name)
                    )))
                    .await
                    .unwrap();
                admin.close().await;
            }
        }
    }
}

impl Drop for TestStorage {
    fn drop(&mut self) {
        // A `silo` process started on this data directory made its own tenant secret; its
        // provisioning pool's databases carry that secret's tag. Read before the directory
        // goes (fields drop after this).
        if let Some(pg) = &mut self.pg
            && let Ok(text) = std::fs::read_to_string(self.dir.path().join("tenant-secret"))
            && let Ok(secret) = TenantSecret::from_text(&text)
        {
            pg.more_secrets.push(secret);
        }
    }
}

impl Default for TestStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl PgEnv {
    fn new(control_server: &str, servers: Vec<String>) -> Self {
        let control_db = format!("silo_test_{}", uuid::Uuid::new_v4().simple());
        PgEnv {
            control_url: with_database(control_server, &control_db),
            admin_url: control_server.to_owned(),
            control_db,
            servers,
            secret: TenantSecret::generate(),
            more_secrets: Vec::new(),
        }
    }

    /// An administrative pool on the tenant server with id `server_id`.
    pub async fn admin_for(&self, server_id: &str) -> Db {
        for url in &self.servers {
            let server = PgServer::parse(url).unwrap();
            if server.id() == server_id {
                return server
                    .connect(server.database().unwrap_or("postgres"), 2)
                    .await
                    .unwrap();
            }
        }
        panic!("no tenant server {server_id}");
    }

    /// An administrative pool on each tenant server (its maintenance database).
    pub async fn server_admins(&self) -> Vec<Db> {
        let mut admins = Vec::new();
        for url in &self.servers {
            let server = PgServer::parse(url).unwrap();
            admins.push(
                server
                    .connect(server.database().unwrap_or("postgres"), 2)
                    .await
                    .unwrap(),
            );
        }
        admins
    }

    /// An administrative pool on the control database.
    pub async fn control_admin(&self) -> Db {
        PgServer::parse(&self.control_url)
            .unwrap()
            .connect(&self.control_db, 2)
            .await
            .unwrap()
    }

    async fn cleanup(&self) {
        let control = PgServer::parse(&self.admin_url).unwrap();
        let Ok(db) = control.connect(&self.control_db, 1).await else {
            return; // never opened
        };
        let placements = db
            .fetch_all("SELECT server, database_name FROM placements", &[])
            .await
            .unwrap_or_default();
        db.close().await;
        for row in placements {
            let (server, name): (String, String) = (
                row.get("server").unwrap(),
                row.get("database_name").unwrap(),
            );
            for url in &self.servers {
                let s = PgServer::parse(url).unwrap();
                if s.id() == server
                    && let Ok(admin) = s.connect(s.database().unwrap_or("postgres"), 1).await
                {
                    let _ = postgres::drop_database_and_role(&admin, &name, &name).await;
                    admin.close().await;
                }
            }
        }
        // The provisioning pool's unclaimed databases (named after this test's secret).
        for url in &self.servers {
            let s = PgServer::parse(url).unwrap();
            let Ok(admin) = s.connect(s.database().unwrap_or("postgres"), 1).await else {
                continue;
            };
            let prefixes = std::iter::once(&self.secret)
                .chain(&self.more_secrets)
                .flat_map(silo_tenancy::provisioning_pool_prefixes);
            for prefix in prefixes {
                let rows = admin
                    .fetch_all(
                        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
                        params![prefix],
                    )
                    .await
                    .unwrap_or_default();
                for row in rows {
                    let name: String = row.get("rolname").unwrap();
                    let _ = postgres::drop_database_and_role(&admin, &name, &name).await;
                }
            }
            admin.close().await;
        }
        if let Ok(admin) = control
            .connect(control.database().unwrap_or("postgres"), 1)
            .await
        {
            let _ = admin
                .execute_raw(silo_store::Sql::assembled(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    postgres::quote_ident(&self.control_db)
                )))
                .await;
            admin.close().await;
        }
    }
}

impl Drop for PgEnv {
    fn drop(&mut self) {
        // Drop runs outside async code (and on panics too): clean up on a runtime of its own.
        let env = PgEnv {
            control_url: self.control_url.clone(),
            servers: self.servers.clone(),
            secret: self.secret.clone(),
            more_secrets: std::mem::take(&mut self.more_secrets),
            admin_url: self.admin_url.clone(),
            control_db: std::mem::take(&mut self.control_db),
        };
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(env.cleanup());
            }
            std::mem::forget(env); // its own Drop would clean up again
        })
        .join();
    }
}
