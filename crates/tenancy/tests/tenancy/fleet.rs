#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Fleet operations on both backends: export and import compared row by row (also from SQLite
//! into PostgreSQL), erasure leaving nothing behind, and the schema version guard.

use silo_control::{Company, CompanyStatus, Email, Eraser, NewCompany, NewIdentity, Slug};
use silo_roles::Role;
use silo_schema::{TENANT_INTERNAL_TABLES, TENANT_TABLES};
use silo_store::{Db, Value, params};
use silo_tenancy::{Archive, PoolSettings, Tenancy, TenancyError};
use silo_testkit::{TestBackend, TestStorage, backend_tests};
use std::collections::BTreeMap;

/// A business string that must vanish with an erasure.
const SECRET: &str = "Zeppelin-Quartz-7781";

fn owner(email: &str) -> NewIdentity {
    NewIdentity {
        email: Email::parse(email).unwrap(),
        name: "Owner".into(),
        password_hash: None,
    }
}

async fn provision(t: &Tenancy, slug: &str) -> Company {
    let company = NewCompany {
        name: format!("{slug} B.V."),
        slug: Slug::parse(slug).unwrap(),
    };
    t.provision(company, owner(&format!("ann@{slug}.nl")))
        .await
        .unwrap()
}

/// Rows in every business table, with nulls, quotes and non-ASCII text.
async fn seed(db: &Db) {
    let now = "2026-01-02T03:04:05.000000Z";
    let statements: &[(&'static str, &[Value])] = &[
        (
            "INSERT INTO accounts (id, name, website, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            params!["a1", SECRET, None::<String>, now],
        ),
        (
            "INSERT INTO accounts (id, name, website, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            params!["a2", "Ünïcode \"quoted\" 'n' ; DROP", "https://x.nl", now],
        ),
        (
            "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, $5)",
            params!["c1", "Piet", "piet@x.nl", "a1", now],
        ),
        (
            "INSERT INTO deals (id, title, value_cents, currency, stage, account_id, created_at, updated_at) VALUES ($1, $2, $3, 'EUR', 'won', $4, $5, $5)",
            params!["d1", "Site", 1_234_567_i64, "a1", now],
        ),
        (
            "INSERT INTO deal_stage_changes (id, deal_id, from_stage, to_stage, changed_at) VALUES ($1, $2, NULL, 'won', $3)",
            params!["s1", "d1", now],
        ),
        (
            "INSERT INTO contracts (id, title, body, status, deal_id, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $5, $5)",
            params!["k1", "MSA", "line one\nline two", "d1", now],
        ),
        (
            "INSERT INTO company_invoicing (singleton, legal_name, payment_terms_days, updated_at) VALUES (1, $1, 14, $2)",
            params!["Acme B.V.", now],
        ),
        (
            "INSERT INTO invoice_counters (year, last) VALUES (2026, 3)",
            &[],
        ),
        (
            "INSERT INTO invoices (id, number, status, currency, account_id, subtotal_cents, vat_cents, total_cents, created_at, updated_at) VALUES ($1, $2, 'issued', 'EUR', $3, 1000, 210, 1210, $4, $4)",
            params!["i1", "2026-0003", "a1", now],
        ),
        (
            "INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_cents, vat_rate_bp, net_cents, vat_cents) VALUES ($1, 1, $2, 1000, 1000, 2100, 1000, 210)",
            params!["i1", "Work"],
        ),
        (
            "INSERT INTO invoice_payments (id, invoice_id, amount_cents, paid_at, paid_month, created_at) VALUES ($1, $2, 500, $3, '2026-01', $3)",
            params!["p1", "i1", now],
        ),
        (
            "INSERT INTO invoice_payment_reversals (payment_id, invoice_id, reason, reversed_at, reversed_month, created_at) VALUES ($1, $2, $3, $4, '2026-01', $4)",
            params!["p1", "i1", "Bounced", now],
        ),
        (
            "INSERT INTO credit_note_counters (year, last) VALUES (2026, 1)",
            &[],
        ),
        (
            "INSERT INTO credit_notes (id, number, invoice_id, reason, issue_date, issue_month, subtotal_cents, vat_cents, total_cents, created_at) VALUES ($1, $2, $3, $4, '2026-01-20', '2026-01', 100, 21, 121, $5)",
            params!["n1", "CN-2026-0001", "i1", "Discount", now],
        ),
        (
            "INSERT INTO credit_note_lines (credit_note_id, position, description, quantity_milli, unit_cents, vat_rate_bp, net_cents, vat_cents) VALUES ($1, 1, $2, 1000, 100, 2100, 100, 21)",
            params!["n1", "Discount"],
        ),
        (
            "INSERT INTO invoice_deliveries (id, invoice_id, kind, recipient, language, state, queued_at) VALUES ($1, $2, 'invoice', $3, 'nl', 'queued', $4)",
            params!["m1", "i1", "ap@client.example", now],
        ),
        (
            "INSERT INTO company_logo (singleton, content_type, bytes, width, height, updated_at) VALUES (1, 'image/png', $1, 16, 8, $2)",
            params![vec![0x89_u8, b'P', b'N', b'G', 0, 255], now],
        ),
        (
            "INSERT INTO time_settings (singleton, approval_required, lock_date, billable_target_bp, updated_at) VALUES (1, $1, '2025-12-31', 7500, $2)",
            params![true, now],
        ),
        (
            "INSERT INTO services (id, name, hourly_rate_cents, billable, archived, created_at, updated_at) VALUES ($1, $2, 9500, $3, $4, $5, $5)",
            params!["sv1", "Design \"UX\"", true, false, now],
        ),
        (
            "INSERT INTO projects (id, name, description, account_id, deal_id, contract_id, status, billing_type, currency, budget_minutes, budget_cents, budget_cap, hourly_rate_cents, rounding_minutes, start_date, created_at, updated_at) VALUES ($1, $2, NULL, $3, $4, $5, 'active', 'time_and_materials', 'EUR', 6000, 950000, $6, 9500, 15, '2026-01-01', $7, $7)",
            params!["pr1", "Relaunch", "a1", "d1", "k1", true, now],
        ),
        (
            "INSERT INTO project_members (project_id, person_id, hourly_rate_cents, added_at) VALUES ($1, $2, 11000, $3)",
            params!["pr1", "person-1", now],
        ),
        (
            "INSERT INTO tasks (id, project_id, parent_id, title, status, assignee_id, estimate_minutes, due_date, position, client_visible, created_at, updated_at) VALUES ($1, $2, NULL, $3, 'in_progress', $4, 240, '2026-02-01', 1, $5, $6, $6)",
            params!["t1", "pr1", "Wireframes", "person-1", true, now],
        ),
        (
            "INSERT INTO time_entries (id, person_id, project_id, task_id, service_id, work_date, work_month, minutes, billable, billable_minutes, description, status, rate_cents, cost_rate_cents, invoice_id, invoice_line, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '2026-01-02', '2026-01', 50, $6, 60, $7, 'invoiced', 11000, 4000, $8, 1, $9, $9)",
            params![
                "te1", "person-1", "pr1", "t1", "sv1", true, SECRET, "i1", now
            ],
        ),
        (
            "INSERT INTO timers (person_id, project_id, task_id, service_id, description, started_at) VALUES ($1, $2, $3, NULL, NULL, $4)",
            params!["person-1", "pr1", "t1", now],
        ),
        (
            "INSERT INTO project_charges (id, project_id, invoice_id, invoice_line, kind, month, description, amount_cents, created_at) VALUES ($1, $2, $3, 1, 'retainer', '2026-01', $4, 100000, $5)",
            params!["pc1", "pr1", "i1", "Retainer January", now],
        ),
        (
            "INSERT INTO budget_alerts (project_id, period, measure, threshold_pct, reached_at) VALUES ($1, 'total', 'hours', 80, $2)",
            params!["pr1", now],
        ),
        (
            "INSERT INTO person_capacity (person_id, effective_from, weekly_minutes, billable_target_bp, cost_rate_cents, created_at) VALUES ($1, '2026-01-01', 2400, NULL, 4000, $2)",
            params!["person-1", now],
        ),
        (
            "INSERT INTO time_off (id, person_id, start_date, end_date, kind, note, created_at) VALUES ($1, $2, '2026-01-05', '2026-01-09', 'holiday', NULL, $3)",
            params!["to1", "person-1", now],
        ),
        (
            "INSERT INTO portal_access (account_id, contracts, invoices, projects, project_time, files, approvals, messages, updated_at) VALUES ($1, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, $2)",
            params!["a1", now],
        ),
        (
            "INSERT INTO portal_address (singleton, key_id, secret_hash, token, created_at) VALUES (1, $1, $2, $3, $4)",
            params!["pk1", "hash-pk1", "jwt~secret", now],
        ),
        (
            "INSERT INTO portal_users (id, account_id, contact_id, email, name, role, status, language, invited_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'client_admin', 'active', 'nl', $6, $7, $7)",
            params![
                "pu1",
                "a1",
                "c1",
                "bo@client.example",
                "Bo",
                "person-1",
                now
            ],
        ),
        (
            "INSERT INTO portal_login_links (id, portal_user_id, secret_hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $4, $4)",
            params!["pl1", "pu1", "hash-pl1", now],
        ),
        (
            "INSERT INTO portal_sessions (id, portal_user_id, account_id, preview_by, secret_hash, created_at, last_seen_at, expires_at, ended_at, client_ip, user_agent) VALUES ($1, $2, $3, NULL, $4, $5, $5, $5, NULL, $6, $7)",
            params![
                "ps1",
                "pu1",
                "a1",
                "hash-ps1",
                now,
                "203.0.113.9",
                "Mozilla/5.0"
            ],
        ),
        (
            "INSERT INTO signing_links (id, contract_id, signer_name, signer_email, portal_user_id, secret_hash, created_by, created_at, expires_at, revoked_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, NULL, $8)",
            params![
                "sl1",
                "k1",
                "Bo",
                "bo@client.example",
                "pu1",
                "hash-sl1",
                "person-1",
                now
            ],
        ),
        (
            "INSERT INTO contract_signatures (contract_id, method, signer_name, signer_email, signed_at, client_ip, user_agent, document_sha256, signing_link_id, portal_user_id, recorded_by, consent_text, pdf_sha256) VALUES ($1, 'link', $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $10)",
            params![
                "k1",
                "Bo",
                "bo@client.example",
                now,
                "203.0.113.9",
                "Mozilla/5.0",
                "ab".repeat(32),
                "sl1",
                "I agree",
                "cd".repeat(32)
            ],
        ),
        (
            "INSERT INTO files (id, account_id, project_id, name, content_type, size_bytes, sha256, bytes, uploaded_by_staff, uploaded_by_portal, created_at, deleted_at) VALUES ($1, $2, $3, $4, 'application/pdf', 4, $5, $6, NULL, $7, $8, NULL)",
            params![
                "f1",
                "a1",
                "pr1",
                "brief.pdf",
                "ef".repeat(32),
                b"%PDF".to_vec(),
                "pu1",
                now
            ],
        ),
        (
            "INSERT INTO contract_documents (contract_id, content_type, bytes, sha256, created_at) VALUES ($1, 'application/pdf', $2, $3, $4)",
            params!["k1", b"%PDF-1.7".to_vec(), "cd".repeat(32), now],
        ),
        (
            "INSERT INTO approvals (id, account_id, project_id, title, note, file_id, status, requested_by, requested_at, decided_by, decided_at, decision_comment) VALUES ($1, $2, $3, $4, NULL, $5, 'approved', $6, $7, $8, $7, $9)",
            params![
                "ap1",
                "a1",
                "pr1",
                "Homepage design",
                "f1",
                "person-1",
                now,
                "pu1",
                "Looks good"
            ],
        ),
        (
            "INSERT INTO message_threads (id, account_id, project_id, subject, created_at, last_message_at) VALUES ($1, $2, $3, $4, $5, $5)",
            params!["mt1", "a1", "pr1", "Kick-off", now],
        ),
        (
            "INSERT INTO messages (id, thread_id, staff_author_id, portal_author_id, body, internal, created_at) VALUES ($1, $2, NULL, $3, $4, FALSE, $5)",
            params!["m1", "mt1", "pu1", "Hello!", now],
        ),
        (
            "INSERT INTO attribution_settings (singleton, event_retention_months, updated_at) VALUES (1, 6, $1)",
            params![now],
        ),
        (
            "INSERT INTO subject_requests (id, kind, requested_by, identified_by, outcome, created_at) VALUES ($1, 'erasure', $2, $3, $4, $5)",
            params![
                "sr1",
                "staff-1",
                r#"["email"]"#,
                r#"[{"table":"contacts","found":1,"deleted":1,"anonymised":0,"redacted":0,"retained":0}]"#,
                now
            ],
        ),
        (
            "INSERT INTO retention_settings (singleton, closed_deal_months, audit_months, updated_at) VALUES (1, 24, 36, $1)",
            params![now],
        ),
        (
            "INSERT INTO sites (id, account_id, name, origins, consent_mode, consent_version, secret_hash, token, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 'banner', '1', $5, $6, TRUE, $7, $7)",
            params![
                "si1",
                "a1",
                "Shop",
                r#"["https://shop.example"]"#,
                "ab12",
                "jwt~secret",
                now
            ],
        ),
        (
            "INSERT INTO visitors (id, site_id, contact_id, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
            params!["v1", "si1", "c1", now],
        ),
        (
            "INSERT INTO tracking_events (id, site_id, event_id, name, occurred_at, received_at, day, page, referrer_host, utm_source, utm_medium, utm_campaign, click_ids, analytics, ads, ad_user_data, ad_personalization, consent_source, gpc, visit_hash, visitor_id, contact_id) VALUES ($1, $2, $3, 'page_view', $4, $4, '2026-01-02', '/pricing?x=1', 'google.com', 'google', 'cpc', 'winter', $5, TRUE, TRUE, TRUE, FALSE, 'banner', FALSE, 'h1', $6, $7)",
            params![
                "te1",
                "si1",
                "0192d7a0-0000-7000-8000-000000000001",
                now,
                r#"{"gclid": "abc"}"#,
                "v1",
                "c1"
            ],
        ),
        (
            "INSERT INTO event_daily (site_id, day, name, source, medium, campaign, consented, events) VALUES ($1, '2026-01-02', 'page_view', 'google', 'cpc', 'winter', TRUE, 3)",
            params!["si1"],
        ),
        (
            "INSERT INTO consent_records (id, site_id, visitor_id, visit_hash, analytics, ads, ad_user_data, ad_personalization, source, version, tcf_string, gpc, recorded_at, day) VALUES ($1, $2, $3, 'h1', TRUE, TRUE, TRUE, FALSE, 'banner', '1', NULL, FALSE, $4, '2026-01-02')",
            params!["cr1", "si1", "v1", now],
        ),
        (
            "INSERT INTO touchpoints (id, site_id, visitor_id, contact_id, tracking_event_id, occurred_at, source, medium, campaign, click_ids, direct, ads, ad_user_data, ad_personalization) VALUES ($1, $2, $3, $4, $5, $6, 'google', 'cpc', 'winter', $7, FALSE, TRUE, TRUE, FALSE)",
            params!["tp1", "si1", "v1", "c1", "te1", now, r#"{"gclid": "abc"}"#],
        ),
        (
            "INSERT INTO destinations (id, account_id, platform, name, enabled, test_mode, kinds, settings, credentials_sealed, credentials_hint, created_at, updated_at) VALUES ($1, $2, 'meta', 'Meta', TRUE, FALSE, $3, $4, 'c2VhbGVk', 'wxyz', $5, $5)",
            params![
                "ds1",
                "a1",
                r#"["invoice_paid"]"#,
                r#"{"pixel_id": "123"}"#,
                now
            ],
        ),
        (
            "INSERT INTO conversions (id, kind, subject_id, contact_id, account_id, site_id, first_touchpoint_id, last_touchpoint_id, attribution, first_source, last_source, order_id, value_cents, currency, analytics, ads, ad_user_data, ad_personalization, occurred_at, created_at) VALUES ($1, 'deal_won', $2, $3, $4, $5, $6, $6, 'attributed', 'google', 'google', 'd1', 1234567, 'EUR', TRUE, TRUE, TRUE, FALSE, $7, $7)",
            params!["cv1", "d1", "c1", "a1", "si1", "tp1", now],
        ),
        (
            "INSERT INTO conversion_deliveries (id, conversion_id, destination_id, state, attempts, test, last_status, created_at, delivered_at) VALUES ($1, $2, $3, 'delivered', 1, FALSE, 200, $4, $4)",
            params!["cd1", "cv1", "ds1", now],
        ),
        (
            "INSERT INTO outbox (id, seq, event_type, subject_id, data, actor_id, occurred_at) VALUES ($1, 1, 'contact.created', $2, $3, NULL, $4)",
            params!["e1", "c1", r#"{"id": "c1"}"#, now],
        ),
        (
            "INSERT INTO jobs (id, seq, kind, ref_id, queue_key, state, attempts, due_at, created_at, updated_at) VALUES ($1, 1, 'webhook.deliver', $2, $3, 'done', 1, $4, $4, $4)",
            params!["j1", "wd1", "w1", now],
        ),
        (
            "INSERT INTO webhook_endpoints (id, url, description, secret, enabled, created_at, updated_at) VALUES ($1, $2, NULL, $3, $4, $5, $5)",
            params![
                "w1",
                "https://hooks.example/in",
                "whsec_c2VjcmV0",
                true,
                now
            ],
        ),
        (
            "INSERT INTO webhook_endpoint_events (endpoint_id, event_type) VALUES ($1, 'contact.created')",
            params!["w1"],
        ),
        (
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, state, job_id, attempts, last_status, created_at, delivered_at) VALUES ($1, $2, $3, 'contact.created', 'delivered', $4, 1, 200, $5, $5)",
            params!["wd1", "w1", "e1", "j1", now],
        ),
        (
            "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status, duration_ms, response) VALUES ($1, $2, $3, 200, 12, 'ok')",
            params!["wa1", "wd1", now],
        ),
    ];
    for (sql, values) in statements {
        db.execute(*sql, values).await.unwrap();
    }
}

/// Every business row as text, sorted: independent of the export code under test.
async fn dump(db: &Db) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for &table in TENANT_TABLES {
        let sql = silo_store::Sql::assembled(format!("SELECT * FROM {table}"));
        let mut rows: Vec<String> = db
            .fetch_all(sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let cells: Vec<String> = r
                    .columns()
                    .iter()
                    .zip(r.values())
                    .map(|(c, v)| match v {
                        v if v.is_null() => format!("{c}=NULL"),
                        Value::Int(Some(i)) => format!("{c}={i}"),
                        // SQLite keeps booleans as 0/1.
                        Value::Bool(Some(b)) => format!("{c}={}", i64::from(*b)),
                        Value::Text(Some(s)) => format!("{c}={s:?}"),
                        other => format!("{c}={other:?}"),
                    })
                    .collect();
                cells.join("|")
            })
            .collect();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

async fn export_import(from: &Tenancy, into: &Tenancy) {
    let source = provision(from, "acme").await;
    let fin = from
        .control()
        .ensure_identity(&owner("fin@acme.nl"))
        .await
        .unwrap();
    from.control()
        .add_membership(fin, source.id, Role::Finance)
        .await
        .unwrap();
    let db = from.tenant_db(&source).await.unwrap();
    seed(db.db()).await;
    let before = dump(db.db()).await;
    drop(db);

    let archive = from.export(&source).await.unwrap();
    // Through its JSON text, as the file carries it.
    let text = serde_json::to_string(&archive).unwrap();
    let archive: Archive = serde_json::from_str(&text).unwrap();
    assert_eq!(archive.format, "silo-export");
    assert_eq!(archive.members.len(), 2);

    let imported = into
        .import(
            &archive,
            Some("Acme Copy".into()),
            Some(Slug::parse("acme-copy").unwrap()),
            silo_control::INVITATION_TTL,
        )
        .await
        .unwrap();
    let copy = imported.company;
    assert_eq!(copy.status, CompanyStatus::Active);
    assert_ne!(copy.id, source.id);
    let db = into.tenant_db(&copy).await.unwrap();
    let after = dump(db.db()).await;
    assert_eq!(before, after);
    assert!(after.values().all(|rows| !rows.is_empty()));
    // Nobody is a member until they accept: every person of the archive is invited in their
    // role, and each invitation has a link of its own.
    assert!(into.control().members(copy.id).await.unwrap().is_empty());
    let mut roles: Vec<(String, Role)> = imported
        .invitations
        .iter()
        .map(|(i, _)| (i.email.to_string(), i.role))
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("ann@acme.nl".into(), Role::Owner),
            ("fin@acme.nl".into(), Role::Finance)
        ]
    );
    let pending = into
        .control()
        .pending_invitations(copy.id, None, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 2);
    let (owner_invite, token) = &imported.invitations[0];
    let link = into
        .control()
        .invitation_by_token(token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.offer.email, owner_invite.email);
    assert_eq!(link.offer.company.id, copy.id);
}

async fn export_then_import_gives_identical_rows() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    export_import(&t, &t).await;
    t.close().await;
}

async fn imports_refuse_newer_or_foreign_archives() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let mut archive = t.export(&c).await.unwrap();
    archive.tenant_schema_version = 999;
    let err = t
        .import(
            &archive,
            None,
            Some(Slug::parse("new").unwrap()),
            silo_control::INVITATION_TTL,
        )
        .await;
    assert!(matches!(err, Err(TenancyError::Archive(m)) if m.contains("newer")));
    archive.tenant_schema_version = 3;
    archive
        .tables
        .entry("accounts".into())
        .or_default()
        .columns
        .push("evil\"; --".into());
    let err = t
        .import(
            &archive,
            None,
            Some(Slug::parse("new").unwrap()),
            silo_control::INVITATION_TTL,
        )
        .await;
    assert!(matches!(err, Err(TenancyError::Archive(_))), "{err:?}");
    // A refused import leaves no company behind.
    assert!(t.control().find_company("new").await.unwrap().is_none());
    t.close().await;
}

async fn erasure_leaves_a_tombstone_and_nothing_else() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let keep = provision(&t, "bolt").await;
    let db = t.tenant_db(&c).await.unwrap();
    seed(db.db()).await;
    drop(db);
    let invitation = silo_control::NewInvitation {
        company: c.id,
        email: silo_control::Email::parse("new@acme.nl").unwrap(),
        role: Role::Sales,
        name: String::new(),
        invited_by: None,
        language: "en".into(),
        ttl: silo_control::INVITATION_TTL,
    };
    let (_, invite_token) = t.control().invite(&invitation, None).await.unwrap();

    let tombstone = t.erase(&c, Eraser::Operator).await.unwrap();
    assert_eq!(tombstone.status, CompanyStatus::Erased);
    assert!(tombstone.erased_at.is_some());
    assert_eq!(tombstone.erased_by.as_deref(), Some("operator"));
    assert!(!storage.database_exists(&t, &c).await);
    assert!(t.control().members(c.id).await.unwrap().is_empty());
    assert!(
        t.control()
            .invitation_by_token(&invite_token)
            .await
            .unwrap()
            .is_none(),
        "an erased company's invitations are gone"
    );
    assert!(matches!(
        t.tenant_db(&tombstone).await,
        Err(TenancyError::NotActive(_))
    ));
    // Again: finishes idempotently, keeps the first tombstone.
    let again = t.erase(&tombstone, Eraser::Operator).await.unwrap();
    assert_eq!(again.erased_at, tombstone.erased_at);
    // The other company is untouched.
    t.tenant_db(&keep).await.unwrap();
    t.close().await;
    if !TestBackend::current().is_postgres() {
        assert_nowhere(storage.dir.path(), SECRET.as_bytes());
    }
}

/// After an erasure no person who belonged only to that company remains (with their sessions,
/// two-factor secret, password resets and mail), a person with another membership keeps only
/// that one, and the tombstone holds neither the name nor a slug derived from it. On SQLite the
/// registry file itself no longer holds the address or the name.
async fn erasure_leaves_no_people_behind() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let keep = provision(&t, "bolt").await;
    let control = t.control();
    let email = |e: &str| Email::parse(e).unwrap();
    let ann = control
        .identity_by_email(&email("ann@acme.nl"))
        .await
        .unwrap()
        .unwrap()
        .id;
    // Someone in both companies, and someone only in acme with every kind of row.
    let both = control
        .ensure_identity(&NewIdentity {
            email: email("both@shared.nl"),
            name: "Both".into(),
            password_hash: Some("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into()),
        })
        .await
        .unwrap();
    control
        .add_membership(both, c.id, Role::Sales)
        .await
        .unwrap();
    control
        .add_membership(both, keep.id, Role::Admin)
        .await
        .unwrap();
    control.create_session(ann, Some(c.id)).await.unwrap();
    control.create_session(ann, None).await.unwrap();
    control.begin_two_factor(ann).await.unwrap();
    control.begin_password_reset(ann).await.unwrap();
    control.create_session(both, Some(c.id)).await.unwrap();
    control.create_session(both, Some(keep.id)).await.unwrap();
    // Ann once invited someone to the other company: the invitation stays, without her.
    let invited = silo_control::NewInvitation {
        company: keep.id,
        email: email("new@bolt.nl"),
        role: Role::Sales,
        name: String::new(),
        invited_by: Some(ann),
        language: "en".into(),
        ttl: silo_control::INVITATION_TTL,
    };
    control.invite(&invited, None).await.unwrap();

    // An erasure interrupted after its first step: the name is gone at once, the people not yet.
    let marked = control.mark_erased(c.id, Eraser::Operator).await.unwrap();
    assert_eq!(marked.name, "");
    assert!(control.identity(ann).await.unwrap().is_some());
    // Erasing again finishes it.
    let tombstone = t.erase(&marked, Eraser::Operator).await.unwrap();
    assert_eq!(tombstone.name, "");
    assert_eq!(tombstone.slug.as_str(), format!("erased-{}", c.id));
    assert_eq!(tombstone.erased_at, marked.erased_at);
    assert!(tombstone.erased_at.is_some());
    assert!(control.find_company("acme").await.unwrap().is_none());
    assert!(control.identity(ann).await.unwrap().is_none());
    assert!(
        control
            .identity_by_email(&email("ann@acme.nl"))
            .await
            .unwrap()
            .is_none()
    );
    let left = control.personal_data(both).await.unwrap();
    let companies: Vec<_> = left.memberships.iter().map(|m| m.company_id).collect();
    assert_eq!(companies, vec![keep.id]);
    let sessions: Vec<_> = left.sessions.iter().map(|s| s.company_id).collect();
    assert_eq!(sessions, vec![Some(keep.id)], "sessions bound to acme went");
    let pending = control
        .pending_invitations(keep.id, None, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].invited_by.is_none());
    let everyone: Vec<String> = control
        .list_identities()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.identity.email.as_str().to_owned())
        .collect();
    assert_eq!(everyone, vec!["ann@bolt.nl", "both@shared.nl"]);

    // Again: nothing left to do, the same tombstone.
    let again = t.erase(&tombstone, Eraser::Operator).await.unwrap();
    assert_eq!(
        (again.name.as_str(), again.slug.as_str()),
        ("", tombstone.slug.as_str())
    );
    t.close().await;
    drop(t);
    if !TestBackend::current().is_postgres() {
        // Deleted rows are overwritten (secure_delete), not left in free pages.
        assert_nowhere(storage.dir.path(), b"ann@acme.nl");
        assert_nowhere(storage.dir.path(), b"acme B.V.");
    }
    // The slug is free again for a new company.
    let t = storage.open(PoolSettings::default()).await;
    provision(&t, "acme").await;
    t.close().await;
}

/// Fails when any file under `dir` contains `needle`.
fn assert_nowhere(dir: &std::path::Path, needle: &[u8]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_nowhere(&path, needle);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} still holds erased data",
                path.display()
            );
        }
    }
}

async fn a_database_newer_than_this_build_is_unavailable() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let db = t.tenant_db(&c).await.unwrap();
    db.db()
        .execute(
            "INSERT INTO silo_schema (version, name, applied_at) VALUES (99, '0099_future', 'x')",
            &[],
        )
        .await
        .unwrap();
    drop(db);
    t.close().await;
    let t = storage.open(PoolSettings::default()).await;
    assert!(matches!(
        t.tenant_db(&c).await,
        Err(TenancyError::Unavailable(_))
    ));
    assert!(t.migrate_company(&c).await.is_err());
    t.close().await;
}

/// A table added by a migration but missing from `TENANT_TABLES` would silently stay out of exports.
async fn every_tenant_table_is_exported_or_declared_internal() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let db = t.tenant_db(&c).await.unwrap();
    let sql = if TestBackend::current().is_postgres() {
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let mut found: Vec<String> = db
        .db()
        .fetch_all(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name").unwrap())
        .collect();
    found.sort();
    let mut declared: Vec<String> = TENANT_TABLES
        .iter()
        .chain(TENANT_INTERNAL_TABLES)
        .map(|s| (*s).to_owned())
        .collect();
    declared.sort();
    assert_eq!(found, declared);
    drop(db);
    t.close().await;
}

/// Every business table is either held to its create body's rules on import or listed, with
/// the reason, as one no create body describes: a new table cannot slip past unnoticed.
#[test]
fn every_tenant_table_has_import_rules_or_a_reason() {
    let checked: Vec<&str> = silo_domain::imports::checked_tables().collect();
    let unchecked: Vec<&str> = silo_domain::imports::unchecked_tables()
        .map(|(table, _)| table)
        .collect();
    for table in TENANT_TABLES {
        let places = usize::from(checked.contains(table)) + usize::from(unchecked.contains(table));
        assert_eq!(places, 1, "{table} must be in exactly one import list");
    }
    for table in checked.iter().chain(&unchecked) {
        assert!(
            TENANT_TABLES.contains(table),
            "{table} is no business table"
        );
    }
}

/// An import is held to the plan's limits and the API's field rules like the API holds a
/// company: a refused archive registers nothing and creates no database.
async fn imports_hold_the_plan_limits_and_the_field_rules() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let db = t.tenant_db(&c).await.unwrap();
    db.db()
        .execute(
            "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) \
             VALUES ($1, 'Piet', 'piet@x.nl', NULL, NULL, $2, $2)",
            params![
                "0190a000-0000-7000-8000-000000000001",
                "2026-01-02T03:04:05.000000Z"
            ],
        )
        .await
        .unwrap();
    drop(db);
    let archive = t.export(&c).await.unwrap();
    t.control()
        .set_plan_limits(
            silo_control::Plan::Starter,
            silo_control::PlanLimits {
                max_seats: Some(1),
                max_contacts: Some(1),
            },
        )
        .await
        .unwrap();
    let companies = || async { t.control().list_companies().await.unwrap().len() };
    let before = companies().await;
    let import = |archive: Archive| {
        let t = &t;
        async move {
            t.import(
                &archive,
                None,
                Some(Slug::parse("copy").unwrap()),
                silo_control::INVITATION_TTL,
            )
            .await
        }
    };

    // One contact too many for the plan.
    let mut more = archive.clone();
    let contacts = more.tables.get_mut("contacts").unwrap();
    let mut second = contacts.rows[0].clone();
    second[0] = "0190a000-0000-7000-8000-000000000002".into();
    contacts.rows.push(second);
    let err = import(more).await.unwrap_err();
    assert!(
        matches!(&err, TenancyError::Refused(m) if m.contains("contacts than the starter plan allows (1)")),
        "{err:?}"
    );
    // One person too many.
    let mut more = archive.clone();
    let mut extra = more.members[0].clone();
    extra.email = "bob@acme.nl".into();
    extra.role = "viewer".into();
    more.members.push(extra);
    let err = import(more).await.unwrap_err();
    assert!(
        matches!(&err, TenancyError::Refused(m) if m.contains("2 people")),
        "{err:?}"
    );
    // A field the API would refuse: every wrong field is named.
    let mut bad = archive.clone();
    let contacts = bad.tables.get_mut("contacts").unwrap();
    let column = |name: &str| contacts.columns.iter().position(|c| c == name).unwrap();
    let (name, email) = (column("name"), column("email"));
    contacts.rows[0][name] = "x".repeat(201).into();
    contacts.rows[0][email] = "not an address".into();
    let err = import(bad).await.unwrap_err();
    assert!(
        matches!(&err, TenancyError::Archive(m)
            if m.contains("contacts row 1") && m.contains("name") && m.contains("email")),
        "{err:?}"
    );
    assert_eq!(companies().await, before);
    assert!(t.control().find_company("copy").await.unwrap().is_none());

    // Within the limits and the rules, it imports.
    let imported = import(archive).await.unwrap();
    assert_eq!(imported.company.status, CompanyStatus::Active);
    t.close().await;
}

/// An archive read as a stream: the layout this build writes (tables parents first) and the
/// older one (tables by name, gathered before inserting) both give the rows back exactly; a
/// current-layout archive whose tables are not parents first, and one cut off in the middle,
/// are refused and leave nothing behind.
async fn archives_are_imported_as_streams() {
    let storage = TestStorage::new();
    let t = storage.open(PoolSettings::default()).await;
    let source = provision(&t, "acme").await;
    let db = t.tenant_db(&source).await.unwrap();
    seed(db.db()).await;
    let before = dump(db.db()).await;
    drop(db);
    let archive = t.export(&source).await.unwrap();
    assert_eq!(archive.version, silo_tenancy::ARCHIVE_VERSION);
    let import = |bytes: Vec<u8>, slug: &'static str| {
        let t = &t;
        async move {
            t.import_reader(
                std::io::Cursor::new(bytes),
                None,
                Some(Slug::parse(slug).unwrap()),
                silo_control::INVITATION_TTL,
            )
            .await
        }
    };
    let rows_of = |company: Company| {
        let t = &t;
        async move {
            let db = t.tenant_db(&company).await.unwrap();
            dump(db.db()).await
        }
    };

    // As written: tables parents first.
    let written = serde_json::to_vec(&archive).unwrap();
    let copy = import(written.clone(), "copy").await.unwrap().company;
    assert_eq!(rows_of(copy).await, before);

    // Layout version 1, as older builds wrote it: the fields in the same order, the tables in
    // name order (a JSON object's keys).
    let by_name = serde_json::to_value(&archive.tables).unwrap();
    let names: Vec<&String> = by_name.as_object().unwrap().keys().collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "a JSON value keeps its keys in name order");
    let layout = |version: i64| {
        format!(
            r#"{{"format":"silo-export","version":{version},"tenant_schema_version":{},"exported_at":"{}","company":{},"members":{},"tables":{by_name}}}"#,
            archive.tenant_schema_version,
            archive.exported_at,
            serde_json::to_string(&archive.company).unwrap(),
            serde_json::to_string(&archive.members).unwrap(),
        )
        .into_bytes()
    };
    let old = import(layout(1), "old").await.unwrap().company;
    assert_eq!(rows_of(old).await, before);

    // The same name order claiming the current layout is refused: a child table's rows before
    // their parents' (refused by the reference) or a table after one it must precede.
    let err = import(layout(silo_tenancy::ARCHIVE_VERSION), "disordered")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TenancyError::Archive(m)
            if m.contains("parents first") || m.contains("refused by the constraint")),
        "{err:?}"
    );
    // Fields after the tables cannot be read as a stream: refused with the reason.
    let mut late = serde_json::to_value(&archive).unwrap();
    late["version"] = silo_tenancy::ARCHIVE_VERSION.into();
    let err = import(serde_json::to_vec(&late).unwrap(), "late")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TenancyError::Archive(m) if m.contains("must come before `tables`")),
        "{err:?}"
    );
    // Cut off after half of its bytes.
    let err = import(written[..written.len() / 2].to_vec(), "cut")
        .await
        .unwrap_err();
    assert!(matches!(&err, TenancyError::Archive(_)), "{err:?}");
    for slug in ["disordered", "late", "cut"] {
        assert!(
            t.control().find_company(slug).await.unwrap().is_none(),
            "{slug}"
        );
    }
    t.close().await;
}

backend_tests!(
    archives_are_imported_as_streams,
    imports_hold_the_plan_limits_and_the_field_rules,
    every_tenant_table_is_exported_or_declared_internal,
    export_then_import_gives_identical_rows,
    imports_refuse_newer_or_foreign_archives,
    erasure_leaves_a_tombstone_and_nothing_else,
    erasure_leaves_no_people_behind,
    a_database_newer_than_this_build_is_unavailable,
);

#[tokio::test]
async fn export_from_sqlite_imports_into_postgres() {
    let Some(pg) = TestBackend::postgres() else {
        eprintln!("skipped: SILO_TEST_POSTGRES_URL is not set");
        return;
    };
    let lite = TestStorage::on(&TestBackend::Sqlite);
    let post = TestStorage::on(&pg);
    let from = lite.open(PoolSettings::default()).await;
    let into = post.open(PoolSettings::default()).await;
    export_import(&from, &into).await;
    from.close().await;
    into.close().await;
}
