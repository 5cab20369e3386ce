//! Opens the deployment's storage from the global options.

use crate::cli::StorageArgs;
use anyhow::{Context, bail};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};

/// Opens the registry and tenant placement chosen by the options.
pub async fn open(args: &StorageArgs) -> anyhow::Result<Tenancy> {
    if args.database_url.is_some() || !args.tenant_servers.is_empty() {
        bail!("the PostgreSQL backend is not available in this build yet; use --data (SQLite)");
    }
    Tenancy::open_sqlite(DataDir::new(&args.data), PoolSettings::default())
        .await
        .with_context(|| format!("cannot open the data directory {}", args.data.display()))
}
