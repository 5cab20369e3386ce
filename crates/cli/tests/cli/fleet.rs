#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! `silo migrate`, `silo company export|import|erase` through the real binary on SQLite.

use silo_control::{Company, Email, NewCompany, NewIdentity, Slug};
use silo_store::sqlite::{self, PoolLimits};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};
use std::path::Path;
use std::process::{Command, Output};

fn silo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .output()
        .expect("run silo")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn companies(data: &Path, n: usize) -> Vec<Company> {
    let t = Tenancy::open_sqlite(DataDir::new(data), PoolSettings::default())
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let company = NewCompany {
            name: format!("Co {i}"),
            slug: Slug::parse(&format!("co-{i}")).unwrap(),
        };
        let owner = NewIdentity {
            email: Email::parse(&format!("owner{i}@example.nl")).unwrap(),
            name: String::new(),
            password_hash: None,
        };
        out.push(t.provision(company, owner).await.unwrap());
    }
    t.close().await;
    out
}

/// The tables the tenant migrations after version 2 create, children first.
const AFTER_SCHEMA_2: &[&str] = &[
    "visit_salts",
    "conversion_deliveries",
    "conversions",
    "destinations",
    "touchpoints",
    "consent_records",
    "event_daily",
    "tracking_events",
    "visitors",
    "sites",
    "attribution_settings",
    "messages",
    "message_threads",
    "approvals",
    "contract_documents",
    "files",
    "contract_signatures",
    "signing_links",
    "portal_sessions",
    "portal_login_links",
    "portal_users",
    "portal_address",
    "portal_access",
    "time_off",
    "person_capacity",
    "budget_alerts",
    "project_charges",
    "timers",
    "time_entries",
    "tasks",
    "project_members",
    "projects",
    "services",
    "time_settings",
    "company_logo",
    "invoice_deliveries",
    "credit_note_lines",
    "credit_notes",
    "credit_note_counters",
    "invoice_payment_reversals",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoint_events",
    "webhook_endpoints",
    "jobs",
    "outbox",
    "write_locks",
];

/// The indexes the tenant migrations after version 2 add to older tables.
const INDEXES_AFTER_SCHEMA_2: &[&str] = &["invoices_account", "invoices_due"];

/// The columns the tenant migrations after version 2 add to older tables.
const COLUMNS_AFTER_SCHEMA_2: &[(&str, &[&str])] = &[
    (
        "accounts",
        &[
            "legal_name",
            "street",
            "postcode",
            "city",
            "country",
            "vat_id",
            "kvk_number",
            "peppol_id",
            "invoice_email",
            "payment_terms_days",
            "language",
        ],
    ),
    (
        "company_invoicing",
        &[
            "street",
            "postcode",
            "city",
            "country",
            "email",
            "reminder_days",
        ],
    ),
    (
        "invoices",
        &[
            "language",
            "supply_date",
            "reverse_charge",
            "credited_cents",
            "payment_reference",
            "seller_street",
            "seller_postcode",
            "seller_city",
            "seller_country",
            "seller_email",
            "buyer_name",
            "buyer_legal_name",
            "buyer_street",
            "buyer_postcode",
            "buyer_city",
            "buyer_country",
            "buyer_vat_id",
            "buyer_kvk_number",
            "buyer_peppol_id",
            "buyer_email",
            "sent_at",
        ],
    ),
    ("invoice_payments", &["reference"]),
    ("contacts", &["first_touchpoint_id", "last_touchpoint_id"]),
    ("deals", &["first_touchpoint_id", "last_touchpoint_id"]),
];

/// The tenant schema this build migrates to.
fn latest() -> i64 {
    silo_schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Sqlite)
}

/// Takes a tenant file back to schema 2, as a database made by an older build would be.
async fn downgrade(data: &Path, company: &Company) {
    let path = DataDir::new(data).tenant_path(company.id);
    let db = sqlite::open_existing(&path, PoolLimits::default())
        .await
        .unwrap();
    for table in AFTER_SCHEMA_2 {
        let sql = silo_store::Sql::assembled(format!("DROP TABLE {table}"));
        db.execute(sql, &[]).await.unwrap();
    }
    for index in INDEXES_AFTER_SCHEMA_2 {
        let sql = silo_store::Sql::assembled(format!("DROP INDEX {index}"));
        db.execute(sql, &[]).await.unwrap();
    }
    for (table, columns) in COLUMNS_AFTER_SCHEMA_2 {
        for column in *columns {
            let sql =
                silo_store::Sql::assembled(format!("ALTER TABLE {table} DROP COLUMN {column}"));
            db.execute(sql, &[]).await.unwrap();
        }
    }
    db.execute("DELETE FROM silo_schema WHERE version > 2", &[])
        .await
        .unwrap();
    db.close().await;
}

fn schema_versions(data: &Path) -> Vec<(String, i64)> {
    let out = ok(&silo(data, &["company", "list", "--json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    list.iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap().to_owned(),
                c["placement"]["schema_version"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn migrate_reports_a_broken_company_migrates_the_rest_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let all = companies(data, 30).await;
    for c in &all {
        downgrade(data, c).await;
    }
    // One company's file is damaged: keep the original to repair it later.
    let broken = DataDir::new(data).tenant_path(all[7].id);
    let original = std::fs::read(&broken).unwrap();
    std::fs::write(&broken, b"this is not a database, just garbage bytes..").unwrap();

    let out = silo(data, &["migrate", "--concurrency", "4"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("co-7: FAILED"), "{stderr}");
    assert!(stderr.contains("1 of 30 companies failed"), "{stderr}");
    let migrated = format!("migrated 2 -> {}", latest());
    assert_eq!(stderr.matches(&migrated).count(), 29, "{stderr}");
    for (slug, version) in schema_versions(data) {
        if slug != "co-7" {
            assert_eq!(version, latest(), "{slug}");
        }
    }

    std::fs::write(&broken, original).unwrap();
    let again = ok(&silo(data, &["migrate"]));
    assert!(again.contains("all 30 companies are up to date"), "{again}");
    let stderr = String::from_utf8_lossy(&silo(data, &["migrate"]).stderr).into_owned();
    assert!(!stderr.contains("migrated"), "nothing left to do: {stderr}");
    assert!(schema_versions(data).iter().all(|(_, v)| *v == latest()));
    ok(&silo(data, &["audit", "verify"]));
}

#[tokio::test]
async fn export_import_and_erase_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let acme = companies(data, 1).await.remove(0);
    let archive = dir.path().join("co-0.json.gz");
    let out = ok(&silo(
        data,
        &[
            "company",
            "export",
            "co-0",
            "--out",
            archive.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("exported co-0"), "{out}");
    let out = ok(&silo(
        data,
        &[
            "company",
            "import",
            "--file",
            archive.to_str().unwrap(),
            "--slug",
            "co-copy",
        ],
    ));
    assert!(out.contains("imported co-copy"), "{out}");

    let refused = silo(data, &["company", "erase", "co-0"]);
    assert_eq!(refused.status.code(), Some(1));
    ok(&silo(data, &["company", "erase", "co-0", "--yes"]));
    assert!(!DataDir::new(data).tenant_path(acme.id).exists());
    // A second run finishes idempotently.
    ok(&silo(data, &["company", "erase", "co-0", "--yes"]));
    let list = ok(&silo(data, &["company", "list", "--json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let tomb = list.iter().find(|c| c["slug"] == "co-0").unwrap();
    assert_eq!(tomb["status"], "erased");
    assert_eq!(tomb["erased_by"], "operator");
    assert!(tomb["erased_at"].is_string());
    ok(&silo(data, &["audit", "verify"]));
}
