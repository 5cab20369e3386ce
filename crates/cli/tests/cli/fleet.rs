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
    "retention_settings",
    "subject_requests",
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
    // A second run (by id: the tombstone keeps no slug derived from the name) finishes
    // idempotently.
    let id = acme.id.to_string();
    ok(&silo(data, &["company", "erase", &id, "--yes"]));
    let list = ok(&silo(data, &["company", "list", "--json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let tomb = list.iter().find(|c| c["id"] == id.as_str()).unwrap();
    assert_eq!(tomb["status"], "erased");
    assert_eq!(tomb["name"], "");
    assert_eq!(tomb["slug"], format!("erased-{id}"));
    assert_eq!(tomb["erased_by"], "operator");
    assert!(tomb["erased_at"].is_string());
    ok(&silo(data, &["audit", "verify"]));
}

#[cfg(unix)]
#[tokio::test]
async fn an_export_is_owner_only_and_never_follows_a_symbolic_link() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    companies(data, 1).await;
    let export = |out: &Path| {
        silo(
            data,
            &["company", "export", "co-0", "--out", out.to_str().unwrap()],
        )
    };

    // A link to a file elsewhere: refused, the file it points to untouched, the link kept.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("co-0.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let refused = export(&link);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A dangling link (to where the export would be created): refused, nothing created.
    let target = dir.path().join("made-through-link.json");
    let dangling = dir.path().join("dangling.json.gz");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    assert_eq!(export(&dangling).status.code(), Some(1));
    assert!(!target.exists());

    // An existing readable file is replaced (a new inode, owner-only), not written through.
    let out = dir.path().join("co-0.json.gz");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let hard = dir.path().join("hard-link-to-old");
    std::fs::hard_link(&out, &hard).unwrap();
    ok(&export(&out));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(std::fs::read_to_string(&hard).unwrap(), "old");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// A gzip stream that inflates to `{"format":"` and then `gib` GiB of `a` (one JSON string
/// without end), built block by block: each further MiB is the same few compressed bytes,
/// so the file is small and nothing large is ever held.
fn gzip_bomb(path: &Path, gib: usize) {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    use std::io::Write as _;
    let chunk = vec![b'a'; 1 << 20];
    let mut deflate = Compress::new(Compression::best(), false);
    let mut step = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(1 << 20);
        let before = deflate.total_in();
        deflate.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!(deflate.total_in() - before, input.len() as u64);
        out
    };
    let mut first = b"{\"format\":\"".to_vec();
    first.extend_from_slice(&chunk);
    let head = step(&first, FlushCompress::Sync);
    // After a sync flush the stream is byte-aligned and the window all `a`: the next MiB
    // compresses to bytes that decode the same wherever they are repeated.
    let repeat = step(&chunk, FlushCompress::Sync);
    let tail = step(&[], FlushCompress::Finish);
    let mut crc = Crc::new();
    crc.update(&first);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&chunk);
    let copies = gib * 1024;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        .unwrap();
    file.write_all(&head).unwrap();
    for _ in 0..copies {
        file.write_all(&repeat).unwrap();
        crc.combine(&chunk_crc);
    }
    file.write_all(&tail).unwrap();
    file.write_all(&crc.sum().to_le_bytes()).unwrap();
    file.write_all(&crc.amount().to_le_bytes()).unwrap();
    file.flush().unwrap();
}

/// An 8 GiB decompression bomb is refused with a clear error, and the importer's memory stays
/// bounded: it runs with 2 GiB of address space (an importer holding the inflated archive
/// would fail to allocate), and where GNU time is installed its peak RSS is measured.
#[cfg(target_os = "linux")]
#[test]
fn a_gzip_bomb_is_refused_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.json.gz");
    gzip_bomb(&bomb, 8);
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 32 << 20, "the bomb is {size} bytes on disk");
    let time = Path::new("/usr/bin/time");
    let measure = if time.exists() {
        "exec /usr/bin/time -f peak_rss_kib=%M \"$@\""
    } else {
        "exec \"$@\""
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; {measure}", 2 * 1024 * 1024))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(dir.path())
        .args(["company", "import", "--file"])
        .arg(&bomb)
        .args(["--max-size", &(64u64 << 20).to_string()])
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("more than 67108864 bytes of JSON once inflated"),
        "{stderr}"
    );
    if let Some(kib) = stderr.lines().find_map(|l| l.strip_prefix("peak_rss_kib=")) {
        let kib: u64 = kib.trim().parse().unwrap();
        eprintln!("peak RSS importing an 8 GiB gzip bomb capped at 64 MiB: {kib} KiB");
        assert!(kib < 512 * 1024, "peak RSS {kib} KiB");
    }
    // Nothing was registered.
    let list = ok(&silo(dir.path(), &["company", "list", "--json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert!(list.is_empty(), "{list:?}");
}

/// Runs `silo company import` of `file` as `slug`; its peak RSS in KiB where GNU time is
/// installed.
fn import_measured(data: &Path, file: &Path, slug: &str) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    let measure = if time.exists() {
        "exec /usr/bin/time -f peak_rss_kib=%M \"$@\""
    } else {
        "exec \"$@\""
    };
    let run = Command::new("sh")
        .arg("-c")
        .arg(measure)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_silo"))
        .arg("--data")
        .arg(data)
        .args(["company", "import", "--file"])
        .arg(file)
        .args(["--slug", slug])
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kib="))
        .map(|kib| kib.trim().parse().unwrap())
}

/// A genuine archive larger than anything the importer should hold (150,000 accounts, tens of
/// MiB of JSON) is imported row by row: every row arrives, and where GNU time is installed the
/// importer's peak RSS is measured against importing an empty company: it grows by less than
/// half the archive's size (a parsed copy of the document alone would take several times it).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_large_archive_is_imported_as_a_stream() {
    use std::io::Write as _;
    const ROWS: usize = 150_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    companies(data, 1).await;
    let exported = dir.path().join("co-0.json");
    ok(&silo(
        data,
        &[
            "company",
            "export",
            "co-0",
            "--out",
            exported.to_str().unwrap(),
        ],
    ));
    let mut archive: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let columns = archive["tables"]["accounts"]["columns"].clone();
    let tables = archive.as_object_mut().unwrap().remove("tables").unwrap();
    assert!(tables.as_object().unwrap().contains_key("accounts"));

    // The header as exported, then one table written row by row.
    let big = dir.path().join("big.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    let header = serde_json::to_string(&archive).unwrap();
    write!(
        out,
        "{},\"tables\":{{\"accounts\":{{\"columns\":{columns},\"rows\":[",
        &header[..header.len() - 1]
    )
    .unwrap();
    for i in 0..ROWS {
        let row: Vec<serde_json::Value> = columns
            .as_array()
            .unwrap()
            .iter()
            .map(|c| match c.as_str().unwrap() {
                "id" => uuid::Uuid::now_v7().to_string().into(),
                "name" => format!("Client {i} with a reasonably long trading name").into(),
                "website" => format!("https://client-{i}.example.nl/").into(),
                "created_at" | "updated_at" => "2026-01-05T10:00:00Z".into(),
                _ => serde_json::Value::Null,
            })
            .collect();
        if i > 0 {
            out.write_all(b",").unwrap();
        }
        serde_json::to_writer(&mut out, &row).unwrap();
    }
    out.write_all(b"]}}}").unwrap();
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&big).unwrap().len();

    // The same import of the small archive first: the process's own footprint.
    let small = import_measured(data, &exported, "co-small");
    let big_peak = import_measured(data, &big, "co-big");
    if let (Some(small), Some(big_peak)) = (small, big_peak) {
        eprintln!(
            "peak RSS importing a {} MiB archive of {ROWS} rows: {} MiB ({} MiB for an empty one)",
            size >> 20,
            big_peak >> 10,
            small >> 10
        );
        let grown = big_peak.saturating_sub(small) * 1024;
        assert!(
            grown < size / 2,
            "the import grew by {grown} bytes for an archive of {size}"
        );
    }
    let list = ok(&silo(data, &["company", "list", "--json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let big_id: silo_control::CompanyId =
        list.iter().find(|c| c["slug"] == "co-big").unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    let db = sqlite::open_existing(
        &DataDir::new(data).tenant_path(big_id),
        PoolLimits::default(),
    )
    .await
    .unwrap();
    let n: i64 = db
        .fetch_one("SELECT COUNT(*) AS n FROM accounts", &[])
        .await
        .unwrap()
        .get("n")
        .unwrap();
    db.close().await;
    assert_eq!(n, ROWS as i64);
}
