#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Business rules on real SQLite tenant files: state machines, invoice numbering under
//! concurrency, the contact limit, rounding as stored, and list search and paging.

use serde::de::DeserializeOwned;
use serde_json::json;
use silo_domain::Origin;
use silo_domain::{
    DomainError, ListParams, accounts, billing, contacts, contracts, deals, invoices, invoicing,
    payments, reports, signing,
};
use silo_schema::TENANT_MIGRATIONS;
use silo_store::TenantDb;

async fn tenant() -> (tempfile::TempDir, TenantDb) {
    let dir = tempfile::tempdir().unwrap();
    let db = silo_store::sqlite::create_new(&dir.path().join("t.sqlite3"), Default::default())
        .await
        .unwrap();
    silo_store::migrate(&db, &TENANT_MIGRATIONS).await.unwrap();
    (dir, TenantDb::from_resolved(db))
}

fn input<T: DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn code(e: DomainError) -> String {
    match e {
        DomainError::Conflict { code, .. } => code.as_str().to_owned(),
        DomainError::Invalid(fields) => format!(
            "invalid:{}",
            fields.keys().cloned().collect::<Vec<_>>().join(",")
        ),
        DomainError::Limit(_) => "limit".into(),
        DomainError::Forbidden => "forbidden".into(),
        DomainError::NotFound => "not_found".into(),
        DomainError::Store(e) => format!("store:{e}"),
    }
}

/// The seller's details an invoice needs before it is issued.
async fn seller(db: &TenantDb) {
    invoicing::update(
        db,
        input(
            json!({"legal_name": "Acme B.V.", "street": "Keizersgracht 1", "postcode": "1015 AA",
            "city": "Amsterdam", "country": "NL", "kvk_number": "12345678",
            "vat_id": "NL004495445B01", "iban": "NL91ABNA0417164300"}),
        ),
        &Origin::system(),
    )
    .await
    .unwrap();
}

/// A client with the details an invoice needs.
async fn client(db: &TenantDb) -> uuid::Uuid {
    accounts::create(
        db,
        input(
            json!({"name": "Client", "street": "Main 2", "postcode": "1000 AA",
            "city": "Amsterdam", "country": "NL", "kvk_number": "87654321",
            "invoice_email": "ap@client.example"}),
        ),
        &Origin::system(),
    )
    .await
    .unwrap()
    .id
}

async fn draft_invoice(db: &TenantDb) -> invoices::Invoice {
    seller(db).await;
    let account = client(db).await;
    invoices::create(
        db,
        input(json!({"account_id": account, "lines": [
            {"description": "Design", "quantity": 1.5, "unit_cents": 333, "vat_rate_bp": 2100},
            {"description": "Hosting", "quantity": 3, "unit_cents": 2, "vat_rate_bp": 2100},
            {"description": "Book", "quantity": 1, "unit_cents": 150, "vat_rate_bp": 900},
        ]})),
        &Origin::system(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn invoice_totals_are_rounded_per_line_and_stored() {
    let (_dir, db) = tenant().await;
    let inv = draft_invoice(&db).await;
    // 1.5 × 333 = 499.5 -> 500, VAT 105; 3 × 2 = 6, VAT 1.26 -> 1; 150 at 9 % = 13.5 -> 14.
    assert_eq!(inv.subtotal_cents.get(), 656);
    assert_eq!(inv.vat_cents.get(), 120);
    assert_eq!(inv.total_cents.get(), 776);
    let again = invoices::get(&db, inv.id).await.unwrap();
    assert_eq!(again.lines.len(), 3);
    assert_eq!(again.lines[0].net_cents.get(), 500);
    assert_eq!(
        serde_json::to_value(again.lines[0].quantity).unwrap(),
        json!(1.5)
    );
    assert_eq!(
        serde_json::to_value(again.lines[1].quantity).unwrap(),
        json!(3)
    );

    let err = invoices::create(
        &db,
        input(json!({"lines": [{"description": "x", "unit_cents": 100_000_000_000_000_i64, "quantity": 1000000000}]})),
        &Origin::system(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "invalid:lines[0].unit_cents");
}

#[tokio::test]
async fn forty_concurrent_issues_take_forty_numbers_without_gaps() {
    let (_dir, db) = tenant().await;
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(draft_invoice(&db).await.id);
    }
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let db = db.clone();
            tokio::spawn(async move {
                billing::issue(
                    &db,
                    id,
                    input(json!({"issue_date": "2026-03-15"})),
                    &Origin::system(),
                )
                .await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap().number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=40).map(|n| format!("2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn issued_invoices_are_locked_and_paid_in_parts() {
    let (_dir, db) = tenant().await;
    invoicing::update(
        &db,
        input(
            json!({"invoice_prefix": "ACME-", "payment_terms_days": 14, "legal_name": "Acme B.V.",
                     "iban": "NL91ABNA0417164300"}),
        ),
        &Origin::system(),
    )
    .await
    .unwrap();
    let inv = draft_invoice(&db).await;
    let err = payments::pay(
        &db,
        inv.id,
        input(json!({"amount_cents": 100})),
        &Origin::system(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "invalid_transition");

    let issued = billing::issue(
        &db,
        inv.id,
        input(json!({"issue_date": "2025-12-20"})),
        &Origin::system(),
    )
    .await
    .unwrap();
    assert_eq!(issued.number.as_deref(), Some("ACME-2025-0001"));
    assert_eq!(issued.due_date.as_deref(), Some("2026-01-03"));
    assert_eq!(
        issued.seller.as_ref().unwrap().legal_name.as_deref(),
        Some("Acme B.V.")
    );

    let err = invoices::update(&db, inv.id, input(json!({"lines": []})), &Origin::system())
        .await
        .unwrap_err();
    assert_eq!(code(err), "invoice_locked");
    let err = billing::issue(&db, inv.id, input(json!({})), &Origin::system())
        .await
        .unwrap_err();
    assert_eq!(code(err), "invalid_transition");

    let part = payments::pay(
        &db,
        inv.id,
        input(json!({"amount_cents": 700, "paid_at": "2026-01-02"})),
        &Origin::system(),
    )
    .await
    .unwrap();
    assert_eq!(
        (part.status, part.paid_cents.get()),
        (invoices::InvoiceStatus::Issued, 700)
    );
    let paid = payments::pay(
        &db,
        inv.id,
        input(json!({"amount_cents": 76, "method": "bank"})),
        &Origin::system(),
    )
    .await
    .unwrap();
    assert_eq!(
        (paid.status, paid.paid_cents.get()),
        (invoices::InvoiceStatus::Paid, 776)
    );
    assert!(paid.paid_at.is_some());
    assert_eq!(paid.payments.len(), 2);
    let err = payments::pay(
        &db,
        inv.id,
        input(json!({"amount_cents": 1})),
        &Origin::system(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "invalid_transition");

    let report = reports::revenue(&db, &Default::default()).await.unwrap();
    let dec = report.months.iter().find(|m| m.month == "2025-12").unwrap();
    assert_eq!((dec.invoiced_cents, dec.paid_cents), (776, 0));
    let jan = report.months.iter().find(|m| m.month == "2026-01").unwrap();
    assert_eq!(jan.paid_cents, 700);
}

#[tokio::test]
async fn contracts_freeze_when_sent_and_record_the_signature() {
    let (_dir, db) = tenant().await;
    let body = "Terms.\n  Indented line; 'quoted' %_\\\n";
    let c = contracts::create(
        &db,
        input(json!({"title": "MSA", "body": body})),
        &Origin::system(),
    )
    .await
    .unwrap();
    assert_eq!(c.body, body, "the body is kept byte for byte");
    let req = input::<signing::SendContract>(
        json!({"signer_name": "Bo Client", "signer_email": "Bo@Client.example"}),
    )
    .check()
    .unwrap();
    let link = uuid::Uuid::new_v4();
    let new = signing::NewLink {
        id: link,
        secret_hash: "hash-of-the-secret",
        created_by: uuid::Uuid::now_v7(),
    };
    let sent = signing::send(&db, c.id, &req, new, &Origin::system())
        .await
        .unwrap();
    assert_eq!(sent.contract.status, contracts::ContractStatus::Sent);
    assert_eq!(sent.link.signer_email, "bo@client.example");
    let err = contracts::update(
        &db,
        c.id,
        input(json!({"body": "changed"})),
        &Origin::system(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "contract_locked");
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let request = silo_domain::portal::RequestOrigin {
        client_ip: Some("192.0.2.7".into()),
        request_id: None,
        user_agent: Some("Browser".into()),
    };
    let fields = || {
        input::<signing::SignFields>(json!({"name": "Bo Client", "consent": true,
                                             "document_sha256": expected}))
    };
    // Another secret is no link; the link's own opens the contract without using it.
    let err = signing::open_link(&db, link, "another").await.unwrap_err();
    assert_eq!(code(err), "invalid:token");
    let shown = signing::open_link(&db, link, "hash-of-the-secret")
        .await
        .unwrap();
    assert_eq!(shown.contract.body, body);
    let signed = signing::sign_by_link(&db, link, "hash-of-the-secret", fields(), &request, "Acme")
        .await
        .unwrap();
    assert_eq!(signed.document_sha256, expected);
    let err = signing::sign_by_link(&db, link, "hash-of-the-secret", fields(), &request, "Acme")
        .await
        .unwrap_err();
    assert_eq!(code(err), "invalid:token", "once");
    let signed = contracts::get(&db, c.id).await.unwrap();
    assert_eq!(signed.document_sha256.as_deref(), Some(expected.as_str()));
    let by = signed.signed_by.unwrap();
    assert_eq!(
        (by.name.as_str(), by.email.as_str()),
        ("Bo Client", "bo@client.example")
    );
    assert_eq!(by.address.as_deref(), Some("192.0.2.7"));
    let sig = signed.signature.unwrap();
    assert_eq!(sig.method, contracts::SignatureMethod::Link);
    assert_eq!(sig.signing_link_id, Some(link));
    assert_eq!(sig.user_agent.as_deref(), Some("Browser"));
    let pdf = signing::signed_pdf(&db, c.id).await.unwrap();
    assert_eq!(sig.pdf_sha256, Some(contracts::sha256_hex(&pdf)));
    assert!(signed.signed_at.is_some());
    let err = contracts::update(&db, c.id, input(json!({"title": "x"})), &Origin::system())
        .await
        .unwrap_err();
    assert_eq!(code(err), "contract_locked");
}

#[tokio::test]
async fn deal_stages_are_recorded_and_closed_deals_are_final() {
    let (_dir, db) = tenant().await;
    let owner = uuid::Uuid::now_v7();
    let d = deals::create(
        &db,
        input(json!({"title": "Site", "value_cents": 500_000, "source": "referral"})),
        &crate::common_actor(Some(owner)),
    )
    .await
    .unwrap();
    assert_eq!((d.stage, d.owner_id), (deals::Stage::Lead, Some(owner)));
    for stage in ["qualified", "proposal", "won"] {
        deals::update(
            &db,
            d.id,
            input(json!({"stage": stage})),
            &crate::common_actor(Some(owner)),
        )
        .await
        .unwrap();
    }
    let won = deals::get(&db, d.id).await.unwrap();
    let history: Vec<_> = won
        .stage_history
        .unwrap()
        .iter()
        .map(|c| c.to.clone())
        .collect();
    assert_eq!(history, ["lead", "qualified", "proposal", "won"]);
    assert!(won.closed_at.is_some());
    let err = deals::update(
        &db,
        d.id,
        input(json!({"stage": "lead"})),
        &crate::common_actor(None),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "invalid_transition");
    let err = deals::create(
        &db,
        input(json!({"title": "x", "value_cents": -1, "currency": "euro"})),
        &crate::common_actor(None),
    )
    .await
    .unwrap_err();
    assert_eq!(code(err), "invalid:currency,value_cents");
    let report = reports::revenue(&db, &Default::default()).await.unwrap();
    let month = &report.months[0];
    assert_eq!(month.won_cents, 500_000);
    assert_eq!(month.won_by_source.get("referral"), Some(&500_000));
}

#[tokio::test]
async fn contact_limit_counts_and_inserts_in_one_transaction() {
    let (_dir, db) = tenant().await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                contacts::create(
                    &db,
                    input(json!({"name": format!("C{i}")})),
                    Some(3),
                    &Origin::system(),
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(code(e), "limit"),
        }
    }
    assert_eq!(created, 3);
    let all = contacts::list(
        &db,
        &ListParams {
            limit: 100,
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn search_treats_wildcards_literally_and_pages_by_id() {
    let (_dir, db) = tenant().await;
    for name in [
        "Robert'); DROP TABLE contacts;--",
        "100% _real_",
        "1000 real",
        "Ann",
    ] {
        contacts::create(
            &db,
            input(json!({"name": name, "email": format!("{}@x.example", name.len())})),
            None,
            &Origin::system(),
        )
        .await
        .unwrap();
    }
    let q = |q: &str| ListParams {
        limit: 10,
        q: Some(q.into()),
        after: None,
    };
    let hits = contacts::list(&db, &q("0% _"), None).await.unwrap();
    assert_eq!(
        hits.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["100% _real_"]
    );
    assert_eq!(
        contacts::list(&db, &q("drop table"), None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(contacts::list(&db, &q("ANN"), None).await.unwrap().len(), 1);
    assert_eq!(
        contacts::list(&db, &q("3@x.EXAMPLE"), None).await.unwrap()[0].name,
        "Ann"
    );
    let first = contacts::list(
        &db,
        &ListParams {
            limit: 2,
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    let rest = contacts::list(
        &db,
        &ListParams {
            limit: 10,
            after: Some(first[1].id),
            q: None,
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(first.len() + rest.len(), 4);
    assert!(rest.iter().all(|c| c.id > first[1].id));
}
