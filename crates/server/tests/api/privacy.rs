#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! People's data requests (`/api/privacy`): a company where one person appears in every kind of
//! record; the report lists each; erasure leaves no trace of their name, e-mail address or phone
//! number anywhere in the company's database (searched table by table and column by column, as
//! an auditor would) except what the law keeps on issued invoices and signed contracts; the
//! request is recorded and audited without the person. And the retention of closed deals.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use silo_store::{TenantDb, Value as V};
use std::collections::BTreeSet;

const NAME: &str = "Jan de Vries";
const EMAIL: &str = "jan.devries@example.nl";
const PHONE: &str = "+31 6 1234 5678";
const OTHER: &str = "Piet Jansen";
const OTHER_EMAIL: &str = "piet@example.nl";
const T: &str = "2026-01-10T10:00:00.000000Z";

/// Ids of the seeded rows the checks name.
struct Seeded {
    contact: String,
    other_contact: String,
    issued_invoice: String,
    signed_contract: String,
    portal_user: String,
    delivery: String,
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn run(db: &TenantDb, sql: &'static str, params: Vec<V>) {
    db.db()
        .execute(sql, &params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn t(s: &str) -> V {
    V::from(s.to_owned())
}

/// One person (and one other, who must stay) in every kind of record the company keeps.
async fn seed(db: &TenantDb, staff: &str) -> Seeded {
    let (account, other_account) = (id(), id());
    run(db, "INSERT INTO accounts (id, name, invoice_email, created_at, updated_at) VALUES ($1, 'De Vries Fotografie', $2, $3, $3)",
        vec![t(&account), t(EMAIL), t(T)]).await;
    run(db, "INSERT INTO accounts (id, name, invoice_email, created_at, updated_at) VALUES ($1, 'Jansen BV', $2, $3, $3)",
        vec![t(&other_account), t(OTHER_EMAIL), t(T)]).await;
    let (contact, other_contact) = (id(), id());
    run(db, "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![t(&contact), t(NAME), t(&EMAIL.to_uppercase()), t("06-12345678"), t(&account), t(T)]).await;
    run(db, "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) VALUES ($1, $2, $3, '0201234567', $4, $5, $5)",
        vec![t(&other_contact), t(OTHER), t(OTHER_EMAIL), t(&other_account), t(T)]).await;
    let (deal, other_deal) = (id(), id());
    run(db, "INSERT INTO deals (id, title, value_cents, currency, stage, contact_id, owner_id, created_at, updated_at) VALUES ($1, 'Portraits for Jan de Vries', 100000, 'EUR', 'lead', $2, $3, $4, $4)",
        vec![t(&deal), t(&contact), t(staff), t(T)]).await;
    run(db, "INSERT INTO deals (id, title, value_cents, currency, stage, contact_id, created_at, updated_at) VALUES ($1, 'Shop for Piet', 5000, 'EUR', 'lead', $2, $3, $3)",
        vec![t(&other_deal), t(&other_contact), t(T)]).await;
    run(db, "INSERT INTO deal_stage_changes (id, deal_id, to_stage, changed_at, changed_by) VALUES ($1, $2, 'lead', $3, $4)",
        vec![t(&id()), t(&deal), t(T), t(staff)]).await;
    let (signed, draft) = (id(), id());
    run(db, "INSERT INTO contracts (id, title, body, status, account_id, document_sha256, sent_at, signer_name, signer_email, signer_address, signed_at, created_at, updated_at) \
             VALUES ($1, 'Agreement with Jan de Vries', 'Between Studio and Jan de Vries, jan.devries@example.nl', 'signed', $2, 'abc', $3, $4, $5, 'Dorpsstraat 1, Utrecht', $3, $3, $3)",
        vec![t(&signed), t(&account), t(T), t(NAME), t(EMAIL)]).await;
    run(db, "INSERT INTO contracts (id, title, body, status, account_id, signer_name, signer_email, created_at, updated_at) \
             VALUES ($1, 'Draft for Jan', 'Call Jan de Vries on +31 6 1234 5678', 'draft', $2, $3, $4, $5, $5)",
        vec![t(&draft), t(&account), t(NAME), t(EMAIL), t(T)]).await;
    let portal_user = id();
    run(db, "INSERT INTO portal_users (id, account_id, contact_id, email, name, role, status, invited_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'client_admin', 'active', $6, $7, $7)",
        vec![t(&portal_user), t(&account), t(&contact), t(EMAIL), t(NAME), t(staff), t(T)]).await;
    run(db, "INSERT INTO portal_login_links (id, portal_user_id, secret_hash, created_at, expires_at) VALUES ($1, $2, 'h1', $3, $3)",
        vec![t(&id()), t(&portal_user), t(T)]).await;
    run(db, "INSERT INTO portal_sessions (id, portal_user_id, account_id, secret_hash, created_at, last_seen_at, expires_at, client_ip, user_agent) VALUES ($1, $2, $3, 'h2', $4, $4, $4, '203.0.113.9', 'Firefox of Jan')",
        vec![t(&id()), t(&portal_user), t(&account), t(T)]).await;
    let link = id();
    run(db, "INSERT INTO signing_links (id, contract_id, signer_name, signer_email, portal_user_id, secret_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 'h3', $6, $7, $7)",
        vec![t(&link), t(&signed), t(NAME), t(EMAIL), t(&portal_user), t(staff), t(T)]).await;
    run(db, "INSERT INTO contract_signatures (contract_id, method, signer_name, signer_email, signed_at, client_ip, user_agent, document_sha256, signing_link_id) VALUES ($1, 'link', $2, $3, $4, '203.0.113.9', 'Firefox of Jan', 'abc', $5)",
        vec![t(&signed), t(NAME), t(EMAIL), t(T), t(&link)]).await;
    let (issued, draft_invoice) = (id(), id());
    run(db, "INSERT INTO invoices (id, number, status, currency, account_id, notes, issue_date, issue_month, due_date, buyer_name, buyer_street, buyer_postcode, buyer_city, buyer_country, buyer_email, issued_at, created_at, updated_at) \
             VALUES ($1, '2026-0001', 'issued', 'EUR', $2, 'Portraits of Jan de Vries', '2026-01-10', '2026-01', '2026-02-09', $3, 'Dorpsstraat 1', '3511AA', 'Utrecht', 'NL', $4, $5, $5, $5)",
        vec![t(&issued), t(&account), t(NAME), t(EMAIL), t(T)]).await;
    run(db, "INSERT INTO invoices (id, status, currency, account_id, notes, buyer_name, buyer_email, created_at, updated_at) VALUES ($1, 'draft', 'EUR', $2, 'For Jan de Vries', $3, $4, $5, $5)",
        vec![t(&draft_invoice), t(&account), t(NAME), t(EMAIL), t(T)]).await;
    run(db, "INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_cents, vat_rate_bp, net_cents, vat_cents) VALUES ($1, 1, 'Portrait session Jan de Vries', 1000, 10000, 2100, 10000, 2100)",
        vec![t(&issued)]).await;
    run(db, "INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_cents, vat_rate_bp, net_cents, vat_cents) VALUES ($1, 1, 'Prints for Jan de Vries', 1000, 10000, 2100, 10000, 2100)",
        vec![t(&draft_invoice)]).await;
    run(db, "INSERT INTO invoice_payments (id, invoice_id, amount_cents, paid_at, paid_month, reference, created_at) VALUES ($1, $2, 100, '2026-01-11', '2026-01', 'Payment J. de Vries / Jan de Vries', $3)",
        vec![t(&id()), t(&issued), t(T)]).await;
    run(db, "INSERT INTO invoice_deliveries (id, invoice_id, kind, recipient, language, state, queued_at, queued_by) VALUES ($1, $2, 'invoice', $3, 'nl', 'sent', $4, $5)",
        vec![t(&id()), t(&issued), t(EMAIL), t(T), t(staff)]).await;
    run(db, "INSERT INTO outbox (id, seq, event_type, subject_id, data, actor_id, actor_kind, client_ip, occurred_at) VALUES ($1, 1000001, 'contact.created', $2, '{\"note\":\"imported for jan.devries@example.nl\"}', $3, 'portal_user', '203.0.113.9', $4)",
        vec![t(&id()), t(&contact), t(&portal_user), t(T)]).await;
    let project = id();
    run(db, "INSERT INTO projects (id, name, description, account_id, status, billing_type, currency, created_at, updated_at) VALUES ($1, 'Portraits', 'Shoot with Jan de Vries', $2, 'active', 'time_and_materials', 'EUR', $3, $3)",
        vec![t(&project), t(&account), t(T)]).await;
    run(db, "INSERT INTO tasks (id, project_id, title, description, status, assignee_id, position, created_at, updated_at) VALUES ($1, $2, 'Call Jan', 'Phone +31 6 1234 5678', 'to_do', $3, 1, $4, $4)",
        vec![t(&id()), t(&project), t(staff), t(T)]).await;
    run(db, "INSERT INTO time_entries (id, person_id, project_id, work_date, work_month, minutes, billable, billable_minutes, description, status, rate_cents, cost_rate_cents, created_at, updated_at) VALUES ($1, $2, $3, '2026-01-10', '2026-01', 60, TRUE, 60, 'Meeting Jan de Vries', 'draft', 0, 0, $4, $4)",
        vec![t(&id()), t(staff), t(&project), t(T)]).await;
    let thread = id();
    run(db, "INSERT INTO message_threads (id, account_id, subject, created_at, last_message_at) VALUES ($1, $2, 'Questions from Jan de Vries', $3, $3)",
        vec![t(&thread), t(&account), t(T)]).await;
    run(db, "INSERT INTO messages (id, thread_id, portal_author_id, body, created_at) VALUES ($1, $2, $3, 'Hi, my new address is Kerkstraat 5', $4)",
        vec![t(&id()), t(&thread), t(&portal_user), t(T)]).await;
    run(db, "INSERT INTO messages (id, thread_id, staff_author_id, body, created_at) VALUES ($1, $2, $3, 'Thanks Jan de Vries, noted', $4)",
        vec![t(&id()), t(&thread), t(staff), t(T)]).await;
    run(db, "INSERT INTO files (id, account_id, name, content_type, size_bytes, sha256, bytes, uploaded_by_portal, created_at) VALUES ($1, $2, 'passport Jan de Vries.pdf', 'application/pdf', 3, 'x', $3, $4, $5)",
        vec![t(&id()), t(&account), V::from(b"abc".to_vec()), t(&portal_user), t(T)]).await;
    run(db, "INSERT INTO approvals (id, account_id, title, status, requested_by, requested_at, decided_by, decided_at, decision_comment) VALUES ($1, $2, 'Logo', 'approved', $3, $4, $5, $4, 'Fine by me')",
        vec![t(&id()), t(&account), t(staff), t(T), t(&portal_user)]).await;
    let site = id();
    run(db, "INSERT INTO sites (id, account_id, name, origins, consent_mode, consent_version, secret_hash, token, created_at, updated_at) VALUES ($1, $2, 'Shop', '[]', 'banner', 'v1', 'h', 'tok', $3, $3)",
        vec![t(&site), t(&account), t(T)]).await;
    let visitor = id();
    run(db, "INSERT INTO visitors (id, site_id, contact_id, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
        vec![t(&visitor), t(&site), t(&contact), t(T)]).await;
    run(db, "INSERT INTO tracking_events (id, site_id, event_id, name, occurred_at, received_at, day, page, click_ids, analytics, ads, ad_user_data, ad_personalization, consent_source, gpc, visit_hash, visitor_id, contact_id) \
             VALUES ($1, $2, 'e1', 'page_view', $3, $3, '2026-01-10', '/thanks?email=jan.devries@example.nl', '{\"gclid\":\"g1\"}', TRUE, TRUE, TRUE, TRUE, 'banner', FALSE, 'vh', $4, $5)",
        vec![t(&id()), t(&site), t(T), t(&visitor), t(&contact)]).await;
    run(db, "INSERT INTO consent_records (id, site_id, visitor_id, visit_hash, analytics, ads, ad_user_data, ad_personalization, source, gpc, recorded_at, day) VALUES ($1, $2, $3, 'vh', TRUE, TRUE, TRUE, TRUE, 'banner', FALSE, $4, '2026-01-10')",
        vec![t(&id()), t(&site), t(&visitor), t(T)]).await;
    run(db, "INSERT INTO touchpoints (id, site_id, visitor_id, contact_id, occurred_at, direct, ads, ad_user_data, ad_personalization) VALUES ($1, $2, $3, $4, $5, TRUE, TRUE, TRUE, TRUE)",
        vec![t(&id()), t(&site), t(&visitor), t(&contact), t(T)]).await;
    let destination = id();
    run(db, "INSERT INTO destinations (id, account_id, platform, name, kinds, settings, credentials_sealed, credentials_hint, created_at, updated_at) VALUES ($1, $2, 'meta', 'Meta', '[\"lead\"]', '{}', 'sealed', '1234', $3, $3)",
        vec![t(&destination), t(&account), t(T)]).await;
    let conversion = id();
    run(db, "INSERT INTO conversions (id, kind, subject_id, contact_id, account_id, site_id, attribution, order_id, analytics, ads, ad_user_data, ad_personalization, occurred_at, created_at) VALUES ($1, 'lead', $2, $2, $3, $4, 'attributed', $2, TRUE, TRUE, TRUE, TRUE, $5, $5)",
        vec![t(&conversion), t(&contact), t(&account), t(&site), t(T)]).await;
    let delivery = id();
    run(db, "INSERT INTO conversion_deliveries (id, conversion_id, destination_id, state, created_at) VALUES ($1, $2, $3, 'pending', $4)",
        vec![t(&delivery), t(&conversion), t(&destination), t(T)]).await;
    run(db, "INSERT INTO webhook_endpoints (id, url, secret, enabled, created_at, updated_at) VALUES ($1, 'https://hooks.example/x', 's', TRUE, $2, $2)",
        vec![t("01900000-0000-7000-8000-000000000001"), t(T)]).await;
    run(db, "INSERT INTO outbox (id, seq, event_type, subject_id, data, occurred_at) VALUES ($1, 1000002, 'contact.updated', $2, '{}', $3)",
        vec![t("01900000-0000-7000-8000-000000000002"), t(&other_contact), t(T)]).await;
    run(db, "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, state, last_response, created_at) VALUES ($1, '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000002', 'contact.updated', 'delivered', 'ok for jan.devries@example.nl', $2)",
        vec![t(&id()), t(T)]).await;
    Seeded {
        contact,
        other_contact,
        issued_invoice: issued,
        signed_contract: signed,
        portal_user,
        delivery,
    }
}

/// Every text in the company's database that still holds the person's name, address or phone
/// number: (table, column, the row's first column).
async fn traces(db: &TenantDb) -> BTreeSet<(String, String, String)> {
    // Every table the database has, not only those Silo lists.
    let list = match db.db().dialect() {
        silo_store::Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        silo_store::Dialect::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema()"
        }
    };
    let tables: Vec<String> = db
        .db()
        .fetch_all(list, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name").unwrap())
        .collect();
    assert!(tables.len() > 50, "{tables:?}");
    let needles = [
        NAME.to_lowercase(),
        EMAIL.to_lowercase(),
        "1234 5678".into(),
        "12345678".into(),
        "203.0.113.9".into(),
        "firefox of jan".into(),
        "kerkstraat".into(),
    ];
    let mut found = BTreeSet::new();
    for table in tables {
        let sql = silo_store::Sql::assembled(format!("SELECT * FROM {table}"));
        for row in db.db().fetch_all(sql, &[]).await.unwrap() {
            let first = match row.values().first() {
                Some(V::Text(Some(s))) => s.clone(),
                Some(V::Int(Some(i))) => i.to_string(),
                _ => String::new(),
            };
            for (column, value) in row.columns().iter().zip(row.values()) {
                let text = match value {
                    V::Text(Some(s)) => s.to_lowercase(),
                    V::Bytes(Some(b)) => String::from_utf8_lossy(b).to_lowercase(),
                    _ => continue,
                };
                if needles.iter().any(|n| text.contains(n.as_str())) {
                    found.insert((table.clone(), column.clone(), first.clone()));
                }
            }
        }
    }
    found
}

fn tables_of(report: &Value) -> BTreeSet<String> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["table"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_person_in_every_record_is_reported_and_erased_to_what_the_law_keeps() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Studio", "owner@studio.example").await;
    let sales = app
        .member_token("studio", "sam@studio.example", Role::Sales)
        .await;
    let staff = app
        .tenancy
        .control()
        .identity_by_email(&silo_contract::Email::parse("owner@studio.example").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let db = app.tenant_db(&company).await;
    let seeded = seed(&db, &staff).await;

    // Only owners and admins answer data requests.
    app.post("/api/privacy/report", Some(&sales), json!({"email": EMAIL}))
        .await
        .expect(403, "forbidden");
    // Nothing to look for, or too little, is refused and recorded nowhere.
    app.post("/api/privacy/report", Some(&owner), json!({}))
        .await
        .expect(422, "invalid");
    app.post("/api/privacy/report", Some(&owner), json!({"name": "Ja"}))
        .await
        .expect(422, "invalid");
    app.post(
        "/api/privacy/report",
        Some(&owner),
        json!({"phone": "12-34"}),
    )
    .await
    .expect(422, "invalid");
    let none = app.get("/api/privacy/requests", Some(&owner)).await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);

    // By e-mail address (in another case than stored): every kind of record of theirs.
    let report = app
        .post(
            "/api/privacy/report",
            Some(&owner),
            json!({"email": EMAIL.to_uppercase(), "phone": PHONE, "name": NAME}),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let expected: BTreeSet<String> = [
        "accounts",
        "contacts",
        "deals",
        "contracts",
        "invoices",
        "invoice_lines",
        "invoice_payments",
        "invoice_deliveries",
        "outbox",
        "webhook_deliveries",
        "projects",
        "tasks",
        "time_entries",
        "portal_users",
        "portal_login_links",
        "portal_sessions",
        "signing_links",
        "contract_signatures",
        "files",
        "approvals",
        "message_threads",
        "messages",
        "visitors",
        "tracking_events",
        "consent_records",
        "touchpoints",
        "conversions",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let listed = tables_of(&report.body);
    let missing: Vec<_> = expected.difference(&listed).collect();
    assert!(missing.is_empty(), "missing {missing:?} in {listed:?}");
    // The other person is in none of it.
    let text = report.body.to_string();
    assert!(!text.contains(OTHER) && !text.contains(&seeded.other_contact));
    assert!(text.contains(&seeded.contact));
    let contacts = &report.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["table"] == "contacts")
        .unwrap()["rows"];
    assert_eq!(contacts.as_array().unwrap().len(), 1);
    assert_eq!(contacts[0]["matched"], "own");
    assert_eq!(contacts[0]["fields"]["name"], NAME);
    // By phone alone (written differently): the contact and its linked records.
    let by_phone = app
        .post(
            "/api/privacy/report",
            Some(&owner),
            json!({"phone": "06 1234 5678"}),
        )
        .await;
    assert_eq!(by_phone.status, 200, "{}", by_phone.body);
    assert!(tables_of(&by_phone.body).contains("contacts"));
    assert!(tables_of(&by_phone.body).contains("visitors"));

    // The PDF for the person.
    let pdf = app
        .client
        .post(format!("{}/api/privacy/report/pdf", app.url))
        .bearer_auth(&owner)
        .json(&json!({"email": EMAIL, "lang": "nl"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf_text = silo_testkit::documents::pdf_text(&pdf.bytes().await.unwrap());
    for expected in [
        "Overzicht van persoonsgegevens",
        "Contactpersonen",
        NAME,
        "Facturen",
    ] {
        assert!(pdf_text.contains(expected), "{expected} in {pdf_text}");
    }

    // Erasure.
    let before = traces(&db).await;
    assert!(before.len() > 20, "{before:?}");
    app.post(
        "/api/privacy/erasure",
        Some(&sales),
        json!({"email": EMAIL}),
    )
    .await
    .expect(403, "forbidden");
    let erased = app
        .post(
            "/api/privacy/erasure",
            Some(&owner),
            json!({"email": EMAIL, "phone": PHONE, "name": NAME}),
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.body["kind"], "erasure");
    assert_eq!(
        erased.body["identified_by"],
        json!(["email", "phone", "name"])
    );
    let outcome = |table: &str| {
        erased.body["outcome"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["table"] == table)
            .cloned()
            .unwrap_or_else(|| panic!("{table} in {}", erased.body))
    };
    assert_eq!(outcome("contacts")["deleted"], 1);
    assert_eq!(outcome("portal_users")["anonymised"], 1);
    assert_eq!(outcome("invoices")["retained"], 1);

    // What is left, searched as an auditor would: only what the law keeps.
    let left: BTreeSet<(String, String, String)> = traces(&db).await;
    let allowed: BTreeSet<(String, String, String)> = [
        ("invoices", "notes", &seeded.issued_invoice),
        ("invoices", "buyer_name", &seeded.issued_invoice),
        ("invoice_lines", "description", &seeded.issued_invoice),
        ("contracts", "title", &seeded.signed_contract),
        ("contracts", "body", &seeded.signed_contract),
        ("contracts", "signer_name", &seeded.signed_contract),
        (
            "contract_signatures",
            "signer_name",
            &seeded.signed_contract,
        ),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.clone()))
    .collect();
    let unexpected: Vec<_> = left.difference(&allowed).collect();
    assert!(unexpected.is_empty(), "traces left: {unexpected:#?}");
    assert_eq!(left, allowed, "the kept fields are kept");

    // The other person's records are untouched.
    let other = app
        .get(
            &format!("/api/contacts/{}", seeded.other_contact),
            Some(&owner),
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["name"], OTHER);
    // The person's portal account is closed and their pending ad-platform delivery dropped.
    let row = db
        .db()
        .fetch_one(
            "SELECT status FROM portal_users WHERE id = $1",
            &[t(&seeded.portal_user)],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<String>("status").unwrap(), "removed");
    let row = db
        .db()
        .fetch_optional(
            "SELECT state FROM conversion_deliveries WHERE id = $1",
            &[t(&seeded.delivery)],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<String>("state").unwrap(), "dropped");
    // The contact is gone from the API too.
    app.get(&format!("/api/contacts/{}", seeded.contact), Some(&owner))
        .await
        .expect(404, "not_found");

    // The requests' history: four (three reports, one a PDF, and the erasure), newest first, counts only.
    let history = app.get("/api/privacy/requests", Some(&owner)).await;
    assert_eq!(history.status, 200);
    let items = history.body["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["erasure", "access", "access", "access"]);
    assert_eq!(items[0]["id"], erased.body["id"]);
    assert!(!history.body.to_string().to_lowercase().contains("vries"));
    // And the audit trail names the request, never the person.
    let request_id = erased.body["id"].as_str().unwrap().to_owned();
    eventually("the erasure is audited", || async {
        let audit = app
            .get("/api/audit?action=subject_request.&limit=100", Some(&owner))
            .await;
        let text = audit.body.to_string();
        assert!(!text.to_lowercase().contains("vries"), "{text}");
        audit.body["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "subject_request.erase"
                && e["target"].as_str().unwrap_or("").contains(&request_id)
        })
    })
    .await;
}

async fn closed_deals_past_the_retention_go_and_younger_ones_stay() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Keeper", "kim@keeper.example").await;
    let viewer = app
        .member_token("keeper", "vic@keeper.example", Role::Viewer)
        .await;
    let db = app.tenant_db(&company).await;
    let today = time::macros::date!(2026 - 12 - 01);
    let defaults = app.get("/api/privacy/retention", Some(&owner)).await;
    assert_eq!(defaults.status, 200);
    assert_eq!(
        defaults.body,
        json!({"closed_deal_months": null, "audit_months": null, "event_retention_months": 13})
    );
    // Without a setting nothing is removed and no job is queued.
    assert!(
        !silo_domain::privacy::retention::queue_daily(&db, today)
            .await
            .unwrap()
    );

    app.put(
        "/api/privacy/retention",
        Some(&viewer),
        json!({"closed_deal_months": 6}),
    )
    .await
    .expect(403, "forbidden");
    app.put(
        "/api/privacy/retention",
        Some(&owner),
        json!({"closed_deal_months": 0}),
    )
    .await
    .expect(422, "invalid");
    let set = app
        .put(
            "/api/privacy/retention",
            Some(&owner),
            json!({"closed_deal_months": 6}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["closed_deal_months"], 6);
    assert_eq!(set.body["audit_months"], serde_json::Value::Null);
    assert_eq!(set.body["event_retention_months"], 13);

    let deals = [
        ("won-old", "won", Some("2026-05-31T23:59:59.000000Z")),
        ("lost-old", "lost", Some("2025-01-01T00:00:00.000000Z")),
        ("won-young", "won", Some("2026-06-01T00:00:00.000000Z")),
        ("open-old", "lead", None),
    ];
    for (title, stage, closed) in deals {
        run(&db, "INSERT INTO deals (id, title, value_cents, currency, stage, closed_at, created_at, updated_at) VALUES ($1, $2, 1, 'EUR', $3, $4, '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z')",
            vec![t(&id()), t(title), t(stage), V::from(closed.map(str::to_owned))]).await;
    }
    assert!(
        silo_domain::privacy::retention::queue_daily(&db, today)
            .await
            .unwrap()
    );
    assert!(
        !silo_domain::privacy::retention::queue_daily(&db, today)
            .await
            .unwrap()
    );
    let removed = silo_domain::privacy::retention::apply(&db, today)
        .await
        .unwrap();
    assert_eq!(removed.deals, 2);
    let left: Vec<String> = db
        .db()
        .fetch_all("SELECT title FROM deals ORDER BY title", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("title").unwrap())
        .collect();
    assert_eq!(left, ["open-old", "won-young"]);
    let applied = db
        .db()
        .fetch_one(
            "SELECT data FROM outbox WHERE event_type = 'retention.applied'",
            &[],
        )
        .await
        .unwrap();
    let data: Value = serde_json::from_str(&applied.get::<String>("data").unwrap()).unwrap();
    assert_eq!(data["deals"], 2);

    // null keeps closed deals for ever again; the events setting is the attribution one; a
    // field left out keeps its value.
    let audit = app
        .put(
            "/api/privacy/retention",
            Some(&owner),
            json!({"audit_months": 24}),
        )
        .await;
    assert_eq!(audit.body["closed_deal_months"], 6, "{}", audit.body);
    let cleared = app
        .put(
            "/api/privacy/retention",
            Some(&owner),
            json!({"closed_deal_months": null, "event_retention_months": 24}),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(
        cleared.body,
        json!({"closed_deal_months": null, "audit_months": 24, "event_retention_months": 24})
    );
    // The audit records go up to the first kept day's midnight.
    let removed = silo_domain::privacy::retention::apply(&db, today)
        .await
        .unwrap();
    assert_eq!(
        removed.audit_before.map(|t| t.to_string()),
        Some("2024-12-01T00:00:00.000000Z".to_owned())
    );
    let attribution = app.get("/api/attribution/settings", Some(&owner)).await;
    assert_eq!(attribution.body["event_retention_months"], 24);
    assert_eq!(
        silo_domain::privacy::retention::apply(&db, today)
            .await
            .unwrap()
            .deals,
        0
    );
}

/// The worker queues and runs the retention job by itself: an old closed deal goes, the
/// removal is audited, and the audit chain (pruned up to the cutoff, nothing being that old
/// here) still verifies.
async fn the_worker_applies_the_retention_every_day() {
    let app = spawn_with(silo_server::ServerConfig {
        worker: Some(silo_worker::WorkerConfig {
            sweep: Some(std::time::Duration::from_millis(300)),
            ..silo_worker::WorkerConfig::default()
        }),
        ..silo_server::ServerConfig::default()
    })
    .await;
    let (owner, company) = app.signup("Sweeper", "sue@sweeper.example").await;
    let db = app.tenant_db(&company).await;
    run(&db, "INSERT INTO deals (id, title, value_cents, currency, stage, closed_at, created_at, updated_at) VALUES ($1, 'ancient', 1, 'EUR', 'lost', '2001-01-01T00:00:00.000000Z', '2001-01-01T00:00:00.000000Z', '2001-01-01T00:00:00.000000Z')",
        vec![t(&id())]).await;
    let set = app
        .put(
            "/api/privacy/retention",
            Some(&owner),
            json!({"closed_deal_months": 1, "audit_months": 12}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    eventually("the retention job ran", || async {
        let row = db
            .db()
            .fetch_one("SELECT COUNT(*) AS n FROM deals", &[])
            .await
            .unwrap();
        row.get::<i64>("n").unwrap() == 0
    })
    .await;
    eventually("the removal is audited", || async {
        let audit = app
            .get("/api/audit?action=retention.&limit=10", Some(&owner))
            .await;
        audit.body["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["action"] == "retention.apply"))
    })
    .await;
    let reports = app
        .tenancy
        .control()
        .verify_audit(Some(company.parse().unwrap()))
        .await
        .unwrap();
    assert!(reports[0].first_broken.is_none(), "{reports:?}");
}

silo_testkit::backend_tests!(
    a_person_in_every_record_is_reported_and_erased_to_what_the_law_keeps,
    closed_deals_past_the_retention_go_and_younger_ones_stay,
    the_worker_applies_the_retention_every_day
);
