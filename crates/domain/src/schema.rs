//! The tenant database schema, as migrations per backend.

use silo_store::{Migration, MigrationSet};

/// Tenant-database migrations; every company's database runs the same set.
pub static TENANT_MIGRATIONS: MigrationSet = MigrationSet {
    plane: "tenant",
    sqlite: &[Migration {
        version: 1,
        name: "0001_crm",
        sql: include_str!("../../../migrations/tenant/sqlite/0001_crm.sql"),
    }],
    postgres: &[Migration {
        version: 1,
        name: "0001_crm",
        sql: include_str!("../../../migrations/tenant/postgres/0001_crm.sql"),
    }],
};
