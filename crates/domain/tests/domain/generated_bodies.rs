#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The stable stand-in for the `json_bodies` fuzz target (`fuzz/`): a few thousand seeded
//! request bodies, generated and mutated from valid ones, through the same entry points the
//! HTTP handlers use (deserialize, then the domain's create or update on a real tenant file).
//! A body either fails to deserialize (400), or the domain accepts it or refuses it as invalid,
//! conflicting, not found or over a limit (4xx); a storage error (500) or a panic fails.
//!
//! `SILO_FUZZ_SEED=<n>` replays a run; the seed is printed.

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use silo_domain::{DomainError, DomainResult, Origin, accounts, contacts, deals, invoices};
use silo_schema::TENANT_MIGRATIONS;
use silo_store::TenantDb;
use std::fmt::Debug;

fn seeds(account: &str) -> Vec<Value> {
    vec![
        json!({"name": "Acme", "website": "https://acme.example"}),
        json!({"name": "Ann", "email": "ann@acme.example", "phone": "+31 20", "account_id": account}),
        json!({"title": "Site", "value_cents": 100_000, "currency": "EUR", "stage": "lead",
               "account_id": account, "expected_close_date": "2026-03-01", "source": "web"}),
        json!({"currency": "EUR", "account_id": account, "due_date": "2026-04-01", "notes": "n",
               "lines": [{"description": "work", "quantity": 1.5, "unit_cents": 9_999, "vat_rate_bp": 2100}]}),
    ]
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..14) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>()),
        3 => json!([i64::MAX, i64::MIN, -1, 0, 1, u64::MAX as i64][rng.random_range(0..6)]),
        4 => json!(u64::MAX),
        5 => json!(rng.random::<f64>() * 1e6 - 5e5),
        6 => json!("x".repeat(rng.random_range(0..2000))),
        7 => json!(
            [
                "",
                " ",
                "\u{0}",
                "é🙂",
                "lead",
                "won",
                "EUR",
                "eur",
                "2026-02-30",
                "not-a-uuid",
                "01930000-0000-7000-8000-000000000000",
                "a@b",
                "%_\\",
                "'; DROP TABLE accounts;--"
            ][rng.random_range(0..14)]
        ),
        8 if depth < 4 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        9 if depth < 4 => {
            json!({"description": random_value(rng, depth + 1), "quantity": random_value(rng, depth + 1),
                                 "unit_cents": random_value(rng, depth + 1), "vat_rate_bp": random_value(rng, depth + 1)})
        }
        10 => json!(rng.random_range(-10_000..10_000)),
        11 => json!(1e300),
        _ => json!(rng.random_range(0..100_000_000_000_000_i64)),
    }
}

const FIELDS: [&str; 17] = [
    "name",
    "website",
    "email",
    "phone",
    "account_id",
    "title",
    "value_cents",
    "currency",
    "stage",
    "source",
    "contact_id",
    "owner_id",
    "expected_close_date",
    "due_date",
    "notes",
    "lines",
    "deal_id",
];

fn generate(rng: &mut StdRng, seeds: &[Value]) -> Vec<u8> {
    let mut v = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(0..4) {
        let field = FIELDS[rng.random_range(0..FIELDS.len())];
        match rng.random_range(0..3) {
            0 => {
                v.as_object_mut().unwrap().remove(field);
            }
            _ => v[field] = random_value(rng, 0),
        }
    }
    let mut bytes = serde_json::to_vec(&v).unwrap();
    if rng.random_range(0..4) == 0 && !bytes.is_empty() {
        // Byte-level damage too: most of it is then a syntax error, some of it still parses.
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = rng.random();
        }
    }
    bytes
}

/// A domain answer a handler turns into 2xx or 4xx; a storage error would be a 500.
#[track_caller]
fn acceptable<T: Debug>(result: DomainResult<T>, input: &[u8], seed: u64) -> bool {
    match result {
        Ok(_) => true,
        Err(DomainError::Store(e)) => panic!(
            "seed {seed}: {:?} reached storage as an error: {e}",
            String::from_utf8_lossy(input)
        ),
        Err(_) => false,
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

#[tokio::test]
async fn generated_bodies_are_accepted_or_refused_never_errors() {
    let seed: u64 = std::env::var("SILO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("generated bodies seed: {seed} (SILO_FUZZ_SEED={seed} replays)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = silo_store::sqlite::create_new(&dir.path().join("t.sqlite3"), Default::default())
        .await
        .unwrap();
    silo_store::migrate(&db, &TENANT_MIGRATIONS).await.unwrap();
    let db = TenantDb::from_resolved(db);
    let account = accounts::create(
        &db,
        serde_json::from_value(json!({"name": "Base"})).unwrap(),
        &Origin::system(),
    )
    .await
    .unwrap();
    let deal = deals::create(
        &db,
        serde_json::from_value(json!({"title": "Base"})).unwrap(),
        &crate::common_actor(None),
    )
    .await
    .unwrap();
    let seeds = seeds(&account.id.to_string());
    let (mut parsed, mut accepted) = (0, 0);
    for _ in 0..3000 {
        let body = generate(&mut rng, &seeds);
        let mut ok = Vec::new();
        if let Some(new) = parse(&body) {
            ok.push(acceptable(
                accounts::create(&db, new, &Origin::system()).await,
                &body,
                seed,
            ));
        }
        if let Some(new) = parse(&body) {
            ok.push(acceptable(
                contacts::create(&db, new, Some(100_000), &Origin::system()).await,
                &body,
                seed,
            ));
        }
        if let Some(new) = parse(&body) {
            ok.push(acceptable(
                deals::create(&db, new, &crate::common_actor(None)).await,
                &body,
                seed,
            ));
        }
        if let Some(new) = parse(&body) {
            ok.push(acceptable(
                invoices::create(&db, new, &Origin::system()).await,
                &body,
                seed,
            ));
        }
        if let Some(patch) = parse(&body) {
            ok.push(acceptable(
                accounts::update(&db, account.id, patch, &Origin::system()).await,
                &body,
                seed,
            ));
        }
        if let Some(patch) = parse(&body) {
            ok.push(acceptable(
                deals::update(&db, deal.id, patch, &crate::common_actor(None)).await,
                &body,
                seed,
            ));
        }
        parsed += ok.len();
        accepted += ok.iter().filter(|a| **a).count();
    }
    println!("generated bodies: {parsed} parsed, {accepted} accepted");
    assert!(
        parsed > 1000 && accepted > 100,
        "the generator must reach the domain"
    );
}
