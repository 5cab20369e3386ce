//! The tenant database schema, as migrations per backend.

use silo_store::{Migration, MigrationSet};

/// Tenant-database migrations; every company's database runs the same set. The PostgreSQL
/// scripts are kept equivalent to the SQLite ones (same tables, types and constraints).
pub static TENANT_MIGRATIONS: MigrationSet = MigrationSet {
    plane: "tenant",
    sqlite: &[
        Migration {
            version: 1,
            name: "0001_crm",
            sql: include_str!("../../../migrations/tenant/sqlite/0001_crm.sql"),
        },
        Migration {
            version: 2,
            name: "0002_business",
            sql: include_str!("../../../migrations/tenant/sqlite/0002_business.sql"),
        },
        Migration {
            version: 3,
            name: "0003_write_locks",
            sql: include_str!("../../../migrations/tenant/sqlite/0003_write_locks.sql"),
        },
    ],
    postgres: &[
        Migration {
            version: 1,
            name: "0001_crm",
            sql: include_str!("../../../migrations/tenant/postgres/0001_crm.sql"),
        },
        Migration {
            version: 2,
            name: "0002_business",
            sql: include_str!("../../../migrations/tenant/postgres/0002_business.sql"),
        },
        Migration {
            version: 3,
            name: "0003_write_locks",
            sql: include_str!("../../../migrations/tenant/postgres/0003_write_locks.sql"),
        },
    ],
};
