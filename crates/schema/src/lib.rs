//! The database schemas, declared once.
//!
//! The migrations of each plane are the files under `migrations/<plane>/` (rules in
//! `migrations/README.md`); the build script finds them, checks the rules and lists them here,
//! so no list of migrations is kept by hand:
//! - [`CONTROL_MIGRATIONS`]: the control-plane database (registry, identities, audit);
//! - [`TENANT_MIGRATIONS`]: every company's own database, all alike.
//!
//! Besides the lists, the facts about the tenant schema that code outside `silo-domain` needs
//! (export, import and erasure in `silo-tenancy`): [`TENANT_TABLES`] and
//! [`TENANT_INTERNAL_TABLES`].

#[cfg(test)]
mod discover;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The tenant tables holding business data, parents before children, so rows can be inserted in
/// this order and deleted in reverse. The tables in [`TENANT_INTERNAL_TABLES`] are left out; a
/// test (`silo-tenancy`, on both backends) checks that every table of a migrated tenant
/// database is in one list or the other.
pub const TENANT_TABLES: &[&str] = &[
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
    "invoice_payment_reversals",
    "credit_note_counters",
    "credit_notes",
    "credit_note_lines",
    "invoice_deliveries",
    "outbox",
    "jobs",
    "webhook_endpoints",
    "webhook_endpoint_events",
    "webhook_deliveries",
    "webhook_attempts",
    "company_logo",
    "time_settings",
    "services",
    "projects",
    "project_members",
    "tasks",
    "time_entries",
    "timers",
    "project_charges",
    "budget_alerts",
    "person_capacity",
    "time_off",
    "portal_access",
    "portal_address",
    "portal_users",
    "portal_login_links",
    "portal_sessions",
    "signing_links",
    "contract_signatures",
    "files",
    "contract_documents",
    "approvals",
    "message_threads",
    "messages",
    "attribution_settings",
    "sites",
    "visitors",
    "tracking_events",
    "event_daily",
    "consent_records",
    "touchpoints",
    "destinations",
    "conversions",
    "conversion_deliveries",
    "subject_requests",
    "retention_settings",
];

/// Tenant tables that hold no business data and are not exported: the applied migrations
/// (`silo_schema`), `write_locks` (seeded by a migration) and `visit_salts` (the day's salt of
/// the attribution visit hash, deleted daily: an export must not carry it).
pub const TENANT_INTERNAL_TABLES: &[&str] = &["silo_schema", "write_locks", "visit_salts"];

#[cfg(test)]
mod tests {
    use super::*;
    use silo_store::{Dialect, MigrationSet};

    /// The names every existing database has recorded in `silo_schema` for these versions; a
    /// migration refuses a database whose recorded name differs, so they never change.
    const RECORDED: &[(&str, &[&str])] = &[
        (
            "control",
            &[
                "0001_registry",
                "0002_audit_chain",
                "0003_fleet",
                "0004_import_marker",
                "0005_sessions",
                "0006_verified_identities",
                "0007_two_factor",
                "0008_outbox_audit_work_queue",
                "0009_audit_checkpoints",
                "0010_mail_queue",
            ],
        ),
        (
            "tenant",
            &[
                "0001_crm",
                "0002_business",
                "0003_write_locks",
                "0004_outbox_jobs",
                "0005_webhooks",
                "0006_invoicing_parties",
                "0007_logo",
                "0008_projects_time",
                "0009_portal",
                "0010_portal_files",
                "0011_attribution",
            ],
        ),
    ];

    #[test]
    fn released_migrations_keep_their_numbers_and_names() {
        for (set, (plane, names)) in [&CONTROL_MIGRATIONS, &TENANT_MIGRATIONS]
            .into_iter()
            .zip(RECORDED)
        {
            assert_eq!(set.plane, *plane);
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let listed = set.for_dialect(dialect);
                assert!(listed.len() >= names.len(), "{plane} {dialect:?}");
                for (i, (m, name)) in listed.iter().zip(names.iter()).enumerate() {
                    assert_eq!(m.version, i as i64 + 1);
                    assert_eq!(m.name, *name, "{plane} {dialect:?}");
                }
            }
        }
    }

    #[test]
    fn both_backends_list_the_same_versions_in_order() {
        let sets: [&MigrationSet; 2] = [&CONTROL_MIGRATIONS, &TENANT_MIGRATIONS];
        for set in sets {
            let sqlite: Vec<(i64, &str)> = set.sqlite.iter().map(|m| (m.version, m.name)).collect();
            let postgres: Vec<(i64, &str)> =
                set.postgres.iter().map(|m| (m.version, m.name)).collect();
            assert_eq!(sqlite, postgres, "{}", set.plane);
            let expected: Vec<i64> = (1..=sqlite.len() as i64).collect();
            let versions: Vec<i64> = sqlite.iter().map(|(v, _)| *v).collect();
            assert_eq!(versions, expected, "{}", set.plane);
            assert!(set.sqlite.iter().all(|m| !m.sql.trim().is_empty()));
            assert!(set.postgres.iter().all(|m| !m.sql.trim().is_empty()));
        }
    }

    #[test]
    fn per_backend_scripts_are_used_where_the_sql_differs() {
        // 0001_registry differs (AUTOINCREMENT vs identity column); 0002 is shared.
        let (sqlite, postgres) = (&CONTROL_MIGRATIONS.sqlite, &CONTROL_MIGRATIONS.postgres);
        assert!(sqlite[0].sql.contains("AUTOINCREMENT"));
        assert!(postgres[0].sql.contains("GENERATED ALWAYS AS IDENTITY"));
        assert_eq!(sqlite[1].sql, postgres[1].sql);
    }

    #[test]
    fn the_table_lists_do_not_overlap() {
        for t in TENANT_TABLES {
            assert!(!TENANT_INTERNAL_TABLES.contains(t), "{t}");
        }
        let mut all: Vec<&str> = TENANT_TABLES.to_vec();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), TENANT_TABLES.len());
    }
}
