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

/// The tenant tables holding business data, parents before children, so rows can be inserted in
/// this order and deleted in reverse. `silo_schema` and `write_locks` (seeded by migrations,
/// no data) are left out; a test checks that every other table is listed.
pub const TABLES: &[&str] = &[
    "accounts",
    "contacts",
    "deals",
    "deal_stage_changes",
    "contracts",
    "company_invoicing",
    "invoice_counters",
    "invoices",
    "invoice_lines",
    "invoice_payments",
];

/// Tenant tables that hold no business data and are not exported.
pub const INTERNAL_TABLES: &[&str] = &["silo_schema", "write_locks"];
