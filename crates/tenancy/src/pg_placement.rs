//! Tenant databases on PostgreSQL: one database per company, owned by a login role of its own,
//! on the least-loaded of the configured servers.
//!
//! `CONNECT` and `TEMP` are revoked from `PUBLIC` on every tenant database before it accepts
//! its first connection, and Silo opens a tenant database only as that tenant's role, so a
//! connection routed to the wrong database is refused by PostgreSQL itself.

use crate::placer::Created;
use crate::{TenancyError, TenantSecret};
use silo_control::{Backend, Company, CompanyId, ControlPlane, NewPlacement, Placement};
use silo_store::Db;
use silo_store::Sql;
use silo_store::postgres::{self, PgServer, quote_ident};
use silo_store::sqlite::PoolLimits;
use std::sync::atomic::{AtomicU32, Ordering};

/// Administrative connections per tenant server (provisioning and erasure only).
const ADMIN_CONNECTIONS: u32 = 2;
/// Connections of a server that tenant pools leave to others, besides the superusers' reserve
/// and a tenth of `max_connections`: Silo's administrative pool and a control plane that may
/// share the server (8 connections).
const RESERVED_CONNECTIONS: u32 = ADMIN_CONNECTIONS + 8;
/// The budget of a server whose `max_connections` cannot be read at start: safe under a stock
/// server's 100.
const FALLBACK_BUDGET: u32 = 64;

#[derive(Debug)]
struct TenantServer {
    server: PgServer,
    /// Connected with the URL's own credentials, which may create databases and roles.
    admin: Db,
    /// Its connection budget, which placement weighs its share of companies by (1 until read).
    weight: AtomicU32,
}

/// Places companies on a set of PostgreSQL servers.
#[derive(Debug)]
pub(crate) struct PgPlacement {
    servers: Vec<TenantServer>,
    secret: TenantSecret,
    /// Name prefixes of this deployment's provisioning pool: being prepared, ready (at any
    /// schema version), and ready at this build's tenant schema (the only ones it claims).
    preparing: String,
    ready: String,
    ready_here: String,
    /// This build's tenant schema version (PostgreSQL).
    schema: i64,
}

/// The name of a company's database, which is also its role's name: built from the id alone,
/// never from input.
pub(crate) fn tenant_name(id: CompanyId) -> String {
    format!("silo_t_{}", id.as_uuid().simple())
}

impl PgPlacement {
    /// Parses the server URLs; two URLs for one `host:port` are refused, since the id must
    /// name exactly one server.
    pub(crate) fn new(urls: &[String], secret: TenantSecret) -> Result<Self, TenancyError> {
        if urls.is_empty() {
            return Err(TenancyError::Config(
                "PostgreSQL needs at least one tenant server".into(),
            ));
        }
        let mut servers: Vec<TenantServer> = Vec::new();
        for url in urls {
            let server = PgServer::parse(url)
                .map_err(|e| TenancyError::Config(format!("tenant server: {e}")))?;
            if servers.iter().any(|s| s.server.id() == server.id()) {
                return Err(TenancyError::Config(format!(
                    "tenant server {} is given twice",
                    server.id()
                )));
            }
            let admin = server.connect_lazy(ADMIN_CONNECTIONS);
            servers.push(TenantServer {
                server,
                admin,
                weight: AtomicU32::new(1),
            });
        }
        let tag = secret.pool_tag();
        let schema = silo_schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Postgres);
        Ok(PgPlacement {
            schema,
            servers,
            preparing: preparing_prefix(&tag),
            ready: ready_prefix(&tag),
            ready_here: format!("{}{schema}_", ready_prefix(&tag)),
            secret,
        })
    }

    /// Each server's tenant connection budget, in the order of the servers: its
    /// `max_connections` less the superusers' reserve, [`RESERVED_CONNECTIONS`] and a tenth for
    /// operators and monitoring, and at most `cap` (the configured budget). A server that cannot
    /// be asked now gets the smaller of `cap` and [`FALLBACK_BUDGET`].
    pub(crate) async fn budgets(&self, cap: u32) -> Vec<u32> {
        let mut budgets = Vec::with_capacity(self.servers.len());
        for s in &self.servers {
            let budget = match server_budget(&s.admin).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(server = s.server.id(), error = %e,
                        "cannot read max_connections; using a budget of {FALLBACK_BUDGET}");
                    FALLBACK_BUDGET
                }
            };
            let budget = budget.min(cap).max(1);
            s.weight.store(budget, Ordering::Relaxed);
            budgets.push(budget);
        }
        budgets
    }

    /// The index of the server holding the company's database (its budget's index).
    pub(crate) async fn server_index(
        &self,
        control: &ControlPlane,
        company: &Company,
    ) -> Result<usize, TenancyError> {
        let (placement, _) = self.placement(control, company).await?;
        self.servers
            .iter()
            .position(|s| s.server.id() == placement.server)
            .ok_or_else(|| {
                TenancyError::Unavailable(format!(
                    "tenant server {} is not configured",
                    placement.server
                ))
            })
    }

    fn server(&self, placement: &Placement) -> Result<&TenantServer, TenancyError> {
        self.servers
            .iter()
            .find(|s| s.server.id() == placement.server)
            .ok_or_else(|| {
                TenancyError::Unavailable(format!(
                    "tenant server {} is not configured",
                    placement.server
                ))
            })
    }

    /// Picks the configured server with the fewest companies that can be busy (active or
    /// being provisioned) per connection of its budget, the first one on a tie: companies
    /// spread evenly over equal servers, and in proportion to `max_connections` over unequal
    /// ones, so each server's busy share stays within what it keeps open.
    pub(crate) async fn choose_server(
        &self,
        control: &ControlPlane,
    ) -> Result<String, TenancyError> {
        let counts = control.placement_counts(Backend::Postgres).await?;
        let load = |s: &TenantServer| {
            let n = counts
                .iter()
                .find(|(server, _)| server == s.server.id())
                .map_or(0, |(_, n)| *n);
            n as f64 / f64::from(s.weight.load(Ordering::Relaxed).max(1))
        };
        self.servers
            .iter()
            .min_by(|a, b| load(a).total_cmp(&load(b)))
            .map(|s| s.server.id().to_owned())
            .ok_or_else(|| TenancyError::Config("no tenant server".into()))
    }

    pub(crate) fn new_placement(server: String, id: CompanyId) -> NewPlacement {
        let name = tenant_name(id);
        NewPlacement {
            backend: Backend::Postgres,
            server,
            database_name: name.clone(),
            // A reference, not a secret: the role, and how its password is derived.
            credentials_ref: Some(format!("role:{name};password:hmac-sha256(tenant-secret)")),
        }
    }

    /// The registry's placement, checked against the name the id gives.
    async fn placement(
        &self,
        control: &ControlPlane,
        company: &Company,
    ) -> Result<(Placement, String), TenancyError> {
        let placement = control
            .placement(company.id)
            .await?
            .filter(|p| p.backend == Backend::Postgres)
            .ok_or_else(|| {
                TenancyError::Unavailable(format!("{} has no PostgreSQL placement", company.id))
            })?;
        let name = tenant_name(company.id);
        if placement.database_name != name {
            return Err(TenancyError::Unavailable(format!(
                "placement of {} names a database not its own",
                company.id
            )));
        }
        Ok((placement, name))
    }

    /// The company's database: a ready one of the provisioning pool claimed (already at this
    /// build's schema), or else the role, the database it owns, `PUBLIC` locked out, and a
    /// pool as that role to migrate it with. Every step tolerates having run before, so an
    /// interrupted provisioning simply continues (and never claims a second database).
    pub(crate) async fn create_or_claim(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Created, TenancyError> {
        let (placement, name) = self.placement(control, company).await?;
        let server = self.server(&placement)?;
        let verifier = self.secret.password_for(company.id).scram_verifier();
        match claim_pooled(&server.admin, &self.ready_here, &name, &verifier).await {
            Ok(true) => {
                // Private since before its first connection; checked again, without DDL.
                if postgres::open_privately(&server.admin, &name).await?
                    != postgres::Privacy::Private
                {
                    return Err(TenancyError::Unavailable(format!(
                        "cannot revoke PUBLIC's rights on {name}"
                    )));
                }
                return Ok(Created::Claimed(self.schema));
            }
            Ok(false) => {}
            // The pool is an optimisation: creating afresh below is always correct.
            Err(e) => tracing::warn!(server = server.server.id(), error = %e,
                "cannot claim a pre-created database; creating one"),
        }
        Ok(Created::Connected(
            self.create_on(server, company.id, limits).await?,
        ))
    }

    /// The company's role and the database it owns, `PUBLIC` locked out; then a pool as that
    /// role. Never claims from the provisioning pool.
    pub(crate) async fn create(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let (placement, _) = self.placement(control, company).await?;
        let server = self.server(&placement)?;
        self.create_on(server, company.id, limits).await
    }

    /// [`PgPlacement::create`] on `server`.
    async fn create_on(
        &self,
        server: &TenantServer,
        id: CompanyId,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let name = tenant_name(id);
        let password = self.secret.password_for(id);
        let admin = &server.admin;
        postgres::ensure_login_role(admin, &name, &password.scram_verifier()).await?;
        // On PostgreSQL 15 a non-superuser admin must be a member of a role to give it a
        // database; for a superuser this is harmless.
        admin
            .execute_raw(Sql::assembled(format!(
                "GRANT {} TO CURRENT_USER",
                quote_ident(&name)
            )))
            .await?;
        // Created closed to connections, opened only once PUBLIC's rights are revoked.
        if postgres::create_database_on(admin, &name, Some(&name)).await?
            != postgres::Privacy::Private
        {
            return Err(TenancyError::Unavailable(format!(
                "cannot revoke PUBLIC's rights on {name}"
            )));
        }
        Ok(server
            .server
            .connect_as(&name, &name, password.expose(), limits)
            .await?)
    }

    /// A pool on the company's database as its own role. A missing database is refused by
    /// the server (unavailable); nothing here creates one.
    pub(crate) async fn open(
        &self,
        control: &ControlPlane,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let (placement, name) = self.placement(control, company).await?;
        let server = self.server(&placement)?;
        let password = self.secret.password_for(company.id);
        Ok(server
            .server
            .connect_as(&name, &name, password.expose(), limits)
            .await?)
    }

    /// Drops the company's database (disconnecting its sessions) and its role.
    pub(crate) async fn drop_storage(
        &self,
        control: &ControlPlane,
        company: &Company,
    ) -> Result<(), TenancyError> {
        let (placement, name) = self.placement(control, company).await?;
        let server = self.server(&placement)?;
        Ok(postgres::drop_database_and_role(&server.admin, &name, &name).await?)
    }

    /// Moves a company's database to server `to` (a `host:port` id): fences the source (no
    /// new sessions, every other session ended) so nothing can change it, copies every row
    /// into a fresh database there, and compares row counts. Returns the rows copied. The
    /// placement is left to the caller; on failure the source is unfenced and the copy
    /// dropped.
    pub(crate) async fn copy_to(
        &self,
        control: &ControlPlane,
        company: &Company,
        to: &str,
        limits: PoolLimits,
    ) -> Result<usize, TenancyError> {
        let (placement, name) = self.placement(control, company).await?;
        let source = self.server(&placement)?;
        let target = self
            .servers
            .iter()
            .find(|s| s.server.id() == to)
            .ok_or_else(|| {
                TenancyError::Refused(format!("{to} is not a configured tenant server"))
            })?;
        if source.server.id() == to {
            return Err(TenancyError::Refused(format!(
                "the database is already on {to}"
            )));
        }
        // One connection, opened before the fence: afterwards nobody can connect.
        let single = PoolLimits {
            max_connections: 1,
            ..limits
        };
        let password = self.secret.password_for(company.id);
        let src = source
            .server
            .connect_as(&name, &name, password.expose(), single)
            .await?;
        let result = async {
            let pid: i64 = src
                .fetch_one("SELECT pg_backend_pid()::bigint AS pid", &[])
                .await?
                .get("pid")?;
            fence(&source.admin, &name, Some(pid)).await?;
            // A copy left by an interrupted move was never used: start it afresh.
            postgres::drop_database_and_role(&target.admin, &name, &name).await?;
            let dst = self.create_on(target, company.id, limits).await?;
            let copied = copy_rows(&src, &dst).await;
            dst.close().await;
            copied
        }
        .await;
        src.close().await;
        if result.is_err() {
            let _ = unfence(&source.admin, &name).await;
            let _ = postgres::drop_database_and_role(&target.admin, &name, &name).await;
        }
        result
    }

    /// Drops the database a finished move left behind on `server`.
    pub(crate) async fn drop_on(&self, server: &str, id: CompanyId) -> Result<(), TenancyError> {
        let name = tenant_name(id);
        let Some(s) = self.servers.iter().find(|s| s.server.id() == server) else {
            return Err(TenancyError::Refused(format!("{server} is not configured")));
        };
        Ok(postgres::drop_database_and_role(&s.admin, &name, &name).await?)
    }

    /// Tops the provisioning pool of every server up to `target` ready databases; returns how
    /// many were made. A server another process is refilling, or one that is down, is
    /// skipped (the next round tries again).
    pub(crate) async fn refill(&self, target: usize) -> Result<usize, TenancyError> {
        let mut made = 0;
        let mut first_error = None;
        for server in &self.servers {
            match self.refill_on(server, target).await {
                Ok(n) => made += n,
                Err(e) => {
                    tracing::warn!(server = server.server.id(), error = %e,
                        "cannot refill the provisioning pool");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if made == 0 => Err(e),
            _ => Ok(made),
        }
    }

    /// Ready databases in the provisioning pool of each server, in the order of the servers.
    pub(crate) async fn pooled(&self) -> Result<Vec<usize>, TenancyError> {
        let mut counts = Vec::with_capacity(self.servers.len());
        for s in &self.servers {
            counts.push(count_pooled(&s.admin, &self.ready_here).await?);
        }
        Ok(counts)
    }

    async fn refill_on(&self, server: &TenantServer, target: usize) -> Result<usize, TenancyError> {
        // One session for the whole refill: it holds the advisory lock that makes this the
        // only refiller of the server, so any database still being prepared is a leftover of
        // an interrupted refill.
        let session = server.server.connect("postgres", 1).await?;
        let result = async {
            let locked: bool = session
                .fetch_one(
                    "SELECT pg_try_advisory_lock(hashtext($1)) AS locked",
                    silo_store::params![self.preparing.clone()],
                )
                .await?
                .get("locked")?;
            if !locked {
                return Ok(0);
            }
            for leftover in roles_with(&session, &self.preparing).await? {
                postgres::drop_database_and_role(&session, &leftover, &leftover).await?;
            }
            // Ready at an older schema (made before an upgrade): this build never claims them.
            // A newer build's (a rolling upgrade) are left to it.
            for name in names_with(&session, &self.ready).await? {
                if !name.starts_with(&self.ready_here) && self.is_older(&name) {
                    postgres::drop_database_and_role(&session, &name, &name).await?;
                }
            }
            let mut made = 0;
            while count_pooled(&session, &self.ready_here).await? < target {
                self.prepare_on(server, &session).await?;
                made += 1;
            }
            Ok(made)
        }
        .await;
        session.close().await;
        result
    }

    /// Whether a ready database's name says it was migrated to a schema older than this
    /// build's.
    fn is_older(&self, name: &str) -> bool {
        name.strip_prefix(&self.ready)
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(version, _)| version.parse::<i64>().ok())
            .is_some_and(|version| version < self.schema)
    }

    /// One database for the pool: its own role, `PUBLIC` locked out exactly as for a company,
    /// the tenant schema migrated as that role; then renamed from "preparing" to "ready".
    async fn prepare_on(&self, server: &TenantServer, admin: &Db) -> Result<(), TenancyError> {
        let suffix = CompanyId::generate().as_uuid().simple().to_string();
        let preparing = format!("{}{suffix}", self.preparing);
        let ready = format!("{}{suffix}", self.ready_here);
        let password = self.secret.password_for_pooled(&preparing);
        postgres::ensure_login_role(admin, &preparing, &password.scram_verifier()).await?;
        admin
            .execute_raw(Sql::assembled(format!(
                "GRANT {} TO CURRENT_USER",
                quote_ident(&preparing)
            )))
            .await?;
        if postgres::create_database_on(admin, &preparing, Some(&preparing)).await?
            != postgres::Privacy::Private
        {
            return Err(TenancyError::Unavailable(format!(
                "cannot revoke PUBLIC's rights on {preparing}"
            )));
        }
        let limits = PoolLimits {
            max_connections: 1,
            idle_timeout: std::time::Duration::from_secs(10),
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        let db = server
            .server
            .connect_as(&preparing, &preparing, password.expose(), limits)
            .await?;
        let migrated = silo_store::migrate(&db, &silo_schema::TENANT_MIGRATIONS).await;
        db.close().await;
        migrated?;
        // Both renamed together, so a database is never ready under a role still being
        // prepared. Renaming needs the database free of sessions; PostgreSQL waits briefly for
        // the one just closed to end.
        let mut tx = admin.begin().await?;
        for kind in ["DATABASE", "ROLE"] {
            tx.execute(
                Sql::assembled(format!(
                    "ALTER {kind} {} RENAME TO {}",
                    quote_ident(&preparing),
                    quote_ident(&ready)
                )),
                &[],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        for s in &self.servers {
            s.admin.close().await;
        }
    }
}

/// The start of the names of databases (and their roles) being prepared for the provisioning
/// pool of the deployment with `tag` ([`TenantSecret::pool_tag`]).
pub(crate) fn preparing_prefix(tag: &str) -> String {
    format!("silo_prep_{tag}_")
}

/// The start of the names of ready databases (and their roles) in the provisioning pool.
pub(crate) fn ready_prefix(tag: &str) -> String {
    format!("silo_pool_{tag}_")
}

/// Databases of the server whose names start with `prefix`.
async fn names_with(admin: &Db, prefix: &str) -> Result<Vec<String>, TenancyError> {
    admin
        .fetch_all(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
            silo_store::params![prefix],
        )
        .await?
        .iter()
        .map(|r| Ok(r.get::<String>("datname")?))
        .collect()
}

/// Roles of the server whose names start with `prefix`.
async fn roles_with(admin: &Db, prefix: &str) -> Result<Vec<String>, TenancyError> {
    admin
        .fetch_all(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname",
            silo_store::params![prefix],
        )
        .await?
        .iter()
        .map(|r| Ok(r.get::<String>("rolname")?))
        .collect()
}

async fn count_pooled(admin: &Db, prefix: &str) -> Result<usize, TenancyError> {
    Ok(names_with(admin, prefix).await?.len())
}

/// Binds a ready database of the pool to `name` (a company's database and role name) in one
/// transaction: the role and the database renamed to `name`, the role given the company's
/// password. Returns whether one was claimed; none is when `name` exists already (a
/// provisioning that continues) or the pool is empty. Concurrent claimers each lock the
/// database they take, so no database is claimed twice.
async fn claim_pooled(
    admin: &Db,
    ready_prefix: &str,
    name: &str,
    verifier: &str,
) -> Result<bool, TenancyError> {
    if !verifier.starts_with("SCRAM-SHA-256$") || verifier.contains('\'') {
        return Err(TenancyError::Unavailable(
            "malformed password verifier".into(),
        ));
    }
    let mut tx = admin.begin().await?;
    let exists = tx
        .fetch_optional(
            "SELECT 1 AS one FROM pg_database WHERE datname = $1
             UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1",
            silo_store::params![name],
        )
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let Some(row) = tx
        .fetch_optional(
            "SELECT datname FROM (SELECT datname FROM pg_database
                                  WHERE starts_with(datname, $1) ORDER BY datname LIMIT 16) p
             WHERE pg_try_advisory_xact_lock(hashtext(datname)) LIMIT 1",
            silo_store::params![ready_prefix],
        )
        .await?
    else {
        return Ok(false);
    };
    let pooled: String = row.get("datname")?;
    for ddl in [
        format!(
            "ALTER ROLE {} RENAME TO {}",
            quote_ident(&pooled),
            quote_ident(name)
        ),
        format!("ALTER ROLE {} PASSWORD '{verifier}'", quote_ident(name)),
        format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&pooled),
            quote_ident(name)
        ),
    ] {
        tx.execute(Sql::assembled(ddl), &[]).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// What tenant pools may use of a server: see [`PgPlacement::budgets`].
async fn server_budget(admin: &Db) -> Result<u32, TenancyError> {
    let row = admin
        .fetch_one(
            "SELECT current_setting('max_connections')::bigint AS max,
                    current_setting('superuser_reserved_connections')::bigint AS reserved",
            &[],
        )
        .await?;
    let max = u32::try_from(row.get::<i64>("max")?).unwrap_or(u32::MAX);
    let reserved = u32::try_from(row.get::<i64>("reserved")?).unwrap_or(0);
    Ok(max
        .saturating_sub(reserved)
        .saturating_sub(RESERVED_CONNECTIONS)
        .saturating_sub(max / 10))
}

/// Refuses new sessions on `database` and ends every session on it but `keep`.
async fn fence(admin: &Db, database: &str, keep: Option<i64>) -> Result<(), TenancyError> {
    admin
        .execute_raw(Sql::assembled(format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS false",
            quote_ident(database)
        )))
        .await?;
    admin
        .fetch_all(
            "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
             WHERE datname = $1 AND pid <> $2",
            silo_store::params![database, keep.unwrap_or(0)],
        )
        .await?;
    Ok(())
}

async fn unfence(admin: &Db, database: &str) -> Result<(), TenancyError> {
    Ok(admin
        .execute_raw(Sql::assembled(format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            quote_ident(database)
        )))
        .await?)
}

/// Copies at the source's schema version, then checks every table's row count.
async fn copy_rows(src: &Db, dst: &Db) -> Result<usize, TenancyError> {
    let (version, tables) = crate::import::read_tables(src).await?;
    silo_store::migrate_to(dst, &silo_schema::TENANT_MIGRATIONS, version).await?;
    crate::import::write_tables(dst, &tables).await?;
    let mut total = 0;
    for (table, data) in &tables {
        // Names from the fixed table list only.
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let n: i64 = dst.fetch_one(Sql::assembled(sql), &[]).await?.get("n")?;
        if usize::try_from(n).ok() != Some(data.rows.len()) {
            return Err(TenancyError::Unavailable(format!(
                "copy of {table} has {n} rows, the source {}",
                data.rows.len()
            )));
        }
        total += data.rows.len();
    }
    Ok(total)
}
