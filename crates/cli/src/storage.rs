//! Opens the deployment's storage from the global options: PostgreSQL when a database URL is
//! given, the SQLite data directory otherwise. Chosen once, here.

use crate::cli::StorageArgs;
use anyhow::{Context, bail};
use silo_tenancy::{DataDir, PoolSettings, Tenancy, TenantSecret};

/// Opens the registry and tenant placement chosen by the options.
pub async fn open(args: &StorageArgs) -> anyhow::Result<Tenancy> {
    let servers: Vec<String> = args
        .tenant_servers
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let Some(url) = &args.database_url else {
        if !servers.is_empty() {
            bail!("--tenant-server needs --database-url (the PostgreSQL control plane)");
        }
        return Tenancy::open_sqlite(
            DataDir::new(&args.data),
            args.pool_settings(PoolSettings::sqlite_default()),
        )
        .await
        .with_context(|| format!("cannot open the data directory {}", args.data.display()));
    };
    if servers.is_empty() {
        bail!("--database-url needs at least one --tenant-server (or SILO_TENANT_SERVERS)");
    }
    let secret = match &args.tenant_secret {
        Some(text) => TenantSecret::from_text(text)?,
        None => {
            let path = DataDir::new(&args.data).root().join("tenant-secret");
            TenantSecret::load_or_create(&path)
                .with_context(|| format!("cannot read or create {}", path.display()))?
        }
    };
    // Errors name the problem, never the URL: it may hold a password.
    Tenancy::open_postgres(
        url,
        &servers,
        secret,
        args.pool_settings(PoolSettings::default()),
    )
    .await
    .context("cannot open the PostgreSQL control plane")
}
